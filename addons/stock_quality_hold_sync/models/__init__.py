from . import stock_quality_hold_history
from . import stock_sync_event
