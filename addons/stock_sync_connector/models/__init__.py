from . import stock_sync_backend
from . import stock_sync_xref_mixin
from . import stock_sync_xref_product
from . import stock_sync_xref_uom
from . import stock_sync_xref_location
from . import stock_sync_inbound
from . import stock_sync_endpoint
from . import stock_move
