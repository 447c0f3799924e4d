from . import test_bucket_compare
