from . import test_device_endpoint
