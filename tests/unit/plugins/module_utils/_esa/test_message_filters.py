# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Message filters against the lab's in-process engine."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.lab.esa.engine import Appliance
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import message_filters as mf
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Table

S12 = '''office365_outbound:
if (sendergroup == "RELAY_O365") {
    if header("X-OUTBOUND-AUTH") == "^s3cr3tvalue$" {   # the tenant's secret
        strip-header("X-OUTBOUND-AUTH");
    } else {
        drop();
    }
}'''


@pytest.fixture
def appliance():
    return Appliance(hostname="esa1.lab")


@pytest.fixture
def session(appliance):
    sess = appliance.open_session(user="admin")
    sess.start()
    return sess


def converge(session, want, state="merged"):
    kind = mf.MessageFilters()
    have = kind.parse(dlg.run_dialogue(session.send_line, mf.COMMAND, mf.rules_for(mf.read_steps()))["output"])
    ops, after = Table(kind).plan(have, [mf.normalise_entry(e, i) for i, e in enumerate(want)], state)
    if ops:
        dlg.run_dialogue(session.send_line, mf.COMMAND, kind.rules_for(kind.change_steps(ops)))
    got = kind.parse(dlg.run_dialogue(session.send_line, mf.COMMAND, mf.rules_for(mf.read_steps()))["output"])
    assert got == after
    return ops, got


def test_create_then_noop(session):
    ops, got = converge(session, [dict(name="office365_outbound", body=S12)])
    assert [v for v, dummy in ops] == ["create"] and got[0]["active"] is True
    assert converge(session, [dict(name="office365_outbound", body=S12.replace("    ", "\t"))])[0] == []


def test_active_flag_alone_is_one_set(appliance, session):
    converge(session, [dict(name="office365_outbound", body=S12), dict(name="second", body="if (true) { log-entry('x'); }")])
    writes = appliance.counters["writes"]
    ops, got = converge(session, [dict(name="second", active=False)])
    assert [v for v, dummy in ops] == ["update"]
    assert appliance.counters["writes"] == writes + 1
    assert [(f["name"], f["active"]) for f in got] == [("office365_outbound", True), ("second", False)]


def test_body_change_keeps_flag_and_overridden_orders(session):
    converge(session, [dict(name="a", body="if (true) { drop(); }"), dict(name="b", body="if (true) { drop(); }", active=False)])
    ops, got = converge(session, [dict(name="b", body="if (true) { bounce(); }", active=False)], "replaced")
    assert [(f["name"], f["active"]) for f in got] == [("a", True), ("b", False)]
    ops, got = converge(session, [dict(name="b", body="if (true) { bounce(); }", active=False),
                                  dict(name="a", body="if (true) { drop(); }")], "overridden")
    assert [f["name"] for f in got] == ["b", "a"]
    ops, got = converge(session, [dict(name="a", body="if (true) { drop(); }")], "overridden")
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


def test_new_filter_without_body_is_refused(session):
    with pytest.raises(ValueError):
        converge(session, [dict(name="ghost", active=False)])
