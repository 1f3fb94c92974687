"""The request-forgery guard: a webhook URL may only reach public addresses, unless allowed."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from fleet.errors import Invalid
from fleet.notify.destinations import AllowedHosts, Unresolvable, check, is_public


def dns(*addresses: str) -> Any:
    """A resolver that answers every name with these addresses (as getaddrinfo does)."""

    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in addresses]

    return resolve


NOTHING = AllowedHosts()


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "::1", "10.1.2.3", "172.16.0.9", "172.31.255.1", "192.168.1.1", "169.254.169.254",
    "fd00::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "0.0.0.0", "::", "224.0.0.1", "ff02::1",
    "100.64.0.1", "240.0.0.1", "255.255.255.255",
])
def test_a_host_resolving_to_a_non_public_address_is_refused(address):
    with pytest.raises(Invalid) as refused:
        check("https://hooks.example.com/in", NOTHING, dns(address))
    assert refused.value.code == "webhook_destination_refused"


@pytest.mark.parametrize("literal", ["http://127.0.0.1/x", "http://[::1]/x", "http://10.0.0.8:8080/x",
                                     "http://169.254.169.254/latest/meta-data", "http://[::ffff:127.0.0.1]/x"])
def test_an_address_literal_in_the_url_is_judged_the_same(literal):
    with pytest.raises(Invalid, match="not a public address"):
        check(literal, NOTHING)


def test_one_private_address_among_public_ones_refuses_the_host():
    with pytest.raises(Invalid, match=r"10\.0\.0\.1"):
        check("https://hooks.example.com/in", NOTHING, dns("93.184.216.34", "10.0.0.1"))


def test_a_public_host_passes_and_its_addresses_are_what_to_connect_to():
    assert check("https://hooks.example.com/in", NOTHING, dns("93.184.216.34", "2606:2800:220:1::1")) == [
        "93.184.216.34", "2606:2800:220:1::1"]


def test_a_hostname_resolving_to_loopback_is_refused_unless_the_host_is_allowed():
    with pytest.raises(Invalid):
        check("http://receiver.internal:9000/in", NOTHING, dns("127.0.0.1"))
    assert check("http://Receiver.Internal:9000/in", AllowedHosts.parse("receiver.internal"), dns("127.0.0.1")) == [
        "127.0.0.1"]


@pytest.mark.parametrize(("allowed", "address"), [("10.0.0.0/8", "10.20.30.40"), ("127.0.0.1", "127.0.0.1"),
                                                  ("127.0.0.1", "::ffff:127.0.0.1"), ("fd00::/8", "fd00::5")])
def test_an_allowed_range_or_address_passes(allowed, address):
    passed = check("http://hooks.example.com/in", AllowedHosts.parse(f"other.example, {allowed}"), dns(address))
    assert passed == [str(ipaddress.ip_address(address))]


def test_an_allowed_range_does_not_allow_its_neighbours():
    with pytest.raises(Invalid):
        check("http://hooks.example.com/in", AllowedHosts.parse("10.0.0.0/16"), dns("10.1.0.1"))


@pytest.mark.parametrize("url", ["ftp://hooks.example.com/in", "file:///etc/passwd", "gopher://x/", "hooks.example.com",
                                 "https://user:pw@hooks.example.com/in", "https://token@hooks.example.com/in",
                                 "https:///nohost", "http://hooks.example.com:99999/in"])
def test_only_plain_http_and_https_urls_without_credentials_are_accepted(url):
    with pytest.raises(Invalid) as refused:
        check(url, NOTHING, dns("93.184.216.34"))
    assert refused.value.code == "webhook_destination_refused"


def test_a_host_that_does_not_resolve_is_refused_as_unresolvable():
    def fail(*_: Any, **__: Any) -> list[tuple[Any, ...]]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(Unresolvable):
        check("https://nowhere.invalid/in", NOTHING, fail)


def test_the_allowed_list_parses_names_addresses_and_ranges_and_refuses_nonsense():
    allowed = AllowedHosts.parse(" receiver.local , 10.0.0.0/8,127.0.0.1,, [::1] ")
    assert allowed.hosts == frozenset({"receiver.local"})
    assert [str(n) for n in allowed.networks] == ["10.0.0.0/8", "127.0.0.1/32", "::1/128"]
    with pytest.raises(ValueError):
        AllowedHosts.parse("10.0.0.0/33")


def test_public_means_globally_routable():
    assert is_public(ipaddress.ip_address("8.8.8.8")) and is_public(ipaddress.ip_address("2001:4860:4860::8888"))
    assert not is_public(ipaddress.ip_address("::ffff:192.168.0.1"))
