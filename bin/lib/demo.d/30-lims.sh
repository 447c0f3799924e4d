# shellcheck shell=bash
# The LIMS simulator (addons/stock_quality_hold_lims/tests/lims_simulator.py), the demo
# LIMS backend's lab: it receives "lot awaiting test" events through the backend's
# endpoint, decides each lot 3 seconds later (released) and posts the signed disposition
# to Odoo ("[lims ...]" lines). Validate a receipt of DEMO-POT-500 with a lot name: the
# lot enters QA hold and comes back released a few seconds later.
# DEMO_LIMS_PORT=8769 bin/run: another port (default 8768); DEMO_LIMS_DELAY=10, the
# lab's delay; DEMO_LIMS_POLICY=fail|retest, its decisions.
LIMS_PORT=${DEMO_LIMS_PORT:-8768}
case "$DEMO_PHASE" in
ports)
    demo_port_check "$LIMS_PORT" "the LIMS simulator" DEMO_LIMS_PORT
    ;;
start)
    # The demo backend (stock_quality_hold_lims's demo data): point it and its endpoint
    # at our port. Printed: the backend's id, its webhook secret, the endpoint's secret.
    LIMS_BACKEND=$(python3 - "$DB" "$LIMS_PORT" <<'PY'
import re
import sys

import psycopg2

conn = psycopg2.connect(dbname=sys.argv[1])
with conn, conn.cursor() as cr:
    cr.execute("SELECT to_regclass('stock_quality_lims_disposition') IS NOT NULL")
    row = None
    if cr.fetchone()[0]:
        cr.execute("SELECT b.id, b.base_url, b.webhook_secret, b.lims_endpoint_id"
                   "  FROM stock_sync_backend b"
                   "  JOIN ir_model_data d ON d.res_id = b.id AND d.model = 'stock.sync.backend'"
                   " WHERE d.module = 'stock_quality_hold_lims' AND d.name = 'demo_backend_lims'"
                   "   AND b.active")
        row = cr.fetchone()
    if row and row[2]:
        backend_id, base_url, secret, endpoint_id = row
        url = f"http://127.0.0.1:{sys.argv[2]}"
        # Only while it still points at a local simulator: a URL someone set stays.
        if re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url or ""):
            cr.execute("UPDATE stock_sync_backend SET base_url = %s WHERE id = %s", (url, backend_id))
            cr.execute("UPDATE stock_sync_endpoint SET url = %s WHERE id = %s AND url ~ %s",
                       (url + "/events", endpoint_id, r"^http://127\.0\.0\.1:\d+/events$"))
        cr.execute("SELECT secret FROM stock_sync_endpoint_secret"
                   " WHERE endpoint_id = %s AND active ORDER BY id DESC LIMIT 1", (endpoint_id,))
        endpoint_secret = cr.fetchone()
        print(backend_id)
        print(secret)
        print(endpoint_secret[0] if endpoint_secret else "")
conn.close()
PY
    )
    if [[ -n "$LIMS_BACKEND" ]]; then
        echo "==> Starting the LIMS simulator on 127.0.0.1:$LIMS_PORT"
        # The secrets go through the environment, not the command line (ps shows that).
        LIMS_WEBHOOK_SECRET=$(sed -n 2p <<<"$LIMS_BACKEND") \
            LIMS_ENDPOINT_SECRET=$(sed -n 3p <<<"$LIMS_BACKEND") \
            demo_spawn "the LIMS simulator" python3 \
            "$REPO_ROOT/addons/stock_quality_hold_lims/tests/lims_simulator.py" --port "$LIMS_PORT" \
            --delay "${DEMO_LIMS_DELAY:-3}" --policy "${DEMO_LIMS_POLICY:-pass}" \
            --webhook-url "http://127.0.0.1:$HTTP_PORT/inventory_sync/lims/$(head -n 1 <<<"$LIMS_BACKEND")/dispositions"
        demo_wait_http "http://127.0.0.1:$LIMS_PORT/api/v1/ping" "The LIMS simulator"
        demo_banner "  LIMS simulator (the lab):   http://127.0.0.1:$LIMS_PORT (receive DEMO-POT-500 with a lot name:" \
                    "                              QA hold, then released ${DEMO_LIMS_DELAY:-3} s later; see" \
                    "                              Inventory > Quality Hold > Lab Decisions; \"[lims ...]\" lines here)"
    fi
    ;;
esac
