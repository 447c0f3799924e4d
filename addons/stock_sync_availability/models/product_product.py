import datetime

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_repr

from ..services.atp import compute_atp


class ProductProduct(models.Model):
    _inherit = "product.product"

    atp_qty = fields.Float(
        "Available to Promise",
        compute="_compute_atp_qty",
        digits="Product Unit of Measure",
        help="On hand in the warehouses (held stock excluded), less safety stock and "
        "open demand, plus confirmed incoming, over the default horizon: what sales may "
        "still promise today, summed over the warehouses of the current company.",
    )
    atp_table_html = fields.Html(
        "Available to Promise by Warehouse", compute="_compute_atp_qty", sanitize=False
    )

    @api.model
    def _atp_horizon_days(self, horizon_days=None):
        """The horizon asked for, or the default one; ValidationError outside 0..maximum."""
        # sudo: system parameters are technical; any stock user may ask for ATP.
        params = self.env["ir.config_parameter"].sudo()
        maximum = int(params.get_param("stock_sync_availability.max_horizon_days") or 365)
        if horizon_days is None:
            horizon_days = int(
                params.get_param("stock_sync_availability.default_horizon_days") or 30
            )
        if not isinstance(horizon_days, int) or not 0 <= horizon_days <= maximum:
            raise ValidationError(
                _(
                    "The horizon must be a whole number of days from 0 to %(maximum)s, "
                    "not %(horizon)r. Ask for a shorter horizon (the system parameter "
                    "stock_sync_availability.max_horizon_days sets the maximum).",
                    maximum=maximum,
                    horizon=horizon_days,
                )
            )
        return horizon_days

    def _atp(self, warehouses, horizon_days=None, date_from=None):
        """Available to promise of these products in ``warehouses``, by day.

        See ``services/atp.py`` for the definition (on hand outside hold
        buckets − safety stock from reordering rules − open demand + confirmed
        incoming, cumulative by day as SAP's and Odoo's forecast do). One SQL
        statement for all products and warehouses.

        :param warehouses: ``stock.warehouse`` records the user may read.
        :param int horizon_days: days after ``date_from`` that count (default:
            system parameter ``stock_sync_availability.default_horizon_days``).
        :param datetime.date date_from: first day (UTC); today by default.
        :returns: ``{(product_id, warehouse_id): services.atp.Atp}``, quantities
            in each product's unit of measure.
        :raises ValidationError: no warehouse, or a horizon out of range.
        """
        if not warehouses:
            raise ValidationError(_("Say for which warehouses to compute available to promise."))
        warehouses.check_access("read")
        horizon_days = self._atp_horizon_days(horizon_days)
        date_from = date_from or fields.Date.today()
        if isinstance(date_from, datetime.datetime):
            date_from = date_from.date()
        self.env.flush_all()
        return compute_atp(
            self.env.cr,
            self.ids,
            warehouses.ids,
            date_from,
            horizon_days,
            self._atp_excluded_moves(),
        )

    @api.model
    def _atp_excluded_moves(self):
        """Open moves that ATP leaves out, as SQL conditions; none here. Extension point.

        Each condition is SQL text over the aliases ``m`` (``stock_move``),
        ``sl`` and ``dl`` (its source and destination ``stock_location``),
        written by a module (never from user input) and without parameters;
        a move meeting any of them counts neither as incoming nor as demand.
        Example: ``stock_sync_availability_quality_hold`` leaves out receipts
        of products inspected on receipt, which land in a QA hold bucket.

        :returns: list of str
        """
        return []

    @api.depends_context("company", "allowed_company_ids")
    def _compute_atp_qty(self):
        warehouses = self.env["stock.warehouse"].search(
            [("company_id", "in", self.env.companies.ids)]
        )
        storable = self.filtered(lambda p: p.is_storable and p.id)
        atps = storable._atp(warehouses) if storable and warehouses else {}
        for product in self:
            rows = [atps[product.id, wh.id] for wh in warehouses if (product.id, wh.id) in atps]
            product.atp_qty = sum(row.atp for row in rows)
            product.atp_table_html = product._atp_table(warehouses, rows) if rows else False

    def _atp_table(self, warehouses, rows):
        """A small HTML table: per warehouse, on hand, safety, demand, incoming and ATP."""
        digits = self.uom_id.rounding
        names = {wh.id: wh.code or wh.name for wh in warehouses}

        def qty(value):
            return escape(float_repr(value, max(0, len(str(digits).split(".")[1].rstrip("0")))))

        head = "".join(
            f"<th class='text-end'>{escape(label)}</th>"
            for label in (
                _("On Hand"),
                _("Safety"),
                _("Demand"),
                _("Incoming"),
                _("ATP Now"),
                _("Projected End"),
            )
        )
        body = "".join(
            f"<tr><td>{escape(names[row.warehouse_id])}</td>"
            + "".join(
                f"<td class='text-end'>{qty(v)}</td>"
                for v in (
                    row.on_hand,
                    row.safety,
                    row.demand,
                    row.incoming,
                    row.atp,
                    row.projected_end,
                )
            )
            + "</tr>"
            for row in rows
        )
        return Markup(
            "<table class='table table-sm o_stock_sync_atp_table'>"
            f"<thead><tr><th>{escape(_('Warehouse'))}</th>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )

    def action_open_channel_availability(self):
        """The planners' list of channel availability, for this product."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "stock_sync_availability.action_stock_sync_channel_availability"
        )
        action["domain"] = [("product_id", "=", self.id)]
        action["context"] = {"default_product_id": self.id}
        return action
