import datetime

from odoo import _, api, fields, models

from odoo.addons.stock_sync.models.stock_sync_delivery import BACKLOG, DEAD, DELIVERED

OVERSELL_ROWS = 10  # the oversell-risk tile lists the largest gaps; its title opens them all


class StockSyncDashboard(models.AbstractModel):
    """The planner dashboard: sync health and inventory truth on one screen, as tiles.

    The screen (the OWL client action ``stock_sync_availability.planner_dashboard``)
    draws whatever :meth:`get_dashboard_data` returns; it knows no figure. Each
    module adds its own tiles by extending :meth:`_dashboard_tiles`::

        @api.model
        def _dashboard_tiles(self):
            tiles = super()._dashboard_tiles()
            if self.env["my.model"].has_access("read"):
                tiles.append(self._dashboard_tile("my_key", 50, _("Title"), ...))
            return tiles

    This module gives the outbox's tiles (latency, backlog and dead letters,
    failures by error class) and the oversell-risk list; glue modules add held
    stock (``stock_sync_availability_quality_hold``) and inventory record
    accuracy (a reconciliation module). Every tile reads through the ORM or
    through queries restricted to the user's companies, so a user sees the
    figures of the records he may open, and a tile on a model he may not
    read is left out.
    """

    _name = "stock.sync.dashboard"
    _description = "Planner Dashboard of Inventory Sync"

    @api.model
    def get_dashboard_data(self):
        """The dashboard, for the current user and his allowed companies.

        :returns: ``{"tiles": [tile, ...], "generated_at": "YYYY-MM-DD HH:MM:SS"}``
            (UTC), tiles ordered by ``sequence``. A tile (see
            :meth:`_dashboard_tile`) is a dict with ``key`` (stable, unique),
            ``sequence``, ``title``, ``subtitle`` (what is counted, over which
            period), ``wide`` (spans two columns), ``headers`` (column titles, the rows' label first),
            ``rows`` (lists of cells), ``empty`` (the text shown without rows)
            and ``action`` (a window action opening every record behind the
            tile, or ``None``). A cell is ``{"value": str, "raw": float|None,
            "action": dict|None, "level": "danger"|"warning"|None}``: its
            ``action`` is a window action that opens the records behind the
            figure.
        """
        tiles = self._dashboard_tiles()
        return {
            "tiles": sorted(tiles, key=lambda tile: (tile["sequence"], tile["key"])),
            "generated_at": fields.Datetime.to_string(fields.Datetime.now()),
        }

    @api.model
    def _dashboard_tiles(self):
        """The tiles of this module; extend it (``super()`` then append) to add yours."""
        tiles = []
        if self.env["stock.sync.delivery"].has_access("read"):
            endpoints = self.env["stock.sync.endpoint"].search([])
            stats = self.env["stock.sync.kpi"]._endpoint_stats(endpoints.ids)
            tiles += [
                self._tile_sync_latency(endpoints, stats),
                self._tile_sync_backlog(endpoints, stats),
                self._tile_sync_failures(),
            ]
        if self.env["stock.sync.channel.availability"].has_access("read"):
            tiles.append(self._tile_oversell_risk())
        return tiles

    # ------------------------------------------------------------------
    # Building blocks for tiles (used by glue modules too)
    # ------------------------------------------------------------------
    @api.model
    def _dashboard_tile(
        self, key, sequence, title, subtitle, headers, rows, empty, action=None, wide=False
    ):
        """A tile as :meth:`get_dashboard_data` documents it (``wide``: two columns of the grid)."""
        return {
            "wide": wide,
            "key": key,
            "sequence": sequence,
            "title": title,
            "subtitle": subtitle,
            "headers": headers,
            "rows": rows,
            "empty": empty,
            "action": action,
        }

    @api.model
    def _dashboard_cell(self, value, raw=None, action=None, level=None):
        """One figure: its text, its number, the records behind it (a window action)."""
        return {"value": value, "raw": raw, "action": action, "level": level}

    @api.model
    def _dashboard_action(self, xmlid, name, domain, context=None):
        """The window action ``xmlid`` (its views and help), on ``domain``, named ``name``.

        The action's own default filters are dropped: the list shows exactly
        the records the figure counts.
        """
        action = self.env["ir.actions.actions"]._for_xml_id(xmlid)
        action.update(
            name=name,
            display_name=name,
            domain=domain,
            context=dict(context or {}),
            target="current",
        )
        return action

    @api.model
    def _dashboard_since(self, hours=24):
        """The start of a period of ``hours`` ending now, as the ORM writes datetimes."""
        return fields.Datetime.to_string(fields.Datetime.now() - datetime.timedelta(hours=hours))

    # ------------------------------------------------------------------
    # The outbox
    # ------------------------------------------------------------------
    def _delivery_action(self, name, domain):
        return self._dashboard_action("stock_sync.action_stock_sync_delivery", name, domain)

    @api.model
    def _tile_sync_latency(self, endpoints, stats):
        """Latency p50/p95 per endpoint: from the movement to the receiver's acknowledgement,
        of the deliveries acknowledged in the last 24 hours (``stock.sync.kpi``'s figures)."""
        since = self._dashboard_since()
        rows = []
        for endpoint in endpoints:
            figures = stats.get(endpoint.id, {})
            domain = [
                ("endpoint_id", "=", endpoint.id),
                ("state", "=", DELIVERED),
                ("last_attempt_at", ">=", since),
            ]
            action = self._delivery_action(
                _("Delivered to %(endpoint)s, last 24 hours", endpoint=endpoint.name), domain
            )
            if "latency_p50" not in figures:  # nothing attempted in the last 24 hours
                rows.append([self._dashboard_cell(endpoint.name)] + [self._dashboard_cell("-")] * 2)
                continue
            rows.append(
                [
                    self._dashboard_cell(endpoint.name),
                    *(
                        self._dashboard_cell(
                            _("%(seconds).2f s", seconds=figures[name]), figures[name], action
                        )
                        for name in ("latency_p50", "latency_p95")
                    ),
                ]
            )
        return self._dashboard_tile(
            "sync_latency",
            10,
            _("Sync Latency"),
            _("From the stock movement to the subscriber's acknowledgement, last 24 hours"),
            [_("Endpoint"), _("p50"), _("p95")],
            rows,
            _("No endpoint"),
            self._dashboard_action("stock_sync.action_stock_sync_kpi", _("Sync KPIs"), []),
        )

    @api.model
    def _tile_sync_backlog(self, endpoints, stats):
        """Backlog (not delivered yet) and dead letters per endpoint, now."""
        rows = []
        for endpoint in endpoints:
            figures = stats.get(endpoint.id, {})
            backlog, dead = figures.get("backlog", 0), figures.get("dead", 0)
            oldest = figures.get("oldest_pending_minutes", 0.0)
            backlog_action = self._delivery_action(
                _("Backlog of %(endpoint)s", endpoint=endpoint.name),
                [("endpoint_id", "=", endpoint.id), ("state", "in", BACKLOG)],
            )
            rows.append(
                [
                    self._dashboard_cell(endpoint.name),
                    self._dashboard_cell(str(backlog), backlog, backlog_action),
                    self._dashboard_cell(
                        _("%(minutes).0f min", minutes=oldest) if backlog else "-",
                        oldest,
                        backlog_action,
                        "warning" if oldest >= 60 else None,
                    ),
                    self._dashboard_cell(
                        str(dead),
                        dead,
                        self._dashboard_action(
                            "stock_sync.action_stock_sync_exception_queue",
                            _("Dead letters of %(endpoint)s", endpoint=endpoint.name),
                            [("endpoint_id", "=", endpoint.id), ("state", "=", DEAD)],
                        ),
                        "danger" if dead else None,
                    ),
                ]
            )
        return self._dashboard_tile(
            "sync_backlog",
            20,
            _("Backlog and Dead Letters"),
            _("Deliveries not acknowledged yet, the oldest one's age, and those given up"),
            [_("Endpoint"), _("Backlog"), _("Oldest"), _("Dead")],
            rows,
            _("No endpoint"),
            self._dashboard_action(
                "stock_sync.action_stock_sync_exception_queue",
                _("Exception Queue"),
                [("state", "in", ("failed", DEAD, "parked"))],
                {"search_default_group_endpoint": 1},
            ),
        )

    @api.model
    def _tile_sync_failures(self):
        """Failure rate by error class over the last 24 hours.

        Of the deliveries attempted in the last 24 hours, the share whose
        latest attempt failed, per error class (timeout, connection, HTTP 4xx,
        ...). A delivery that succeeded on a later attempt no longer has a
        class (the outbox clears it), so this is what still fails, not every
        attempt that once failed: the KPI view's failure rate counts those.
        """
        Delivery = self.env["stock.sync.delivery"]
        since = self._dashboard_since()
        window = [("last_attempt_at", ">=", since)]
        attempted = Delivery.search_count(window)
        labels = dict(Delivery._fields["error_class"]._description_selection(self.env))
        rows = []
        groups = Delivery._read_group(
            window + [("error_class", "!=", False)], ["error_class"], ["__count"]
        )
        for error_class, count in sorted(groups, key=lambda group: -group[1]):
            rate = 100.0 * count / attempted if attempted else 0.0
            action = self._delivery_action(
                _("%(error)s failures, last 24 hours", error=labels.get(error_class, error_class)),
                window + [("error_class", "=", error_class)],
            )
            rows.append(
                [
                    self._dashboard_cell(labels.get(error_class, error_class)),
                    self._dashboard_cell(str(count), count, action),
                    self._dashboard_cell(_("%(rate).1f %%", rate=rate), rate, action, "danger"),
                ]
            )
        all_action = self._delivery_action(_("Deliveries attempted, last 24 hours"), window)
        all_action["context"] = {"search_default_group_error_class": 1}
        return self._dashboard_tile(
            "sync_failures",
            30,
            _("Failures by Error Class"),
            _(
                "Share of the %(count)s deliveries attempted in the last 24 hours whose "
                "latest attempt failed",
                count=attempted,
            ),
            [_("Error Class"), _("Deliveries"), _("Failure Rate")],
            rows,
            _("No failure in the last 24 hours"),
            all_action,
        )

    # ------------------------------------------------------------------
    # Availability
    # ------------------------------------------------------------------
    @api.model
    def _tile_oversell_risk(self):
        """The oversell-risk list: the largest gaps first (``stock.sync.channel.availability``)."""
        Availability = self.env["stock.sync.channel.availability"]
        domain = [("at_risk", "=", True)]
        total = Availability.search_count(domain)
        rows = []
        for row in Availability.search(domain, order="oversell_gap desc, id", limit=OVERSELL_ROWS):
            action = self._dashboard_action(
                "stock_sync_availability.action_stock_sync_oversell_risk",
                _(
                    "%(product)s on %(channel)s",
                    product=row.product_id.display_name,
                    channel=row.channel_id.name,
                ),
                [("id", "=", row.id)],
            )
            uom = row.uom_id.name

            def qty(value, uom=uom):
                return f"{value:g} {uom}"

            rows.append(
                [
                    self._dashboard_cell(row.product_id.display_name),
                    self._dashboard_cell(row.channel_id.name),
                    self._dashboard_cell(qty(row.atp_qty), row.atp_qty, action),
                    self._dashboard_cell(qty(row.exposed_qty), row.exposed_qty, action),
                    self._dashboard_cell(qty(row.oversell_gap), row.oversell_gap, action, "danger"),
                ]
            )
        return self._dashboard_tile(
            "oversell_risk",
            60,
            _("Oversell Risk"),
            _(
                "%(count)s product(s) whose committed demand or channel exposure exceeds ATP "
                "within the horizon",
                count=total,
            ),
            [_("Product"), _("Channel"), _("ATP"), _("Shown"), _("Gap")],
            rows,
            _("No product at risk of overselling"),
            self._dashboard_action(
                "stock_sync_availability.action_stock_sync_oversell_risk",
                _("Oversell Risk"),
                domain,
            ),
            wide=True,
        )
