# shellcheck shell=bash
# The shop floor over MQTT (addons/stock_sync_mq): our own Mosquitto on 127.0.0.1:1884, the
# consumer process (one per database, addons/stock_sync_mq/scripts/mq_consumer.py) that
# applies machine counts, and a press (addons/stock_sync_mq/tests/machine_simulator.py)
# that publishes a production count of DEMO-ENC-300 every 30 s and prints the movements
# Odoo publishes back ("[press-7 ...]" lines). DEMO_MQTT_PORT=1885 bin/run: another port.
# Without Debian's mosquitto it says so and starts nothing (bin/test installs it).
MQ_PORT=${DEMO_MQTT_PORT:-1884}
case "$DEMO_PHASE" in
ports)
    demo_port_check "$MQ_PORT" "the demo MQTT broker" DEMO_MQTT_PORT
    ;;
start)
    if ! demo_module_installed stock_sync_mq; then
        :
    elif ! command -v mosquitto >/dev/null 2>&1 && [[ ! -x /usr/sbin/mosquitto ]]; then
        echo "==> No Mosquitto (apt-get install mosquitto): the MQTT demo is skipped."
    else
        # The demo backend and endpoint (stock_sync_mq's demo data) follow our port, only
        # while they still point at a local broker: an address someone set stays.
        python3 - "$DB" "$MQ_PORT" <<'PY'
import sys

import psycopg2

conn = psycopg2.connect(dbname=sys.argv[1])
url = f"mqtt://127.0.0.1:{sys.argv[2]}"
with conn, conn.cursor() as cr:
    cr.execute(r"UPDATE stock_sync_backend SET base_url = %s WHERE kind = 'mqtt' AND base_url ~ '^mqtt://127\.0\.0\.1:\d+$'", (url,))
    cr.execute(r"UPDATE stock_sync_endpoint SET url = %s WHERE transport = 'mqtt' AND url ~ '^mqtt://127\.0\.0\.1:\d+$'", (url,))
conn.close()
PY
        mkdir -p "$DATA/mosquitto"
        # Started as root, Mosquitto drops to its own user: that user writes the
        # persistence file (unacknowledged messages kept across restarts). A
        # checkout under a folder it cannot enter (/root, mode 700) keeps none.
        persistence=true
        if [[ $(id -u) -eq 0 ]] && id -u mosquitto >/dev/null 2>&1; then
            chown mosquitto "$DATA/mosquitto"
            if ! runuser -u mosquitto -- test -w "$DATA/mosquitto" 2>/dev/null; then
                echo "==> Mosquitto's user cannot reach $DATA/mosquitto: the demo broker keeps no messages across restarts."
                persistence=false
            fi
        fi
        cat >"$DATA/mosquitto/mosquitto.conf" <<CONF
listener $MQ_PORT 127.0.0.1
allow_anonymous true
persistence $persistence
persistence_location $DATA/mosquitto/
max_inflight_messages 20
log_dest stdout
log_type error
log_type warning
CONF
        echo "==> Starting Mosquitto on 127.0.0.1:$MQ_PORT, the MQTT consumer and the demo press"
        demo_spawn "Mosquitto" "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c "$DATA/mosquitto/mosquitto.conf"
        demo_spawn "the MQTT consumer" python3 "$REPO_ROOT/addons/stock_sync_mq/scripts/mq_consumer.py" \
            -c "$CONF" -d "$DB" --refresh 10 --log-level warn
        demo_spawn "the demo press" python3 "$REPO_ROOT/addons/stock_sync_mq/tests/machine_simulator.py" \
            --port "$MQ_PORT" --every 30
        demo_banner "  MQTT broker (Mosquitto):    mqtt://127.0.0.1:$MQ_PORT (press-7 counts in, movements out under" \
                    "                              demo/plant1/inventory/#; see Inventory Sync > Inbound Events)"
    fi
    ;;
esac
