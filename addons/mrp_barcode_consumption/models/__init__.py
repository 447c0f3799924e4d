from . import barcode_rule
from . import res_company
from . import res_config_settings
from . import mrp_barcode_scan
from . import stock_move
from . import mrp_production
from . import ir_http
