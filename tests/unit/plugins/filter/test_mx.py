# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mx_classify and mx_host_class filters (issue 13)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.secure_email.plugins.filter.mx import mx_classify, mx_host_class


def test_dig_output():
    text = "example.com.  300  IN  MX  10 mx1.hc2468-35.iphmx.com.\nexample.com.  300  IN  MX  20 mx2.hc2468-35.iphmx.com."
    result = mx_classify(text, domain="example.com")
    assert result["points_to"] == "cisco_gateway"
    assert result["values"] == ["10 mx1.hc2468-35.iphmx.com", "20 mx2.hc2468-35.iphmx.com"]
    assert [f["code"] for f in result["findings"]] == ["mx_cisco_gateway"]


def test_null_mx_and_invalid_hosts():
    assert mx_classify(["0 ."])["points_to"] == "null"
    result = mx_classify(["10 mx1..iphmx.com"])
    assert result["points_to"] == "invalid" and result["invalid_hosts"] == ["mx1..iphmx.com"]
    assert [f["code"] for f in result["findings"]] == ["mx_invalid_host"]


@pytest.mark.parametrize("value", ["example.com -> mx1.hc2468-35.iphmx.com", ["example.com -> mx1.example.net"], None, 3,
                                   [(None, "mx1.example.net")], {"a": 1}])
def test_bad_input_names_the_value_and_the_form(value):
    with pytest.raises(AnsibleFilterError) as info:
        mx_classify(value)
    assert "mx_classify:" in str(info.value) and "<preference> <host>" in str(info.value)


@pytest.mark.parametrize("host,provider", [("mx1.hc2468-35.iphmx.com", "cisco_gateway"), ("x..iphmx.com", "invalid"),
                                           ("contoso-example.mail.protection.outlook.com", "exchange_online"),
                                           ("mx.example.net", "other"), (None, "invalid"), (10, "invalid")])
def test_mx_host_class(host, provider):
    assert mx_host_class(host) == provider
