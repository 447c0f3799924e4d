from . import product_product
from . import stock_sync_dashboard
from . import stock_sync_demo
