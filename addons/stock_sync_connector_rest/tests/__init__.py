from . import test_webhook_security
from . import test_inbound_mapping
from . import test_inbound_operations
from . import test_outbound
from . import test_polling
from . import test_backend
from . import test_expected_receipts
from . import test_inbound_shiphero
