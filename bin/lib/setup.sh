# shellcheck shell=bash
# First-use set-up, sourced (through bin/lib/odoo.sh) by bin/test and bin/run: installs
# what is missing, and does nothing but check when everything is there (a second run
# adds about a second).
#
#   ensure_odoo18    Make Odoo 18.0 Community importable by the python3 on PATH (the
#                    machine's, or an activated venv's), from ODOO_SOURCE:
#                      - a folder holding an Odoo 18.0 source tree: installed where it is;
#                      - a .tar.gz/.tgz/.tar.xz/.tar/.zip of one (a path or an http(s) URL);
#                      - a git URL or a local git clone: commit ODOO_COMMIT of it;
#                      - unset: the upstream 18.0 source archive, when it can be downloaded.
#                    Archives and git sources are unpacked once into ODOO_TREE, a cache
#                    outside the clone, so another clone (CI's) finds the same install.
#                    Then: Debian build packages, Odoo's requirements.txt, pip -e.
#                    Exits 2 with one message saying what to set when there is no source.
#   ensure_chromium  Chromium (or Chrome) on PATH for the browser tours; as root installs
#                    Debian's 'chromium'; otherwise exits 2 with a message naming Chromium.
#   ensure_brokers   Mosquitto and RabbitMQ (Debian's mosquitto, rabbitmq-server) for
#                    stock_sync_mq's tests, which start their own instances on free ports;
#                    as root installs them; otherwise exits 2 naming the packages.

ODOO_DEFAULT_SOURCE=https://github.com/odoo/odoo/archive/refs/heads/18.0.tar.gz
ODOO_COMMIT=${ODOO_COMMIT:-2268dca3b2af20bfadd08000b4b49459b93ecb06}
SETUP_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/inventory-sync
ODOO_TREE=${ODOO_TREE:-$SETUP_CACHE/odoo-18.0}
# The executables Odoo's tour runner looks for on PATH (odoo/tests/common.py _find_executable).
CHROME_NAMES=(google-chrome chromium chromium-browser google-chrome-stable)

_setup_log() { echo "[setup] $*" >&2; }

# odoo must be the regular package (with __file__): an editable install hidden by an odoo/
# folder of OCA wheels still imports odoo.release, through an empty namespace package.
odoo18_importable() {
    python3 -c 'import odoo, odoo.release as r; assert odoo.__file__ and r.version_info[:2] == (18, 0)' >/dev/null 2>&1
}

# apt-get as root, without questions; waits for another apt (another engineer, unattended
# upgrades) instead of failing on its lock. The package lists are refreshed only when an
# install fails (a fresh image has none, or old ones).
_setup_apt_install() {
    local apt=(apt-get install -y -q -o DPkg::Lock::Timeout=600)
    export DEBIAN_FRONTEND=noninteractive
    "${apt[@]}" "$@" >&2 || { apt-get update -q >&2 && "${apt[@]}" "$@" >&2; }
}

_setup_deb_missing() {
    local p
    for p in "$@"; do
        # shellcheck disable=SC2016 # ${Status} is dpkg-query's, not ours
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$' || echo "$p"
    done
}

# Debian packages Odoo's requirements.txt compiles against: python-ldap (ldap, sasl),
# psycopg2 (libpq), with a C compiler and Python's headers.
_setup_build_packages() {
    command -v dpkg-query >/dev/null 2>&1 || return 0 # not Debian: pip will say what it lacks
    local missing
    missing=$(_setup_deb_missing build-essential python3-dev libldap2-dev libsasl2-dev libpq-dev | xargs)
    [[ -n "$missing" ]] || return 0
    if [[ $(id -u) -ne 0 ]]; then
        _setup_log "ERROR: Odoo's Python requirements need these Debian packages: sudo apt-get install -y $missing"
        return 2
    fi
    _setup_log "Installing Debian build packages for Odoo's requirements: $missing"
    # shellcheck disable=SC2086 # a list of package names
    _setup_apt_install $missing || { _setup_log "ERROR: apt-get install $missing failed."; return 1; }
}

# The folder holding odoo/release.py: FOLDER itself or its only subfolder (archives
# have one top folder, e.g. odoo-18.0/).
_setup_tree_root() {
    local d
    for d in "$1" "$1"/*/; do
        d=${d%/}
        [[ -f "$d/odoo/release.py" ]] && { echo "$d"; return 0; }
    done
    return 1
}

# Put the Odoo tree of SOURCE (archive file, archive URL, git dir or URL) at ODOO_TREE.
# Unpacks into a temporary folder beside it, then renames: ODOO_TREE is complete or absent.
_setup_unpack_source() {
    local tmp rc=0
    mkdir -p "$(dirname "$ODOO_TREE")"
    tmp=$(mktemp -d "$ODOO_TREE.partial.XXXXXX")
    _setup_unpack_into "$1" "$tmp" || rc=$?
    rm -rf -- "$tmp"
    return "$rc"
}

_setup_unpack_into() {
    local src=$1 tmp=$2 root
    if [[ $src =~ ^https?://.*\.(tar\.gz|tgz|tar\.xz|tar|zip)$ ]]; then
        _setup_log "Downloading $src"
        local file=$tmp/source.${BASH_REMATCH[1]}
        python3 - "$src" "$file" <<'PY' || { _setup_log "ERROR: downloading $src failed."; return 1; }
import shutil, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=60) as r, open(sys.argv[2], "wb") as f:
    shutil.copyfileobj(r, f, 1 << 20)
PY
        src=$file
    fi
    mkdir "$tmp/tree"
    if [[ -f $src ]]; then
        _setup_log "Unpacking $src"
        case $src in
            *.zip) python3 -m zipfile -e "$src" "$tmp/tree" ;;
            *) tar -xf "$src" -C "$tmp/tree" ;;
        esac || { _setup_log "ERROR: cannot unpack $src (a .tar.gz, .tgz, .tar.xz, .tar or .zip)."; return 1; }
    elif git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
        _setup_log "Taking commit $ODOO_COMMIT of the git repository $src"
        git -C "$src" archive --format=tar "$ODOO_COMMIT" | tar -x -C "$tmp/tree" ||
            { _setup_log "ERROR: git archive $ODOO_COMMIT failed in $src (set ODOO_COMMIT?)."; return 1; }
    else
        _setup_log "Fetching commit $ODOO_COMMIT from $src"
        { git init -q --bare "$tmp/git" &&
            git -C "$tmp/git" fetch -q --depth 1 "$src" "$ODOO_COMMIT" &&
            git -C "$tmp/git" archive --format=tar FETCH_HEAD | tar -x -C "$tmp/tree"; } ||
            { _setup_log "ERROR: cannot fetch commit $ODOO_COMMIT from $src (set ODOO_COMMIT?)."; return 1; }
    fi
    root=$(_setup_tree_root "$tmp/tree") ||
        { _setup_log "ERROR: $1 holds no Odoo source tree (no odoo/release.py)."; return 1; }
    echo "$1" >"$root/.inventory-sync-source"
    mv -T -- "$root" "$ODOO_TREE"
}

# Prints the Odoo tree to install, getting it first when needed; status 2 = no source.
_setup_odoo_tree() {
    local src=${ODOO_SOURCE:-}
    if [[ -n "$src" && -d "$src" ]] && _setup_tree_root "$src" >/dev/null; then
        _setup_tree_root "$src" # a source tree the user keeps: installed where it is
        return 0
    fi
    if [[ -f "$ODOO_TREE/odoo/release.py" ]]; then
        _setup_log "Using the Odoo tree unpacked before in $ODOO_TREE (from $(cat "$ODOO_TREE/.inventory-sync-source" 2>/dev/null || echo '?'); delete it to unpack ODOO_SOURCE again)"
        echo "$ODOO_TREE"
        return 0
    fi
    if [[ -z "$src" ]]; then
        local why
        if ! why=$(python3 - "$ODOO_DEFAULT_SOURCE" 2>&1 <<'EOF'
import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="HEAD"), timeout=15).close()
EOF
        ); then
            cat >&2 <<EOF

[setup] Odoo 18.0 Community is not importable by $(command -v python3), and its source
        cannot be downloaded from $ODOO_DEFAULT_SOURCE
        (${why##*$'\n'}).
        Set ODOO_SOURCE to an Odoo 18.0 source: a folder holding the tree, a .tar.gz or
        .zip of it, or a git URL or local clone (then commit ODOO_COMMIT is taken,
        default $ODOO_COMMIT).
        For example:  ODOO_SOURCE=/path/to/odoo-18.0.tar.gz $0

EOF
            return 2
        fi
        src=$ODOO_DEFAULT_SOURCE
    elif [[ ! -e "$src" && ! $src =~ ^(https?|git|ssh|file):// && ! $src =~ ^[^/:]+@[^/:]+: ]]; then
        _setup_log "ERROR: ODOO_SOURCE=$src is neither an existing file or folder nor a URL."
        return 2
    fi
    _setup_unpack_source "$src" || return
    echo "$ODOO_TREE"
}

ensure_odoo18() {
    odoo18_importable && return 0
    # An editable Odoo hidden by an odoo/ folder of OCA wheels: one .pth line repairs it.
    _setup_odoo_on_sys_path >/dev/null 2>&1 && odoo18_importable && return 0
    local found lock tree rc=0
    found=$(python3 -c 'import odoo.release as r; print(r.version)' 2>/dev/null || echo "none")
    _setup_log "Odoo 18.0 is not importable by $(command -v python3) (found: $found): installing it."
    # One set-up at a time per cache (two clones set up at once share ODOO_TREE).
    mkdir -p "$SETUP_CACHE"
    exec {lock}>"$SETUP_CACHE/.lock"
    flock -n "$lock" || { _setup_log "Waiting for another set-up to finish..."; flock "$lock"; }
    if ! odoo18_importable; then
        tree=$(_setup_odoo_tree) || rc=$?
        ((rc == 0)) && { _setup_build_packages || rc=$?; }
        ((rc == 0)) && { _setup_pip_install_odoo "$tree" || rc=$?; }
        ((rc == 0)) && { _setup_odoo_on_sys_path || rc=$?; }
    fi
    exec {lock}>&-
    ((rc == 0)) || exit "$rc"
    odoo18_importable || { _setup_log "ERROR: Odoo installed from $tree, but python3 still cannot import it."; exit 1; }
    _setup_log "Odoo $(python3 -c 'import odoo.release as r; print(r.version)') installed from $tree"
}

# Odoo's requirements.txt, then Odoo itself (editable: the tree stays where it is).
# setuptools<81: cbor2 builds with it (PIP_CONSTRAINT, unlike -c, also reaches the isolated
# build environments). zope.interface<7: gevent 22.10.2 fails to start its process with
# newer releases (workers > 0).
_setup_pip_install_odoo() {
    local tree=$1 constraints rc=0
    constraints=$(mktemp "${TMPDIR:-/tmp}/inventory-sync-constraints.XXXXXX")
    printf '%s\n' 'setuptools<81' 'zope.interface<7' >"$constraints"
    _setup_log "pip install -r $tree/requirements.txt into $(command -v python3) (a minute or two: some packages compile)"
    PIP_CONSTRAINT=$constraints python3 -m pip install -q --disable-pip-version-check -r "$tree/requirements.txt" &&
        PIP_CONSTRAINT=$constraints python3 -m pip install -q --disable-pip-version-check --no-deps -e "$tree" ||
        rc=$?
    rm -f -- "$constraints"
    ((rc == 0)) || _setup_log "ERROR: installing Odoo's requirements or Odoo from $tree failed (pip exit $rc)."
    return "$rc"
}

# OCA add-ons from PyPI (odoo-addon-* wheels, e.g. quality_control_stock_oca) install
# into site-packages/odoo/addons/, a folder without __init__.py. A regular 'odoo' package
# found on sys.path wins over such a folder, but setuptools' editable install (pip -e,
# above) imports Odoo through a finder that Python asks only after sys.path: the wheels'
# odoo/ folder then hides Odoo ("import odoo" gives an empty namespace package). So the
# tree goes on sys.path with a .pth file, as setuptools' compat mode and the former
# 'setup.py develop' do; Odoo's own odoo/__init__.py then extends odoo.addons over the
# wheels' folder (pkgutil.extend_path). Nothing to do when sys.path already finds Odoo.
_setup_odoo_on_sys_path() {
    python3 - <<'EOF'
import os
import site
import sys
import sysconfig
from importlib.machinery import PathFinder


def regular(spec):
    return spec is not None and (spec.origin or "").endswith("__init__.py")


if regular(PathFinder.find_spec("odoo")):
    sys.exit(0)
for finder in sys.meta_path:
    if finder is PathFinder or not hasattr(finder, "find_spec"):
        continue
    try:
        spec = finder.find_spec("odoo", None)
    except Exception:  # a finder that does not expect this call: not Odoo's
        continue
    if regular(spec):
        break
else:
    sys.exit(0)  # no Odoo at all: ensure_odoo18 says so
tree = os.path.dirname(os.path.dirname(os.path.abspath(spec.origin)))
for folder in (sysconfig.get_paths()["purelib"], site.getusersitepackages()):
    try:
        os.makedirs(folder, exist_ok=True)
        pth = os.path.join(folder, "inventory_sync_odoo_tree.pth")
        with open(pth, "w", encoding="utf-8") as f:
            f.write(tree + "\n")
    except OSError:
        continue
    print(f"[setup] Odoo's tree {tree} put on sys.path by {pth}", file=sys.stderr)
    sys.exit(0)
print(f"[setup] ERROR: cannot write a .pth file for {tree} into site-packages", file=sys.stderr)
sys.exit(1)
EOF
}

_setup_chrome_found() {
    local name
    for name in "${CHROME_NAMES[@]}"; do
        command -v "$name" >/dev/null 2>&1 && return 0
    done
    return 1
}

ensure_chromium() {
    _setup_chrome_found && return 0
    local how="apt-get install chromium"
    if [[ -x /usr/bin/chromium ]]; then
        _setup_log "ERROR: /usr/bin/chromium exists, but PATH ($PATH) does not lead to it."
    elif [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        # Installed but its executable gone (deleted by hand): only a reinstall restores it.
        [[ -z "$(_setup_deb_missing chromium)" ]] && how="apt-get install --reinstall chromium"
        _setup_log "No Chromium or Chrome on PATH (the browser tours need one): $how"
        # shellcheck disable=SC2086 # options and the package name
        _setup_apt_install ${how#apt-get install } && _setup_chrome_found && return 0
        _setup_log "ERROR: Chromium is still not on PATH after '$how'."
    fi
    cat >&2 <<EOF

[setup] The browser tours need Chromium (or Google Chrome), and none of
        ${CHROME_NAMES[*]} is on PATH.
        Install it (Debian/Ubuntu: sudo apt-get install -y chromium) and run $0 again.

EOF
    exit 2
}

# The brokers stock_sync_mq's tests start (never the packaged services: own ports, own data).
_setup_brokers_found() {
    { command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]]; } &&
        [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]
}

ensure_brokers() {
    _setup_brokers_found && return 0
    local missing=""
    if command -v dpkg-query >/dev/null 2>&1; then
        missing=$(_setup_deb_missing mosquitto rabbitmq-server | xargs)
    fi
    if [[ -n "$missing" && $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        _setup_log "Installing $missing (stock_sync_mq's tests start their own brokers)"
        # shellcheck disable=SC2086 # package names
        _setup_apt_install $missing && _setup_brokers_found && return 0
        _setup_log "ERROR: 'apt-get install $missing' did not give mosquitto and rabbitmq-server."
    fi
    cat >&2 <<EOF

[setup] stock_sync_mq's tests need Mosquitto and RabbitMQ (they start their own
        instances on free ports). Install them (Debian/Ubuntu:
        sudo apt-get install -y mosquitto rabbitmq-server) and run $0 again.

EOF
    exit 2
}
