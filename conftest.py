"""Repository-wide pytest configuration (loaded first: the repo root is pytest's rootdir).

* Odoo ``HttpCase`` tests (browser tours) need Odoo's HTTP server and Chromium: bin/test
  runs them with Odoo's own test runner (``--test-tags suite_ui``), so pytest deselects
  them here instead of reporting them as skipped. ``--odoo-http`` keeps them.
* Odoo test classes (``TransactionCase``...) outside an Odoo module, e.g. in the top-level
  ``tests/`` folder, get the attributes Odoo's metaclass only gives to classes of
  ``odoo.addons.*`` modules (``test_tags``...): without them Odoo fails with
  "object has no attribute 'test_tags'" before the test even starts.
* ``tests/`` (with ``tests/simulators``) is put on ``sys.path`` so top-level tests can
  ``import simulators...`` whatever pytest's import mode or rootdir insertion is.
"""

import os
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
TESTS_DIR = os.path.join(ROOT, "tests")
for path in (ROOT, TESTS_DIR):
    if os.path.isdir(path) and path not in sys.path:
        sys.path.insert(0, path)


def pytest_pycollect_makeitem(collector, name, obj):
    if not isinstance(obj, type) or hasattr(obj, "test_tags"):
        return None  # not a class, or already tagged (Odoo, @tagged, a base class)
    try:
        from odoo.tests import BaseCase
    except ImportError:
        return None
    if issubclass(obj, BaseCase) and not obj.__module__.startswith("odoo.addons."):
        # Same defaults as odoo.tests.common.MetaCase gives to module tests.
        obj.test_tags = {"standard", "at_install"}
        obj.test_module = obj.__module__.rsplit(".", 1)[-1]
        obj.test_class = obj.__name__
        obj.test_sequence = 0
    return None  # let pytest collect the class as usual


def pytest_collection_modifyitems(config, items):
    try:
        keep_http = config.getoption("--odoo-http")
    except ValueError:  # pytest-odoo not loaded (e.g. -p no:odoo)
        keep_http = False
    if keep_http:
        return
    try:
        from odoo.tests import HttpCase
    except ImportError:  # Odoo not importable: nothing can be an HttpCase
        return
    selected, deselected = [], []
    for item in items:
        cls = getattr(item, "cls", None)
        if isinstance(cls, type) and issubclass(cls, HttpCase):
            deselected.append(item)
        else:
            selected.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
