from . import test_pull_reconcile
