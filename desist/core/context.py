"""Per-request context (request id, client address) for the audit trail, and the one helper
that works out the client's address."""

from __future__ import annotations

import contextvars
import functools
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip
from python_ipware.modern.parsers import (
    IpAddressType,
    IpNetworkType,
    parse_ip,
    split_proxy_chain,
    unwrap_ipv4_network,
)


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_address: str | None = None


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "desist_request_context",
    default=RequestContext(),  # noqa: B039 (frozen, immutable)
)


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(ctx)


def reset(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)


# --- the client's address: one helper for audit rows, rate limits and lockout ---------------


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IpNetworkType, ...]:
    return tuple(unwrap_ipv4_network(ipaddress.ip_network(e, strict=False)) for e in entries)


def _trusted(ip: IpAddressType, networks: tuple[IpNetworkType, ...]) -> bool:
    return any(ip.version == n.version and ip in n for n in networks)


def client_address_of(request: HttpRequest) -> str | None:
    """The address of the person making the request.

    REMOTE_ADDR, unless it is one of settings.DESIST_TRUSTED_PROXIES (addresses or CIDR
    prefixes; empty: trust no proxy). Only then is X-Forwarded-For believed, and the client is
    its nearest address that is not itself a trusted proxy. django-ipware does the parsing and
    the pick; the gate on the connecting peer is ours, because ipware trusts the header from
    whoever sends it (docs/adr/0016)."""
    remote = parse_ip(request.META.get("REMOTE_ADDR"))
    if remote is None:
        return None
    networks = _networks(tuple(getattr(settings, "DESIST_TRUSTED_PROXIES", ())))
    if not _trusted(remote, networks):
        return str(remote)
    chain = split_proxy_chain(request.META.get("HTTP_X_FORWARDED_FOR"), strict=True) or []
    proxies = 0  # trusted proxies at the end of the chain, nearest first
    while proxies < len(chain) and _trusted(chain[-1 - proxies], networks):
        proxies += 1
    if proxies == len(chain):  # no header, a malformed one, or nothing but our own proxies
        return str(chain[0]) if chain else str(remote)
    ip, _routable = get_client_ip(
        request,
        proxy_count=proxies,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return ip or str(remote)
