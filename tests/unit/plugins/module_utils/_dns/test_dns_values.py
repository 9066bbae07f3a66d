# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Value parsing, input validation, the update plan and the wait modes (single functions; no network)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

dns = pytest.importorskip("dns")

import dns.name  # noqa: E402  pylint: disable=wrong-import-position
import dns.rdataclass  # noqa: E402  pylint: disable=wrong-import-position
import dns.rdatatype  # noqa: E402  pylint: disable=wrong-import-position
import dns.rrset  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import common  # noqa: E402
from ansible_collections.mailops.secure_email.plugins.module_utils._dns import record_module  # noqa: E402
from ansible_collections.mailops.secure_email.plugins.module_utils._dns import wait  # noqa: E402

SECRET = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="


def params(**kwargs):
    base = dict(server="127.0.0.1", zone=None, name="example.com", type="MX", values=["10 mx1.example.net"], ttl=None,
                state="present", key_name=None, key_secret=None, key_algorithm="hmac-sha256", port=53,
                protocol="tcp", query_timeout=5.0)
    base.update(kwargs)
    return base


def rrset(name, ttl, rdtype, *values):
    return dns.rrset.from_text(name, ttl, "IN", rdtype, *values)


def test_values_are_absolute_and_compared_canonically():
    a = common.parse_value(dns.rdatatype.MX, "10 MX1.Example.NET", "values[0]")
    b = common.parse_value(dns.rdatatype.MX, "10 mx1.example.net.", "values[0]")
    assert common.rdata_key(a) == common.rdata_key(b)
    assert common.value_text(b) == "10 mx1.example.net."


def test_txt_plain_text_and_long_values():
    long_text = "v=spf1 " + " ".join("ip4:192.0.2.%d" % i for i in range(40)) + " -all"
    rdata = common.parse_value(dns.rdatatype.TXT, long_text, "values[0]")
    assert [len(part) for part in rdata.strings][:-1] == [255] * (len(long_text) // 255)
    assert common.txt_text(rdata) == long_text
    quoted = common.parse_value(dns.rdatatype.TXT, '"part one" "part two"', "values[0]")
    assert common.txt_text(quoted) == "part onepart two"


@pytest.mark.parametrize("overrides,message", [
    (dict(values=["x mx1.example.net"]), "values[0]: 'x mx1.example.net' is not a valid MX value"),
    (dict(type="A", values=["192.0.2.300"]), "values[0]: '192.0.2.300' is not a valid A value"),
    (dict(type="CNAME", values=["a.example.net", "b.example.net"]), "exactly one value"),
    (dict(values=[]), "values: an empty list with state=present"),
    (dict(ttl=-1), "ttl: must be between 0"),
    (dict(key_name="k"), "key_name is set but key_secret is not"),
    (dict(key_secret=SECRET), "key_secret is set but key_name is not"),
    (dict(key_name="k", key_secret="not base64!"), "key_secret: must be base64"),
    (dict(zone="example.com", name="www.example.org."), "name: www.example.org is not inside zone example.com"),
    (dict(name="bad name"), "name: 'bad name' is not a DNS name"),
    (dict(server="127.0.0.1:70000"), "server: port 70000 is out of range"),
])
def test_bad_input_names_the_field(overrides, message):
    with pytest.raises(common.DNSError) as info:
        record_module.Request(params(**overrides))
    assert message in str(info.value)


def test_relative_name_with_zone():
    request = record_module.Request(params(zone="example.com", name="www"))
    assert request.name.to_text() == "www.example.com."
    assert record_module.Request(params(zone="example.com", name="@")).name.to_text() == "example.com."


@pytest.mark.parametrize("name", ["example.com", "example.com.", "EXAMPLE.com"])
def test_name_equal_to_zone_is_the_apex_not_joined_again(name):
    # issue 15: this was example.com.example.com.
    assert record_module.Request(params(zone="example.com", name=name)).name == dns.name.from_text("example.com.")


@pytest.mark.parametrize("name", ["www.example.com", "www.example.com.", "www.Example.COM"])
def test_name_under_zone_is_taken_as_written(name):
    assert record_module.Request(params(zone="example.com.", name=name)).name == dns.name.from_text("www.example.com.")


@pytest.mark.parametrize("overrides,message", [
    (dict(zone="example.com", name="mail.other.com"), "name: 'mail.other.com' is ambiguous with zone example.com"),
    (dict(zone="", name="example.com"), "zone: must not be empty"),
    (dict(name=" "), "name: must not be empty"),
    (dict(server=" "), "server: must not be empty"),
])
def test_more_bad_input_names_the_field(overrides, message):
    with pytest.raises(common.DNSError) as info:
        record_module.Request(params(**overrides))
    assert str(info.value).startswith(message)


def test_plan():
    current = rrset("example.com.", 3600, "MX", "0 example-com.mail.protection.outlook.com.")
    request = record_module.Request(params(values=["10 mx1.hc1-1.iphmx.com", "20 mx2.hc1-1.iphmx.com"]))
    desired, ttl, changed = record_module.plan(request, current)
    assert changed and ttl == 3600 and len(desired) == 2
    same = rrset("example.com.", 3600, "MX", "20 mx2.hc1-1.iphmx.com.", "10 mx1.hc1-1.iphmx.com.")
    assert record_module.plan(request, same)[2] is False
    ttl_only = record_module.Request(params(values=None, ttl=300))
    desired, ttl, changed = record_module.plan(ttl_only, same)
    assert changed and ttl == 300 and len(desired) == 2
    with pytest.raises(common.DNSError, match="values: required"):
        record_module.plan(ttl_only, None)
    absent_one = record_module.Request(params(state="absent", values=["20 mx2.hc1-1.iphmx.com"]))
    desired, ttl, changed = record_module.plan(absent_one, same)
    assert changed and [common.value_text(r) for r in desired] == ["10 mx1.hc1-1.iphmx.com."]


def test_update_has_prerequisite_and_replaces_the_rrset():
    zone = dns.name.from_text("example.com")
    current = rrset("example.com.", 3600, "MX", "0 example-com.mail.protection.outlook.com.")
    request = record_module.Request(params(values=["10 mx1.hc1-1.iphmx.com"]))
    desired, ttl, _changed = record_module.plan(request, current)
    message = record_module.build_update(zone, request.name, request.rdtype, current, desired, ttl)
    assert len(message.prerequisite) == 1 and message.prerequisite[0].rdtype == dns.rdatatype.MX
    assert [r.deleting for r in message.update] == [dns.rdataclass.ANY, None]  # delete RRset, then add
    new = record_module.build_update(zone, request.name, request.rdtype, None, desired, ttl)
    assert new.prerequisite[0].rdclass == dns.rdataclass.NONE  # prerequisite: RRset does not exist


def _record(mode, values, max_ttl=None):
    return wait.Record(0, dict(name="example.com", type="MX", values=values, mode=mode, max_ttl=max_ttl))


@pytest.mark.parametrize("mode,values,served,expected", [
    ("equals", ["10 a.example.net"], ["10 a.example.net."], True),
    ("equals", ["10 a.example.net"], ["10 a.example.net.", "20 b.example.net."], False),
    ("subset", ["10 a.example.net"], ["10 a.example.net.", "20 b.example.net."], True),
    ("subset", ["10 a.example.net", "30 c.example.net"], ["10 a.example.net."], False),
    ("superset", ["10 a.example.net", "20 b.example.net"], ["10 a.example.net."], True),
    ("superset", ["10 a.example.net"], ["10 a.example.net.", "20 b.example.net."], False),
    ("superset", ["10 a.example.net"], [], True),
    ("absent", [], [], True),
    ("absent", [], ["10 a.example.net."], False),
])
def test_wait_modes(mode, values, served, expected):
    answer = rrset("example.com.", 300, "MX", *served) if served else None
    assert _record(mode, values).matches(answer) is expected


def test_wait_max_ttl():
    answer = rrset("example.com.", 3600, "MX", "10 a.example.net.")
    assert not _record("equals", ["10 a.example.net"], max_ttl=300).matches(answer)
    assert _record("equals", ["10 a.example.net"], max_ttl=3600).matches(answer)


@pytest.mark.parametrize("spec,message", [
    (dict(mode="absent", values=["10 a.example.net"]), "records[0].values: must be empty with mode=absent"),
    (dict(mode="equals", values=[]), "records[0].values: required with mode=equals"),
    (dict(type="BOGUS", values=["x"]), "records[0].type: 'BOGUS' is not a DNS record type"),
    (dict(values=["x y"]), "records[0].values[0]"),
])
def test_wait_bad_records(spec, message):
    full = dict(name="example.com", type="MX", values=[], mode="equals", max_ttl=None)
    full.update(spec)
    with pytest.raises(common.DNSError) as info:
        wait.Record(0, full)
    assert message in str(info.value)


@pytest.mark.parametrize("text,expected", [
    ("192.0.2.1", ("192.0.2.1", 53)),
    ("192.0.2.1:5300", ("192.0.2.1", 5300)),
    ("[2001:db8::1]:5300", ("2001:db8::1", 5300)),
    ("2001:db8::1", ("2001:db8::1", 53)),
    ("ns1.example.com", ("ns1.example.com", 53)),
])
def test_split_endpoint(text, expected):
    assert common.split_endpoint(text, 53, "server") == expected
