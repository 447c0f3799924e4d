# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from ..services.scan_codes import CODES


class MrpBarcodeScan(models.Model):
    """One scan received by the consumption service, accepted or refused.

    Written only by ``mrp.production.consume_scan`` and ``undo_last_scan``
    (as superuser: operators read the log, nobody edits it). The first row of a
    client ``scan_id`` (``is_key``) is its idempotency record: a repeated scan
    id with the same request answers its stored ``answer``.

    Indexed for the queries the service runs: the idempotency key (unique,
    ``init``) and the order (the undo's search, the log of an order), and for
    the consumption move (core deletes moves often; each delete sets the link
    to null). A row is inserted at every scan, so no other column is indexed:
    the log's filters
    are ``ilike`` searches or values shared by most rows (result, reason,
    company), which an index does not serve (dropped by the 18.0.1.2.0
    migration).
    """

    _name = "mrp.barcode.scan"
    _description = "Barcode Consumption Scan"
    _order = "id desc"
    _rec_name = "display_label"

    scan_id = fields.Char("Scan ID", readonly=True, help="Client-generated key.")
    is_key = fields.Boolean(
        "Idempotency Record",
        readonly=True,
        help="The row that answers again when the same scan id comes back.",
    )
    request_hash = fields.Char(readonly=True)
    action = fields.Selection(
        [("consume", "Consume"), ("open", "Open Order"), ("undo", "Undo")],
        required=True,
        readonly=True,
        default="consume",
    )
    result = fields.Selection(
        [("accepted", "Accepted"), ("refused", "Refused")],
        required=True,
        readonly=True,
    )
    code = fields.Selection([(code, code) for code in sorted(CODES)], required=True, readonly=True)
    message = fields.Char(readonly=True)
    replayed = fields.Boolean(readonly=True, help="Answered from an earlier scan with this id.")
    barcode = fields.Char(readonly=True)
    device_id = fields.Char(readonly=True)
    user_id = fields.Many2one("res.users", readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda s: s.env.company
    )
    production_id = fields.Many2one(
        "mrp.production", "Manufacturing Order", readonly=True, index="btree_not_null"
    )
    product_id = fields.Many2one("product.product", "Component", readonly=True)
    lot_id = fields.Many2one("stock.lot", "Lot/Serial", readonly=True)
    package_id = fields.Many2one("stock.quant.package", readonly=True)
    location_id = fields.Many2one("stock.location", "From", readonly=True)
    quantity = fields.Float(
        digits="Product Unit of Measure", readonly=True, help="In the component's unit."
    )
    uom_id = fields.Many2one("uom.uom", "Unit", readonly=True)
    # Indexed: every deleted stock move (core merges and unlinks moves) sets
    # its scans' link to null, a scan of the whole log without it.
    move_id = fields.Many2one(
        "stock.move", "Consumption Move", readonly=True, index="btree_not_null"
    )
    undo_of_id = fields.Many2one("mrp.barcode.scan", "Undoes", readonly=True)
    undone_by_id = fields.Many2one("mrp.barcode.scan", readonly=True)
    warning_codes = fields.Char("Warnings", readonly=True)
    duration_ms = fields.Float("Duration (ms)", digits=(16, 1), readonly=True)
    answer = fields.Json(readonly=True)
    display_label = fields.Char(compute="_compute_display_label")

    _sql_constraints = [
        (
            "positive_duration",
            "CHECK(duration_ms IS NULL OR duration_ms >= 0)",
            "A scan cannot take negative time.",
        ),
    ]

    def init(self):
        # One idempotency record per client scan id (refusals of a repeated id
        # with another body are logged without the flag).
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS mrp_barcode_scan_key_uniq
                ON mrp_barcode_scan (scan_id) WHERE is_key
            """
        )

    @api.depends("scan_id", "code", "production_id")
    def _compute_display_label(self):
        for scan in self:
            scan.display_label = " ".join(
                filter(None, [scan.production_id.name, scan.code, scan.scan_id])
            )
