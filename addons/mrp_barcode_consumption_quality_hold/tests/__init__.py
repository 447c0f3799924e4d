from . import test_scan_held_lots
