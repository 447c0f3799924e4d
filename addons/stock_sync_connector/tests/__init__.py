from . import test_inbound_event
