# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""RAT parse/render, round trips against the lab's in-process engine."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import recipient_access as rat
from ansible_collections.mailops.secure_email.tests.unit.plugins.module_utils._esa.gateway import Gateway


@pytest.fixture
def gateway():
    return Gateway()


def read(gateway, kind):
    """The RAT as the appliance shows it (showconfig: committed configuration)."""
    return gateway.read(kind)


def converge(gateway, kind, config, state="merged"):
    """Plan, write and commit (the RAT is read back from showconfig, which shows committed changes only)."""
    plan, dummy = gateway.converge(kind, config, state, commit=True)
    return plan.operations, plan.after


ENTRIES = [
    dict(address="example.com", action="accept"),
    dict(address=".example.net", action="accept", bypass_receiving_control=True, bypass_ldap_accept=True, bypass_call_ahead=True),
    dict(address="postmaster@", action="reject", smtp_response=dict(code=550, text="No such user\nGo away")),
    dict(address="user@[192.0.2.1]", action="tcprefuse"),
    dict(address="@.example.org", action="continue", smtp_response=dict(code=250, text="fine")),
]


def test_factory_rat_rejects_all(gateway):
    kind = rat.RecipientAccess("IncomingMail")
    assert [(e["address"], e["action"]) for e in read(gateway, kind)] == [("ALL", "reject")]


def test_every_field_round_trips_and_second_run_is_noop(gateway):
    kind = rat.RecipientAccess("IncomingMail")
    want = ENTRIES
    ops, after = converge(gateway, kind, want)
    assert [verb for verb, dummy in ops] == ["create"] * len(ENTRIES)
    assert read(gateway, kind) == after
    assert after[-1]["address"] == "ALL"
    assert converge(gateway, kind, want)[0] == []


def test_edit_delete_and_overridden_keeps_all(gateway):
    kind = rat.RecipientAccess("IncomingMail")
    converge(gateway, kind, ENTRIES)
    changed = [dict(address="postmaster@", action="accept")]
    ops, after = converge(gateway, kind, changed, "replaced")
    assert [verb for verb, dummy in ops] == ["update"]
    assert read(gateway, kind) == after
    ops, after = converge(gateway, kind, [dict(address="example.com"), dict(address="ALL", action="accept")], "overridden")
    assert [e["address"] for e in read(gateway, kind)] == ["example.com", "ALL"]
    assert read(gateway, kind)[-1]["action"] == "accept"


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


def test_unknown_and_private_listeners_are_refused(gateway):
    for name, message in (("NoSuch", "not found"), ("OutgoingMail", "private listener")):
        kind = rat.RecipientAccess(name)
        snapshot = kind.read(gateway.reader())
        with pytest.raises(ValueError) as exc:
            kind.check(snapshot)
        assert message in str(exc.value)


def test_uncommitted_change_is_the_sessions_view_through_the_ledger(gateway):
    """showconfig shows committed configuration only; the session's view of an uncommitted write is the ledger's."""
    kind = rat.RecipientAccess("IncomingMail")
    plan, dummy = gateway.converge(kind, [dict(address="example.com")])
    assert [e["address"] for e in read(gateway, kind)] == ["ALL"], "showconfig: not committed yet"
    assert kind.read(gateway.reader()).entries == plan.after
    assert gateway.commit()["verified"] == ["rat/IncomingMail"]
    assert read(gateway, kind) == plan.after
