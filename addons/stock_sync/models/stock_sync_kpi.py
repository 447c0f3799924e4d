from odoo import api, fields, models, tools
from odoo.tools import SQL

from .stock_sync_event import CRITICALITIES

BACKLOG_STATES = ("pending", "failed", "parked")

# The endpoint form's figures (``_endpoint_stats``), of the user's companies.
# Unfinished work now, through the dispatcher's partial key index
# (state NOT IN delivered, cancelled): the delivered history is not read.
BACKLOG_SQL = """SELECT d.endpoint_id,
       COUNT(*) FILTER (WHERE d.state IN %(backlog)s),
       COALESCE(MAX(EXTRACT(EPOCH FROM ((now() AT TIME ZONE 'UTC') - d.event_time)) / 60.0)
           FILTER (WHERE d.state IN %(backlog)s), 0),
       COUNT(*) FILTER (WHERE d.state = 'dead'),
       COUNT(*) FILTER (WHERE d.state = 'parked')
  FROM stock_sync_delivery d
 WHERE d.endpoint_id = ANY(%(endpoints)s)
   AND d.company_id = ANY(%(companies)s)
   AND d.state NOT IN ('delivered', 'cancelled')
 GROUP BY d.endpoint_id
"""
# The last 24 hours of attempts: finished work through the partial
# stock_sync_delivery_kpi_idx, unfinished work through the key index.
RECENT_SQL = """SELECT d.endpoint_id,
       SUM(d.attempts),
       SUM(CASE WHEN d.state = 'delivered' THEN d.attempts - 1 ELSE d.attempts END),
       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY d.latency_ms) FILTER (WHERE d.state = 'delivered'),
       PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY d.latency_ms) FILTER (WHERE d.state = 'delivered')
  FROM (
    SELECT endpoint_id, state, attempts, latency_ms FROM stock_sync_delivery
     WHERE endpoint_id = ANY(%(endpoints)s) AND company_id = ANY(%(companies)s)
       AND state IN ('delivered', 'cancelled')
       AND last_attempt_at >= (now() AT TIME ZONE 'UTC') - interval '24 hours'
     UNION ALL
    SELECT endpoint_id, state, attempts, latency_ms FROM stock_sync_delivery
     WHERE endpoint_id = ANY(%(endpoints)s) AND company_id = ANY(%(companies)s)
       AND state NOT IN ('delivered', 'cancelled')
       AND last_attempt_at >= (now() AT TIME ZONE 'UTC') - interval '24 hours'
  ) d
 GROUP BY d.endpoint_id
"""


class StockSyncKpi(models.Model):
    """Delivery KPIs per endpoint, criticality class and day (read-only SQL view)."""

    _name = "stock.sync.kpi"
    _description = "Inventory Sync KPIs"
    _auto = False
    _order = "day desc, endpoint_id"

    day = fields.Date(readonly=True)
    endpoint_id = fields.Many2one("stock.sync.endpoint", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    criticality = fields.Selection(CRITICALITIES, readonly=True)
    deliveries = fields.Integer(readonly=True)
    delivered = fields.Integer(readonly=True)
    dead = fields.Integer("Dead Letters", readonly=True)
    backlog = fields.Integer(readonly=True)
    attempts = fields.Integer(readonly=True)
    failed_attempts = fields.Integer(readonly=True)
    failure_rate = fields.Float("Failure Rate (%)", readonly=True, aggregator="avg")
    latency_p50 = fields.Float("Latency p50 (s)", readonly=True, aggregator="avg")
    latency_p95 = fields.Float("Latency p95 (s)", readonly=True, aggregator="max")
    oldest_pending_minutes = fields.Float("Oldest Pending (min)", readonly=True, aggregator="max")

    def init(self):
        # The endpoint form's last 24 hours of finished work. Partial: capture
        # inserts pending rows, which never enter it; unfinished rows are read
        # through the dispatcher's key index (state NOT IN delivered, cancelled).
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS stock_sync_delivery_kpi_idx
                ON stock_sync_delivery (endpoint_id, last_attempt_at)
             WHERE state IN ('delivered', 'cancelled')
        """)
        tools.drop_view_if_exists(self.env.cr, self._table)
        # The id is the group's lowest delivery id: unique, and unlike a window
        # function it lets PostgreSQL push the company rule (and any filter on
        # day, endpoint or criticality) below the aggregation.
        self.env.cr.execute(
            SQL(
                """
            CREATE VIEW %s AS (
                SELECT k.*,
                       CASE WHEN k.attempts > 0 THEN 100.0 * k.failed_attempts / k.attempts ELSE 0 END
                           AS failure_rate
                  FROM (
                    SELECT MIN(d.id) AS id,
                           d.create_date::date AS day, d.endpoint_id, d.company_id, d.criticality,
                           COUNT(*) AS deliveries,
                           COUNT(*) FILTER (WHERE d.state = 'delivered') AS delivered,
                           COUNT(*) FILTER (WHERE d.state = 'dead') AS dead,
                           COUNT(*) FILTER (WHERE d.state IN ('pending', 'failed', 'parked')) AS backlog,
                           SUM(d.attempts) AS attempts,
                           SUM(CASE WHEN d.state = 'delivered' THEN d.attempts - 1
                                    ELSE d.attempts END) AS failed_attempts,
                           PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY d.latency_ms)
                               FILTER (WHERE d.state = 'delivered') / 1000.0 AS latency_p50,
                           PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY d.latency_ms)
                               FILTER (WHERE d.state = 'delivered') / 1000.0 AS latency_p95,
                           MAX(EXTRACT(EPOCH FROM ((now() AT TIME ZONE 'UTC') - d.event_time)) / 60.0)
                               FILTER (WHERE d.state IN ('pending', 'failed', 'parked'))
                               AS oldest_pending_minutes
                      FROM stock_sync_delivery d
                     GROUP BY d.create_date::date, d.endpoint_id, d.company_id, d.criticality
                  ) k
            )
        """,
                SQL.identifier(self._table),
            )
        )

    @api.model
    def _endpoint_stats(self, endpoint_ids):
        """Live figures for endpoint forms: backlog now, quality over the last 24 hours.

        Only deliveries of the companies the user works in (``env.companies``)
        count: a shared endpoint's form does not tell one company about
        another's traffic. Each query reads only the rows it counts, through a
        partial index: unfinished work through the dispatcher's key index,
        finished work of the last 24 hours through ``stock_sync_delivery_kpi_idx``.
        """
        self.env["stock.sync.delivery"].flush_model()
        params = {
            "endpoints": list(endpoint_ids),
            "companies": self.env.companies.ids,
            "backlog": BACKLOG_STATES,
        }
        self.env.cr.execute(BACKLOG_SQL, params)
        stats = {
            row[0]: {
                "backlog": row[1],
                "oldest_pending_minutes": float(row[2]),
                "dead": row[3],
                "parked": row[4],
            }
            for row in self.env.cr.fetchall()
        }
        self.env.cr.execute(RECENT_SQL, params)
        for endpoint_id, attempts, failed, p50, p95 in self.env.cr.fetchall():
            row = stats.setdefault(endpoint_id, {})
            row["failure_rate"] = 100.0 * failed / attempts if attempts else 0.0
            row["latency_p50"] = (p50 or 0.0) / 1000.0
            row["latency_p95"] = (p95 or 0.0) / 1000.0
        return stats
