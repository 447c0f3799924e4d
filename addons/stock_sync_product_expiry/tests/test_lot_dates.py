from datetime import datetime

from odoo.tests import Form, tagged

from odoo.addons.stock_sync.tests.common import StockSyncCase


@tagged("post_install", "-at_install")
class TestLotDates(StockSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lot_product.write(
            {
                "use_expiration_date": True,
                "expiration_time": 30,
                "use_time": 20,
                "removal_time": 10,
                "alert_time": 5,
            }
        )

    def _lot_event(self, lot, write):
        with self.capture_events() as captured:
            write()
        self.assertEqual(len(captured.events), 1)
        self.assertEqual(captured.events.lot_id, lot)
        return captured.events.payload["data"]

    def test_removal_date_change_emits_a_lot_event(self):
        lot = self.env["stock.lot"].create({"name": "EXP-1", "product_id": self.lot_product.id})
        manager_lot = lot.with_user(self.stock_manager)
        data = self._lot_event(
            lot, lambda: setattr(manager_lot, "removal_date", datetime(2027, 3, 1, 12, 0))
        )
        self.assertEqual(data["changed"], ["removal_date"])
        # UTC with a 'Z', like every other timestamp of the contract.
        self.assertEqual(data["values"]["removal_date"], "2027-03-01T12:00:00.000000Z")
        self.assertEqual(set(data["values"]), {"name", "ref", *lot._stock_sync_tracked_fields()})

    def test_expiration_date_set_reports_the_dates_odoo_computes(self):
        """A first expiration date makes Odoo compute best-before, removal and alert dates."""
        lot = self.env["stock.lot"].create(
            {"name": "EXP-2", "product_id": self.lot_product.id, "expiration_date": False}
        )
        self.assertFalse(lot.use_date)
        manager_lot = lot.with_user(self.stock_manager)
        data = self._lot_event(
            lot, lambda: setattr(manager_lot, "expiration_date", datetime(2027, 6, 30, 8, 0))
        )
        self.assertEqual(
            data["changed"], ["alert_date", "expiration_date", "removal_date", "use_date"]
        )
        expected = {
            "name": "EXP-2",
            "ref": None,
            "expiration_date": "2027-06-30T08:00:00.000000Z",
            "use_date": "2027-06-10T08:00:00.000000Z",
            "removal_date": "2027-06-20T08:00:00.000000Z",
            "alert_date": "2027-06-25T08:00:00.000000Z",
        }
        # Other modules track lot fields of their own (a LIMS's result): they are in the
        # event too, and not this test's business.
        self.assertEqual({key: data["values"].get(key) for key in expected}, expected)
        self.assertEqual(set(data["values"]), {"name", "ref", *lot._stock_sync_tracked_fields()})

    def test_form_edit_reports_only_what_changed(self):
        """The lot form sends every date it shows: only the changed ones are reported."""
        lot = self.env["stock.lot"].create(
            {
                "name": "EXP-4",
                "product_id": self.lot_product.id,
                "expiration_date": datetime(2027, 6, 30, 8, 0),
            }
        )
        with self.capture_events() as captured, Form(lot.with_user(self.stock_manager)) as form:
            form.expiration_date = datetime(2027, 7, 10, 8, 0)
            form.alert_date = datetime(2027, 6, 25, 8, 0)  # kept where it was
        self.assertEqual(len(captured.events), 1)
        data = captured.events.payload["data"]
        self.assertEqual(data["changed"], ["expiration_date", "removal_date", "use_date"])
        self.assertEqual(data["values"]["removal_date"], "2027-06-30T08:00:00.000000Z")

    def test_dates_cleared_and_unchanged_writes(self):
        lot = self.env["stock.lot"].create(
            {
                "name": "EXP-3",
                "product_id": self.lot_product.id,
                "expiration_date": datetime(2027, 1, 1),
            }
        )
        manager_lot = lot.with_user(self.stock_manager)
        data = self._lot_event(lot, lambda: setattr(manager_lot, "alert_date", False))
        self.assertEqual(data["changed"], ["alert_date"])
        self.assertIsNone(data["values"]["alert_date"])
        with self.capture_events() as captured:
            manager_lot.write({"expiration_date": datetime(2027, 1, 1), "ref": False})
        self.assertFalse(captured.events)
