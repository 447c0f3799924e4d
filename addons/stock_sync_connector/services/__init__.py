from . import backend_config
from . import inbound_event
from . import one_by_one
from . import rate_limit
from . import webhook_request
