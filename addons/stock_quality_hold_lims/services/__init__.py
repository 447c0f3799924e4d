from . import disposition
