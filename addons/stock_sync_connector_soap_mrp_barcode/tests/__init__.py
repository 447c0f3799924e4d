from . import test_mes_consumption
