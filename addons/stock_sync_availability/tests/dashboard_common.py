"""The planner dashboard's scenario: deliveries in every state, one product at risk of overselling."""

import datetime

from odoo import Command, fields


class DashboardScenario:
    """Builds, on an AvailabilityCase-like class (``cls``), the figures the tests compute by hand.

    To the endpoint ``cls.endpoint`` ("Test WMS"), one receipt each (so one delivery each):

    * three delivered in the last 24 hours, 1, 2 and 3 s after the movement:
      p50 2.0 s, p95 2.9 s (PostgreSQL's ``percentile_cont``: 2 + 0.9 × (3 − 2));
    * one delivered two days ago, 60 s late: outside every 24-hour figure;
    * one dead (HTTP 4xx, 3 attempts), one failed (timeout), one never tried (pending),
      and the two inventory counts of the oversell set-up below (pending):
      backlog 4 (failed + 3 pending), dead 1;
    * deliveries attempted in the last 24 hours: 5 (3 delivered, dead, failed), so the
      failure rate is 1 of 5 = 20.0 % for HTTP 4xx and for timeout each;
    * a receipt of another company, delivered 100 s late to the same (shared) endpoint:
      nobody of the main company counts it.

    Oversell: ``cls.risky`` has 2 on hand and a delivery of 5 planned tomorrow, so
    the channel's ATP is −3 and its gap 3; ``cls.product`` (10 on hand) is not at risk.
    """

    @classmethod
    def build_dashboard_scenario(cls):
        now = fields.Datetime.now()
        Delivery = cls.env["stock.sync.delivery"]

        def received(product, warehouse=None):
            warehouse = warehouse or cls.warehouse
            # in the warehouse's company: the moves take the company of their environment
            env = cls.env(
                context=dict(cls.env.context, allowed_company_ids=warehouse.company_id.ids)
            )
            picking = env["stock.picking"].create(
                {
                    "picking_type_id": warehouse.in_type_id.id,
                    "location_id": cls.supplier_loc.id,
                    "location_dest_id": warehouse.lot_stock_id.id,
                    "move_ids": [
                        Command.create(
                            {
                                "name": product.name,
                                "product_id": product.id,
                                "product_uom_qty": 1,
                                "location_id": cls.supplier_loc.id,
                                "location_dest_id": warehouse.lot_stock_id.id,
                            }
                        )
                    ],
                }
            )
            picking.action_confirm()
            picking.move_ids.write({"quantity": 1, "picked": True})
            picking.button_validate()
            cls.env.flush_all()
            # Numbered as the dispatcher does after commit: its delivery is written then.
            cls.env["stock.sync.sequence"].sudo()._number_new_events()
            return Delivery.search(
                [
                    ("event_id.move_line_id", "in", picking.move_line_ids.ids),
                    ("endpoint_id", "=", cls.endpoint.id),
                ]
            )

        def sent(delivery, state, latency_s=None, hours_ago=0.1, **vals):
            attempted = now - datetime.timedelta(hours=hours_ago)
            delivery.write(
                dict(
                    state=state,
                    attempts=vals.pop("attempts", 1),
                    last_attempt_at=attempted,
                    latency_ms=latency_s and latency_s * 1000.0,
                    delivered_at=attempted if state == "delivered" else False,
                    **vals,
                )
            )
            return delivery

        cls.delivered = Delivery
        for latency in (1, 2, 3):
            cls.delivered |= sent(received(cls.carton), "delivered", latency)
        cls.delivered_old = sent(received(cls.carton), "delivered", 60, hours_ago=48)
        cls.dead = sent(
            received(cls.product),
            "dead",
            attempts=3,
            error_class="http_4xx",
            status_code=422,
            error_message="The receiver refused the batch for good (HTTP 422).",
        )
        cls.failed = sent(received(cls.product), "failed", error_class="timeout")
        cls.pending = received(cls.product)

        cls.company2 = cls.env["res.company"].create({"name": "Other Company (dashboard)"})
        warehouse2 = cls.env["stock.warehouse"].search([("company_id", "=", cls.company2.id)])
        foreign_product = cls.env["product.product"].create(
            {"name": "Valve", "is_storable": True, "company_id": cls.company2.id}
        )
        cls.foreign = received(foreign_product, warehouse2)
        sent(cls.foreign, "delivered", 100)

        cls.risky = cls.env["product.product"].create(
            {
                "name": "Pressure sensor",
                "default_code": "RISK-1",
                "is_storable": True,
                "categ_id": cls.categ_critical.id,
            }
        )
        cls.set_on_hand(cls.risky, 2)
        cls.plan_move(cls.risky, 5, cls.stock, cls.customer_loc, 1)
        cls.set_on_hand(cls.product, 10)
        # the two counts above are movements too: pending for the endpoint, in its backlog
        cls.env.flush_all()
        cls.env["stock.sync.sequence"].sudo()._number_new_events()
        cls.counted = (
            Delivery.search(
                [
                    ("endpoint_id", "=", cls.endpoint.id),
                    ("product_id", "in", (cls.risky | cls.product).ids),
                    ("state", "=", "pending"),
                ]
            )
            - cls.pending
        )
        cls.channel = cls.make_channel(
            "Dashboard Shop", cls.warehouse, buffer_type="percent", buffer_value=0
        )
        cls.env["stock.sync.channel"]._publish(cls.risky | cls.product, channels=cls.channel)
        cls.at_risk = cls.env["stock.sync.channel.availability"].search(
            [("channel_id", "=", cls.channel.id), ("product_id", "=", cls.risky.id)]
        )
