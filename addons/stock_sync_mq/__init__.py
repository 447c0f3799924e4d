from . import services
from . import models
