# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The CES welcome-letter filter, on the seed's letter (redacted, as published) and a filled-in copy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.secure_email.plugins.filter.welcome_letter import ces_welcome_letter

HERE = os.path.join(os.path.dirname(__file__), "fixtures")


def _read(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as handle:
        return handle.read()


def test_filled_in_letter():
    ces = ces_welcome_letter(_read("welcome_letter.txt"))
    assert ces["mx_hosts"] == ["mx1.hc1234-56.iphmx.com", "mx2.hc1234-56.iphmx.com"]
    assert ces["gateway_ips"] == ["198.51.100.105", "198.51.100.143", "203.0.113.186", "203.0.113.98"]
    assert ces["management_ips"] == ["192.0.2.91"]
    assert ces["outbound_relay_host"] == "ob1.hc1234-56.iphmx.com"
    assert ces["spf_mechanism"] == "exists:%{i}.spf.hc1234-56.iphmx.com"
    assert ces["allocation"] == "hc1234-56" and ces["organization"] == "Example Corp"
    assert ces["portals"]["esa"] == "https://dh1234-esa1.iphmx.com"
    assert ces["region"] == "us" and ces["redacted_fields"] == []


def test_redacted_letter_is_refused_unless_allowed():
    # The published sample hides the fields the roles need: refused, naming each of them.
    text = _read("welcome_letter_redacted.txt")
    with pytest.raises(AnsibleFilterError) as exc:
        ces_welcome_letter(text)
    message = str(exc.value)
    assert "redacted in mx_hosts, gateway_ips, outbound_relay_host, spf_mechanism" in message
    assert "organization" not in message and "portals" not in message
    # allow_redacted: every redacted value is null (never the block characters) and listed.
    ces = ces_welcome_letter(text, allow_redacted=True)
    assert "\u2588" not in repr(ces)
    assert ces["mx_hosts"] is None and ces["gateway_ips"] is None and ces["outbound_relay_host"] is None
    assert ces["portals"] == {"esa": None, "sma": None, "euq": None}
    assert ces["start_date"] == "2022-09-09 05:09:04 America/Los_Angeles"
    assert ces["redacted_fields"] == [
        "allocation", "gateway_ips", "management_ips", "mx_hosts", "organization", "outbound_relay_host",
        "portals.esa", "portals.euq", "portals.sma", "region", "spf_mechanism", "spf_record"]


def test_partial_letter_lists_what_is_missing():
    text = _read("welcome_letter.txt")
    partial = text.split("Host and IP address used for outbound relay")[0]
    with pytest.raises(AnsibleFilterError) as exc:
        ces_welcome_letter(partial)
    assert "could not find outbound_relay_host, spf_mechanism" in str(exc.value)
    with pytest.raises(AnsibleFilterError):
        ces_welcome_letter("")
