from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..services import webhook_signature


class StockSyncEndpointSecret(models.Model):
    """A signing secret; several may be active at once while rotating."""

    _name = "stock.sync.endpoint.secret"
    _description = "Endpoint Signing Secret"
    _order = "active desc, id desc"

    endpoint_id = fields.Many2one(
        "stock.sync.endpoint", required=True, ondelete="cascade", index=True
    )
    secret = fields.Char(
        required=True,
        copy=False,
        default=lambda self: webhook_signature.generate_secret(),
        help="Standard Webhooks secret: 'whsec_' and base64 of 24 to 64 random bytes. "
        "Give it to the subscriber so it can verify signatures.",
    )
    hint = fields.Char(
        compute="_compute_hint", help="The start of the secret, to tell secrets apart."
    )
    active = fields.Boolean(default=True)
    note = fields.Char()

    @api.depends("secret")
    def _compute_hint(self):
        for record in self:
            record.hint = (record.secret or "")[:10] + "…"

    @api.constrains("secret")
    def _check_secret(self):
        for record in self:
            try:
                webhook_signature.secret_key(record.secret)
            except ValueError as exc:
                raise ValidationError(
                    _(
                        "Secret %(hint)s is not valid: %(why)s Generate a new one instead.",
                        hint=record.hint,
                        why=exc,
                    )
                ) from None

    def write(self, vals):
        result = super().write(vals)
        if "endpoint_id" in vals:
            # Record rules judge a secret before the write: judge where it lands too.
            self.check_access("write")
        return result

    def _compute_display_name(self):
        for record in self:
            record.display_name = record.hint
