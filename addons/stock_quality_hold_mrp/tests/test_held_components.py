from odoo.tests import tagged

from .common import HeldComponentScenarios, QualityHoldMrpCase


@tagged("post_install", "-at_install")
class TestHeldComponents(HeldComponentScenarios, QualityHoldMrpCase):
    """The scenarios with manufacturing alone (the ledger: stock_quality_hold_sync_mrp)."""

    # the scenarios are HeldComponentScenarios' methods: Odoo runs inherited tests only so
    allow_inherited_tests_method = True
