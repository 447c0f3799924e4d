from . import test_manufacturing_events
