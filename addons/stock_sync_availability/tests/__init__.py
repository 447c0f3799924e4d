from . import test_api
from . import test_atp
from . import test_channel
from . import test_publish
from . import test_dashboard
from . import test_dashboard_tour
