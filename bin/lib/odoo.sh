# shellcheck shell=bash
# Odoo helpers, sourced by bin/test and bin/run. Expects REPO_ROOT to be set.
#
#   ensure_odoo18           install Odoo 18.0 into python3 unless it imports it (setup.sh)
#   ensure_chromium         install Chromium for the browser tours if missing (setup.sh)
#   ensure_requirements     pip install requirements.txt only when something is missing
#   odoo_addons_path        Odoo core addons folders + our addons/ (comma-separated)
#   suite_modules           installable modules under addons/ (comma-separated)
#   odoo_cmd_init           fills the ODOO_CMD array: how to start this Odoo
#   write_odoo_conf FILE DBNAME DATA_DIR [key=value ...]
#   odoo_log_errors LOGFILE print the records of an Odoo log that mean failure; status 0 if any

: "${REPO_ROOT:?REPO_ROOT must be set before sourcing bin/lib/odoo.sh}"
# Where the suite's modules live. Overridable only to try the tooling on other modules.
SUITE_ADDONS_DIR=${SUITE_ADDONS_DIR:-$REPO_ROOT/addons}

# The set-up (ensure_odoo18, ensure_chromium) lives in its own file.
# shellcheck source=bin/lib/setup.sh
source "$REPO_ROOT/bin/lib/setup.sh"

# Former name of ensure_odoo18, which used to stop with instructions instead.
require_odoo18() { ensure_odoo18; }

# Install requirements.txt only when a requirement is missing or out of range, so
# a normal run does not touch the network. The constraints file pins the versions of
# Odoo's own dependencies as installed: our install must never upgrade Odoo's pins.
ensure_requirements() {
    local req=$REPO_ROOT/requirements.txt
    [[ -f "$req" ]] || return 0
    local missing
    missing=$(python3 - "$req" <<'EOF'
import sys
from importlib.metadata import PackageNotFoundError, version

try:
    from packaging.requirements import Requirement
except ImportError:  # a fresh venv: nothing of ours can be there yet, install it all
    print("packaging (not installed)")
    sys.exit()

for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        continue
    req = Requirement(line)
    if req.marker and not req.marker.evaluate():
        continue
    try:
        installed = version(req.name)
    except PackageNotFoundError:
        print(f"{req} (not installed)")
        continue
    if not req.specifier.contains(installed, prereleases=True):
        print(f"{req} (installed: {installed})")
EOF
    )
    if [[ -z "$missing" ]]; then
        return 0
    fi
    echo "Installing Python requirements; unsatisfied:" >&2
    local lines
    mapfile -t lines <<<"$missing"
    printf '    %s\n' "${lines[@]}" >&2
    # OCA wheels (odoo-addon-*) add site-packages/odoo/: Odoo must stay importable.
    _setup_odoo_on_sys_path || return
    local constraints
    constraints=$(mktemp "${TMPDIR:-/tmp}/inventory-sync-constraints.XXXXXX")
    python3 - >"$constraints" <<'EOF'
from importlib.metadata import PackageNotFoundError, version

# Odoo itself (the OCA wheels require odoo==18.0.*: the installed one must do, never a
# download), and Odoo's pinned dependencies that our requirements could pull upwards.
for name in ("odoo", "requests", "urllib3", "Werkzeug", "lxml", "psycopg2", "psycopg2-binary",
             "cryptography", "pyopenssl", "idna", "Jinja2", "MarkupSafe",
             "zope.interface", "gevent", "greenlet"):
    try:
        print(f"{name}=={version(name)}")
    except PackageNotFoundError:
        pass
EOF
    local rc=0
    python3 -m pip install -q --disable-pip-version-check -r "$req" -c "$constraints" || rc=$?
    rm -f -- "$constraints"
    if ((rc != 0)); then
        echo "ERROR: 'pip install -r requirements.txt' failed (exit $rc)." >&2
        return "$rc"
    fi
    odoo18_importable || {
        echo "ERROR: python3 no longer imports Odoo 18.0 after 'pip install -r requirements.txt'." >&2
        return 1
    }
}

# Odoo's core addons folders (computed from odoo.__file__: works for any install
# location) followed by ours. An editable/source install has <root>/addons (stock,
# mrp, ...) next to the odoo package; odoo/addons holds base.
odoo_addons_path() {
    python3 - "$SUITE_ADDONS_DIR" <<'EOF'
import os
import sys

import odoo

pkg = os.path.dirname(os.path.abspath(odoo.__file__))
paths = [os.path.join(os.path.dirname(pkg), "addons"), os.path.join(pkg, "addons")]
paths = [p for p in paths if os.path.isdir(p)]
paths.append(os.path.abspath(sys.argv[1]))
print(",".join(paths))
EOF
}

suite_modules() {
    python3 - "$SUITE_ADDONS_DIR" <<'EOF'
import ast
import os
import sys

root = sys.argv[1]
names = []
for name in sorted(os.listdir(root)) if os.path.isdir(root) else []:
    manifest = os.path.join(root, name, "__manifest__.py")
    if not os.path.isfile(manifest):
        continue
    with open(manifest, encoding="utf-8") as f:
        data = ast.literal_eval(f.read())
    if data.get("installable", True):
        names.append(name)
print(",".join(names))
EOF
}

# ODOO_CMD: how to start the Odoo that python3 imports. Preference: the 'odoo' console
# script next to this python3 (same interpreter for sure; a pyenv shim or another
# 'odoo' earlier on PATH might not be), then odoo-bin of a source checkout, then any
# 'odoo' on PATH.
# shellcheck disable=SC2034 # ODOO_CMD is used by the callers
odoo_cmd_init() {
    local scripts odoo_bin
    scripts=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
    odoo_bin=$(python3 -c 'import os, odoo; print(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__))), "odoo-bin"))')
    if [[ -x "$scripts/odoo" ]]; then
        ODOO_CMD=("$scripts/odoo")
    elif [[ -f "$odoo_bin" ]]; then
        ODOO_CMD=(python3 "$odoo_bin")
    elif command -v odoo >/dev/null 2>&1; then
        ODOO_CMD=(odoo)
    else
        echo "ERROR: found neither an 'odoo' console script nor odoo-bin for $(command -v python3)." >&2
        return 1
    fi
}

# write_odoo_conf FILE DBNAME DATA_DIR [key=value ...]
# Starts from the repo's odoo.conf, then forces what must match the running setup:
# the database server from PG*, the full addons path, a private data_dir, one database.
write_odoo_conf() {
    local file=$1 dbname=$2 data_dir=$3
    shift 3
    local addons_path
    addons_path=$(odoo_addons_path)
    mkdir -p "$data_dir"
    python3 - "$REPO_ROOT/odoo.conf" "$file" "$dbname" "$data_dir" "$addons_path" "$@" <<'EOF'
import configparser
import os
import sys

src, dst, dbname, data_dir, addons_path, *extra = sys.argv[1:]
conf = configparser.RawConfigParser()
conf.read(src, encoding="utf-8")  # a missing odoo.conf simply gives no defaults
if not conf.has_section("options"):
    conf.add_section("options")
opts = conf["options"]
opts.update({
    "addons_path": addons_path,
    "data_dir": os.path.abspath(data_dir),
    "db_host": os.environ.get("PGHOST", "False"),
    "db_port": os.environ.get("PGPORT", "False"),
    "db_user": os.environ.get("PGUSER", "False"),
    "db_password": os.environ.get("PGPASSWORD", "False"),
    "db_name": dbname,
    "dbfilter": f"^{dbname}$",
    "http_interface": "127.0.0.1",
    "list_db": "False",
})
for item in extra:
    key, _, value = item.partition("=")
    opts[key.strip()] = value.strip()
with open(dst, "w", encoding="utf-8") as f:
    conf.write(f)
EOF
}

# Print the records of an Odoo log that mean a failed or incomplete install, with their
# traceback lines; exit status 0 when there is at least one. That is every ERROR and
# CRITICAL record, plus the WARNINGs Odoo uses for things it skips instead of failing
# (e.g. demo data that does not load is only a WARNING: the module is then installed
# without it). Odoo's record format is
#   2025-01-01 12:00:00,000 1234 WARNING dbname logger: message
odoo_log_errors() {
    python3 - "$1" <<'EOF'
import re
import sys

record = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) ")
bad_warning = re.compile(
    "|".join([
        r"demo data failed to install",         # demo data skipped
        r"invalid module names, ignored",       # -i/-u of an unknown module
        r"not installable, skipped",
        r"module not found",
        r"addons path does not exist",
        r"have no access rules in module",      # a model without ir.model.access
        r"have the same label",                 # two fields with the same string
        r"is imported twice in module",         # manifest lists a file twice
        r"is deprecated in favor of",           # manifest uses a deprecated key
        r"Missing `license` key in manifest",
    ])
)
bad, out = False, []
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for line in f:
        m = record.match(line)
        if m:
            level = m.group(1)
            bad = level in ("ERROR", "CRITICAL") or (
                level == "WARNING" and bad_warning.search(line) is not None
            )
        if bad:
            out.append(line.rstrip("\n"))
print("\n".join(out))
sys.exit(0 if out else 1)
EOF
}
