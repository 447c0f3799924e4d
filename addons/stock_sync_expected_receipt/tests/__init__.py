from . import test_expected_receipt
