"""Destination/domain validation of the lab smtproutes."""

import pytest

from lab.esa.routes import (
    MAX_DESTINATIONS,
    RouteError,
    canonical_destination,
    canonical_domain,
    parse_destination_list,
    parse_route_file,
    render_route_file,
)


@pytest.mark.parametrize("raw, canonical", [
    ("MX1.Example.COM", "mx1.example.com"),
    ("mx1.example.com:0025", "mx1.example.com:25"),
    ("mx1.example.com/PRI=10", "mx1.example.com/pri=10"),
    ("mx1.example.com:2525/pri=0", "mx1.example.com:2525/pri=0"),
    ("10.0.0.1:25/pri=65535", "10.0.0.1:25/pri=65535"),
    ("2001:DB8::1", "2001:db8::1"),
    ("[2001:db8::1]:2525", "[2001:db8::1]:2525"),
    ("[Relay.Example.com]", "[relay.example.com]"),
    ("usedns", "USEDNS"),
    ("/DEV/NULL", "/dev/null"),
])
def test_canonical_destination(raw, canonical):
    assert canonical_destination(raw) == canonical


@pytest.mark.parametrize("raw, message", [
    ("bad host!", 'Invalid hostname format "bad host!".'),
    ("mx1:0", "port number from 1 to 65535"),
    ("mx1:65536", "port number from 1 to 65535"),
    ("mx1/pri=65536", "priority from 0 to 65535"),
    ("mx1/weight=3", "priority from 0 to 65535"),
    ("[mx1", "Invalid hostname format"),
    ("-bad.example.com", "Invalid hostname format"),
])
def test_invalid_destination(raw, message):
    with pytest.raises(RouteError) as info:
        canonical_destination(raw)
    assert message in str(info.value)


def test_destination_list_rules():
    assert parse_destination_list(" a.example.com ,b.example.com:2525 ") == ["a.example.com", "b.example.com:2525"]
    with pytest.raises(RouteError, match="may not combine USEDNS"):
        parse_destination_list("USEDNS, a.example.com")
    with pytest.raises(RouteError, match="may not combine USEDNS"):
        parse_destination_list("/dev/null", existing=["a.example.com"])
    with pytest.raises(RouteError, match=r"The host a.example.com already has an alternate port \(2525\)."):
        parse_destination_list("a.example.com:2525, a.example.com")
    with pytest.raises(RouteError, match="The host a.example.com is already using the standard port."):
        parse_destination_list("a.example.com:2525", existing=["a.example.com/pri=3"])
    with pytest.raises(RouteError, match=f"Routes may not contain more than {MAX_DESTINATIONS} destinations."):
        parse_destination_list(",".join(f"h{i}.example.com" for i in range(MAX_DESTINATIONS + 1)))
    with pytest.raises(RouteError, match="You must enter a value."):
        parse_destination_list("  ")


def test_domains():
    assert canonical_domain("all") == "ALL"
    assert canonical_domain(" .Example.COM ") == ".example.com"
    for bad in ("", "bad domain", "exa$mple.com"):
        with pytest.raises(RouteError):
            canonical_domain(bad)


def test_route_file_round_trip():
    routes = [{"domain": "ALL", "destinations": ["USEDNS"]},
              {"domain": "b.example.com", "destinations": ["mx1.example.com:25/pri=10", "mx2.example.com"]}]
    text = render_route_file(routes, "20260101T000000")
    assert text.splitlines() == ["# File exported by the CLI at 20260101T000000",
                                 "b.example.com mx1.example.com:25/pri=10,mx2.example.com", "ALL USEDNS"]
    assert parse_route_file(text + "\n# comment\n") == list(reversed(routes))
    with pytest.raises(RouteError, match="Line 2: "):
        parse_route_file("a.example.com mx1\nb.example.com bad host!\n")
