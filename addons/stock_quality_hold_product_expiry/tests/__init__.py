from . import test_expiry_quarantine
