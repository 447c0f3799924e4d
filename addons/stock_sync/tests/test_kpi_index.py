import json
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..models.stock_sync_kpi import BACKLOG_SQL, BACKLOG_STATES, RECENT_SQL
from .settled_notes import SettledNotesCase


def _nodes(plan):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


@tagged("post_install", "-at_install")
class TestKpiIndex(SettledNotesCase):
    """KPI reads do not scan the delivered history: partial indexes serve the endpoint
    form, and the report's company rule filters before aggregating."""

    def setUp(self):
        super().setUp()
        head = self.notes(1)
        self.settle(head, "delivered", days_ago=1)
        # 30 days of delivered history, 20,000 deliveries, and a small backlog.
        self.env.cr.execute(
            """
            INSERT INTO stock_sync_event (event_uuid, type, aggregatetype, partition_key, sequence,
                                          payload, timestamp, company_id, product_id)
            SELECT gen_random_uuid()::text, e.type, e.aggregatetype, e.partition_key, e.sequence + g,
                   e.payload, %(now)s - make_interval(mins => g * 2), e.company_id, e.product_id
              FROM stock_sync_event e, generate_series(1, 20000) g
             WHERE e.id = %(event)s
            """,
            {"now": fields.Datetime.now(), "event": head.id},
        )
        self.env.cr.execute(
            """
            INSERT INTO stock_sync_delivery (event_id, endpoint_id, company_id, product_id,
                   partition_key, sequence, state, attempts, last_attempt_at, latency_ms,
                   event_time, create_date, write_date)
            SELECT e.id, %(endpoint)s, e.company_id, e.product_id, d.partition_key,
                   d.sequence + row_number() OVER (ORDER BY e.id),
                   CASE WHEN e.id %% 500 = 0 THEN 'pending' ELSE 'delivered' END,
                   1, e.timestamp, 50, e.timestamp, e.timestamp, e.timestamp
              FROM stock_sync_event e, stock_sync_delivery d
             WHERE d.event_id = %(event)s AND e.id > %(event)s
            """,
            {"endpoint": self.endpoint.id, "event": head.id},
        )
        self.env.cr.execute("ANALYZE stock_sync_delivery")
        self.params = {
            "endpoints": [self.endpoint.id],
            "companies": [self.company.id],
            "backlog": BACKLOG_STATES,
        }

    def _plan(self, query, params):
        self.env.cr.execute("EXPLAIN (FORMAT JSON) " + query, params)
        plan = self.env.cr.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return list(_nodes(plan[0]["Plan"]))

    def _scans(self, nodes):
        """Whether the deliveries are read sequentially, and the indexes used (bitmap or not)."""
        sequential = any(
            node["Node Type"] == "Seq Scan" and node.get("Relation Name") == "stock_sync_delivery"
            for node in nodes
        )
        return sequential, {node["Index Name"] for node in nodes if node.get("Index Name")}

    def test_endpoint_form_reads_through_partial_indexes(self):
        # Which index the planner prefers depends on the statistics of the run;
        # what matters is that no KPI read scans the delivered history.
        sequential, indexes = self._scans(self._plan(RECENT_SQL, self.params))
        self.assertFalse(sequential)
        self.assertTrue(indexes)
        sequential, _indexes = self._scans(self._plan(BACKLOG_SQL, self.params))
        self.assertFalse(sequential)
        # And the figures are right.
        endpoint = self.endpoint.with_user(self.sync_manager)
        self.assertEqual(endpoint.kpi_backlog, 40)
        self.assertAlmostEqual(endpoint.kpi_latency_p95, 0.05)

    def test_report_filters_companies_before_aggregating(self):
        nodes = self._plan(
            "SELECT * FROM stock_sync_kpi WHERE company_id = ANY(%(companies)s)", self.params
        )
        scans = [node for node in nodes if node.get("Relation Name") == "stock_sync_delivery"]
        self.assertTrue(scans)
        for scan in scans:
            condition = scan.get("Filter", "") + scan.get("Index Cond", "") + scan.get(
                "Recheck Cond", ""
            )
            self.assertIn("company_id", condition, "the rule reaches the delivery scan")
        since = fields.Date.today() - timedelta(days=7)
        self.env.cr.execute(
            "SELECT count(*) FROM stock_sync_delivery WHERE create_date::date >= %s", (since,)
        )
        (expected,) = self.env.cr.fetchone()
        rows = self.env["stock.sync.kpi"].with_user(self.sync_user).search([("day", ">=", since)])
        self.assertEqual(sum(rows.mapped("deliveries")), expected)
