from . import test_inspection_hold
