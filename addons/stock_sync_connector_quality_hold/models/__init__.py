from . import stock_sync_xref_status
from . import stock_sync_backend
from . import stock_sync_inbound
