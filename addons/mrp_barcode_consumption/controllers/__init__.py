from . import device
