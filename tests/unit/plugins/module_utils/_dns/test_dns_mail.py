# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MX classifier, DMARC parser and findings."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import mail


@pytest.mark.parametrize("host,provider", [
    ("mx1.hc4321-12.iphmx.com", "cisco_gateway"),
    ("MX2.HC4321-12.IPHMX.COM.", "cisco_gateway"),
    ("esa1.hc123-45.c3s2.iphmx.com", "cisco_gateway"),
    ("example-com.mail.protection.outlook.com", "exchange_online"),
    ("example-com.mail.protection.outlook.com.", "exchange_online"),
    ("example-com.l-v1.mx.microsoft", "exchange_online"),
    ("iphmx.com", "other"),
    ("mail.protection.outlook.com", "other"),
    ("aspmx.l.google.com", "other"),
    ("mx.example.com", "other"),
    ("notiphmx.com", "other"),
    ("", "invalid"),
    # issue 13: valid names in other shapes (an invalid name is never a gateway: test_dns_mx_analysis.py)
    ("Esa2.hc97-1.c3s2.IPHMX.com", "cisco_gateway"),
    ("contoso-example.o-v1.mx.microsoft", "exchange_online"),
    ("xn--bcher-kva-example.mail.protection.outlook.com", "exchange_online"),
    (u"mx.b\u00fccher.example", "other"),
    ("1mx.example.net", "other"),
    ("mx1..iphmx.com", "invalid"),
])
def test_classify_mx_host(host, provider):
    assert mail.classify_mx_host(host) == provider


def test_mx_summary_states():
    eop = [(0, "example-com.mail.protection.outlook.com.")]
    gateway = [(10, "mx1.hc4321-12.iphmx.com."), (20, "mx2.hc4321-12.iphmx.com.")]
    assert mail.mx_summary(eop, 3600)["points_to"] == "exchange_online"
    summary = mail.mx_summary(list(reversed(gateway)), 300)
    assert summary["points_to"] == "cisco_gateway"
    assert [r["host"] for r in summary["records"]] == ["mx1.hc4321-12.iphmx.com", "mx2.hc4321-12.iphmx.com"]
    assert mail.mx_summary(eop + gateway)["points_to"] == "mixed"
    assert mail.mx_summary([])["points_to"] == "none"
    assert mail.mx_summary([(0, ".")])["points_to"] == "null"
    assert mail.mx_summary([(5, "mx.example.com.")])["points_to"] == "other"


def test_parse_dmarc():
    parsed = mail.parse_dmarc("v=DMARC1; p=quarantine; sp=reject; pct=50; rua=mailto:a@example.com,mailto:b@example.com")
    assert parsed["valid"] and parsed["policy"] == "quarantine" and parsed["subdomain_policy"] == "reject"
    assert parsed["pct"] == 50 and parsed["rua"] == ["mailto:a@example.com", "mailto:b@example.com"]


@pytest.mark.parametrize("record,error", [
    ("v=DMARC1", "'p' is required"),
    ("v=DMARC1; p=block", "p=block"),
    ("v=DMARC1; p=none; pct=200", "pct=200"),
    ("v=DMARC1; p=none; rua=https://x", "mailto"),
    ("v=DMARC1; p=none; adkim=x", "adkim"),
    ("p=none; v=DMARC1", "must start"),
    ("v=DMARC1; rua=mailto:a@x.example; p=none", "first tag"),
])
def test_parse_dmarc_errors(record, error):
    parsed = mail.parse_dmarc(record)
    assert not parsed["valid"]
    assert any(error in e for e in parsed["errors"]), parsed["errors"]


def _spf(**kwargs):
    base = dict(records_found=1, errors=[], lookups=2, lookups_exact=True, unresolved=[], void_lookups=0, all="fail",
                redirect=None, gateway_mechanism=None, gateway_mechanism_present=None)
    base.update(kwargs)
    return base


def _dmarc(**kwargs):
    base = dict(records_found=1, errors=[], policy="reject")
    base.update(kwargs)
    return base


def codes(found):
    return dict((f["code"], f["severity"]) for f in found)


def test_findings():
    mx = mail.mx_summary([(0, "example-com.mail.protection.outlook.com.")], 86400)
    found = codes(mail.findings("example.com", mx, _spf(lookups=11, gateway_mechanism="exists:%{i}.spf.x.iphmx.com",
                                                        gateway_mechanism_present=False), _dmarc(policy="none")))
    assert found["mx_exchange_online"] == "info"
    assert found["mx_ttl_high"] == "info"
    assert found["spf_too_many_lookups"] == "error"
    assert found["spf_gateway_missing"] == "warning"
    assert found["dmarc_monitor_only"] == "info"
    mixed = mail.mx_summary([(0, "example-com.mail.protection.outlook.com."), (10, "mx1.hc1-1.iphmx.com.")])
    found = codes(mail.findings("example.com", mixed, _spf(records_found=2), _dmarc(records_found=0)))
    assert found == {"mx_mixed": "warning", "spf_multiple": "error", "dmarc_missing": "warning"}
    spf = _spf(all="pass", lookups=9, lookups_exact=False, unresolved=[dict(name="a.example")])
    found = codes(mail.findings("example.com", mail.mx_summary([]), spf, _dmarc()))
    assert found == {"mx_missing": "warning", "spf_lookups_near_limit": "warning", "spf_lookups_lower_bound": "info",
                     "spf_pass_all": "error"}
