"""``odoo`` (same arguments) without the gevent process of prefork mode.

With ``--workers`` > 0, Odoo also spawns ``odoo gevent`` for the web client's
websocket. JSON-RPC and the cron workers do not need it, and with
zope.interface >= 7 gevent 22.10 fails at start and is spawned again every
second, which costs a core. The benches change nothing in the machine's
Python: they start Odoo through this file instead.
"""

import os
import sys

os.environ["TZ"] = "UTC"  # as the odoo script does, before time is imported

import odoo  # noqa: E402
from odoo.service import server  # noqa: E402

server.PreforkServer.long_polling_spawn = lambda self: None

if __name__ == "__main__":
    sys.exit(odoo.cli.main())
