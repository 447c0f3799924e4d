import logging
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, float_compare, float_round, split_every

from odoo.addons.stock_sync.services import cron_wakeup
from odoo.addons.stock_sync.services.bulk_insert import insert_rows
from odoo.addons.stock_sync.services.event_draft import EventDraft

from .stock_sync_channel_buffer import BUFFER_TYPES, check_buffer

_logger = logging.getLogger(__name__)

AVAILABILITY_TYPE = "odoo.stock_sync_availability.availability.v1"
# The columns _publish writes, in the order of its rows (channel and product first: the key).
AVAILABILITY_COLUMNS = (
    "channel_id",
    "product_id",
    "company_id",
    "atp_qty",
    "committed_qty",
    "buffer_qty",
    "exposed_qty",
    "oversell_gap",
    "at_risk",
    "computed_at",
    "published_qty",
    "published_at",
)


class StockSyncChannel(models.Model):
    """A sales channel (web shop, marketplace, EDI customer): an endpoint with an availability policy.

    What the channel may show for a product is the available to promise of
    its warehouses (``product.product._atp``), less its buffer (per product
    category, else the channel's), capped by its maximum, rounded down to the
    product's unit. Availability events carry it to the channel's endpoint.
    """

    _name = "stock.sync.channel"
    _description = "Sales Channel Availability Policy"
    _inherit = ["mail.thread"]
    _order = "sequence, name"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    endpoint_id = fields.Many2one(
        "stock.sync.endpoint",
        required=True,
        ondelete="cascade",
        tracking=True,
        help="Where the channel's availability events go: only this endpoint receives them.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    warehouse_ids = fields.Many2many(
        "stock.warehouse",
        required=True,
        help="The warehouses whose available to promise the channel may sell.",
    )
    buffer_type = fields.Selection(BUFFER_TYPES, required=True, default="percent", tracking=True)
    buffer_value = fields.Float(
        "Buffer",
        default=0.0,
        tracking=True,
        help="Kept back from the channel for every product without a category buffer.",
    )
    buffer_ids = fields.One2many("stock.sync.channel.buffer", "channel_id", "Category Buffers")
    max_exposed_qty = fields.Float(
        "Maximum to Show",
        default=0.0,
        tracking=True,
        help="The channel never sees more than this per product; 0 for no maximum.",
    )
    horizon_days = fields.Integer(
        default=30,
        required=True,
        help="Demand and incoming within this many days count in the available to promise.",
    )
    planner_id = fields.Many2one(
        "res.users",
        default=lambda self: self.env.user,
        help="Gets an activity when a critical product of the channel may be oversold.",
    )
    api_user_ids = fields.Many2many(
        "res.users",
        "stock_sync_channel_api_user_rel",
        string="API Users",
        help="Users (of the group Availability API) whose API keys may read this "
        "channel's availability over the JSON API.",
    )
    availability_ids = fields.One2many("stock.sync.channel.availability", "channel_id")
    at_risk_count = fields.Integer(compute="_compute_at_risk_count")

    @api.model_create_multi
    def create(self, vals_list):
        channels = super().create(vals_list)
        channels._check_warehouses()  # also when the values name no warehouse at all
        return channels

    @api.constrains("warehouse_ids")
    def _check_warehouses(self):
        for channel in self:
            if not channel.warehouse_ids:
                raise ValidationError(
                    _(
                        "Channel %(channel)s has no warehouse: choose the warehouses whose "
                        "stock it may sell.",
                        channel=channel.name,
                    )
                )
            foreign = channel.warehouse_ids - channel.warehouse_ids.filtered_domain(
                [("company_id", "=", channel.company_id.id)]
            )
            if foreign:
                raise ValidationError(
                    _(
                        "Channel %(channel)s belongs to %(company)s: it cannot sell the stock "
                        "of %(warehouses)s.",
                        channel=channel.name,
                        company=channel.company_id.name,
                        warehouses=", ".join(foreign.mapped("name")),
                    )
                )

    @api.constrains("buffer_type", "buffer_value", "max_exposed_qty", "horizon_days")
    def _check_policy(self):
        for channel in self:
            check_buffer(channel.buffer_type, channel.buffer_value, _("Channel %s", channel.name))
            if channel.max_exposed_qty < 0:
                raise ValidationError(
                    _(
                        "Channel %(channel)s: the maximum to show cannot be negative; "
                        "enter 0 for no maximum.",
                        channel=channel.name,
                    )
                )
            self.env["product.product"]._atp_horizon_days(channel.horizon_days)

    def _compute_at_risk_count(self):
        groups = self.env["stock.sync.channel.availability"]._read_group(
            [("channel_id", "in", self.ids), ("at_risk", "=", True)], ["channel_id"], ["__count"]
        )
        counts = {channel.id: count for channel, count in groups}
        for channel in self:
            channel.at_risk_count = counts.get(channel.id, 0)

    # ------------------------------------------------------------------
    # The channel quantity
    # ------------------------------------------------------------------
    def _buffer_for(self, product):
        """``(buffer_type, value)`` for ``product``: its nearest category's buffer, else the channel's."""
        self.ensure_one()
        best, depth = None, -1
        path = product.categ_id.parent_path or ""
        for line in self.buffer_ids:
            marker = f"{line.categ_id.id}/"
            if (path.startswith(marker) or f"/{marker}" in path) and len(
                line.categ_id.parent_path or ""
            ) > depth:
                best, depth = line, len(line.categ_id.parent_path or "")
        if best:
            return best.buffer_type, best.buffer_value
        return self.buffer_type, self.buffer_value

    def _quantities(self, products, atps=None):
        """What the channel shows for ``products``: ``{product_id: dict}``.

        Each dict: ``atp`` (sum of the warehouses' positive ATP), ``shortfall``
        (sum of their negative ATP, as a positive number: committed demand
        beyond supply), ``committed`` (open demand in the horizon), ``buffer``
        and ``quantity`` (shown: ATP − buffer, at least 0, at most the
        maximum, rounded down: whole pieces for units, else the unit's rounding), ``warehouses``
        (``[(warehouse, atp)]``).

        :param products: ``product.product``.
        :param atps: the result of ``products._atp(self.warehouse_ids, ...)`` if known.
        """
        self.ensure_one()
        if atps is None:
            atps = products._atp(self.warehouse_ids, self.horizon_days)
        result = {}
        buffers, roundings = {}, {}  # per category, per unit: the same for many products
        warehouses = self.warehouse_ids
        for product in products:
            rows = [(wh, atps[product.id, wh.id]) for wh in warehouses]
            available = sum(max(row.atp, 0.0) for _wh, row in rows)
            shortfall = sum(max(-row.atp, 0.0) for _wh, row in rows)
            if product.categ_id.id not in buffers:
                buffers[product.categ_id.id] = self._buffer_for(product)
            buffer_type, value = buffers[product.categ_id.id]
            buffer_qty = available * value / 100.0 if buffer_type == "percent" else value
            quantity = max(available - buffer_qty, 0.0)
            if self.max_exposed_qty:
                quantity = min(quantity, self.max_exposed_qty)
            if product.uom_id.id not in roundings:
                roundings[product.uom_id.id] = self._shown_rounding(product)
            quantity = float_round(
                quantity, precision_rounding=roundings[product.uom_id.id], rounding_method="DOWN"
            )
            result[product.id] = {
                "atp": available,
                "shortfall": shortfall,
                "committed": sum(row.demand for _wh, row in rows),
                "buffer": min(buffer_qty, available),
                "quantity": quantity,
                "warehouses": [(wh, row.atp) for wh, row in rows],
            }
        return result

    def _shown_rounding(self, product):
        """Channels sell whole pieces: units are rounded down to 1, other units to their rounding."""
        unit_category = self.env.ref("uom.product_uom_categ_unit", raise_if_not_found=False)
        if product.uom_id.category_id == unit_category:
            return max(product.uom_id.rounding, 1.0)
        return product.uom_id.rounding

    # ------------------------------------------------------------------
    # Publication (cron, after commit)
    # ------------------------------------------------------------------
    @api.model
    def _trigger_publish(self):
        """Run the publish cron right after this transaction commits (critical products).

        What ``ir.cron._trigger()`` does, made cheap like the dispatcher's wake-up
        in stock_sync: one trigger row per transaction, the NOTIFY after commit
        over stock_sync's reused connection.
        """
        cr = self.env.cr
        if cr.postcommit.data.get("stock_sync_availability.notify"):
            return
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "stock_sync_availability.ir_cron_publish_availability"
        )
        insert_rows(
            cr,
            "ir_cron_trigger",
            [{"cron_id": cron_id, "call_at": SQL("(now() AT TIME ZONE 'UTC')")}],
            self.env.uid,
        )
        cr.postcommit.data["stock_sync_availability.notify"] = True
        dbname = cr.dbname
        cr.postcommit.add(lambda: cron_wakeup.notify_cron_workers(dbname))

    @api.model
    def _cron_publish_availability(self):
        """Publish the availability of every product marked since the last run.

        Takes the marks (``stock.sync.availability.dirty``), computes each
        product once for every active channel, emits an availability event
        where the channel's quantity changed, and refreshes the oversell-risk
        list. Idempotent: a run with nothing marked does nothing.
        """
        product_ids = self.env["stock.sync.availability.dirty"]._take()
        if product_ids:
            self._publish(self.env["product.product"].browse(product_ids))
        return len(product_ids)

    def action_publish_all(self):
        """Compute and publish every storable product of these channels now."""
        # sudo: the publication covers every product, whatever the manager may read.
        products = (
            self.env["product.product"]
            .sudo()
            .search(
                [
                    ("is_storable", "=", True),
                    ("company_id", "in", [*self.company_id.ids, False]),
                ]
            )
        )
        self._publish(products, channels=self)
        return True

    @api.model
    def _publish(self, products, channels=None):
        """Recompute ``products`` for ``channels`` (all active ones by default) and emit changes.

        Set-based: one ATP query per channel, the previous states in one
        SELECT, the new ones in one upsert per 1,000 rows (no ORM write per
        row); only the rows that entered the risk list go through the ORM
        (the planner's activity).

        :returns: the emitted ``stock.sync.event`` records.
        """
        # sudo: the cron publishes for every channel and company.
        channels = (channels or self.search([])).sudo()
        products = products.sudo().exists().filtered("is_storable")
        if not channels or not products:
            return self.env["stock.sync.event"]
        by_id = {product.id: product for product in products}
        computed = {}
        for channel in channels:
            mine = products.filtered(
                lambda p, c=channel: not p.company_id or p.company_id == c.company_id
            )
            if mine:
                computed[channel] = channel._quantities(mine)
        # Oversell risk: channels that share a warehouse show, together, at most its ATP.
        exposure = self._shared_exposure(computed)
        previous = self._availability_states(channels.ids, products.ids)
        drafts, rows, entered, now = [], [], [], fields.Datetime.now()
        for channel, quantities in computed.items():
            for product_id, figures in quantities.items():
                product = by_id[product_id]
                rounding = product.uom_id.rounding
                published_qty, published_at, was_at_risk = previous.get(
                    (channel.id, product_id), (None, None, False)
                )
                gap = max(figures["shortfall"], exposure[channel.id, product_id])
                at_risk = float_compare(gap, 0.0, precision_rounding=rounding) > 0
                changed = published_qty is None or float_compare(
                    published_qty, figures["quantity"], precision_rounding=rounding
                )
                if changed or not published_at:
                    drafts.append((channel, product, figures, published_qty))
                    published_qty, published_at = figures["quantity"], now
                if at_risk and not was_at_risk:
                    entered.append((channel.id, product_id))
                rows.append(
                    (
                        channel.id,
                        product_id,
                        channel.company_id.id,
                        figures["atp"] - figures["shortfall"],
                        figures["committed"],
                        figures["buffer"],
                        figures["quantity"],
                        gap,
                        at_risk,
                        now,
                        published_qty,
                        published_at,
                    )
                )
        ids = self._write_availability_states(rows)
        State = self.env["stock.sync.channel.availability"].sudo()
        new_risks = State.browse([ids[key] for key in entered])
        new_risks._notify_planners()
        events = self.env["stock.sync.event"]
        if drafts:
            events = self._emit_availability(drafts, now)
        _logger.info(
            "Availability: %d product(s) over %d channel(s), %d event(s), %d new risk(s)",
            len(products),
            len(channels),
            len(events),
            len(new_risks),
        )
        return events

    @api.model
    def _availability_states(self, channel_ids, product_ids):
        """``{(channel_id, product_id): (published_qty, published_at, at_risk)}``, one SELECT."""
        State = self.env["stock.sync.channel.availability"]
        State.flush_model()
        self.env.cr.execute(
            """SELECT channel_id, product_id, published_qty, published_at, at_risk
                 FROM stock_sync_channel_availability
                WHERE channel_id = ANY(%s) AND product_id = ANY(%s)""",
            (list(channel_ids), list(product_ids)),
        )
        return {
            (channel_id, product_id): (published_qty, published_at, at_risk)
            for channel_id, product_id, published_qty, published_at, at_risk in self.env.cr.fetchall()
        }

    @api.model
    def _write_availability_states(self, rows):
        """Insert or update the availability rows (one statement per 1,000); ``{(channel, product): id}``.

        ``rows``: tuples in the order of ``AVAILABILITY_COLUMNS``. The ORM's
        cache of the model is invalidated afterwards.
        """
        ids = {}
        columns = ", ".join(AVAILABILITY_COLUMNS)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in AVAILABILITY_COLUMNS[2:])
        uid = self.env.uid
        for chunk in split_every(1000, rows, list):
            self.env.cr.execute(
                SQL(
                    """INSERT INTO stock_sync_channel_availability
                           (%s, create_uid, write_uid, create_date, write_date)
                       VALUES %s
                       ON CONFLICT (channel_id, product_id) DO UPDATE
                          SET %s, write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
                       RETURNING id, channel_id, product_id""",
                    SQL(columns),
                    SQL(", ").join(
                        SQL(
                            "(" + ", ".join(["%s"] * (len(row) + 2)) + ", %s, %s)",
                            *row,
                            uid,
                            uid,
                            SQL("(now() AT TIME ZONE 'UTC')"),
                            SQL("(now() AT TIME ZONE 'UTC')"),
                        )
                        for row in chunk
                    ),
                    SQL(updates),
                )
            )
            ids.update(
                ((channel_id, product_id), row_id)
                for row_id, channel_id, product_id in self.env.cr.fetchall()
            )
        self.env["stock.sync.channel.availability"].invalidate_model()
        return ids

    @api.model
    def _shared_exposure(self, computed):
        """``{(channel_id, product_id): quantity shown beyond ATP}`` by channels sharing warehouses."""
        result = defaultdict(float)
        channels = list(computed)
        for channel in channels:
            peers = [c for c in channels if c.warehouse_ids & channel.warehouse_ids]
            warehouses = self.env["stock.warehouse"].union(*(c.warehouse_ids for c in peers))
            for product_id in computed[channel]:
                shown = sum(
                    computed[c][product_id]["quantity"] for c in peers if product_id in computed[c]
                )
                atp = {}
                for peer in peers:
                    if product_id in computed[peer]:
                        atp.update({wh.id: q for wh, q in computed[peer][product_id]["warehouses"]})
                available = sum(max(atp.get(wh.id, 0.0), 0.0) for wh in warehouses)
                result[channel.id, product_id] = max(shown - available, 0.0)
        return result

    @api.model
    def _emit_availability(self, drafts, now):
        """One availability event per (channel, product), to the channel's endpoint only."""
        event_drafts = []
        for channel, product, figures, previous in drafts:
            event_drafts.append(
                EventDraft(
                    company=channel.company_id,
                    product=product,
                    occurred_at=now,
                    data={
                        "channel": {"id": channel.id, "name": channel.name},
                        "product": {
                            "id": product.id,
                            "default_code": product.default_code or None,
                            "barcode": product.barcode or None,
                            "name": product.name,
                        },
                        "uom": product.uom_id.name,
                        "quantity": figures["quantity"],
                        "previous_quantity": previous,
                        "atp": figures["atp"],
                        "buffer": figures["buffer"],
                        "maximum": channel.max_exposed_qty or None,
                        "horizon_days": channel.horizon_days,
                        "warehouses": [
                            {"id": wh.id, "code": wh.code, "atp": qty}
                            for wh, qty in figures["warehouses"]
                        ],
                    },
                    reference=channel.name,
                    endpoint_ids=frozenset([channel.endpoint_id.id]),
                )
            )
        return self.env["stock.sync.event"].emit(AVAILABILITY_TYPE, event_drafts)

    def action_open_at_risk(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "stock_sync_availability.action_stock_sync_oversell_risk"
        )
        action["domain"] = [("channel_id", "=", self.id), ("at_risk", "=", True)]
        return action
