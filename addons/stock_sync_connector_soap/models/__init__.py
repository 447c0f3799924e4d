from . import stock_sync_backend
from . import stock_sync_endpoint
from . import stock_sync_inbound
