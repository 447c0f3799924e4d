from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    stock_sync_capture_paused = fields.Boolean(
        "Pause Event Capture",
        config_parameter="stock_sync.capture_paused",
        help="Stock moves are not written to the outbox while paused: subscribers "
        "will miss them. Meant for maintenance and measurements only.",
    )
    stock_sync_retention_days = fields.Integer(
        "Keep Delivered Events (days)",
        config_parameter="stock_sync.retention_days",
        default=30,
        help="Events whose deliveries are all done are purged after this many days. "
        "Undelivered events are never purged.",
    )
