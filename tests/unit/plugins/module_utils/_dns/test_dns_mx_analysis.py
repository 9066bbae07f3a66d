# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MX classes (cisco_gateway, exchange_online, other, invalid), the null MX of RFC 7505, MX input in the forms
users paste (issue 13). Host names are made up for these tests in the shapes of the published ones."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import mail


def codes(found):
    return dict((item["code"], item["severity"]) for item in found)


@pytest.mark.parametrize("host", [
    "mx1..iphmx.com",
    "x..iphmx.com",
    ".hc1-2.iphmx.com",
    "mx1.hc1-2..iphmx.com",
    "iphmx",
    "localhost",
    "mx1.%s.iphmx.com" % ("a" * 64),
    ".".join(["a" * 60] * 5) + ".iphmx.com",  # 314 characters
    "mx_1.hc1-2.iphmx.com",
    "mx1.hc1-2.iphmx.com/24",
    "-mx1.hc1-2.iphmx.com",
    "mx1-.hc1-2.iphmx.com",
    "mx 1.hc1-2.iphmx.com",
    "192.0.2.25",
    "[192.0.2.25]",
    "2001:db8::25",
    "mx.example.123",
    ".",
    "",
    "   ",
    None,
    25,
    ["mx1.hc1-2.iphmx.com"],
    u"mx1.hc\u00df.iphmx.com",
])
def test_invalid_hosts_are_never_gateway(host):
    assert mail.classify_mx_host(host) == "invalid"
    assert mail.host_problem(host)


def test_invalid_host_finding():
    mx = mail.mx_summary([(10, "mx1..iphmx.com"), (20, "mx2.hc2468-35.iphmx.com")])
    assert [r["provider"] for r in mx["records"]] == ["invalid", "cisco_gateway"]
    assert mx["invalid_hosts"] == ["mx1..iphmx.com"] and mx["points_to"] == "mixed"
    found = codes(mail.mx_findings("example.com", mx))
    assert found == {"mx_invalid_host": "error", "mx_cisco_gateway": "info"}
    assert mail.mx_summary([(10, "mail")])["points_to"] == "invalid"


# -- RFC 7505 -------------------------------------------------------------------------------------------------------
def test_null_mx():
    mx = mail.mx_summary(["0 ."])
    assert mx["null_mx"] and mx["points_to"] == "null" and mx["values"] == ["0 ."] and mx["invalid_hosts"] == []
    assert codes(mail.mx_findings("example.com", mx)) == {"mx_null": "info"}
    assert mail.mx_summary("example.com. 3600 IN MX 0 .")["null_mx"]


def test_null_mx_next_to_other_hosts_and_with_a_preference():
    mixed = mail.mx_summary([(0, "."), (10, "mx1.example.net")])
    assert not mixed["null_mx"]
    found = codes(mail.mx_findings("example.com", mixed))
    assert found["mx_null_mixed"] == "error" and "mx_invalid_host" not in found
    odd = mail.mx_summary([(10, ".")])
    assert odd["null_mx"] and codes(mail.mx_findings("example.com", odd))["mx_null_preference"] == "warning"


def test_gateway_and_exchange_online_mixed():
    mx = mail.mx_summary(["10 mx1.hc2468-35.iphmx.com", "0 contoso-example.mail.protection.outlook.com"])
    assert mx["points_to"] == "mixed"
    assert codes(mail.mx_findings("example.com", mx))["mx_mixed"] == "warning"


# -- MX input as users paste it ---------------------------------------------------------------------------------------
def test_dig_output_and_lines():
    text = ("; <<>> DiG <<>> example.com MX\n"
            "example.com.\t\t300\tIN\tMX\t20 mx2.hc2468-35.iphmx.com.\n"
            "\n"
            "example.com.\t\t300\tIN\tMX\t10 mx1.hc2468-35.iphmx.com.\n")
    mx = mail.mx_summary(text)
    assert mx["values"] == ["10 mx1.hc2468-35.iphmx.com", "20 mx2.hc2468-35.iphmx.com"]
    assert mx["points_to"] == "cisco_gateway"
    same = mail.mx_summary(["20 MX2.hc2468-35.iphmx.com.", {"preference": 10, "host": "mx1.hc2468-35.iphmx.com"}])
    assert same["values"] == mx["values"]
    assert mail.parse_mx_record(["5", "mx.example.net"]) == (5, "mx.example.net")
    assert mail.parse_mx_record({"priority": "7", "exchange": "mx.example.net"}) == (7, "mx.example.net")


def test_report_line_is_refused_with_our_error_naming_it():
    with pytest.raises(mail.MXError) as info:
        mail.mx_summary(["example.com -> mx1.hc2468-35.iphmx.com"])
    message = str(info.value)
    assert "example.com -> mx1.hc2468-35.iphmx.com" in message and "<preference> <host>" in message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("records", [
    None, 5, "example.com -> mx1.example.net", ["example.com => mx1.example.net"], [(None, "mx1.example.net")],
    [("ten", "mx1.example.net")], [(-1, "mx1.example.net")], [(65536, "mx1.example.net")], [(True, "mx1.example.net")],
    [(10, None)], [(10, 5)], [(10, "a b")], [(10,)], [(10, "a", "b")], [{}], [{"host": "mx.example.net"}], [None], [7],
    ["mx1.example.net"], ["10"], ["10 mx1.example.net extra"], [["10 mx1.example.net"]], {"10": "mx1.example.net"},
    [u"\u0661\u0660 mx1.example.net"], [1.5],
])
def test_odd_input_raises_only_mxerror(records):
    with pytest.raises(mail.MXError):
        mail.mx_summary(records)


@pytest.mark.parametrize("text", [None, 5, [], "", "v=DMARC1", u"v=DMARC1; p=\u00e9"])
def test_parse_dmarc_never_raises(text):
    assert mail.parse_dmarc(text)["valid"] is False


def test_findings_of_a_whole_domain_keep_the_existing_codes():
    mx = mail.mx_summary([(0, "contoso-example.mail.protection.outlook.com.")], 300)
    spf = dict(records_found=1, errors=[], lookups=2, lookups_exact=True, unresolved=[], void_lookups=0, all="fail",
               redirect=None, gateway_mechanism=None, gateway_mechanism_present=None)
    dmarc = dict(records_found=1, errors=[], policy="reject")
    assert codes(mail.findings("example.com", mx, spf, dmarc)) == {"mx_exchange_online": "info"}
