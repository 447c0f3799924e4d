from . import test_capture
from . import test_routing
from . import test_security
from . import test_services
from . import test_exception_queue
from . import test_tour
