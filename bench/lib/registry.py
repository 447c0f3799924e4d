"""The command line of a bench, and Odoo as a library in the bench's process.

The benchmarks load Odoo (``load``) against the database that ``bench/run``
prepared and commit for real: they measure what a user or the dispatch cron
sees, not a rolled-back test transaction.
"""

import argparse
import contextlib
import logging
import os
import signal
import sys


def parse_args(description):
    # bench/run starts us in the background (SIGINT ignored) and stops us with
    # SIGTERM: both must unwind the ``finally`` blocks that stop servers.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("-c", "--conf", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--db", required=True, help="database with the suite installed")
    parser.add_argument(
        "--scale", type=float, default=float(os.environ.get("BENCH_SCALE") or 1),
        help="multiplies the sizes and durations (default: $BENCH_SCALE or 1)",
    )
    return parser.parse_args()


def scaled(n, scale, minimum=1):
    """``n`` times the scale, as a whole number, at least ``minimum``."""
    return max(minimum, round(n * scale))


def load(conf, db):
    """Configure Odoo from ``conf`` and return the registry of ``db``."""
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        ["-c", conf, "-d", db, "--log-level=warn"], setup_logging=True
    )
    # The automation-rule webhook logs one warning per failed call: during the
    # outage bench that is hundreds of lines we count ourselves anyway.
    logging.getLogger("odoo.addons.base.models.ir_actions").setLevel(logging.ERROR)
    return Registry(db)


@contextlib.contextmanager
def env(registry, user=None, context=None):
    """An environment in its own transaction, committed on success.

    ``user`` None is the superuser; benchmarks that play a warehouse user pass
    ``admin_uid()`` and no context, so that mail tracking and the rest run as
    in the UI. Like Odoo's HTTP layer, we pick up other processes' registry
    changes first and tell them about ours afterwards.
    """
    from odoo import SUPERUSER_ID, api

    registry = registry.check_signaling()
    with registry.manage_changes(), registry.cursor() as cr:
        yield api.Environment(cr, user or SUPERUSER_ID, dict(context or {}))


def admin_uid(registry):
    with env(registry) as e:
        return e.ref("base.user_admin").id


def set_param(registry, key, value):
    """Set a system parameter, committed; servers see it at their next request."""
    with env(registry) as e:
        e["ir.config_parameter"].set_param(key, value)


def set_capture(registry, enabled):
    """Switch capture on or off (the add-on's kill switch)."""
    set_param(registry, "stock_sync.capture_paused", "False" if enabled else "True")


def set_validation(registry, enabled):
    """Check event payloads against their JSON Schema at run time, or not."""
    set_param(registry, "stock_sync.validate_data", "True" if enabled else "False")
