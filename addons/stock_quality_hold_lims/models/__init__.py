from . import product_category
from . import stock_quality_lims_disposition
from . import stock_lot
from . import stock_move
from . import stock_quality_hold_history
from . import stock_sync_backend
from . import stock_sync_inbound
