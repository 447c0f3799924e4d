from . import qc_inspection
from . import qc_inspection_hold
from . import stock_picking
from . import stock_quality_hold_history
