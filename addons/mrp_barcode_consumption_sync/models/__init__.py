from . import res_company
from . import res_config_settings
from . import mrp_workcenter
from . import mrp_barcode_coalesced_line
from . import mrp_production
from . import stock_move_line
from . import stock_sync_event
from . import stock_sync_on_hand
