from . import mes_events
from . import soap_client
from . import soap_mapping
from . import soap_push
from . import soap_transport
