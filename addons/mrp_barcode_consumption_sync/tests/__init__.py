from . import test_scan_events
from . import test_scan_coalescing
