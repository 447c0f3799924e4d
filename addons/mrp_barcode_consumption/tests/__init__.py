from . import test_device_endpoint
from . import test_tour
