from . import stock_move
from . import stock_picking
from . import stock_sync_event
