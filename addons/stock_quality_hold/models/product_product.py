from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _quality_inspect_on_receipt(self):
        """Whether received quantities of this product go to QA hold.

        The rule: required when the product asks for it, or its category, or any
        parent of its category (a flag on ``All/Pharma`` covers ``All/Pharma/APIs``).
        A product cannot opt out of its category's inspection.

        :returns: bool
        """
        self.ensure_one()
        if self.quality_inspect_on_receipt:
            return True
        category = self.categ_id
        if not category:
            return False
        parent_ids = [int(part) for part in category.parent_path.split("/") if part]
        return any(
            self.env["product.category"].browse(parent_ids).mapped("quality_inspect_on_receipt")
        )
