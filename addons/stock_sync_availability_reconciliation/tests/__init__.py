from . import test_dashboard_accuracy
