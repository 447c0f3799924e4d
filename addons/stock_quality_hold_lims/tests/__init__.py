from . import test_bad_input
from . import test_end_to_end
from . import test_order_and_timing
