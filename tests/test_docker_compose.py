"""docker-compose.yml must stay in line with odoo.conf and the modules in addons/.

Plain pytest tests: they read files only, no Odoo database is used. bin/test runs them
with the others; alone: python3 -m pytest -p no:odoo tests/test_docker_compose.py
"""

import ast
import configparser
import os
import posixpath

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def compose():
    with open(os.path.join(ROOT, "docker-compose.yml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="module")
def odoo_conf():
    conf = configparser.RawConfigParser()
    read = conf.read(os.path.join(ROOT, "odoo.conf"), encoding="utf-8")
    assert read, "odoo.conf is missing at the repository root"
    return conf["options"]


@pytest.fixture(scope="module")
def odoo_service(compose):
    services = compose.get("services") or {}
    assert "odoo" in services, "docker-compose.yml has no 'odoo' service"
    return services["odoo"]


def _norm(path):
    return os.path.normpath(path.strip()).rstrip("/")


def _addons_mount(service):
    """(source, target) of the bind mount of ./addons in the odoo service."""
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):  # long syntax
            source, target = volume.get("source", ""), volume.get("target", "")
        else:
            source, target = (volume.split(":") + [""])[:2]
        if _norm(source) == "addons":
            return source, target
    return None, None


def _command_option(command, name):
    """Value of --name=value or --name value (or -x value) in the service command."""
    if isinstance(command, str):
        command = command.split()
    for i, arg in enumerate(command):
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
        if arg == name and i + 1 < len(command):
            return command[i + 1]
    return None


def _suite_modules():
    addons = os.path.join(ROOT, "addons")
    modules = set()
    for name in os.listdir(addons):
        manifest = os.path.join(addons, name, "__manifest__.py")
        if os.path.isfile(manifest):
            with open(manifest, encoding="utf-8") as f:
                if ast.literal_eval(f.read()).get("installable", True):
                    modules.add(name)
    return modules


def test_services_exist(compose):
    services = compose.get("services") or {}
    for name in ("db", "odoo"):
        assert name in services, f"docker-compose.yml must define a '{name}' service"


def test_images(compose):
    services = compose["services"]
    odoo_image = services["odoo"].get("image", "")
    assert odoo_image.startswith("odoo:18"), (
        f"the odoo service must use the official odoo:18 image, not {odoo_image!r}"
    )
    db_image = services["db"].get("image", "")
    assert db_image.split(":")[0] == "postgres", (
        f"the db service must use the official postgres image, not {db_image!r}"
    )


def test_addons_mount_matches_odoo_conf(odoo_service, odoo_conf):
    source, target = _addons_mount(odoo_service)
    assert source, "the odoo service must bind-mount ./addons (e.g. ./addons:/mnt/extra-addons:ro)"
    conf_paths = [_norm(p) for p in odoo_conf.get("addons_path", "").split(",") if p.strip()]
    assert _norm(source) in conf_paths, (
        f"the mounted folder {source!r} must be odoo.conf's addons_path ({conf_paths})"
    )
    assert target, "the ./addons mount has no target folder"


def test_mount_target_in_addons_path(odoo_service):
    _source, target = _addons_mount(odoo_service)
    addons_path = _command_option(odoo_service.get("command", []), "--addons-path")
    assert addons_path, "the odoo service command must pass --addons-path"
    paths = [posixpath.normpath(p) for p in addons_path.split(",")]
    assert posixpath.normpath(target) in paths, (
        f"the ./addons mount target {target!r} is not in the command's --addons-path {paths}"
    )


def test_all_suite_modules_installed(odoo_service):
    command = odoo_service.get("command", [])
    to_install = _command_option(command, "-i") or _command_option(command, "--init") or ""
    listed = {m.strip() for m in to_install.split(",") if m.strip()}
    missing = _suite_modules() - listed
    assert not missing, (
        f"modules of addons/ missing from the odoo service's '-i' list: {sorted(missing)}"
    )


def test_port_matches_odoo_conf(odoo_service, odoo_conf):
    http_port = odoo_conf.get("http_port", "8069").strip()
    ports = [str(p) for p in odoo_service.get("ports", [])]
    container_ports = {p.rsplit(":", 1)[-1].split("/")[0] for p in ports}
    assert http_port in container_ports, (
        f"the odoo service must publish odoo.conf's http_port {http_port} (ports: {ports})"
    )
    host_ports = {p.split(":")[-2] for p in ports if p.count(":") >= 1}
    assert http_port in host_ports, (
        f"the odoo service must publish on host port {http_port} like odoo.conf (ports: {ports})"
    )
