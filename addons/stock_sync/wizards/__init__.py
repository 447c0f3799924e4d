from . import stock_sync_delivery_cancel
from . import stock_sync_replay
