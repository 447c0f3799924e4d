from odoo import fields, models


class ProductCategory(models.Model):
    _inherit = "product.category"

    lims_release_confirmation = fields.Boolean(
        "Confirm Lab Releases",
        help="Four-eyes rule: a lab's release of a lot of this category (or of its "
        "sub-categories) waits for a Quality Manager's confirmation in Odoo before the "
        "stock leaves QA hold.",
    )

    def _lims_release_needs_confirmation(self):
        """Whether this category, or one of its parents, asks for the four-eyes rule."""
        self.ensure_one()
        parent_ids = [int(part) for part in (self.parent_path or "").split("/") if part]
        return any(self.browse(parent_ids or self.ids).mapped("lims_release_confirmation"))
