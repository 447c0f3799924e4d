"""Two quality managers release the same held quant at the same moment.

Committed transactions in threads, as two users' requests: the first one
releases the stock, the second is told that someone else is moving it, and
nothing is released twice.
"""

import threading

from committed_case import CommittedCase

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged


@tagged("post_install", "-at_install")
class TestQualityHoldConcurrency(CommittedCase):
    def setUp(self):
        super().setUp()
        with self.env_cr() as env:
            self.company_id = env.ref("base.main_company").id
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", self.company_id)], limit=1
            )
            self.stock_id = warehouse.lot_stock_id.id
            self.bucket_id = warehouse.qa_hold_location_id.id
            self.user_ids = [
                new_test_user(env, login, groups="stock_quality_hold.group_quality_manager").id
                for login in ("qh_race_a", "qh_race_b")
            ]
            product = env["product.product"].create(
                {"name": "Race gasket", "default_code": "QH-RACE", "is_storable": True}
            )
            self.product_id = product.id
            quant = (
                env["stock.quant"]
                .with_context(inventory_mode=True)
                .create(
                    {
                        "product_id": product.id,
                        "location_id": self.stock_id,
                        "inventory_quantity": 5,
                    }
                )
            )
            quant.action_apply_inventory()
            reason = env.ref("stock_quality_hold.reason_awaiting_inspection")
            quant.with_user(self.user_ids[0])._quality_action("hold", reason)
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.env_cr() as env:
            env.cr.execute(
                "DELETE FROM stock_quality_hold_history WHERE product_id = %s", (self.product_id,)
            )
        self.delete_stock_of([self.product_id], self.company_id)
        with self.env_cr() as env:
            env["res.users"].browse(self.user_ids).unlink()

    def _held_quant(self, env):
        return env["stock.quant"].search(
            [("product_id", "=", self.product_id), ("location_id", "=", self.bucket_id)]
        )

    def _release(self, user_id, released, before_commit, after, results):
        """One user's request: find the held quant, release it, commit."""
        try:
            with self.env_cr(user_id) as env:
                env.cr.execute("SET LOCAL lock_timeout = '30s'")
                if after:
                    after.wait(30)
                quant = self._held_quant(env)
                reason = env.ref("stock_quality_hold.reason_inspection_passed")
                quant._quality_action("release", reason)
                results.append((user_id, "released"))
                released.set()
                if before_commit:
                    before_commit.wait(30)  # hold the transaction open while the other one tries
        except UserError as error:
            results.append((user_id, str(error)))
            released.set()
        except Exception as error:  # reported by the test, never swallowed  # noqa: BLE001
            results.append((user_id, repr(error)))
            released.set()

    def test_two_managers_release_the_same_quant_one_is_told_why(self):
        first_released, second_done = threading.Event(), threading.Event()
        results = []
        user_a, user_b = self.user_ids
        first = threading.Thread(
            target=self._release, args=(user_a, first_released, second_done, None, results)
        )
        second = threading.Thread(
            target=self._release, args=(user_b, second_done, None, first_released, results)
        )
        first.start()
        second.start()
        second.join(60)
        first.join(60)
        outcome = dict(results)
        self.assertEqual(outcome[user_a], "released", results)
        self.assertIn("Someone else", outcome[user_b])
        self.assertIn("Reload", outcome[user_b])
        with self.env_cr() as env:
            self.assertFalse(self._held_quant(env).quantity)
            self.assertEqual(
                sum(
                    env["stock.quant"]
                    .search(
                        [("product_id", "=", self.product_id), ("location_id", "=", self.stock_id)]
                    )
                    .mapped("quantity")
                ),
                5,
            )
            history = env["stock.quality.hold.history"].search(
                [("product_id", "=", self.product_id), ("action", "=", "release")]
            )
            self.assertEqual(history.user_id.id, user_a)
            self.assertEqual(history.quantity, 5)
        # a late retry of the second user finds nothing held any more
        results.clear()
        self._release(user_b, threading.Event(), None, None, results)
        self.assertIn("no stock to act on", results[0][1])
