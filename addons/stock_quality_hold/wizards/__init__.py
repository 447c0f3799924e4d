from . import stock_quality_wizard_mixin
from . import stock_quality_hold_wizard
from . import stock_quality_disposal_wizard
