"""The client's address: X-Forwarded-For is believed only from a configured trusted proxy."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory, override_settings

from desist.core.context import client_address_of

PROXY = "10.0.0.5"


def _address(remote: str, forwarded: str | None = None) -> str | None:
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address_of(RequestFactory().get("/", **extra))


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.9", None, "203.0.113.9"),
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),  # forged: no proxy is trusted
        (PROXY, "198.51.100.7", PROXY),  # even from the proxy, when it is not configured
    ],
)
def test_no_trusted_proxy_uses_the_connecting_address(
    remote: str, forwarded: str | None, expected: str
) -> None:
    assert _address(remote, forwarded) == expected


@override_settings(DESIST_TRUSTED_PROXIES=(PROXY, "172.16.0.0/12", "2001:db8:1::/48"))
@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (PROXY, "198.51.100.7", "198.51.100.7"),
        # A client's own X-Forwarded-For is kept on the left by the proxy: not believed.
        (PROXY, "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        # Two proxies of ours (load balancer, then PROXY): skip both.
        (PROXY, "198.51.100.7, 172.16.4.2", "198.51.100.7"),
        (PROXY, "198.51.100.7:5123", "198.51.100.7"),
        (PROXY, "[2001:db8:99::1]:443", "2001:db8:99::1"),
        ("2001:db8:1::10", "198.51.100.8", "198.51.100.8"),
        # A private address behind the proxy is still that person's address.
        (PROXY, "192.168.1.20", "192.168.1.20"),
        (PROXY, None, PROXY),  # no header
        (PROXY, "not-an-address", PROXY),  # malformed: nothing believed
        (PROXY, "172.16.4.2", "172.16.4.2"),  # only our own proxies: the farthest
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),  # not from a trusted proxy
    ],
)
def test_trusted_proxy(remote: str, forwarded: str | None, expected: str) -> None:
    assert _address(remote, forwarded) == expected


def test_no_address() -> None:
    request = RequestFactory().get("/")
    request.META.pop("REMOTE_ADDR", None)
    assert client_address_of(request) is None
