"""Message queues (stock_sync_mq): outbound publish rate, inbound apply rate, latency.

Our own Mosquitto and RabbitMQ on free ports (addons/stock_sync_mq/tests/brokers.py).

1. Outbound: a backlog of movement events across 50 products, sent by the
   dispatcher (claim, send, record) to an MQTT endpoint, then to an AMQP one,
   in batches of 500 (for a broker a batch is only the unit of claim and record);
   baseline: a raw paho-mqtt (pika) loop publishing the same payloads to the
   same topics (routing keys) with the same QoS 1 (publisher confirms) on one
   connection. Target: engine >= 0.25x the raw loop's rate.
2. Inbound: the same plain-JSON adjustments (+1 across 50 products) applied
   by the production consumer from Mosquitto (record, dedup, map, apply,
   commit, ack), against the same inventory adjustments done directly
   through the ORM, in transactions of the same size. Target: <= 1.3x the ORM's time.
3. Latency: an Odoo server with one cron thread, receipts committed at light
   load (2 per second), each event's receipt by an MQTT subscriber. Target: p95 <= 50 ms.
"""

import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pika
from lib import data as bd
from lib import stats
from lib.registry import admin_uid, env, load, parse_args, scaled, set_capture, set_param
from lib.server import OdooServer
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "addons/stock_sync_mq/tests"))
from brokers import Mosquitto, RabbitMQ  # noqa: E402

KEYS = 50
CHUNK = 50  # the consumer's in-flight window = messages per transaction


def make_backend(registry, kind, url, **vals):
    with env(registry) as e:
        backend = e["stock.sync.backend"].create(
            dict(
                name=f"Bench {kind}",
                kind=kind,
                base_url=url,
                auth_type="none",
                mq_topic_prefix="bench/inventory",
                mq_exchange="bench",
                mq_prefetch=CHUNK,
                mq_message_id_field="msg_id",
                read_timeout=30,
                **vals,
            )
        )
        return backend.id


def make_mq_endpoint(registry, kind, backend_id, batch_size=500):
    with env(registry) as e:
        url = e["stock.sync.backend"].browse(backend_id).base_url
        endpoint, _secret = bd.make_endpoint(
            e,
            f"Bench {kind}",
            url,
            transport=kind,
            backend_id=backend_id,
            batch_size=batch_size,
            timeout=30,
            cadence_bulk="realtime",
        )
        return endpoint.id


def dispatch_all(registry, endpoint_id, n):
    started = time.perf_counter()
    while True:
        with env(registry) as e:
            e["stock.sync.dispatcher"]._cron_dispatch(time_budget=600)
        states = bd.backlog_states(registry, endpoint_id)
        if states.get("delivered", 0) >= n or time.perf_counter() - started > 900:
            return time.perf_counter() - started, states


def payloads(registry, ids):
    with env(registry) as e:
        e.cr.execute(
            "SELECT event_uuid, payload::text, partition_key FROM stock_sync_event"
            " WHERE event_uuid = ANY(%s) ORDER BY id",
            (list(ids),),
        )
        return e.cr.fetchall()


def raw_mqtt(port, rows):
    """QoS 1 on one connection, pipelined, until every PUBACK is back; seconds."""
    from odoo.addons.stock_sync_mq.services.broker_settings import mqtt_topic

    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(100)
    client.connect("127.0.0.1", port)
    client.loop_start()
    started = time.perf_counter()
    infos = [
        client.publish(mqtt_topic("bench/raw", key), text.encode(), qos=1)
        for _id, text, key in rows
    ]
    for info in infos:
        info.wait_for_publish(60)
    elapsed = time.perf_counter() - started
    client.disconnect()
    client.loop_stop()
    return elapsed


def bind_queue(port, exchange):
    """A durable queue taking every routing key of ``exchange``: the engine publishes
    mandatory messages, which a broker returns when no queue takes them."""
    connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
    try:
        channel = connection.channel()
        channel.exchange_declare(exchange, "topic", durable=True)
        channel.queue_declare(f"{exchange}-all", durable=True)
        channel.queue_bind(f"{exchange}-all", exchange, "#")
    finally:
        connection.close()


def raw_amqp(port, rows):
    """Persistent mandatory messages to a bound queue, publisher confirms (each publish
    confirmed), one channel, as the engine publishes; seconds."""
    bind_queue(port, "bench-raw")
    connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
    channel = connection.channel()
    channel.confirm_delivery()
    started = time.perf_counter()
    for event_id, text, key in rows:
        channel.basic_publish(
            "bench-raw",
            key,
            text.encode(),
            pika.BasicProperties(
                content_type="application/cloudevents+json", delivery_mode=2, message_id=event_id
            ),
            mandatory=True,
        )
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def outbound(registry, results, kind, broker, product_ids, template, n):
    backend_id = make_backend(registry, kind, broker.url)
    endpoint_id = make_mq_endpoint(registry, kind, backend_id)
    if kind == "amqp":
        bind_queue(broker.port, "bench")
    ids = bd.emit_backlog(registry, n, product_ids, template, reference=f"MQ{kind}")
    engine_s, states = dispatch_all(registry, endpoint_id, n)
    rows = payloads(registry, ids)
    raw_s = (raw_mqtt if kind == "mqtt" else raw_amqp)(broker.port, rows)
    results.add(
        f"{kind}_engine_rate",
        n / engine_s,
        "/s",
        f"{kind}: engine events/s "
        f"(claim, publish QoS 1, record; {states.get('delivered', 0)}/{n} delivered)",
    )
    results.add(f"{kind}_raw_rate", n / raw_s, "/s", f"{kind}: raw loop, same payloads and QoS")
    results.ratio(
        f"{kind}_ratio",
        f"{kind}_engine_rate",
        f"{kind}_raw_rate",
        f"{kind}: engine / raw",
        target=(">=", 0.25),
    )
    with env(registry) as e:
        e["stock.sync.endpoint"].browse(endpoint_id).active = False


def inbound(registry, results, broker, n):
    from odoo import SUPERUSER_ID

    from odoo.addons.stock_sync_mq.services import consumer as consumer_service

    backend_id = make_backend(
        registry,
        "mqtt",
        broker.url,
        mq_subscriptions="bench/machines/+/counts",
        mq_client_id=f"bench-{uuid.uuid4().hex[:8]}",
    )
    with env(registry) as e:
        products = bd.make_products(e, KEYS, "MQIN")
        wh = bd.warehouse(e)
        backend = e["stock.sync.backend"].browse(backend_id)
        e["stock.sync.xref.location"].create(
            {
                "backend_id": backend.id,
                "external_code": "WH-STOCK",
                "location_id": wh.lot_stock_id.id,
            }
        )
        e["stock.sync.xref.product"].create(
            [
                {"backend_id": backend.id, "external_code": p.default_code, "product_id": p.id}
                for p in products
            ]
        )
        backend_id, codes, inbound_uid = (
            backend.id,
            products.mapped("default_code"),
            backend.inbound_user_id.id,
        )
        settings = backend._mq_settings()
        orm_products = bd.make_products(e, KEYS, "MQORM").ids
        location_id = wh.lot_stock_id.id
    done = {"n": 0}
    cond = threading.Condition()
    handle = consumer_service.odoo_handler(registry, backend_id, SUPERUSER_ID)

    def counting(messages):
        handle(messages)
        with cond:
            done["n"] += len(messages)
            cond.notify_all()

    def run_consumer():
        stop = threading.Event()
        consumer = consumer_service.MqttConsumer(settings, counting, stop)
        thread = threading.Thread(target=consumer.run, daemon=True)
        thread.start()
        consumer.ready.wait(20)
        return stop, thread

    stop, thread = run_consumer()  # the session exists: messages wait for it
    stop.set()
    thread.join(20)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    for i in range(n):
        body = json.dumps(
            {
                "msg_id": f"bench-{i}",
                "type": "adjustment",
                "data": {"sku": codes[i % KEYS], "location": "WH-STOCK", "quantity": 1},
            }
        )
        client.publish(f"bench/machines/m{i % 5}/counts", body, qos=1).wait_for_publish(30)
    client.disconnect()
    client.loop_stop()
    started = time.perf_counter()
    stop, thread = run_consumer()
    with cond:
        cond.wait_for(lambda: done["n"] >= n, timeout=900)
    consumer_s = time.perf_counter() - started
    stop.set()
    thread.join(20)
    # Baseline: the same adjustments through the ORM, as the inbound user, same chunks.
    started = time.perf_counter()
    for start in range(0, n, CHUNK):
        with env(registry, inbound_uid) as e:
            quants = e["stock.quant"].with_context(inventory_mode=True)
            for i in range(start, min(n, start + CHUNK)):
                product = e["product.product"].browse(orm_products[i % KEYS])
                on_hand = sum(
                    e["stock.quant"]
                    .search(
                        [("product_id", "=", product.id), ("location_id", "child_of", location_id)]
                    )
                    .mapped("quantity")
                )
                quants.create(
                    {
                        "product_id": product.id,
                        "location_id": location_id,
                        "inventory_quantity": on_hand + 1,
                    }
                )._apply_inventory()
    orm_s = time.perf_counter() - started
    with env(registry) as e:
        e.cr.execute(
            "SELECT count(*) FROM stock_sync_inbound WHERE backend_id = %s AND state = 'done'",
            (backend_id,),
        )
        applied = e.cr.fetchone()[0]
    results.add("inbound_applied", applied, "", f"of {n} messages applied", target=("==", n))
    results.add("inbound_rate", n / consumer_s, "/s", "inbound: messages applied/s (consumer)")
    results.add("orm_rate", n / orm_s, "/s", "inbound: same adjustments/s through the ORM")
    results.add(
        "inbound_time_ratio", consumer_s / orm_s, "x", "inbound time / ORM time", target=("<=", 1.3)
    )


class Subscriber:
    def __init__(self, port):
        self.received_at, self.lock = {}, threading.Lock()
        ready = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.on_connect = lambda c, *_a: c.subscribe("bench/inventory/#", qos=1)
        self.client.on_subscribe = lambda *_a: ready.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        ready.wait(10)

    def _on_message(self, _c, _u, message):
        now = time.time()
        event_id = json.loads(message.payload)["id"]
        with self.lock:
            self.received_at.setdefault(event_id, now)

    def wait_for(self, n, timeout):
        deadline = time.monotonic() + timeout
        while len(self.received_at) < n and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self):
        self.client.disconnect()
        self.client.loop_stop()


def latency(registry, results, args, broker, product_ids, duration):
    backend_id = make_backend(registry, "mqtt", broker.url)
    make_mq_endpoint(registry, "mqtt", backend_id)
    set_capture(registry, True)
    uid = admin_uid(registry)
    subscriber = Subscriber(broker.port)
    try:
        with OdooServer(args.conf, args.db, "mq") as server:
            warm = bd.receipt_load(registry, uid, product_ids, rate=2, duration=3, lines=1)
            subscriber.wait_for(sum(len(ids) for _t, ids, _m in warm), 60)
            committed = bd.receipt_load(
                registry, uid, product_ids, rate=2, duration=duration, lines=1
            )
            n_events = sum(len(ids) for _t, ids, _m in committed)
            wanted = set().union(*(ids for _t, ids, _m in committed))
            deadline = time.monotonic() + 60
            while not wanted <= set(subscriber.received_at) and time.monotonic() < deadline:
                time.sleep(0.05)
            warnings = server.log_count(" WARNING ")
    finally:
        subscriber.stop()
    latencies = [
        subscriber.received_at[i] - t
        for t, ids, _m in committed
        for i in ids
        if i in subscriber.received_at
    ]
    results.add("latency_events", n_events, "", "events committed at 2 receipts/s")
    results.add(
        "latency_missing", n_events - len(latencies), "", "events not received", target=("==", 0)
    )
    results.add(
        "latency_p50_ms", 1000 * stats.percentile(latencies, 50), "ms", "commit -> subscriber p50"
    )
    results.add(
        "latency_p95_ms",
        1000 * stats.percentile(latencies, 95),
        "ms",
        "commit -> subscriber p95 (Mosquitto)",
        target=("<=", 50),
    )
    results.add("server_warnings", warnings, "", "server log warnings")
    return latencies


def main():
    args = parse_args(__doc__)
    n_out = scaled(3000, args.scale, 200)
    n_in = scaled(1000, args.scale, 100)
    duration = scaled(20, args.scale, 5)
    results = stats.Results(
        "mq",
        args.scale,
        {
            "outbound_events": n_out,
            "inbound_messages": n_in,
            "keys": KEYS,
            "latency_load": f"2 receipts/s for {duration} s",
            "consumer_window": CHUNK,
            "lanes": os.environ.get("BENCH_DISPATCH_LANES") or "default",
        },
    )
    registry = load(args.conf, args.db)
    lanes = os.environ.get("BENCH_DISPATCH_LANES")  # unset: the dispatcher's default
    if lanes:
        set_param(registry, "stock_sync.dispatch_lanes", lanes)
    mosquitto, rabbit = Mosquitto(max_inflight=100).start(), RabbitMQ().start()
    try:
        with env(registry) as e:
            products = bd.make_products(e, KEYS, "MQ", "critical")
            product_ids = products.ids
        template = bd.template_data(registry, admin_uid(registry), product_ids[0])
        outbound(registry, results, "mqtt", mosquitto, product_ids, template, n_out)
        outbound(registry, results, "amqp", rabbit, product_ids, template, n_out)
        inbound(registry, results, mosquitto, n_in)
        latencies = latency(registry, results, args, mosquitto, product_ids, duration)
    finally:
        mosquitto.stop()
        rabbit.stop()
    results.save(latencies=latencies)


if __name__ == "__main__":
    main()
