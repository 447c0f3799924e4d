from . import test_hold_events
