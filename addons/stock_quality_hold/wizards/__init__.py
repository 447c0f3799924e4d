from . import stock_quality_hold_wizard
