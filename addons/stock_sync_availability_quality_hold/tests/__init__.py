from . import test_atp_inspection
from . import test_dashboard_held_stock
