from . import test_hold_events
from . import test_disposal_events
