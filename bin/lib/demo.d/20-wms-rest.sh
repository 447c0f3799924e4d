# shellcheck shell=bash
# The REST WMS simulator (addons/stock_sync_connector_rest/tests/wms_simulator.py), the
# demo backend's WMS: it receives the movements of WH/Stock through the backend's endpoint
# and pushes a signed cycle count of DEMO-SCR-M4 every minute ("[wms ...]" lines).
# DEMO_WMS_PORT=8771 bin/run: another port (default 8766).
WMS_PORT=${DEMO_WMS_PORT:-8766}
case "$DEMO_PHASE" in
ports)
    demo_port_check "$WMS_PORT" "the REST WMS simulator" DEMO_WMS_PORT
    ;;
start)
    # The demo backend (stock_sync_connector_rest's demo data): point it (and its endpoint)
    # at our port. Printed: the backend's id, then its webhook secret (never shown).
    WMS_BACKEND=$(python3 - "$DB" "$WMS_PORT" <<'PY'
import re
import sys

import psycopg2

conn = psycopg2.connect(dbname=sys.argv[1])
with conn, conn.cursor() as cr:
    cr.execute("SELECT to_regclass('stock_sync_backend') IS NOT NULL")
    row = None
    if cr.fetchone()[0]:
        cr.execute("SELECT b.id, b.base_url, b.webhook_secret FROM stock_sync_backend b"
                   "  JOIN ir_model_data d ON d.res_id = b.id AND d.model = 'stock.sync.backend'"
                   " WHERE d.module = 'stock_sync_connector_rest' AND d.name = 'demo_backend_wms'")
        row = cr.fetchone()
    if row and row[2]:
        backend_id, base_url, secret = row
        url = f"http://127.0.0.1:{sys.argv[2]}"
        # Only while it still points at a local simulator: a URL someone set stays.
        if re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url or ""):
            cr.execute("UPDATE stock_sync_backend SET base_url = %s WHERE id = %s", (url, backend_id))
            cr.execute("UPDATE stock_sync_endpoint SET url = %s WHERE backend_id = %s AND url ~ %s",
                       (url, backend_id, r"^http://127\.0\.0\.1:\d+$"))
        print(backend_id)
        print(secret)
conn.close()
PY
    )
    if [[ -n "$WMS_BACKEND" ]]; then
        echo "==> Starting the REST WMS simulator on 127.0.0.1:$WMS_PORT"
        # The secret goes through the environment, not the command line (ps shows that).
        WMS_WEBHOOK_SECRET=$(tail -n +2 <<<"$WMS_BACKEND") demo_spawn "the REST WMS simulator" python3 \
            "$REPO_ROOT/addons/stock_sync_connector_rest/tests/wms_simulator.py" --port "$WMS_PORT" \
            --api-key demo-wms-key --count-every 60 \
            --webhook-url "http://127.0.0.1:$HTTP_PORT/inventory_sync/wms/$(head -n 1 <<<"$WMS_BACKEND")/events"
        demo_banner "  REST WMS simulator:         http://127.0.0.1:$WMS_PORT (see Inventory Sync > Inbound Events;" \
                    "                              one \"[wms ...]\" line per pushed count here)"
    fi
    ;;
esac
