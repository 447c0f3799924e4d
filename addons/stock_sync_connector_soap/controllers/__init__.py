from . import mes_push
