# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The open-relay guard and secret masking."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import redact
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import relay_guard as guard

GUARD = 'if (sendergroup == "RELAY_O365") { if header("X-OUTBOUND-AUTH") == "^s3cr3t$" { strip-header("X-OUTBOUND-AUTH"); } ' \
        'else { drop(); } }'
GROUP = dict(name="RELAY_O365", members=[".protection.outlook.com"], policy="RELAYED")


@pytest.mark.parametrize("member,shared", [
    (".protection.outlook.com", True), (".outbound.protection.outlook.com", True), ("protection.outlook.com", True),
    ("mail-am6eur05.outbound.protection.outlook.com", True), (".outlook.com", True), ("40.107.0.0/16", True),
    ("40.92.", True), ("104.47.1.1", True), ("52.100.1.0/24", True), ("2a01:111:f400::/56", True),
    (".example.com", False), ("192.0.2.0/24", False), ("10.1.", False), ("192.0.2.1-20", False), ("SBRS[-10.0:-3.0]", False),
    ("notoutlook.com", False),
])
def test_shared_members(member, shared):
    assert bool(guard.shared_members([member])) is shared


def test_relay_without_filter_is_refused():
    problems = guard.check([GROUP], {"RELAYED": "RELAY"}, [])
    assert len(problems) == 1 and "RELAY_O365" in problems[0] and "allow_open_relay" in problems[0]


def test_relay_with_guarding_filter_passes():
    assert guard.check([GROUP], {"RELAYED": "RELAY"}, [dict(name="office365_outbound", body=GUARD, active=True)]) == []


def test_filter_naming_the_guides_wrong_group_does_not_guard():
    wrong = GUARD.replace("RELAY_O365", "RELAYLIST")
    assert guard.check([GROUP], {"RELAYED": "RELAY"}, [dict(name="office365_outbound", body=wrong, active=True)])


def test_inactive_filter_does_not_guard():
    assert guard.check([GROUP], {"RELAYED": "RELAY"}, [dict(name="office365_outbound", body=GUARD, active=False)])


def test_non_relay_or_private_ranges_pass():
    assert guard.check([GROUP], {"RELAYED": "ACCEPT"}, []) == []
    assert guard.check([dict(name="LAN", members=["10.0.0.0/8"], policy="RELAYED")], {"RELAYED": "RELAY"}, []) == []


def test_mask_nested_values():
    value = dict(diff=dict(after=["x", 'header("X") == "^s3cr3t$"']), msg="bad s3cr3t here", n=3)
    masked = redact.mask(value, ["s3cr3t", ""])
    assert "s3cr3t" not in repr(masked) and masked["n"] == 3 and redact.MASK in masked["msg"]
    assert redact.mask("abc", []) == "abc"
