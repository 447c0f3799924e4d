from . import test_atp
