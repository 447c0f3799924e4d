from . import stock_location
from . import stock_warehouse
from . import stock_quality_hold_reason
from . import stock_quality_hold_history
from . import stock_lot
from . import stock_quant
from . import stock_move_line
