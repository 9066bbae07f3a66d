# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mail_dns_info for many domains in one run (issue 14): mx['values'] in the form of dns_record's values, each name
and type looked up once per run (shared SPF includes), transport options checked first."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

dns = pytest.importorskip("dns")

import dns.resolver  # noqa: E402  pylint: disable=wrong-import-position
import dns.rrset  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import info_module  # noqa: E402
from ansible_collections.mailops.secure_email.plugins.module_utils._dns import mail  # noqa: E402
from ansible_collections.mailops.secure_email.plugins.module_utils._dns.common import DNSError  # noqa: E402

SPF = "v=spf1 include:spf.protection.outlook.com -all"


def test_mx_values_are_preference_and_host_in_the_order_of_records():
    summary = mail.mx_summary([(20, "MX2.hc1-1.iphmx.com."), (10, "mx1.hc1-1.iphmx.com."), (5, "b.example.net")], 300)
    assert summary["values"] == ["5 b.example.net", "10 mx1.hc1-1.iphmx.com", "20 mx2.hc1-1.iphmx.com"]
    assert [r["host"] for r in summary["records"]] == ["b.example.net", "mx1.hc1-1.iphmx.com", "mx2.hc1-1.iphmx.com"]
    assert mail.mx_summary([])["values"] == []
    assert mail.mx_summary([(0, ".")])["values"] == ["0 ."]


class _Answer(object):
    def __init__(self, rrset):
        self.rrset = rrset


def _params(domains):
    return dict(domain=None, domains=domains, hosts=None, nameservers=["127.0.0.1:5300"], gateway_mechanism=None,
                resolve_includes=True, port=53, protocol="tcp", query_timeout=1.0)


def test_many_domains_look_up_a_shared_include_once(monkeypatch):
    asked = []

    def resolve(self, name, rdtype, tcp=False, raise_on_no_answer=True):
        asked.append((str(name), str(rdtype)))
        if name == "spf.protection.outlook.com":
            raise dns.resolver.NoNameservers()  # the lab does not serve it: REFUSED
        if rdtype == "MX":
            return _Answer(dns.rrset.from_text(name + ".", 3600, "IN", "MX",
                                               "0 %s.mail.protection.outlook.com." % name.replace(".", "-")))
        if rdtype == "TXT" and not name.startswith("_dmarc."):
            return _Answer(dns.rrset.from_text(name + ".", 3600, "IN", "TXT", '"%s"' % SPF))
        raise dns.resolver.NXDOMAIN()

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", resolve)
    domains = ["d%02d.example.test" % index for index in range(20)]
    result = info_module.gather(_params(domains))
    # MX, TXT and _dmarc TXT per domain, and the include of all twenty once (its failure remembered too).
    assert result["queries"] == 3 * 20 + 1 == len(asked)
    assert asked.count(("spf.protection.outlook.com", "TXT")) == 1
    assert all(d["spf"]["lookups_exact"] is False for d in result["domains"])
    assert [d["mx"]["values"] for d in result["domains"]][:2] == [
        ["0 d00-example-test.mail.protection.outlook.com"], ["0 d01-example-test.mail.protection.outlook.com"]]


@pytest.mark.parametrize("overrides,message", [
    (dict(port=0), "port: must be between 1 and 65535, got 0"),
    (dict(port=70000), "port: must be between 1 and 65535, got 70000"),
    (dict(query_timeout=-1.0), "query_timeout: must be greater than 0"),
    (dict(query_timeout=0.0), "query_timeout: must be greater than 0"),
])
def test_transport_options_are_checked_before_any_lookup(monkeypatch, overrides, message):
    def resolve(*args, **kwargs):
        raise AssertionError("a lookup was made")

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", resolve)
    params = _params(["example.test"])
    params.update(overrides)
    with pytest.raises(DNSError) as info:
        info_module.gather(params)
    assert str(info.value) == message
