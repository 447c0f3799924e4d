# shellcheck shell=bash
# The SOAP MES simulator (addons/stock_sync_connector_soap/tests/mes_simulator.py), the demo
# backend's MES: it receives the material availability of WH/Stock through the backend's
# endpoint ("[mes] availability ..." lines), pushes a signed scrap confirmation of one
# DEMO-SCR-M4 every minute (SubmitConfirmations, "[mes] scrap ..." lines) and is polled by
# Odoo every minute (GetConfirmations).
# DEMO_MES_PORT=8770 bin/run: another port (default 8767).
MES_PORT=${DEMO_MES_PORT:-8767}
case "$DEMO_PHASE" in
ports)
    demo_port_check "$MES_PORT" "the SOAP MES simulator" DEMO_MES_PORT
    ;;
start)
    # The demo backend (stock_sync_connector_soap's demo data): point it (and its endpoint)
    # at our port. Printed: the backend's id, then its webhook secret (never shown).
    MES_BACKEND=$(demo_point_backend stock_sync_connector_soap demo_backend_mes \
        "http://127.0.0.1:$MES_PORT/mes?wsdl" 'http://127\.0\.0\.1:\d+/mes\?wsdl')
    if [[ -n "$MES_BACKEND" ]]; then
        echo "==> Starting the SOAP MES simulator on 127.0.0.1:$MES_PORT"
        # The secret goes through the environment, not the command line (ps shows that).
        MES_PUSH_SECRET=$(tail -n +2 <<<"$MES_BACKEND") demo_spawn "the SOAP MES simulator" python3 \
            "$REPO_ROOT/addons/stock_sync_connector_soap/tests/mes_simulator.py" --port "$MES_PORT" \
            --api-key demo-mes-key --scrap-every 60 \
            --push-url "http://127.0.0.1:$HTTP_PORT/inventory_sync/mes/$(head -n 1 <<<"$MES_BACKEND")/soap"
        demo_wait_http "http://127.0.0.1:$MES_PORT/mes?wsdl" "the SOAP MES simulator"
        demo_banner "  SOAP MES simulator:         http://127.0.0.1:$MES_PORT/mes?wsdl (see Inventory Sync >" \
                    "                              Inbound Events; \"[mes ...]\" lines here, both ways)"
    fi
    ;;
esac
