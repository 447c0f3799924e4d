from . import test_scan_events
