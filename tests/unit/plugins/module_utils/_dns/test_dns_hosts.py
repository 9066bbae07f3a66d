# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mail_dns_info hosts: A/AAAA resolution of the gateway MX hosts (the lookup is a stand-in)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

pytest.importorskip("dns")

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import info_module  # noqa: E402
from ansible_collections.mailops.secure_email.plugins.module_utils._dns.common import DNSError  # noqa: E402


class _Record(object):
    def __init__(self, text):
        self.text = text

    def to_text(self):
        return self.text


class _Lookup(object):
    """Answers from a dict {(name, type): [addresses] | Exception}; counts calls like the real one."""

    def __init__(self, answers):
        self.answers = answers
        self.queries = 0

    def rrset(self, name, rdtype):
        self.queries += 1
        value = self.answers.get((name, rdtype))
        if isinstance(value, Exception):
            raise value
        return [_Record(text) for text in value] if value else None

    def prefetch(self, questions):
        pass  # the answers are already at hand


def test_hosts_resolved_and_sorted():
    lookup = _Lookup({("mx1.hc4321-12.iphmx.com", "A"): ["198.51.100.143", "198.51.100.105"],
                      ("mx1.hc4321-12.iphmx.com", "AAAA"): ["2001:db8::25"]})
    hosts, findings = info_module.resolve_hosts(["MX1.hc4321-12.iphmx.com."], lookup)
    assert hosts == [dict(name="mx1.hc4321-12.iphmx.com", addresses=["198.51.100.105", "198.51.100.143", "2001:db8::25"],
                          error=None)]
    assert findings == []
    assert lookup.queries == 2


def test_unresolved_host_is_an_error_finding_with_the_reason():
    lookup = _Lookup({("mx2.hc4321-12.iphmx.com", "A"): LookupError("timeout"),
                      ("mx2.hc4321-12.iphmx.com", "AAAA"): LookupError("timeout")})
    hosts, findings = info_module.resolve_hosts(["mx1.hc4321-12.iphmx.com", "mx2.hc4321-12.iphmx.com"], lookup)
    assert [h["error"] for h in hosts] == ["no A or AAAA record", "A: timeout; AAAA: timeout"]
    assert [(f["severity"], f["code"]) for f in findings] == [("error", "host_unresolved")] * 2
    assert "mx2.hc4321-12.iphmx.com does not resolve (A: timeout; AAAA: timeout)" == findings[1]["message"]


def test_bad_host_name_names_the_field():
    with pytest.raises(DNSError, match=r"hosts\[1\]"):
        info_module.resolve_hosts(["mx1.example", "bad..name"], _Lookup({}))


class _MX(object):
    def __init__(self, preference, host):
        self.preference = preference
        self.exchange = self
        self.host = host

    def to_text(self):
        return self.host


class _RRset(list):
    ttl = 300


def test_domains_are_analysed_in_one_run_with_their_findings(monkeypatch):
    answers = {("a.example", "MX"): _RRset([_MX(10, "mx1.hc4321-12.iphmx.com.")]),
               ("b.example", "MX"): _RRset([_MX(0, "b-example.mail.protection.outlook.com.")])}

    class Lookup(_Lookup):
        def rrset(self, name, rdtype):
            self.queries += 1
            return answers.get((name, rdtype))

        def txt(self, name):
            return []

    monkeypatch.setattr(info_module, "Lookup", lambda params: Lookup({}))
    params = dict(domain=None, domains=["A.example.", "b.example"], hosts=None, gateway_mechanism=None,
                  resolve_includes=True)
    result = info_module.gather(params)
    assert [d["domain"] for d in result["domains"]] == ["a.example", "b.example"]
    assert [d["mx"]["points_to"] for d in result["domains"]] == ["cisco_gateway", "exchange_online"]
    assert result["domain"] is None and result["mx"] is None
    assert len(result["findings"]) == sum(len(d["findings"]) for d in result["domains"]) > 0
    assert result["queries"] == 6  # MX, TXT, _dmarc TXT per domain
    with pytest.raises(DNSError, match=r"domains\[1\]"):
        info_module.gather(dict(params, domains=["ok.example", "bad..example"]))


@pytest.mark.parametrize("domain", ["", "   "])
def test_empty_domain_fails_naming_the_field(monkeypatch, domain):
    # issue 15: an empty domain passed required_one_of and reported nothing
    lookup = _Lookup({})
    monkeypatch.setattr(info_module, "Lookup", lambda params: lookup)
    params = dict(domain=domain, domains=None, hosts=["mx1.example"], gateway_mechanism=None, resolve_includes=True)
    with pytest.raises(DNSError, match=r"^domain: must not be empty"):
        info_module.gather(params)
    assert lookup.queries == 0
