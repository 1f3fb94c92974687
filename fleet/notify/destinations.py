"""Where a webhook may point: the request-forgery guard.

A webhook makes this server send requests to a URL somebody else chose. Without a guard, an
agency's key could aim it at the database, a cloud metadata service (``169.254.169.254``) or an
admin port on the server's own network. :func:`check` refuses a URL unless it is ``http`` or
``https`` without credentials, and its host resolves only to public addresses: one loopback,
private, link-local, multicast, reserved or unspecified address among the resolved ones (IPv4 or
IPv6, IPv4-mapped IPv6 included) refuses it, unless the host or that address is listed in
:class:`AllowedHosts` (``SLATRACK_WEBHOOK_ALLOWED_HOSTS``: host names or CIDR ranges; the tests
and the demo allow their local receiver).

It runs twice: when a webhook is registered (a refusal is a 422 ``webhook_destination_refused``)
and before every delivery, because DNS may answer differently by then. The deliverer connects to
the addresses this check returned, not to whatever the name resolves to a moment later
(:mod:`fleet.notify.webhook_http`), so a name cannot pass the check and then point elsewhere.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fleet.errors import Invalid

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[..., Sequence[tuple[Any, ...]]]
"""``socket.getaddrinfo``'s signature (tests inject their own DNS)."""

REFUSED = "webhook_destination_refused"


class DestinationRefused(Invalid):
    """The URL may not receive webhooks (scheme, credentials, or a non-public address)."""

    code = REFUSED


class Unresolvable(DestinationRefused):
    """The host did not resolve. At registration a refusal; at delivery a transient failure
    (the resolver may be down for a moment)."""


@dataclass(frozen=True)
class AllowedHosts:
    """Host names and address ranges a webhook may reach although they are not public."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, text: str) -> AllowedHosts:
        """``"receiver.local,10.0.0.0/8,127.0.0.1"``: names, addresses and CIDR ranges, comma-separated."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                if "/" in item or " " in item:
                    raise ValueError(f"{item!r} is neither a host name nor an address range") from None
                hosts.add(_host_name(item))
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return _host_name(host) in self.hosts

    def allows_address(self, address: IPAddress) -> bool:
        candidates = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        return any(a.version == n.version and a in n for a in candidates for n in self.networks)


def _host_name(host: str) -> str:
    return host.strip().rstrip(".").lower()


def is_public(address: IPAddress) -> bool:
    """Whether an address is one a webhook may reach without being allowed: globally routable and
    not multicast (an IPv4-mapped IPv6 address is judged as the IPv4 address it carries)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)
    special = (address.is_loopback or address.is_private or address.is_link_local or address.is_multicast
               or address.is_reserved or address.is_unspecified)
    return address.is_global and not special


@dataclass(frozen=True)
class Destination:
    """A checked URL: its parts and the addresses to connect to (in the resolver's order)."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


def check(url: str, allowed: AllowedHosts, resolve: Resolver | None = None) -> list[str]:
    """The addresses ``url`` may be delivered to, or :class:`DestinationRefused`."""
    return list(destination(url, allowed, resolve).addresses)


def destination(url: str, allowed: AllowedHosts, resolve: Resolver | None = None) -> Destination:
    """:func:`check`, with the URL's parts (what the deliverer needs to pin the connection).
    ``resolve``: ``socket.getaddrinfo`` unless given."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DestinationRefused(f"webhook URL is not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise DestinationRefused("a webhook URL must be http:// or https://")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise DestinationRefused("a webhook URL may not carry credentials (user:password@)")
    host = parts.hostname
    if not host:
        raise DestinationRefused("a webhook URL must name a host")
    port = port or (443 if scheme == "https" else 80)
    try:
        infos = (resolve or socket.getaddrinfo)(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Unresolvable(f"webhook host {host!r} does not resolve ({exc})") from None
    addresses: list[str] = []
    host_allowed = allowed.allows_host(host)
    for info in infos:
        text = str(info[4][0]).split("%", 1)[0]  # an IPv6 scope (fe80::1%eth0) is not part of the address
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise DestinationRefused(f"webhook host {host!r} resolved to {text!r}, not an address") from None
        if not (host_allowed or is_public(address) or allowed.allows_address(address)):
            raise DestinationRefused(
                f"webhook host {host!r} resolves to {address}, which is not a public address (loopback, private, "
                "link-local, multicast or reserved); list it in SLATRACK_WEBHOOK_ALLOWED_HOSTS to allow it")
        if str(address) not in addresses:
            addresses.append(str(address))
    if not addresses:
        raise Unresolvable(f"webhook host {host!r} does not resolve")
    return Destination(url=url, scheme=scheme, host=host, port=port, addresses=tuple(addresses))
