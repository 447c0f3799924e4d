# shellcheck shell=bash
# PostgreSQL helpers, sourced by bin/test and bin/run.
#
#   pg_setup [DATA_DIR]   Use the server named by the PG* environment (PGHOST set),
#                         or start a private cluster from Debian's binaries:
#                         - no DATA_DIR: a throwaway cluster in a mktemp -d folder,
#                           deleted again by pg_stop;
#                         - DATA_DIR:    a persistent cluster (initdb on first use).
#                         Afterwards PGHOST/PGPORT/PGUSER are exported for the caller.
#                         PG_SERVER_OPTS: more server options for a private cluster
#                         ("-c shared_buffers=4GB", say).
#   pg_stop               Stop the private cluster (no-op for an external server),
#                         delete it if it was a throwaway. Idempotent: callers put it in
#                         their EXIT/INT/TERM trap so it runs on success, failure, Ctrl-C.
#   pg_dropdb NAME        DROP DATABASE IF EXISTS ... WITH (FORCE).
#   pg_db_exists NAME     Exit status 0 when the database exists.
#
# Only python3 + psycopg2 (both needed by Odoo anyway) are used as a client, so this
# also works against an external server when no psql/dropdb client is installed.

# State of the private cluster (empty when none was started by us). Callers read these.
# shellcheck disable=SC2034
PG_DATA=""          # data directory (PGDATA)
PG_TMP_BASE=""      # throwaway base folder: data, socket and log live below it
PG_SOCKET_DIR=""    # unix socket + lock file folder of the private cluster
PG_LOG=""           # server log
PG_THROWAWAY=0
PG_EXTERNAL=0       # 1 when PG* env vars told us to use an existing server

_pg_log() { echo "[pg] $*" >&2; }
_pg_die() {
    echo "[pg] ERROR: $*" >&2
    return 1
}

# Folder holding initdb/pg_ctl/postgres. pg_config is preferred, but Debian's
# /usr/bin/pg_config belongs to libpq-dev and may point to a version without a
# server, so we check that the folder really holds the server binaries.
_pg_bindir() {
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir 2>/dev/null || true)
        if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return 0
        fi
    fi
    # Debian installs each major version side by side; take the newest.
    local candidates
    candidates=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r)
    for dir in $candidates; do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

# Find the server binaries, installing Debian's postgresql package if missing.
_pg_find_or_install_bindir() {
    local dir
    if dir=$(_pg_bindir); then
        echo "$dir"
        return 0
    fi
    _pg_log "No PostgreSQL server binaries found (pg_config --bindir, /usr/lib/postgresql/*/bin)."
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        _pg_log "Installing Debian's 'postgresql' package with apt-get (needs network access to Debian mirrors)..."
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 ||
            { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; } ||
            { _pg_die "apt-get install postgresql failed. Install a PostgreSQL server, or point PGHOST/PGPORT/PGUSER/PGPASSWORD at one."; return 1; }
        dir=$(_pg_bindir) || { _pg_die "postgresql installed but no initdb found."; return 1; }
        echo "$dir"
        return 0
    fi
    _pg_die "Install a PostgreSQL server ('sudo apt-get install -y postgresql' on Debian/Ubuntu), or set PGHOST/PGPORT/PGUSER/PGPASSWORD to use an existing server."
}

# A TCP port nobody listens on right now (the kernel picks it for port 0).
pg_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Run a server binary as the owner of the data folder. PostgreSQL refuses to run as
# root, so as root everything runs as the 'postgres' system user (created by Debian's
# postgresql-common package).
_pg_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# As root, make FOLDER owned by postgres and check postgres can reach it (a checkout
# under /root is typically mode 700, which initdb would report much less clearly).
_pg_prepare_owner() {
    local folder=$1
    [[ $(id -u) -eq 0 ]] || return 0
    id postgres >/dev/null 2>&1 ||
        { _pg_die "Running as root, but there is no 'postgres' system user to run the server as (apt-get install postgresql creates it)."; return 1; }
    chown postgres: "$folder"
    runuser -u postgres -- test -w "$folder" ||
        { _pg_die "User 'postgres' cannot reach $folder (a parent folder is not traversable: check 'namei -l $folder')."; return 1; }
}

# Wait until the server at PGHOST:PGPORT accepts connections.
# $1: timeout in seconds; $2: pid of the postmaster (optional, to fail fast if it died).
pg_wait_ready() {
    local timeout=${1:-60} pid=${2:-} bindir
    local deadline=$((SECONDS + timeout))
    bindir=$(_pg_bindir 2>/dev/null || true)
    while :; do
        if [[ -n "$bindir" && -x "$bindir/pg_isready" ]]; then
            "$bindir/pg_isready" -q -h "$PGHOST" -p "$PGPORT" -t 2 && return 0
        else
            python3 -c 'import psycopg2; psycopg2.connect(dbname="postgres", connect_timeout=2).close()' \
                2>/dev/null && return 0
        fi
        if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
            _pg_log "PostgreSQL server process $pid died during startup."
            break
        fi
        if ((SECONDS >= deadline)); then
            _pg_log "PostgreSQL did not accept connections on $PGHOST:$PGPORT within ${timeout}s."
            break
        fi
        sleep 0.5
    done
    if [[ -n "$PG_LOG" && -f "$PG_LOG" ]]; then
        _pg_log "---- last lines of the server log $PG_LOG ----"
        tail -n 30 "$PG_LOG" >&2 || true
    fi
    return 1
}

# Start a private cluster. $1: persistent data folder, or empty for a throwaway one.
_pg_start_cluster() {
    local persistent_dir=${1:-} bindir port pid
    bindir=$(_pg_find_or_install_bindir) || return 1

    if [[ -z "$persistent_dir" ]]; then
        PG_THROWAWAY=1
        PG_TMP_BASE=$(mktemp -d "${TMPDIR:-/tmp}/inventory-sync-pg.XXXXXX")
        _pg_prepare_owner "$PG_TMP_BASE" || return 1
        PG_DATA=$PG_TMP_BASE/data
        PG_SOCKET_DIR=$PG_TMP_BASE/run
        PG_LOG=$PG_TMP_BASE/postgresql.log
        _pg_as_owner mkdir -p "$PG_SOCKET_DIR"
    else
        PG_THROWAWAY=0
        mkdir -p "$persistent_dir"
        PG_DATA=$(cd "$persistent_dir" && pwd)
        _pg_prepare_owner "$PG_DATA" || return 1
        # The socket path must stay short (max ~107 bytes) whatever the checkout path
        # is, so it goes to a small temporary folder, removed again by pg_stop.
        PG_TMP_BASE=$(mktemp -d "${TMPDIR:-/tmp}/inventory-sync-pg.XXXXXX")
        _pg_prepare_owner "$PG_TMP_BASE" || return 1
        PG_SOCKET_DIR=$PG_TMP_BASE
        PG_LOG=$PG_DATA/postgresql.log
    fi

    if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
        _pg_log "Creating a PostgreSQL cluster in $PG_DATA ($bindir)"
        # -U odoo: the bootstrap superuser is 'odoo' (Odoo refuses to run as 'postgres').
        # trust auth: the server only listens on 127.0.0.1 and a private socket folder.
        # UTF8 + C locale: what Odoo expects for its databases, independent of the host.
        local initdb_opts=(-D "$PG_DATA" -U odoo --auth=trust -E UTF8 --locale=C)
        ((PG_THROWAWAY)) && initdb_opts+=(--no-sync) # nothing to keep safe on disk
        if ! _pg_as_owner "$bindir/initdb" "${initdb_opts[@]}" >"${PG_TMP_BASE}/initdb.log" 2>&1; then
            cat "${PG_TMP_BASE}/initdb.log" >&2
            _pg_die "initdb failed (output above)."
            return 1
        fi
    fi
    if [[ -f "$PG_DATA/postmaster.pid" ]] && _pg_as_owner "$bindir/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
        _pg_die "A PostgreSQL server is already running on $PG_DATA (another bin/run?). Stop it first: $( [[ $(id -u) -eq 0 ]] && echo 'runuser -u postgres -- ')$bindir/pg_ctl -D $PG_DATA stop"
        PG_DATA="" # not ours: make pg_stop leave it alone
        return 1
    fi

    port=$(pg_free_port)
    local server_opts="-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$PG_SOCKET_DIR'"
    # A throwaway test cluster does not need crash safety: skip fsyncs, much faster.
    ((PG_THROWAWAY)) && server_opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    ((PG_THROWAWAY)) && server_opts+=" -c wal_level=logical" # tests/test_cdc_outbox.py decodes the WAL
    # Callers may size the server (bench/run sizes its buffer cache like a production server's).
    [[ -n "${PG_SERVER_OPTS:-}" ]] && server_opts+=" $PG_SERVER_OPTS"
    _pg_log "Starting PostgreSQL on 127.0.0.1:$port (data: $PG_DATA, log: $PG_LOG)"
    # No -w: we wait ourselves (pg_wait_ready) to print the log tail on failure.
    _pg_as_owner "$bindir/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -o "$server_opts" -W start >/dev/null

    export PGHOST=127.0.0.1 PGPORT=$port PGUSER=odoo
    unset PGPASSWORD PGDATABASE
    pid=""
    sleep 0.2
    [[ -f "$PG_DATA/postmaster.pid" ]] && pid=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)
    pg_wait_ready 60 "$pid" || { _pg_die "PostgreSQL failed to start (see log above)."; return 1; }
}

# Entry point: external server when PGHOST is set, else a private cluster.
pg_setup() {
    local persistent_dir=${1:-}
    if [[ -n "${PGHOST:-}" ]]; then
        PG_EXTERNAL=1
        export PGHOST
        export PGPORT=${PGPORT:-5432}
        export PGUSER=${PGUSER:-$(id -un)}
        _pg_log "Using the PostgreSQL server from the environment: $PGUSER@$PGHOST:$PGPORT (nothing started)"
        pg_wait_ready 10 || { _pg_die "Cannot connect to $PGUSER@$PGHOST:$PGPORT given by PGHOST/PGPORT/PGUSER/PGPASSWORD."; return 1; }
        return 0
    fi
    _pg_start_cluster "$persistent_dir"
}

# Stop the private cluster; remove it if throwaway. Safe to call several times.
pg_stop() {
    local bindir
    if [[ -n "$PG_DATA" && -f "$PG_DATA/postmaster.pid" ]]; then
        bindir=$(_pg_bindir) || true
        _pg_log "Stopping PostgreSQL ($PG_DATA)"
        _pg_as_owner "$bindir/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null ||
            _pg_log "WARNING: pg_ctl stop failed; server log: $PG_LOG"
    fi
    if [[ -n "$PG_TMP_BASE" && -d "$PG_TMP_BASE" ]]; then
        rm -rf -- "$PG_TMP_BASE" # throwaway cluster, or only the socket folder
    fi
    PG_DATA="" PG_TMP_BASE=""
}

# Run SQL that cannot run inside a transaction (CREATE/DROP DATABASE) on the
# maintenance database 'postgres'. libpq reads PGHOST/PGPORT/PGUSER/PGPASSWORD.
_pg_admin_sql() {
    python3 - "$@" <<'EOF'
import sys
import psycopg2
conn = psycopg2.connect(dbname="postgres")
conn.autocommit = True
with conn.cursor() as cr:
    cr.execute(sys.argv[1], sys.argv[2:] or None)
    if cr.description:
        for row in cr.fetchall():
            print(*row)
conn.close()
EOF
}

pg_dropdb() {
    local name=$1
    # identifier quoting: double any double quote
    _pg_admin_sql "DROP DATABASE IF EXISTS \"${name//\"/\"\"}\" WITH (FORCE)"
}

pg_db_exists() {
    [[ -n "$(_pg_admin_sql 'SELECT 1 FROM pg_database WHERE datname = %s' "$1")" ]]
}
