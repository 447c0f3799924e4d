from . import test_hold_events
from . import test_receipt_inspection_ledger
from . import test_disposal_events
