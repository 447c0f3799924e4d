"""The outbox's one door: ``stock.sync.event.emit`` checks the type and the data."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import get_public_method
from odoo.tests import tagged

from ..services.event_draft import EventDraft
from .common import TEST_NOTE_TYPE, StockSyncCase


@tagged("post_install", "-at_install")
class TestEmit(StockSyncCase):
    def _draft(self, data):
        return EventDraft(
            company=self.company,
            product=self.product,
            occurred_at=self.env.cr.now(),
            data=data,
            reference="NOTE/1",
        )

    def test_a_declared_type_is_written_with_its_aggregate_and_fanned_out(self):
        self.declare_test_note_type()
        with self.capture_events() as captured:
            # A stock user's transaction emits; it cannot read the outbox itself.
            event = (
                self.env["stock.sync.event"]
                .with_user(self.operator)
                .emit(TEST_NOTE_TYPE, [self._draft({"n": 1}), self._draft({"n": 2})])
                .sudo()
            )
        self.assertEqual(len(captured), 2)
        self.assertRecordValues(
            event,
            [
                {"type": TEST_NOTE_TYPE, "aggregatetype": "test.note", "reference": "NOTE/1"},
                {"type": TEST_NOTE_TYPE, "aggregatetype": "test.note", "reference": "NOTE/1"},
            ],
        )
        self.number_events()
        self.assertEqual(event[1].sequence, event[0].sequence + 1)
        self.assertEqual(event.delivery_ids.endpoint_id, self.endpoint)
        self.assertEqual(event[0].payload["data"], {"n": 1})

    def test_an_unknown_type_is_refused(self):
        with self.assertRaisesRegex(UserError, "Unknown inventory event type 'odoo.nope.v1'"):
            self.env["stock.sync.event"].emit("odoo.nope.v1", [self._draft({"n": 1})])

    def test_data_that_breaks_the_schema_is_refused_and_nothing_is_written(self):
        self.declare_test_note_type()
        before = self.env["stock.sync.event"].search_count([])
        with self.assertRaisesRegex(ValidationError, r"data\.n: -1 is less than the minimum"):
            self.env["stock.sync.event"].emit(
                TEST_NOTE_TYPE, [self._draft({"n": 1}), self._draft({"n": -1})]
            )
        self.assertEqual(self.env["stock.sync.event"].search_count([]), before)

    def test_validation_can_be_switched_off_in_production(self):
        self.declare_test_note_type()
        self.env["ir.config_parameter"].set_param("stock_sync.validate_data", "False")
        event = self.env["stock.sync.event"].emit(TEST_NOTE_TYPE, [self._draft({"n": -1})])
        self.assertEqual(event.payload["data"], {"n": -1})

    def test_the_door_is_not_callable_over_rpc(self):
        with self.assertRaisesRegex(AccessError, "cannot be called remotely"):
            get_public_method(self.env["stock.sync.event"], "emit")

    def test_an_event_type_needs_a_schema_that_exists(self):
        with self.assertRaisesRegex(ValidationError, "cannot be used"):
            self.env["stock.sync.event.type"].create(
                {
                    "name": "Broken",
                    "code": "odoo.test.broken.v1",
                    "aggregatetype": "test",
                    "schema_path": "stock_sync/schemas/missing.v1.json",
                }
            )
