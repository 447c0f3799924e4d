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
    WMS_BACKEND=$(demo_point_backend stock_sync_connector_rest demo_backend_wms \
        "http://127.0.0.1:$WMS_PORT" 'http://127\.0\.0\.1:\d+')
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
