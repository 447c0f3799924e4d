"""What the Inventory Sync benchmarks share, by concern.

* ``registry``: the command line, and Odoo as a library in the bench's process
  (registry, committed environments, system parameters);
* ``server``: an Odoo server in a subprocess (threaded or prefork, started
  through ``odoo_without_gevent.py``) and a JSON-RPC client for it;
* ``receivers``: the subscribers the dispatcher sends to;
* ``data``: products, endpoints, receipts, manufacturing orders, backlogs and
  a paced load of receipts;
* ``stats``: percentiles and the results of a bench (printed, saved as JSON).

Nothing here imports Odoo at import time: ``bench/summary.py`` uses ``stats``
without it.
"""
