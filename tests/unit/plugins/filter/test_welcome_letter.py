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


def test_redacted_letter_is_refused_unless_allowed():
    text = _read("welcome_letter_redacted.txt")
    with pytest.raises(AnsibleFilterError) as exc:
        ces_welcome_letter(text)
    assert "redacted in" in str(exc.value) and "mx_hosts" in str(exc.value)
    ces = ces_welcome_letter(text, allow_redacted=True)
    assert len(ces["mx_hosts"]) == 2 and len(ces["gateway_ips"]) == 4 and ces["outbound_relay_host"].startswith("ob1.")


def test_partial_letter_lists_what_is_missing():
    text = _read("welcome_letter.txt")
    partial = text.split("Host and IP address used for outbound relay")[0]
    with pytest.raises(AnsibleFilterError) as exc:
        ces_welcome_letter(partial)
    assert "outbound_relay_host, spf_record" in str(exc.value)
    with pytest.raises(AnsibleFilterError):
        ces_welcome_letter("")
