from . import stock_sync_backend
