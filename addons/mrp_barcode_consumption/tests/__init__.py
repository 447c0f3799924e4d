from . import test_device_endpoint
from . import test_consume
from . import test_bad_input
from . import test_lots_serials
from . import test_gs1
from . import test_idempotency
from . import test_undo_close
from . import test_tour
