from . import test_status_inbound
from . import test_status_outbound
