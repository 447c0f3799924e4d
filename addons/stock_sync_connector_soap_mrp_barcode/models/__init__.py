from . import stock_sync_inbound
