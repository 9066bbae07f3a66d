# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HAT mail flow policies: round trips of every parameter against the lab's in-process engine."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import mail_flow_policies as mfp
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import sender_groups as sg
from ansible_collections.mailops.secure_email.tests.unit.plugins.module_utils._esa.gateway import Gateway


@pytest.fixture
def gateway():
    return Gateway()


def read(gateway, kind):
    """The policies as the appliance shows them (showconfig: committed configuration)."""
    return gateway.read(kind)


def converge(gateway, kind, config, state="merged"):
    """Plan, write and commit with the runner's read-back (the HAT is read back from showconfig, which shows
    committed changes only)."""
    plan, dummy = gateway.converge(kind, config, state, commit=True)
    return plan.operations, plan.after


def verbs(ops):
    return [verb for verb, dummy in ops]


def by_name(entries, name):
    return [e for e in entries if e["name"] == name][0]


EVERY = dict(max_message_size="20M", max_concurrency=50, max_messages_per_connection=100, max_recipients_per_message=500,
             max_recipients_per_hour=2000, dhap_limit=30, senderbase_flow_control=False, anti_spam=False, anti_virus=True,
             tls="required", verify_client_certificate=True, smtp_auth="preferred", require_tls_for_smtp_auth=True)
POLICIES = [
    dict(name="EVERYTHING", behavior="accept", parameters=EVERY, comment='All "parameters"'),
    dict(name="RELAYED_TLS", behavior="relay", parameters=dict(tls="preferred")),
    dict(name="LIMITS_OFF", behavior="continue", parameters=dict(max_recipients_per_hour=-1, dhap_limit=0, tls="off")),
    dict(name="REFUSED", behavior="tcprefuse"),
    dict(name="COMMENTED", behavior="reject", comment="only a comment"),
]


def test_every_parameter_round_trips_and_second_run_is_noop(gateway):
    kind = mfp.MailFlowPolicies("IncomingMail")
    ops, after = converge(gateway, kind, POLICIES)
    assert verbs(ops) == ["create"] * len(POLICIES)
    got = read(gateway, kind)
    assert got == after
    every = by_name(got, "EVERYTHING")
    assert every["parameters"] == dict(EVERY, max_message_size=20 * 1048576)
    assert every["comment"] == 'All "parameters"' and every["behavior"] == "accept"
    assert by_name(got, "RELAYED_TLS")["parameters"] == dict(tls="preferred", verify_client_certificate=False)
    limits_off = dict(max_recipients_per_hour=-1, dhap_limit=0, tls="off", verify_client_certificate=False)
    assert by_name(got, "LIMITS_OFF")["parameters"] == limits_off
    assert by_name(got, "REFUSED") == dict(name="REFUSED", behavior="tcprefuse", parameters={}, comment=None)
    assert by_name(got, "COMMENTED")["comment"] == "only a comment"
    for state in ("merged", "replaced"):
        assert converge(gateway, kind, POLICIES, state)[0] == []


def test_merged_and_replaced_updates(gateway):
    kind = mfp.MailFlowPolicies("IncomingMail")
    converge(gateway, kind, POLICIES[:2])
    ops, after = converge(gateway, kind, [dict(name="everything", behavior="relay", parameters=dict(max_concurrency=7))])
    assert verbs(ops) == ["update"]
    got = by_name(read(gateway, kind), "EVERYTHING")
    assert got == by_name(after, "EVERYTHING")
    assert got["behavior"] == "relay" and got["parameters"]["max_concurrency"] == 7 and got["parameters"]["dhap_limit"] == 30
    # replaced: parameters not given go back to "use default", the comment goes
    ops, after = converge(gateway, kind, [dict(name="EVERYTHING", behavior="accept", parameters=dict(anti_spam=True))], "replaced")
    got = by_name(read(gateway, kind), "EVERYTHING")
    assert got == dict(name="EVERYTHING", behavior="accept", parameters=dict(anti_spam=True), comment=None)
    # only the behaviour: no wizard
    plan, script = gateway.converge(kind, [dict(name="RELAYED_TLS", behavior="accept")], commit=True)
    assert [(r.pattern, r.answers, r.optional) for r in script.rules() if r.pattern == mfp.Q_CHANGE] == [(mfp.Q_CHANGE, ["N"], False)]
    assert by_name(read(gateway, kind), "RELAYED_TLS")["parameters"] == dict(tls="preferred", verify_client_certificate=False)


def test_runner_read_back_matches_the_plan(gateway):
    kind = mfp.MailFlowPolicies("IncomingMail")
    plan, dummy = gateway.converge(kind, [dict(name="RELAYED_TLS", behavior="relay", parameters=dict(tls="preferred"))])
    assert gateway.commit()["verified"] == ["hat/IncomingMail"]
    assert by_name(read(gateway, kind), "RELAYED_TLS") == by_name(plan.after, "RELAYED_TLS")


def test_factory_policies_and_listener_defaults(gateway):
    kind = mfp.MailFlowPolicies("IncomingMail")
    got = read(gateway, kind)
    assert [p["name"] for p in got] == ["ACCEPTED", "THROTTLED", "TRUSTED", "BLOCKED"]
    assert by_name(got, "THROTTLED")["parameters"] == dict(max_messages_per_connection=10, max_concurrency=10,
                                                           max_recipients_per_message=25, max_recipients_per_hour=20, tls="off")
    kind.plan(gateway.snapshot(kind), [], "merged")   # the plan takes the listener's defaults from the snapshot
    assert kind.default_value("smtp_auth") == "off" and kind.default_value("max_message_size") == 10485760


def test_delete_unused_and_refuse_used(gateway):
    kind = mfp.MailFlowPolicies("IncomingMail")
    ops, dummy = converge(gateway, kind, [dict(name="TRUSTED")], "deleted")
    assert verbs(ops) == ["delete"] and "TRUSTED" not in [p["name"] for p in read(gateway, kind)]
    with pytest.raises(ValueError, match=r"policy \$THROTTLED is used by the sender groups SUSPECTLIST"):
        converge(gateway, kind, [dict(name="THROTTLED")], "deleted")
    with pytest.raises(ValueError, match=r"state=overridden would delete \$ACCEPTED"):
        converge(gateway, kind, [dict(name="BLOCKED", behavior="reject")], "overridden")
    # deleted without config removes only the policies no sender group uses
    converge(gateway, kind, [dict(name="SPARE", behavior="accept")])
    ops, dummy = converge(gateway, kind, [], "deleted")
    assert verbs(ops) == ["delete"] and [p["name"] for p in read(gateway, kind)] == ["ACCEPTED", "THROTTLED", "BLOCKED"]


def test_overridden(gateway):
    kind = mfp.MailFlowPolicies("OutgoingMail")
    config = [dict(name="RELAYED", behavior="relay", parameters=dict(tls="preferred")), dict(name="BLOCKED", behavior="reject")]
    converge(gateway, kind, [dict(name="EXTRA", behavior="accept")])
    ops, after = converge(gateway, kind, config, "overridden")
    assert sorted(verbs(ops)) == ["delete", "update"]
    assert read(gateway, kind) == after
    assert converge(gateway, kind, config, "overridden")[0] == []


@pytest.mark.parametrize("entry,message", [
    (dict(name="bad name"), "config[0].name"),
    (dict(name="P", behavior="drop"), "config[0].behavior"),
    (dict(name="P", parameters=dict(max_concurrency=0)), "config[0].parameters.max_concurrency: 0 is out of range 1-1000"),
    (dict(name="P", parameters=dict(max_message_size="10G")), "config[0].parameters.max_message_size"),
    (dict(name="P", parameters=dict(max_message_size=2 ** 31)), "out of range"),
    (dict(name="P", parameters=dict(max_recipients_per_hour=0)), "(or -1 to turn it off)"),
    (dict(name="P", parameters=dict(tls="maybe")), "config[0].parameters.tls"),
    (dict(name="P", parameters=dict(anti_spam="yes")), "config[0].parameters.anti_spam"),
    (dict(name="P", parameters=dict(tls="off", verify_client_certificate=True)), "needs tls preferred or required"),
    (dict(name="P", parameters=dict(colour="blue")), "unknown colour"),
])
def test_invalid_entries(entry, message):
    with pytest.raises(mfp.PolicyError) as exc:
        mfp.normalise_entry(entry, 0)
    assert message in str(exc.value)


def test_plan_time_rules(gateway):
    kind = mfp.MailFlowPolicies("IncomingMail")
    with pytest.raises(ValueError, match="verify_client_certificate: set tls too"):
        converge(gateway, kind, [dict(name="P", parameters=dict(verify_client_certificate=True))])
    with pytest.raises(ValueError, match="require_tls_for_smtp_auth: applies only when smtp_auth is preferred or required"):
        converge(gateway, kind, [dict(name="P", parameters=dict(require_tls_for_smtp_auth=True))])
    assert read(gateway, kind) == read(gateway, kind)


def test_guard_refuses_a_policy_switched_to_relay(gateway):
    groups = sg.SenderGroups("IncomingMail")
    converge(gateway, groups, [dict(name="O365", members=["40.107.0.0/16"], policy="ACCEPTED")])
    kind = mfp.MailFlowPolicies("IncomingMail", params=dict(allow_open_relay=False, planned_filters=[]), check_mode=False)
    reader = gateway.reader()
    snapshot, plan = gateway.plan(kind, [dict(name="ACCEPTED", behavior="relay")], snapshot=kind.read(reader))
    problems = kind.guard(reader, snapshot, plan, False)
    # the effective HAT: O365 now relays for Microsoft 365's shared space, and ALL (on $ACCEPTED too) for everyone
    assert len(problems) == 2
    assert "sender group O365 relays (policy $ACCEPTED, behaviour RELAY) for 40.107.0.0/16" in problems[0]
    assert "on listener IncomingMail, the ALL row relays (policy $ACCEPTED, behaviour RELAY)" in problems[1]
    assert "give $ACCEPTED a behaviour other than relay" in problems[1]


def test_guard_lets_an_unused_relay_policy_and_a_declared_group_through(gateway):
    """A RELAY policy no row uses relays for nobody; a group of specific hosts on it is a declared relay source."""
    kind = mfp.MailFlowPolicies("IncomingMail", params=dict(allow_open_relay=False, planned_filters=[]), check_mode=False)
    converge(gateway, kind, [dict(name="PARTNER", behavior="relay")])
    converge(gateway, sg.SenderGroups("IncomingMail"), [dict(name="PARTNERS", members=["192.0.2.0/24"], policy="PARTNER")])
    reader = gateway.reader()
    snapshot, plan = gateway.plan(kind, [dict(name="PARTNER", parameters=dict(max_concurrency=5))], snapshot=kind.read(reader))
    assert kind.guard(reader, snapshot, plan, False) == [] and plan.warnings == []
    # with relay_sources that leave the partners out, the same change keeps an undeclared relay (a warning: the
    # change does not touch the group's rows)
    kind.params = dict(kind.params, relay_sources=["10.0.0.0/8"])
    snapshot, plan = gateway.plan(kind, [dict(name="PARTNER", parameters=dict(max_concurrency=6))], snapshot=kind.read(reader))
    assert kind.guard(reader, snapshot, plan, False) == []
    assert len(plan.warnings) == 1 and "already on the appliance, not changed by this task" in plan.warnings[0]
    assert "relay_sources (10.0.0.0/8) does not cover" in plan.warnings[0]
