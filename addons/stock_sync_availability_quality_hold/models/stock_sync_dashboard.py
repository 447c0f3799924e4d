import datetime

from odoo import _, api, fields, models

from odoo.addons.stock_quality_hold.models.stock_location import BUCKETS


class StockSyncDashboard(models.AbstractModel):
    _inherit = "stock.sync.dashboard"

    @api.model
    def _dashboard_tiles(self):
        tiles = super()._dashboard_tiles()
        if self.env["stock.quant"].has_access("read"):
            tiles.append(self._tile_held_stock())
        return tiles

    @api.model
    def _held_age_bands(self):
        """``[(label, domain)]``: how long stock has waited in its bucket (``Held Since``).

        Stock without a date (held before the date was kept) counts as the oldest.
        """
        now = fields.Datetime.now()

        def ago(days):
            return fields.Datetime.to_string(now - datetime.timedelta(days=days))

        return [
            (_("< 1 day"), [("quality_held_since", ">=", ago(1))]),
            (
                _("1-7 days"),
                [("quality_held_since", "<", ago(1)), ("quality_held_since", ">=", ago(7))],
            ),
            (
                _("7-30 days"),
                [("quality_held_since", "<", ago(7)), ("quality_held_since", ">=", ago(30))],
            ),
            (
                _("> 30 days"),
                ["|", ("quality_held_since", "<", ago(30)), ("quality_held_since", "=", False)],
            ),
        ]

    @api.model
    def _tile_held_stock(self):
        """Held stock (quants in QA hold, quarantine, rejected) by bucket and age, now."""
        Quant = self.env["stock.quant"]
        held = [("quality_bucket", "!=", False), ("quantity", ">", 0)]
        bands = self._held_age_bands()
        counts = {}
        for index, (_label, domain) in enumerate(bands):
            for bucket, count in Quant._read_group(held + domain, ["quality_bucket"], ["__count"]):
                counts[bucket, index] = count
        labels = dict(BUCKETS)
        xmlid = "stock_quality_hold.stock_quality_hold_aging_action"
        rows = []
        for bucket, label in BUCKETS:
            in_bucket = held + [("quality_bucket", "=", bucket)]
            row = [self._dashboard_cell(label)]
            for index, (band, domain) in enumerate(bands):
                count = counts.get((bucket, index), 0)
                row.append(
                    self._dashboard_cell(
                        str(count),
                        count,
                        self._dashboard_action(
                            xmlid,
                            _("%(bucket)s, held %(age)s", bucket=labels[bucket], age=band),
                            in_bucket + domain,
                        ),
                        "warning" if index == len(bands) - 1 else None,
                    )
                )
            total = sum(counts.get((bucket, index), 0) for index in range(len(bands)))
            row.append(
                self._dashboard_cell(
                    str(total),
                    total,
                    self._dashboard_action(xmlid, labels[bucket], in_bucket),
                )
            )
            rows.append(row)
        return self._dashboard_tile(
            "held_stock",
            40,
            _("Held Stock"),
            _("Stock lines (quants) in the hold buckets, by how long they have waited there"),
            [_("Bucket")] + [band for band, _domain in bands] + [_("Total")],
            rows,
            _("Nothing held"),
            self._dashboard_action(xmlid, _("Hold Aging"), held),
        )
