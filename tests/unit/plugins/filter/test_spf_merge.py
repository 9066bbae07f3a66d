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
