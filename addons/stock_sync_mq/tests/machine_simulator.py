"""A press on the shop floor, for bin/run's demo: counts out, movements in (MQTT 5, QoS 1).

Every ``--every`` seconds it publishes a production count of DEMO-ENC-300 as
plain JSON (``msg_id``, ``type``, ``data``) to
``demo/plant1/machines/press-7/counts``; it prints one ``[press-7 ...]`` line
per count sent and per movement event Odoo publishes under
``demo/plant1/inventory/#``. Stops on SIGTERM or SIGINT.
"""

import argparse
import json
import signal
import sys
import threading
import time
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=1884)
    parser.add_argument("--every", type=float, default=30.0, help="seconds between counts")
    parser.add_argument("--sku", default="DEMO-ENC-300")
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def on_message(_client, _userdata, message):
        event = json.loads(message.payload)
        data = event.get("data", {})
        product = data.get("product", {}).get("default_code")
        say(
            f"[press-7 {time.strftime('%H:%M:%S')}] Odoo published on {message.topic}: "
            f"{product} {data.get('operation')} {data.get('quantity')}"
        )

    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id="demo-press-7", protocol=mqtt.MQTTv5
    )
    client.on_connect = lambda c, *_a: c.subscribe("demo/plant1/inventory/#", qos=1)
    client.on_message = on_message
    while not stop.is_set():
        try:
            client.connect("127.0.0.1", args.port)
            break
        except OSError:
            stop.wait(1)
    client.loop_start()
    count = 0
    while not stop.wait(args.every):
        count += 1
        produced = 1 + count % 3
        body = {
            "msg_id": f"press-7-{uuid.uuid4().hex[:12]}",
            "type": "adjustment",
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "data": {"sku": args.sku, "location": "WH-STOCK", "quantity": produced, "unit": "PCS"},
        }
        client.publish("demo/plant1/machines/press-7/counts", json.dumps(body), qos=1)
        say(f"[press-7 {time.strftime('%H:%M:%S')}] produced {produced} x {args.sku}")
    client.disconnect()
    client.loop_stop()


if __name__ == "__main__":
    main()
