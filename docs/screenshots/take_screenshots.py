"""Take the README's screenshots from a running ``bin/run`` with headless Chromium.

    python3 docs/screenshots/take_screenshots.py [ODOO_URL] [RECEIVER_URL]

Defaults: http://127.0.0.1:8069 and http://127.0.0.1:8765/. Logs in as admin,
hands the session cookie to a fresh headless Chromium and drives it over the
DevTools protocol (websocket-client, in requirements.txt); PNGs are reduced to
a small palette to keep the repository light.

``ODOO_DB`` names another database than bin/run's ``inventory_sync``;
``ONLY=handheld-scan.png`` (comma-separated) retakes only those pictures. The
handheld picture scans one housing on the demo order of mrp_barcode_consumption
at 360 px wide, and undoes that scan after the shot.
"""

import base64
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ODOO = (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8069").rstrip("/")
RECEIVER = sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:8765/"


DB = os.environ.get("ODOO_DB", "inventory_sync")
ONLY = {name for name in os.environ.get("ONLY", "").split(",") if name}

# The handheld screen: open the demo order, scan a housing with the barcode
# service (as a keyboard-wedge scanner would), wait for the answer.
HANDHELD_SCAN = """(async () => {
    const wait = async (selector) => {
        for (let i = 0; i < 100 && !document.querySelector(selector); i++) {
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return document.querySelector(selector);
    };
    [...document.querySelectorAll('.o_handheld_pick')]
        .find((b) => b.textContent.includes('Water pump WP-2')).click();
    await wait('.o_handheld_component');
    odoo.__WOWL_DEBUG__.root.env.services.barcode.bus.trigger(
        'barcode_scanned', {barcode: '2000001000014', target: document.body});
    await wait(".o_handheld_feedback[data-code='consumed']");
})()"""
HANDHELD_UNDO = """(async () => {
    document.querySelector('.o_handheld_undo').click();
    for (let i = 0; i < 100 && !document.querySelector(".o_handheld_feedback[data-code='undone']"); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
})()"""


def shots(session):
    """(file, URL, CSS selector that says the page is drawn, window size, script to run
    before the shot, script to run after it), for the README."""

    def dead_letter_url():
        dead = call_kw(
            session, "stock.sync.delivery", "search", [[("state", "=", "dead")]], limit=1
        )
        return f"{ODOO}/odoo/action-stock_sync.action_stock_sync_exception_queue/{dead[0]}"

    return [
        (
            "dead_letter.png",
            dead_letter_url,
            ".o_form_view .o_field_widget",
            (1280, 1000),
            # the receiver's answer, rather than the payload
            "[...document.querySelectorAll('.o_notebook_headers .nav-link')]"
            ".find(a => a.textContent.trim() === 'Response')?.click()",
            "",
        ),
        ("receiver_page.png", RECEIVER, "table.events", (1360, 700), "", ""),
        (
            "planner-dashboard.png",
            f"{ODOO}/odoo/action-stock_sync_availability.action_planner_dashboard",
            ".o_stock_sync_tile[data-key='oversell_risk']",
            (1440, 1000),
            "",
            "",
        ),
        (
            "handheld-scan.png",
            f"{ODOO}/odoo/scan-components",
            ".o_handheld_pick",
            (360, 740),
            HANDHELD_SCAN,
            HANDHELD_UNDO,
        ),
    ]


def odoo_session():
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "params": {"db": DB, "login": "admin", "password": "admin"},
        }
    ).encode()
    request = urllib.request.Request(
        f"{ODOO}/web/session/authenticate", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        cookie = response.headers["Set-Cookie"]
    return cookie.split("session_id=", 1)[1].split(";", 1)[0]


def call_kw(session, model, method, args, **kwargs):
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs},
        }
    ).encode()
    headers = {"Content-Type": "application/json", "Cookie": f"session_id={session}"}
    request = urllib.request.Request(f"{ODOO}/web/dataset/call_kw", body, headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["result"]


class Browser:
    def __init__(self):
        self.profile = tempfile.TemporaryDirectory()
        self.process = subprocess.Popen(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={self.profile.name}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = os.path.join(self.profile.name, "DevToolsActivePort")
        for _ in range(100):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.1)
        port = open(port_file).read().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as response:
            page = next(t for t in json.load(response) if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def shoot(self, url, ready_selector, size, script, after, path):
        width, height = size
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.call("Page.navigate", url=url)
        check = f"!!document.querySelector({json.dumps(ready_selector)})"
        for _ in range(150):
            time.sleep(0.2)
            result = self.call("Runtime.evaluate", expression=check)
            if result.get("result", {}).get("value"):
                break
        if script:
            self.call("Runtime.evaluate", expression=script, awaitPromise=True)
        time.sleep(1.5)  # let the view settle (fonts, counters)
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        image = Image.open(io.BytesIO(data)).convert("RGB").quantize(colors=64)
        image.save(path, optimize=True)
        if after:
            self.call("Runtime.evaluate", expression=after, awaitPromise=True)

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait(10)
        self.profile.cleanup()


def main():
    browser = Browser()
    try:
        host = ODOO.split("//", 1)[1].split("/", 1)[0].split(":")[0]
        session = odoo_session()
        browser.call("Network.enable")
        browser.call("Network.setCookie", name="session_id", value=session, domain=host, path="/")
        for name, url, selector, size, script, after in shots(session):
            if ONLY and name not in ONLY:
                continue
            path = os.path.join(HERE, name)
            browser.shoot(url() if callable(url) else url, selector, size, script, after, path)
            print(f"{path}: {os.path.getsize(path) // 1024} KiB")  # noqa: T201
    finally:
        browser.close()


if __name__ == "__main__":
    main()
