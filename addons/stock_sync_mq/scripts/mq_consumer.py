#!/usr/bin/env python3
"""Inventory Sync broker consumer: one process per database, Odoo used as a library.

    python3 addons/stock_sync_mq/scripts/mq_consumer.py -c odoo.conf -d DATABASE

Subscribes to the topics or queues of every active MQTT and AMQP backend of
DATABASE that has subscriptions, applies each message through the
connector's inbound path, and acknowledges it after the transaction that
applied (or logged) it committed. Backends are read again every
``--refresh`` seconds (a changed backend's consumer restarts). SIGTERM or
SIGINT stops it cleanly; unacknowledged messages stay at the broker.
Exit status: 0 when stopped, 2 for a bad command line or database.
"""

import argparse
import logging
import os
import signal
import sys
import threading


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--database", required=True, help="the one database to consume for")
    parser.add_argument(
        "--backend", type=int, action="append", help="only this backend id (repeatable)"
    )
    parser.add_argument("--refresh", type=float, default=30.0, help="seconds between re-reads")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)

    import odoo  # noqa: PLC0415 - after the command line is checked
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", args.config, "-d", args.database, f"--log-level={args.log_level}"])
    odoo.netsvc.init_logger()
    logger = logging.getLogger("stock_sync_mq.consumer")
    try:
        registry = Registry(args.database)
    except Exception as exc:  # noqa: BLE001 - said plainly, with the exit status
        print(f"Cannot open database {args.database!r}: {exc}", file=sys.stderr)
        return 2
    if "stock_sync_mq" not in registry._init_modules:
        print(f"stock_sync_mq is not installed in {args.database!r}.", file=sys.stderr)
        return 2
    from odoo.addons.stock_sync_mq.services import consumer  # noqa: PLC0415

    stop = threading.Event()

    def on_signal(signum, _frame):
        logger.info("signal %s: stopping (unacknowledged messages stay at the broker)", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    logger.info("Inventory Sync consumer for %s (pid %s)", args.database, os.getpid())
    consumer.supervise(registry, stop, backend_ids=args.backend, refresh=args.refresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
