# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.secure_email.plugins.filter.spf import spf_merge, spf_parse

GATEWAY = "exists:%{i}.spf.hc4321-12.iphmx.com"
M365 = "v=spf1 include:spf.protection.outlook.com -all"


def test_gateway_mechanism_goes_before_all():
    assert spf_merge(M365, GATEWAY) == "v=spf1 include:spf.protection.outlook.com %s -all" % GATEWAY


def test_no_duplicate_and_idempotent():
    once = spf_merge(M365, [GATEWAY, "include:spf.protection.outlook.com"])
    assert once == spf_merge(once, [GATEWAY, "+include:SPF.protection.outlook.com"])
    assert once.count("include:spf.protection.outlook.com") == 1


def test_several_in_order_and_softfail_all_kept():
    merged = spf_merge("v=spf1 mx ~all", ["ip4:192.0.2.1", "include:_spf.example.net"])
    assert merged == "v=spf1 mx ip4:192.0.2.1 include:_spf.example.net ~all"


def test_without_all_appends_before_redirect():
    assert spf_merge("v=spf1 mx redirect=_spf.example.net", "a") == "v=spf1 mx a redirect=_spf.example.net"
    assert spf_merge("v=spf1 mx", "a") == "v=spf1 mx a"


def test_list_of_txt_values():
    assert spf_merge(["google-site-verification=1", M365], GATEWAY).endswith("%s -all" % GATEWAY)


@pytest.mark.parametrize("value,mechanism,message", [
    ("not spf", GATEWAY, "not valid"),
    (["v=spf1 -all", "v=spf1 ~all"], GATEWAY, "2 SPF records"),
    (M365, "~all", "'all' cannot be merged"),
    (M365, "exp=x.example", "modifier"),
    (M365, 42, "string or a list"),
    (None, GATEWAY, "expected an SPF record"),
])
def test_errors(value, mechanism, message):
    with pytest.raises(AnsibleFilterError, match=message):
        spf_merge(value, mechanism)


def test_spf_parse():
    parsed = spf_parse("v=spf1 include:spf.protection.outlook.com %s -all" % GATEWAY)
    assert parsed["valid"] and parsed["all"] == "fail" and parsed["lookups"] == 2
    assert [t["name"] for t in parsed["terms"]] == ["include", "exists", "all"]


# -- issue 13: text copied from dig, evaluation stops at 'all', findings, the gateway term -------------------------
DIG = 'example.com.\t3600\tIN\tTXT\t"v=spf1 include:spf.protection.outlook.com " "-all"'


def test_text_copied_from_dig():
    assert spf_parse(DIG)["record"] == M365
    assert spf_parse('"v=spf1 include:spf.protection.outlook.com " "-all"')["valid"]
    assert spf_merge(DIG, GATEWAY) == "v=spf1 include:spf.protection.outlook.com %s -all" % GATEWAY
    assert spf_merge(["site-verification=1", DIG], GATEWAY).endswith("%s -all" % GATEWAY)


def test_terms_after_all_are_a_finding_not_an_error():
    parsed = spf_parse("v=spf1 -all include:spf.protection.outlook.com")
    assert parsed["valid"] and parsed["lookups"] == 0 and parsed["errors"] == []
    assert [f["code"] for f in parsed["findings"]] == ["spf_terms_after_all"]


def test_spf_parse_judges_the_gateway_term():
    parsed = spf_parse("v=spf1 include:spf.protection.outlook.com -all %s" % GATEWAY, gateway_mechanism=GATEWAY)
    assert parsed["gateway_mechanism_present"] is True and parsed["gateway_effective"] is False
    assert "spf_gateway_unreachable" in [f["code"] for f in parsed["findings"]]
    merged = spf_merge("v=spf1 include:spf.protection.outlook.com -all %s" % GATEWAY, GATEWAY)
    assert spf_parse(merged, GATEWAY)["gateway_effective"] is True


@pytest.mark.parametrize("value", ['"v=spf1 -all', b"\xff", 3, None, {"a": 1}])
def test_odd_input_fails_cleanly(value):
    with pytest.raises(AnsibleFilterError):
        spf_parse(value)
    with pytest.raises(AnsibleFilterError):
        spf_merge(value, GATEWAY)
