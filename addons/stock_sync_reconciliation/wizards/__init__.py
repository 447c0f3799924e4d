from . import stock_sync_reconciliation_import
