from . import mrp_production
from . import mrp_unbuild
from . import stock_move
from . import stock_move_line
