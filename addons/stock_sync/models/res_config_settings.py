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
        help="Events whose deliveries were all delivered are purged after this many days. "
        "Events still on their way are never purged.",
    )
    stock_sync_dead_retention_days = fields.Integer(
        "Keep Dead or Cancelled Work (days)",
        config_parameter="stock_sync.dead_retention_days",
        default=90,
        help="Events with dead or cancelled deliveries are purged once those were last "
        "touched this many days ago (and the events are past the retention above). "
        "A dead delivery that later events of its product wait behind is never purged.",
    )
