from . import stock_sync_reconciliation
