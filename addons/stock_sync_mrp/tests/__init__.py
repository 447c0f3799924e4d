from . import test_capture_batch
from . import test_manufacturing_events
from . import test_ledger_kits
from . import test_ledger_mrp_done_changes
from . import test_ledger_mrp_flows
from . import test_ledger_unbuild
