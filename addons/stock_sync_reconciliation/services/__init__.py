from . import compare
from . import snapshot_file
