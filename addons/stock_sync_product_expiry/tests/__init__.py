from . import test_lot_dates
