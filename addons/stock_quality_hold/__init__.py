from . import models
from . import wizards
from .hooks import post_init_hook
