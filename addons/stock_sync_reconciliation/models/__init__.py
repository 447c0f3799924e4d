from . import stock_sync_reconciliation_tolerance
from . import stock_sync_reconciliation
from . import stock_sync_reconciliation_snapshot
from . import stock_sync_reconciliation_line
from . import stock_move
from . import stock_quant
from . import stock_sync_backend
