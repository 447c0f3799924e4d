# shellcheck shell=bash
# Demo services of bin/run: one file per simulator or consumer under bin/lib/demo.d/,
# sourced by bin/run in three phases (DEMO_PHASE):
#   ports    before anything starts: check your port with demo_port_check (fail early)
#   start    after the suite is installed, before Odoo serves: demo_spawn your process
#   banner   once Odoo answers: demo_banner the lines a newcomer should read
# A file sees REPO_ROOT, DB, HTTP_PORT, DATA and these functions; it must do nothing
# when its module is not installed (demo_module_installed) and never exit on its own
# failure to find demo data (print why, skip). bin/run stops what demo_spawn started,
# newest first, before PostgreSQL.

DEMO_PIDS=()
DEMO_NAMES=()
DEMO_BANNER=()
DEMO_PORTS_TAKEN=()

# demo_port_free PORT: can we listen on 127.0.0.1:PORT? (SO_REUSEADDR, like Odoo's server:
# connections of a previous run in TIME_WAIT must not count as "in use")
demo_port_free() {
    python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
s.close()' "$1" 2>/dev/null
}

# demo_port_check PORT WHAT ENVVAR: exit with a clear message if PORT is in use or
# already claimed by another demo service.
demo_port_check() {
    local port=$1 what=$2 var=$3 taken
    for taken in "${DEMO_PORTS_TAKEN[@]}"; do
        if [[ "$taken" == "$port" ]]; then
            echo "Port $port is asked for twice ($what and another service). Use $var=<port> bin/run." >&2
            exit 1
        fi
    done
    if ! demo_port_free "$port"; then
        echo "Port $port on 127.0.0.1 ($what) is in use. Stop what uses it, or use $var=<port> bin/run." >&2
        exit 1
    fi
    DEMO_PORTS_TAKEN+=("$port")
}

# demo_module_installed NAME: is the suite module NAME installed in $DB?
demo_module_installed() {
    python3 - "$DB" "$1" <<'PY'
import sys
import psycopg2

conn = psycopg2.connect(dbname=sys.argv[1])
with conn.cursor() as cr:
    cr.execute("SELECT 1 FROM ir_module_module WHERE name = %s AND state = 'installed'", (sys.argv[2],))
    found = cr.fetchone()
conn.close()
sys.exit(0 if found else 1)
PY
}

# demo_spawn NAME COMMAND...: start COMMAND in its own session (a Ctrl-C in the terminal
# reaches only bin/run, which stops it after Odoo). Environment assignments go before
# demo_spawn (VAR=x demo_spawn ...) and are exported to COMMAND only.
demo_spawn() {
    local name=$1
    shift
    setsid "$@" &
    DEMO_PIDS+=($!)
    DEMO_NAMES+=("$name")
}

# demo_wait_http URL NAME: wait up to 10 s for URL to answer; fail if the process died.
demo_wait_http() {
    local url=$1 name=$2 pid=${DEMO_PIDS[-1]}
    for _ in $(seq 1 50); do
        python3 -c 'import sys, urllib.request as u; u.urlopen(sys.argv[1], timeout=1)' "$url" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || { echo "$name failed to start." >&2; exit 1; }
        sleep 0.2
    done
    echo "$name did not answer on $url within 10 s." >&2
    exit 1
}

# demo_point_backend MODULE XMLID URL LOCAL: point the demo backend MODULE.XMLID (a
# stock.sync.backend of MODULE's demo data) and its endpoints at our simulator's URL, only
# while they still point at a local simulator (LOCAL: a regular expression of such a URL,
# matched whole): a URL someone set stays. Prints the backend's id, then its webhook secret
# (never shown); nothing without the backend or its secret.
demo_point_backend() {
    python3 - "$DB" "$@" <<'PY'
import re
import sys

import psycopg2

db, module, name, url, local = sys.argv[1:]
conn = psycopg2.connect(dbname=db)
with conn, conn.cursor() as cr:
    cr.execute("SELECT to_regclass('stock_sync_backend') IS NOT NULL")
    row = None
    if cr.fetchone()[0]:
        cr.execute("SELECT b.id, b.base_url, b.webhook_secret FROM stock_sync_backend b"
                   "  JOIN ir_model_data d ON d.res_id = b.id AND d.model = 'stock.sync.backend'"
                   " WHERE d.module = %s AND d.name = %s", (module, name))
        row = cr.fetchone()
    if row and row[2]:
        backend_id, base_url, secret = row
        if re.fullmatch(local, base_url or ""):
            cr.execute("UPDATE stock_sync_backend SET base_url = %s WHERE id = %s", (url, backend_id))
            cr.execute("UPDATE stock_sync_endpoint SET url = %s WHERE backend_id = %s AND url ~ %s",
                       (url, backend_id, f"^{local}$"))
        print(backend_id)
        print(secret)
conn.close()
PY
}

demo_banner() { DEMO_BANNER+=("$@"); }

# demo_run_phase PHASE: source every demo.d file for PHASE.
demo_run_phase() {
    local file
    DEMO_PHASE=$1
    for file in "$REPO_ROOT"/bin/lib/demo.d/*.sh; do
        [[ -e "$file" ]] || continue
        # shellcheck source=/dev/null
        source "$file"
    done
}

# demo_stop_all: stop what demo_spawn started, newest first.
demo_stop_all() {
    local i pid
    for ((i = ${#DEMO_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${DEMO_PIDS[$i]}
        if kill -0 "$pid" 2>/dev/null; then
            echo "==> Stopping ${DEMO_NAMES[$i]}"
            kill -TERM "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
        fi
    done
}
