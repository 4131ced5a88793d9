"""compose.yaml believes X-Forwarded-For from its own proxy only (tester finding: it trusted
172.16.0.0/12, every Docker bridge network, so any container on the host could forge the client
address recorded in the audit log). No container engine runs in CI, so the file is read."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import yaml

from desist.ops.tests.production_env import ROOT


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_only_the_proxy_is_trusted() -> None:
    compose = _compose()
    services = compose["services"]
    proxy_address = ipaddress.ip_address(services["proxy"]["networks"]["desist"]["ipv4_address"])
    desist = [n for n, service in services.items() if service.get("command", [""])[0] == "desist"]
    assert {"web", "scheduler"} <= set(desist) and len(desist) >= 3, desist
    for name in desist:
        trusted = services[name]["environment"]["DESIST_TRUSTED_PROXIES"].split(",")
        # One host address, the proxy's: no prefix wider than that one container.
        assert [ipaddress.ip_network(t.strip()) for t in trusted] == [
            ipaddress.ip_network(proxy_address)
        ], name
        assert "desist" in services[name]["networks"], name
    pool = compose["networks"]["desist"]["ipam"]["config"][0]
    # The proxy's address is in the network, and never handed to another container.
    assert proxy_address in ipaddress.ip_network(pool["subnet"])
    assert proxy_address not in ipaddress.ip_network(pool["ip_range"])


def test_the_proxy_sets_the_client_address_rather_than_passing_one_on() -> None:
    nginx = (ROOT / "scripts" / "nginx.conf").read_text()
    # $proxy_add_x_forwarded_for would append to whatever the client sent.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx
    assert "proxy_add_x_forwarded_for" not in nginx


# pg_dump refuses a server newer than itself, so `desist backup` in the image needs a client at
# least as new as compose.yaml's server (tester finding: Debian 12's client 15 against postgres:16).
_DEBIAN_POSTGRESQL_CLIENT = {"bullseye": 13, "bookworm": 15, "trixie": 17}


def _image_client_major() -> int:
    dockerfile = (ROOT / "Dockerfile").read_text()
    runtime = dockerfile[dockerfile.index(" AS runtime") :]
    explicit = re.search(r"postgresql-client-(\d+)", runtime)
    if explicit:
        return int(explicit.group(1))
    assert re.search(r"\bpostgresql-client\b", runtime), "the runtime image has no pg_dump"
    base = re.search(r"FROM \S+-(\w+) AS runtime", dockerfile)
    assert base and base.group(1) in _DEBIAN_POSTGRESQL_CLIENT, "unknown runtime base image"
    return _DEBIAN_POSTGRESQL_CLIENT[base.group(1)]


def test_the_images_pg_dump_is_not_older_than_composes_server() -> None:
    image = _compose()["services"]["db"]["image"]
    match = re.fullmatch(r"postgres:(\d+)(?:[.\-].*)?", image)
    assert match, image
    assert int(match.group(1)) <= _image_client_major(), (image, _image_client_major())


def test_every_interpolated_password_is_required() -> None:
    # Interpolation reads .env or the shell, not desist.env: a plain ${VAR} there would be blank
    # and, under `environment:`, override env_file's value with the blank (tester finding).
    text = (ROOT / "compose.yaml").read_text()
    uses = re.findall(r"\$\{([A-Z_]+)(:\?[^}]*)?\}", text)
    assert {name for name, _ in uses} == {"DESIST_APP_DB_PASSWORD", "DESIST_OWNER_DB_PASSWORD"}
    assert all(required for _, required in uses), uses


def test_the_proxy_looks_the_replicas_up_again() -> None:
    # An `upstream { server web:8000; }` is resolved once: replicas added by `--scale web=N`
    # would get no traffic until nginx reloads (tester finding).
    nginx = (ROOT / "scripts" / "nginx.conf").read_text()
    assert not re.search(r"^\s*upstream\b", nginx, re.M)
    assert re.search(r"^\s*resolver 127\.0\.0\.11 valid=\d+s", nginx, re.M)
    assert re.search(r"^\s*set \$(\w+) web:8000;", nginx, re.M)
    assert re.search(r"^\s*proxy_pass http://\$\w+;", nginx, re.M)
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in nginx
