# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""RAT parse/render, round trips against the lab's in-process engine."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.lab.esa.engine import Appliance
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import recipient_access as rat
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Table


@pytest.fixture
def session():
    sess = Appliance(hostname="esa1.lab").open_session(user="admin")
    sess.start()
    return sess


def read(session, kind):
    out = dlg.run_dialogue(session.send_line, kind.read_command, kind.rules_for(kind.read_steps()))["output"]
    return kind.parse(out)


def converge(session, kind, want, state="merged"):
    ops, after = Table(kind).plan(read(session, kind), want, state)
    if ops:
        dlg.run_dialogue(session.send_line, kind.command, kind.rules_for(kind.change_steps(ops)))
    return ops, after


ENTRIES = [
    dict(address="example.com", action="accept"),
    dict(address=".example.net", action="accept", bypass_receiving_control=True, bypass_ldap_accept=True, bypass_call_ahead=True),
    dict(address="postmaster@", action="reject", smtp_response=dict(code=550, text="No such user\nGo away")),
    dict(address="user@[192.0.2.1]", action="tcprefuse"),
    dict(address="@.example.org", action="continue", smtp_response=dict(code=250, text="fine")),
]


def test_factory_rat_rejects_all(session):
    kind = rat.RecipientAccess("IncomingMail")
    assert [(e["address"], e["action"]) for e in read(session, kind)] == [("ALL", "reject")]


def test_every_field_round_trips_and_second_run_is_noop(session):
    kind = rat.RecipientAccess("IncomingMail")
    want = [rat.normalise_entry(e, i) for i, e in enumerate(ENTRIES)]
    ops, after = converge(session, kind, want)
    assert [verb for verb, dummy in ops] == ["create"] * len(ENTRIES)
    assert read(session, kind) == after
    assert after[-1]["address"] == "ALL"
    assert converge(session, kind, want)[0] == []


def test_edit_delete_and_overridden_keeps_all(session):
    kind = rat.RecipientAccess("IncomingMail")
    converge(session, kind, [rat.normalise_entry(e, i) for i, e in enumerate(ENTRIES)])
    changed = [rat.normalise_entry(dict(address="postmaster@", action="accept"), 0)]
    ops, after = converge(session, kind, changed, "replaced")
    assert [verb for verb, dummy in ops] == ["update"]
    assert read(session, kind) == after
    ops, after = converge(session, kind, [rat.normalise_entry(dict(address="example.com"), 0),
                                          rat.normalise_entry(dict(address="ALL", action="accept"), 1)], "overridden")
    assert [e["address"] for e in read(session, kind)] == ["example.com", "ALL"]
    assert read(session, kind)[-1]["action"] == "accept"


def test_print_and_export_forms_parse():
    text = "Recipient Access Table\n.example.com ACCEPT\nuser@example.com REJECT\nALL REJECT\n\nDefault Access: REJECT\n"
    assert [(e["address"], e["action"]) for e in rat.parse_print(text)] == [
        (".example.com", "accept"), ("user@example.com", "reject"), ("ALL", "reject")]


@pytest.mark.parametrize("entry,message", [
    (dict(address="bad address@@"), "config[0].address"),
    (dict(address="a..example"), "config[0].address"),
    (dict(address="example.com", action="drop"), "config[0].action"),
    (dict(address="example.com", action="reject", bypass_ldap_accept=True), "applies only to action accept"),
    (dict(address="example.com", smtp_response=dict(code=700)), "from 200 to 599"),
    (dict(address="example.com", action="tcprefuse", smtp_response=dict(code=554)), "takes no SMTP response"),
])
def test_invalid_entries(entry, message):
    with pytest.raises(rat.RatError) as exc:
        rat.normalise_entry(entry, 0)
    assert message in str(exc.value)


def test_unknown_and_private_listeners_are_refused(session):
    for name, message in (("NoSuch", "not found"), ("OutgoingMail", "private listener")):
        kind = rat.RecipientAccess(name)
        read(session, kind)
        with pytest.raises(ValueError) as exc:
            kind.check_listener()
        assert message in str(exc.value)
