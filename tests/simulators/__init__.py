"""Stand-ins for external systems (WMS, MES, LIMS), run as real servers on 127.0.0.1.

The outbox's own CloudEvents receiver lives with its module:
``odoo.addons.stock_sync.tests.webhook_receiver``.
"""
