from . import test_config
from . import test_mqtt_outbound
from . import test_amqp_outbound
from . import test_mqtt_inbound
from . import test_amqp_inbound
