# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPF parser and lookup counter on real-world-shaped records; nested includes come from a local stub zone."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import spf

# A synthesised zone of TXT records, shaped like the published records of common senders.
ZONE = {
    "spf.protection.outlook.com": ["v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/14 ip4:104.47.0.0/17 "
                                   "ip6:2a01:111:f400::/48 ip6:2a01:111:f403::/49 include:spfd.protection.outlook.com "
                                   "-all"],
    "spfd.protection.outlook.com": ["v=spf1 ip4:51.4.72.0/24 ip4:51.5.72.0/24 ip6:2a01:4180:4051:0800::/64 -all"],
    "_spf.google.com": ["v=spf1 include:_netblocks.google.com include:_netblocks2.google.com "
                        "include:_netblocks3.google.com ~all"],
    "_netblocks.google.com": ["v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ~all"],
    "_netblocks2.google.com": ["v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ~all"],
    "_netblocks3.google.com": ["v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ~all"],
    "sendgrid.net": ["v=spf1 ip4:167.89.0.0/17 ip4:208.117.48.0/20 ~all", "google-site-verification=abc123"],
    "servers.mcsv.net": ["v=spf1 ip4:205.201.128.0/20 ip4:198.2.128.0/18 ~all"],
    "mail.zendesk.com": ["v=spf1 ip4:192.161.144.0/20 ip4:185.12.80.0/22 ~all"],
    "amazonses.com": ["v=spf1 ip4:199.255.192.0/22 ip4:54.240.0.0/18 ~all"],
    "_spf.salesforce.com": ["v=spf1 exists:%{i}._spf.mta.salesforce.com -all"],
    "spf.example.org": ["v=spf1 mx a include:spf.protection.outlook.com -all"],
    "loop.example": ["v=spf1 include:loop2.example -all"],
    "loop2.example": ["v=spf1 include:loop.example -all"],
    "nospf.example": ["google-site-verification=xyz"],
    "two.example": ["v=spf1 -all", "v=spf1 ~all"],
    "void1.example": [],
    "void2.example": [],
    "void3.example": [],
}


def resolve_txt(name):
    key = name.lower().rstrip(".")
    if key not in ZONE:
        raise LookupError("%s: REFUSED from every nameserver" % key)
    return ZONE[key]


GATEWAY = "exists:%{i}.spf.hc4321-12.iphmx.com"

# (record, total lookups with nested includes, exact?, valid?)
RECORDS = [
    ("v=spf1 include:spf.protection.outlook.com -all", 2, True, True),
    ("v=spf1 include:spf.protection.outlook.com %s -all" % GATEWAY, 3, True, True),
    ("v=spf1 include:_spf.google.com ~all", 4, True, True),
    ("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all", 0, True, True),
    ("v=spf1 mx a:mail.example.com include:spf.protection.outlook.com include:_spf.google.com include:sendgrid.net ~all",
     9, True, True),
    ("v=spf1 include:spf.protection.outlook.com include:_spf.google.com include:sendgrid.net include:servers.mcsv.net "
     "include:mail.zendesk.com include:amazonses.com mx a ptr ~all", 13, True, True),
    ("v=spf1 redirect=spf.example.org", 5, True, True),
    ("v=spf1 -all", 0, True, True),
    ("v=spf1 include:_spf.salesforce.com -all", 2, True, True),
    ("v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all", 1, True, True),
    ("v=spf1 a/24 mx/24//64 -all", 2, True, True),
    ("v=spf1 ?all", 0, True, True),
    ("v=spf1 +all", 0, True, True),
    ("v=spf1 include:loop.example -all", 3, True, False),
    ("v=spf1 include:nospf.example -all", 1, True, False),
    ("v=spf1 include -all", 0, True, False),
    ("v=spf1 ipv4:192.0.2.1 -all", 0, True, False),
    ("v=spf1 ip4:192.0.2.300 -all", 0, True, False),
    ("v=spf1 mx -all redirect=spf.example.org", 1, True, True),
    ("v=spf1 include:unknown.example -all", 1, False, True),
    ("V=SPF1 Include:SPF.Protection.Outlook.com -ALL", 2, True, True),
    ("v=spf1 mx -all exp=explain._spf.%{d}", 1, True, True),
    ("v=spf1 exists:%{x}.example.com -all", 0, True, False),
    # A second redirect= is a syntax error; only the first one would be followed.
    ("v=spf1 redirect=spf.example.org redirect=spf.example.org", 5, True, False),
    # Terms after 'all' are never evaluated (RFC 7208 5.1): no lookup, and not an error (a finding).
    ("v=spf1 -all include:spf.protection.outlook.com", 0, True, True),
    ("v=spf1 ip4:192.0.2.10 include:spf.protection.outlook.com %s include:_spf.google.com ~all" % GATEWAY,
     7, True, True),
    ("v=spf1 include:two.example -all", 1, True, False),
    ("v=spf1 include:void1.example include:void2.example include:void3.example -all", 3, True, False),
    ("v=spf1 ip6:2a01:111:f400::/48 ip4:203.0.113.5/32 ~all", 0, True, True),
    ("v=spf1 ptr:example.com ?all", 1, True, True),
]


@pytest.mark.parametrize("record,lookups,exact,valid", RECORDS, ids=[r[0][:60] for r in RECORDS])
def test_lookup_count(record, lookups, exact, valid):
    counted = spf.count_lookups(record, resolve_txt, "example.com")
    assert counted["lookups"] == lookups, counted
    assert counted["exact"] is exact
    assert (not counted["errors"]) is valid, counted["errors"]


def test_at_least_twenty_records():
    assert len(RECORDS) >= 20


def test_terms_and_qualifiers():
    parsed = spf.parse("v=spf1 ip4:192.0.2.0/24 -include:a.example ~mx:mail.example.com/28//64 ?a +exists:%{i}.x.example -all")
    assert parsed["valid"]
    names = [(t["qualifier"], t["name"], t["value"]) for t in parsed["terms"]]
    assert names == [("pass", "ip4", "192.0.2.0"), ("fail", "include", "a.example"),
                     ("softfail", "mx", "mail.example.com"), ("neutral", "a", None),
                     ("pass", "exists", "%{i}.x.example"), ("fail", "all", None)]
    assert parsed["terms"][0]["cidr4"] == 24
    assert parsed["terms"][2]["cidr4"] == 28 and parsed["terms"][2]["cidr6"] == 64
    assert parsed["terms"][4]["macro"] is True
    assert parsed["all"] == "fail"


def test_redirect_ignored_when_all_present():
    parsed = spf.parse("v=spf1 mx -all redirect=spf.example.org")
    redirect = [t for t in parsed["terms"] if t["name"] == "redirect"][0]
    assert redirect["lookups"] == 0 and redirect["ignored"]


def test_nested_tree():
    counted = spf.count_lookups("v=spf1 include:_spf.google.com -all", resolve_txt, "example.com")
    (google,) = counted["tree"]["children"]
    assert google["domain"] == "_spf.google.com" and google["lookups"] == 3
    expected = ["_netblocks.google.com", "_netblocks2.google.com", "_netblocks3.google.com"]
    assert [c["domain"] for c in google["children"]] == expected


def test_loop_is_reported():
    counted = spf.count_lookups("v=spf1 include:loop.example -all", resolve_txt, "example.com")
    assert any("loop" in error for error in counted["errors"])


def test_void_lookups_counted():
    counted = spf.count_lookups(RECORDS[27][0], resolve_txt, "example.com")
    assert counted["void"] == 3


def test_unresolved_include_is_reported():
    counted = spf.count_lookups("v=spf1 include:unknown.example -all", resolve_txt, "example.com")
    assert counted["unresolved"] == [dict(name="unknown.example", reason="unknown.example: REFUSED from every nameserver")]


@pytest.mark.parametrize("text", ["v=spf1", "v=spf1 -all", "V=SPF1 ~all"])
def test_is_spf(text):
    assert spf.is_spf(text)


@pytest.mark.parametrize("text", ["v=spf10 -all", "spf1 -all", "", "v=DMARC1; p=none", None])
def test_is_not_spf(text):
    assert not spf.is_spf(text)


def test_select_spf():
    assert spf.select_spf(["google-site-verification=1", "v=spf1 -all"]) == ("v=spf1 -all", 1)
    assert spf.select_spf(["v=spf1 -all", "v=spf1 ~all"]) == (None, 2)
    assert spf.select_spf([]) == (None, 0)


def test_has_mechanism():
    record = "v=spf1 include:SPF.protection.outlook.com %s -all" % GATEWAY
    assert spf.has_mechanism(record, GATEWAY)
    assert spf.has_mechanism(record, "+include:spf.protection.outlook.com.")
    assert not spf.has_mechanism(record, "exists:%{i}.spf.other.iphmx.com")
    assert not spf.has_mechanism(record, "-include:spf.protection.outlook.com")


def test_merge_keeps_all_last_and_is_idempotent():
    merged = spf.merge("v=spf1 include:spf.protection.outlook.com -all", GATEWAY)
    assert merged == "v=spf1 include:spf.protection.outlook.com %s -all" % GATEWAY
    assert spf.merge(merged, GATEWAY) == merged


def test_merge_before_trailing_redirect():
    assert spf.merge("v=spf1 mx redirect=spf.example.org", "ip4:192.0.2.1") == \
        "v=spf1 mx ip4:192.0.2.1 redirect=spf.example.org"


@pytest.mark.parametrize("mechanism,message", [
    ("-all", "'all' cannot be merged"),
    ("redirect=x.example", "modifier"),
    ("exists:%{x}.bad", "invalid macro"),
    ("ip4:1.2.3", "not an IPv4"),
    ("include:a.example mx", "single term"),
])
def test_merge_rejects_bad_mechanisms(mechanism, message):
    with pytest.raises(spf.SPFError, match=message):
        spf.merge("v=spf1 -all", mechanism)


def test_merge_rejects_invalid_record():
    with pytest.raises(spf.SPFError, match="not valid"):
        spf.merge("v=spf1 include -all", "mx")
