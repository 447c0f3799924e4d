from . import stock_sync_dashboard
