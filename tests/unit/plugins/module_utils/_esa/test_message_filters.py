# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Message filters against the lab's in-process engine."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import message_filters as mf
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import sender_groups as sg
from ansible_collections.mailops.secure_email.tests.unit.plugins.module_utils._esa.gateway import Gateway

S12 = '''office365_outbound:
if (sendergroup == "RELAY_O365") {
    if header("X-OUTBOUND-AUTH") == "^s3cr3tvalue$" {   # the tenant's secret
        strip-header("X-OUTBOUND-AUTH");
    } else {
        drop();
    }
}'''


@pytest.fixture
def gateway():
    """One lab login; filters DETAIL shows the login's pending changes."""
    return Gateway()


@pytest.fixture
def appliance(gateway):
    return gateway.app


def converge(gateway, want, state="merged"):
    kind = mf.MessageFilters()
    plan, dummy = gateway.converge(kind, want, state)
    got = gateway.read(kind)
    assert got == plan.after
    return plan.operations, got


def test_create_then_noop(gateway):
    ops, got = converge(gateway, [dict(name="office365_outbound", body=S12)])
    assert [v for v, dummy in ops] == ["create"] and got[0]["active"] is True
    assert converge(gateway, [dict(name="office365_outbound", body=S12.replace("    ", "\t"))])[0] == []


def test_active_flag_alone_is_one_set(appliance, gateway):
    converge(gateway, [dict(name="office365_outbound", body=S12), dict(name="second", body="if (true) { log-entry('x'); }")])
    writes = appliance.counters["writes"]
    ops, got = converge(gateway, [dict(name="second", active=False)])
    assert [v for v, dummy in ops] == ["update"]
    assert appliance.counters["writes"] == writes + 1
    assert [(f["name"], f["active"]) for f in got] == [("office365_outbound", True), ("second", False)]


def test_body_change_keeps_flag_and_overridden_orders(gateway):
    converge(gateway, [dict(name="a", body="if (true) { drop(); }"), dict(name="b", body="if (true) { drop(); }", active=False)])
    ops, got = converge(gateway, [dict(name="b", body="if (true) { bounce(); }", active=False)], "replaced")
    assert [(f["name"], f["active"]) for f in got] == [("a", True), ("b", False)]
    ops, got = converge(gateway, [dict(name="b", body="if (true) { bounce(); }", active=False),
                                  dict(name="a", body="if (true) { drop(); }")], "overridden")
    assert [f["name"] for f in got] == ["b", "a"]
    ops, got = converge(gateway, [dict(name="a", body="if (true) { drop(); }")], "overridden")
    assert [f["name"] for f in got] == ["a"]


@pytest.mark.parametrize("entry,message", [
    (dict(name="x", body="if (true) { dorp(); }"), "config[0].body: invalid filter syntax: unknown action 'dorp'"),
    (dict(name="bad name", body="if (true) { drop(); }"), "config[0].name"),
    (dict(name="if", body="if (true) { drop(); }"), "reserved word"),
])
def test_bad_filters_fail_before_writing(entry, message):
    with pytest.raises(mf.FilterError) as exc:
        mf.normalise_entry(entry, 0)
    assert message in str(exc.value)


def test_new_filter_without_body_is_refused(gateway):
    with pytest.raises(ValueError):
        converge(gateway, [dict(name="ghost", active=False)])


def test_weakening_the_guard_of_a_relaying_group_is_refused(gateway):
    """MessageFilters.guard reads the HAT of every listener (the session's view: here an uncommitted sender group)."""
    converge(gateway, [dict(name="office365_outbound", body=S12)])
    groups = sg.SenderGroups("OutgoingMail")
    gateway.converge(groups, [dict(name="RELAY_O365", members=[".protection.outlook.com"], policy="RELAYED")])
    for allow, config, state, refused in ((False, [dict(name="office365_outbound", active=False)], "merged", True),
                                          (False, [dict(name="office365_outbound")], "deleted", True),
                                          (False, [dict(name="other", body="if (true) { drop(); }")], "merged", False),
                                          (True, [dict(name="office365_outbound")], "deleted", False)):
        kind = mf.MessageFilters(params=dict(allow_open_relay=allow))
        reader = gateway.reader()
        snapshot, plan = gateway.plan(kind, config, state, snapshot=kind.read(reader))
        problems = kind.guard(reader, snapshot, plan, False)
        assert bool(problems) is refused, (config, state, problems)
        assert not refused or "RELAY_O365" in problems[0]
