from . import test_held_components_ledger
