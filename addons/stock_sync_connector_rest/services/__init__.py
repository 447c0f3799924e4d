from . import rest_client
from . import rest_adapters
from . import rest_mapping
from . import rest_transport
