"""The dispatcher: claim due deliveries, send them, record the outcome.

Each step runs in its own short transaction so that no lock is held while
HTTP is on the wire and no user's stock transaction ever waits for a network:

1. claim: lock due rows ``FOR UPDATE SKIP LOCKED`` and mark them in flight
   with a lease and a token, then commit;
2. send: one signed batch per endpoint, outside any transaction's locks;
3. record: write the outcome, only where our token still holds the claim.

A dispatcher that dies after claiming loses nothing: its lease expires and
the rows are claimed again (at-least-once; receivers dedupe on the event id).
"""

import logging
import time
import uuid
from collections import namedtuple
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.sql_db import TestCursor

from ..services import cron_wakeup, http_transport, retry_policy
from ..services.bulk_insert import insert_rows

_logger = logging.getLogger(__name__)

Claimed = namedtuple("Claimed", "id event_uuid payload attempts partition_key sequence")

# Rows a dispatcher may take: due, or in flight with an expired lease.
_READY = """(
    (d.state IN ('pending', 'failed') AND d.next_attempt_at <= %(now)s)
    OR (d.state = 'in_flight' AND d.lease_until < %(now)s)
)"""


class StockSyncDispatcher(models.AbstractModel):
    _name = "stock.sync.dispatcher"
    _description = "Inventory Event Dispatcher"

    @api.model
    def _wake_up(self):
        """Ask the dispatch cron to run right after this transaction commits.

        What ``ir.cron._trigger()`` does, made cheap for the stock hot path:
        one plain INSERT of the trigger row, and the NOTIFY sent after commit
        over a reused connection (see ``services/cron_wakeup``).
        """
        data = self.env.cr.precommit.data
        if data.get("stock_sync.woken"):
            return
        data["stock_sync.woken"] = True
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id("stock_sync.ir_cron_dispatch")
        insert_rows(
            self.env.cr,
            "ir_cron_trigger",
            [{"cron_id": cron_id, "call_at": fields.Datetime.now()}],
            self.env.uid,
        )
        dbname = self.env.cr.dbname
        self.env.cr.postcommit.add(lambda: cron_wakeup.notify_cron_workers(dbname))

    # ------------------------------------------------------------------
    # Cron entry points
    # ------------------------------------------------------------------
    @api.model
    def _cron_dispatch(self, time_budget=None):
        """Send due deliveries until none is left or the time budget is spent."""
        if time_budget is None:
            param = (  # sudo: system parameters are technical
                self.env["ir.config_parameter"].sudo().get_param("stock_sync.dispatch_time_budget")
            )
            time_budget = float(param or 50)
        deadline = time.monotonic() + time_budget
        self.env.flush_all()  # claims run in their own cursors: they must see our writes
        # sudo: the dispatcher serves every company's endpoints, whoever runs the cron.
        endpoints = self.env["stock.sync.endpoint"].sudo().search([])
        sent = 0
        while endpoints and time.monotonic() < deadline:
            progress = sum(self._dispatch_batch(endpoint) for endpoint in endpoints)
            sent += progress
            if not progress:
                break
        self._schedule_next_run(endpoints)
        return sent

    @api.model
    def _dispatch_batch(self, endpoint):
        """Claim, send and record one batch for ``endpoint``; return how many were sent."""
        token = uuid.uuid4().hex
        rows = self._claim(endpoint, token)
        if not rows:
            return 0
        body = "[" + ",".join(row.payload for row in rows) + "]"
        try:
            result = http_transport.send_batch(
                endpoint.id,
                endpoint.sudo().url,  # sudo: the URL is a manager-only field
                endpoint._active_secrets(),
                [row.event_uuid for row in rows],
                body,
                endpoint.timeout,
            )
        except Exception as exc:  # noqa: BLE001 - recorded below, never lost
            # send_batch turns every network and HTTP problem into a result;
            # anything else is a bug, but the claimed rows must still get an
            # outcome, or they would loop on lease expiry forever.
            _logger.exception(
                "Inventory Sync: unexpected error sending to endpoint %r", endpoint.name
            )
            result = http_transport.SendResult(
                "retry",
                error_class="config",
                error=f"Unexpected {exc.__class__.__name__}: see the server log.",
            )
        self._record(endpoint, rows, token, result)
        if result.outcome != "delivered":
            _logger.warning(
                "Inventory Sync: batch of %s events to endpoint %r: %s (%s)",
                len(rows),
                endpoint.name,
                result.error_class,
                result.error,
            )
        return len(rows)

    # ------------------------------------------------------------------
    # Step 1: claim
    # ------------------------------------------------------------------
    @staticmethod
    def _db_now(cr):
        cr.execute("SELECT (clock_timestamp() AT TIME ZONE 'UTC')::timestamp")
        return cr.fetchone()[0]

    def _new_cursor(self):
        cr = self.env.registry.cursor()
        if not isinstance(cr, TestCursor):
            # Each statement must see rows other dispatchers committed meanwhile.
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        return cr

    @api.model
    def _claim(self, endpoint, token):
        with self._new_cursor() as cr:
            # The database's clock, not this server's: leases are compared
            # by every server that dispatches.
            now = self._db_now(cr)
            # Three times the batch as candidates: other dispatchers may hold
            # the first ones, and SKIP LOCKED then leaves us the rest.
            params = {
                "endpoint": endpoint.id,
                "now": now,
                "limit": 3 * endpoint.batch_size,
                "batch": endpoint.batch_size,
            }
            cr.execute("SELECT paused_until FROM stock_sync_endpoint WHERE id = %s", (endpoint.id,))
            paused_until = cr.fetchone()[0]
            if paused_until and paused_until > now:
                return []
            # Whatever waits behind a dead delivery of its key is parked, and
            # a parked one with no dead delivery before it any more (cancelled,
            # retried or deleted meanwhile, even by a racing transaction)
            # returns to the queue: the parking heals itself on every claim.
            cr.execute(
                "SELECT 1 FROM stock_sync_delivery WHERE endpoint_id = %(endpoint)s"
                " AND state IN ('dead', 'parked') LIMIT 1",
                params,
            )
            if cr.fetchone():
                cr.execute(
                    """
                    UPDATE stock_sync_delivery d
                       SET state = CASE WHEN q.behind_dead THEN 'parked' ELSE 'pending' END,
                           next_attempt_at = CASE WHEN q.behind_dead THEN d.next_attempt_at
                                                  ELSE %(now)s END
                      FROM (
                        SELECT p.id, p.state,
                               COALESCE(BOOL_OR(p.state = 'dead') OVER (
                                   PARTITION BY p.partition_key ORDER BY p.sequence
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), FALSE) AS behind_dead
                          FROM stock_sync_delivery p
                         WHERE p.endpoint_id = %(endpoint)s
                           AND p.state NOT IN ('delivered', 'cancelled')
                      ) q
                     WHERE d.id = q.id
                       AND ((q.behind_dead AND q.state IN ('pending', 'failed'))
                            OR (NOT q.behind_dead AND q.state = 'parked'))
                       AND d.state = q.state
                    """,
                    params,
                )
            # A delivery may leave when it and every earlier one of its key
            # still in the queue are ready: a running BOOL_AND along the key
            # index. One linear pass, whatever the planner's statistics say.
            cr.execute(
                f"""
                SELECT q.id FROM (
                    SELECT d.id, d.event_id,
                           BOOL_AND({_READY}) OVER (PARTITION BY d.partition_key ORDER BY d.sequence)
                               AS ready_prefix
                      FROM stock_sync_delivery d
                     WHERE d.endpoint_id = %(endpoint)s
                       AND d.state NOT IN ('delivered', 'cancelled')
                ) q
                 WHERE q.ready_prefix
                 ORDER BY q.event_id
                 LIMIT %(limit)s
                """,  # noqa: S608 - constants only
                params,
            )
            params["ids"] = [row_id for (row_id,) in cr.fetchall()]
            if not params["ids"]:
                return []
            cr.execute(
                f"""
                SELECT d.id, d.partition_key, d.sequence, d.send_alone
                  FROM stock_sync_delivery d
                 WHERE d.id = ANY(%(ids)s) AND {_READY}
                 ORDER BY d.event_id
                 LIMIT %(batch)s
                   FOR UPDATE SKIP LOCKED
                """,  # noqa: S608 - constants only
                params,
            )
            candidates = cr.fetchall()
            if not candidates:
                return []
            # A delivery refused inside a batch goes alone, so one bad event
            # cannot sink its neighbours again.
            if candidates[0][3]:
                candidates = candidates[:1]
            else:
                candidates = [row for row in candidates if not row[3]]
            chosen_ids = [row[0] for row in candidates]
            # Keep a row only if nothing earlier of its key is left behind:
            # rows locked by another dispatcher, or cut by the limit.
            cr.execute(
                """
                SELECT partition_key, MIN(sequence) FROM stock_sync_delivery
                 WHERE endpoint_id = %s AND partition_key = ANY(%s)
                   AND state NOT IN ('delivered', 'cancelled')
                   AND NOT (id = ANY(%s))
                 GROUP BY partition_key
            """,
                (endpoint.id, list({row[1] for row in candidates}), chosen_ids),
            )
            first_blocker = dict(cr.fetchall())
            chosen_ids = [
                row[0]
                for row in candidates
                if row[1] not in first_blocker or row[2] < first_blocker[row[1]]
            ]
            if not chosen_ids:
                return []
            lease = timedelta(seconds=2 * endpoint.timeout + 60)
            cr.execute(
                """
                UPDATE stock_sync_delivery d
                   SET state = 'in_flight', claim_token = %s, lease_until = %s,
                       attempts = COALESCE(d.attempts, 0) + 1, last_attempt_at = %s
                  FROM stock_sync_event e
                 WHERE d.id = ANY(%s) AND e.id = d.event_id
             RETURNING d.id, e.event_uuid, e.payload::text, d.attempts, d.partition_key,
                       d.sequence, d.event_id
            """,
                (token, now + lease, now, chosen_ids),
            )
            rows = sorted(cr.fetchall(), key=lambda row: row[6])
        return [Claimed(*row[:6]) for row in rows]

    # ------------------------------------------------------------------
    # Step 3: record
    # ------------------------------------------------------------------
    @api.model
    def _record(self, endpoint, rows, token, result):
        with self._new_cursor() as cr:
            self._record_in(cr, endpoint, rows, token, result)

    @api.model
    def _record_in(self, cr, endpoint, rows, token, result):
        now = self._db_now(cr)
        common = {
            "token": token,
            "now": now,
            "status": result.status_code,
            "error_class": result.error_class,
            "error": result.error,
            "excerpt": result.excerpt,
        }
        if result.outcome == "delivered":
            cr.execute(
                """
                UPDATE stock_sync_delivery
                   SET state = 'delivered', delivered_at = %(now)s, status_code = %(status)s,
                       error_class = NULL, error_message = NULL, response_excerpt = %(excerpt)s,
                       latency_ms = EXTRACT(EPOCH FROM (%(now)s - event_time)) * 1000,
                       lease_until = NULL, claim_token = NULL, write_date = %(now)s
                 WHERE claim_token = %(token)s AND state = 'in_flight'
            """,
                common,
            )
            return
        if result.outcome == "dead" and len(rows) > 1 and result.error_class != "config":
            # Refused for good as a batch: try each event alone before
            # declaring any of them dead.
            cr.execute(
                """
                UPDATE stock_sync_delivery
                   SET state = 'pending', send_alone = TRUE, next_attempt_at = %(now)s,
                       status_code = %(status)s, error_class = %(error_class)s,
                       error_message = %(error)s, response_excerpt = %(excerpt)s,
                       lease_until = NULL, claim_token = NULL, write_date = %(now)s
                 WHERE claim_token = %(token)s AND state = 'in_flight'
            """,
                common,
            )
            return
        ids, states, next_attempts = [], [], []
        for row in rows:
            dead = result.outcome == "dead" or row.attempts >= endpoint.max_attempts
            # Never sooner than the backoff: a "Retry-After: 0" must not
            # burn every attempt within a second.
            delay = max(
                result.retry_after or 0.0,
                retry_policy.backoff_seconds(
                    row.attempts, endpoint.retry_base_seconds, endpoint.retry_max_seconds
                ),
            )
            delay = min(delay, max(endpoint.retry_max_seconds, endpoint.retry_base_seconds))
            ids.append(row.id)
            states.append("dead" if dead else "failed")
            next_attempts.append(now + timedelta(seconds=delay))
        cr.execute(
            """
            UPDATE stock_sync_delivery d
               SET state = u.state, next_attempt_at = u.next_attempt_at,
                   status_code = %(status)s, error_class = %(error_class)s,
                   error_message = %(error)s, response_excerpt = %(excerpt)s,
                   lease_until = NULL, claim_token = NULL, write_date = %(now)s
              FROM unnest(%(ids)s::int[], %(states)s::varchar[], %(next)s::timestamp[])
                   AS u(id, state, next_attempt_at)
             WHERE d.id = u.id AND d.claim_token = %(token)s AND d.state = 'in_flight'
         RETURNING d.id, d.state
        """,
            dict(common, ids=ids, states=states, next=next_attempts),
        )
        recorded = cr.fetchall()
        dead_ids = [row_id for row_id, state in recorded if state == "dead"]
        retry_at = min(
            (n for n, s in zip(next_attempts, states, strict=True) if s == "failed"),
            default=None,
        )
        if retry_at:
            # Rest the endpoint: the receiver is unwell, do not fail the whole queue.
            cr.execute(
                "UPDATE stock_sync_endpoint SET paused_until = %s WHERE id = %s",
                (retry_at, endpoint.id),
            )
        if result.endpoint_problem or dead_ids:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["stock.sync.endpoint"].browse(endpoint.id)._alert_managers(
                endpoint_problem=result.endpoint_problem
            )
        if dead_ids:
            cr.execute(
                """
                UPDATE stock_sync_delivery f SET state = 'parked'
                  FROM stock_sync_delivery d
                 WHERE d.id = ANY(%s) AND f.endpoint_id = d.endpoint_id
                   AND f.partition_key = d.partition_key AND f.sequence > d.sequence
                   AND f.state IN ('pending', 'failed')
            """,
                (dead_ids,),
            )

    # ------------------------------------------------------------------
    @api.model
    def _schedule_next_run(self, endpoints):
        """Wake up again when the earliest retry or batch window is due."""
        if not endpoints:
            return
        # A fresh cursor: this run's own transaction predates what it recorded.
        with self._new_cursor() as cr:
            cr.execute(
                """
                SELECT MIN(GREATEST(d.next_attempt_at, COALESCE(e.paused_until, d.next_attempt_at)))
                  FROM stock_sync_delivery d
                  JOIN stock_sync_endpoint e ON e.id = d.endpoint_id
                 WHERE d.endpoint_id = ANY(%s) AND d.state IN ('pending', 'failed')
                """,
                (endpoints.ids,),
            )
            earliest = cr.fetchone()[0]
        now = fields.Datetime.now()
        if earliest and earliest < now + timedelta(minutes=1):
            # sudo: ir.cron is technical; the trigger is ours to set.
            self.env.ref("stock_sync.ir_cron_dispatch").sudo()._trigger(at=earliest)
            if earliest > now:
                dbname = self.env.cr.dbname
                delay = (earliest - now).total_seconds() + 0.5  # the trigger row must be due
                self.env.cr.postcommit.add(
                    lambda: cron_wakeup.notify_cron_workers_later(dbname, delay)
                )
