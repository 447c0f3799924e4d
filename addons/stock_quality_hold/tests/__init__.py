from . import test_bad_input
from . import test_buckets
from . import test_delivery_reservation
from . import test_hold_release
from . import test_permissions
from . import test_recall
from . import test_tour
from . import test_disposal
