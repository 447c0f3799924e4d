from . import test_backend
from . import test_inbound
from . import test_outbound
from . import test_push
