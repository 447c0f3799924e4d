from odoo.tests import tagged

from odoo.addons.stock_quality_hold_mrp.tests.common import (
    HeldComponentScenarios,
    QualityHoldMrpCase,
)
from odoo.addons.stock_sync.tests.common import OutboxAssertions


@tagged("post_install", "-at_install")
class TestHeldComponentsLedger(OutboxAssertions, HeldComponentScenarios, QualityHoldMrpCase):
    """The manufacturing scenarios of stock_quality_hold_mrp, with the outbox.

    Holds, a refused consumption, releases and the MO's consumption and
    production: replaying the movement events gives Odoo's stock ledger.
    """

    # the scenarios are HeldComponentScenarios' methods: Odoo runs inherited tests only so
    allow_inherited_tests_method = True

    def assert_ledger(self):
        self.assertOutboxMatchesStockLedger()
