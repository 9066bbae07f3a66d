# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HAT mail flow policies: round trips of every parameter against the lab's in-process engine."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.lab.esa.engine import Appliance
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import hat_module
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import mail_flow_policies as mfp
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import sender_groups as sg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Table


@pytest.fixture
def session():
    sess = Appliance(hostname="esa1.lab").open_session(user="admin")
    sess.start()
    return sess


def read(session, kind):
    out = dlg.run_dialogue(session.send_line, kind.read_command, kind.rules_for(kind.read_steps()))["output"]
    return kind.parse(out)


def converge(session, kind, config, state="merged", normalise=mfp.normalise_entry):
    want = [normalise(e, i) for i, e in enumerate(config)]
    ops, after = Table(kind).plan(read(session, kind), want, state)
    if ops:
        dlg.run_dialogue(session.send_line, kind.command, kind.rules_for(kind.change_steps(ops)))
    return ops, after


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


def test_every_parameter_round_trips_and_second_run_is_noop(session):
    kind = mfp.MailFlowPolicies("IncomingMail")
    ops, after = converge(session, kind, POLICIES)
    assert verbs(ops) == ["create"] * len(POLICIES)
    got = read(session, kind)
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
        assert converge(session, kind, POLICIES, state)[0] == []


def test_merged_and_replaced_updates(session):
    kind = mfp.MailFlowPolicies("IncomingMail")
    converge(session, kind, POLICIES[:2])
    ops, after = converge(session, kind, [dict(name="everything", behavior="relay", parameters=dict(max_concurrency=7))])
    assert verbs(ops) == ["update"]
    got = by_name(read(session, kind), "EVERYTHING")
    assert got == by_name(after, "EVERYTHING")
    assert got["behavior"] == "relay" and got["parameters"]["max_concurrency"] == 7 and got["parameters"]["dhap_limit"] == 30
    # replaced: parameters not given go back to "use default", the comment goes
    ops, after = converge(session, kind, [dict(name="EVERYTHING", behavior="accept", parameters=dict(anti_spam=True))], "replaced")
    got = by_name(read(session, kind), "EVERYTHING")
    assert got == dict(name="EVERYTHING", behavior="accept", parameters=dict(anti_spam=True), comment=None)
    # only the behaviour: no wizard
    ops, dummy = converge(session, kind, [dict(name="RELAYED_TLS", behavior="accept")])
    assert ("q", (mfp.Q_CHANGE, "N", False)) in kind.change_steps(ops)
    assert by_name(read(session, kind), "RELAYED_TLS")["parameters"] == dict(tls="preferred", verify_client_certificate=False)


def test_factory_policies_and_listener_defaults(session):
    kind = mfp.MailFlowPolicies("IncomingMail")
    got = read(session, kind)
    assert [p["name"] for p in got] == ["ACCEPTED", "THROTTLED", "TRUSTED", "BLOCKED"]
    assert by_name(got, "THROTTLED")["parameters"] == dict(max_messages_per_connection=10, max_concurrency=10,
                                                           max_recipients_per_message=25, max_recipients_per_hour=20, tls="off")
    assert kind.default_value("smtp_auth") == "off" and kind.default_value("max_message_size") == 10485760


def test_delete_unused_and_refuse_used(session):
    kind = mfp.MailFlowPolicies("IncomingMail")
    ops, dummy = converge(session, kind, [dict(name="TRUSTED")], "deleted")
    assert verbs(ops) == ["delete"] and "TRUSTED" not in [p["name"] for p in read(session, kind)]
    with pytest.raises(ValueError, match=r"policy \$THROTTLED is used by the sender groups SUSPECTLIST"):
        converge(session, kind, [dict(name="THROTTLED")], "deleted")
    with pytest.raises(ValueError, match=r"state=overridden would delete \$ACCEPTED"):
        converge(session, kind, [dict(name="BLOCKED", behavior="reject")], "overridden")
    # deleted without config removes only the policies no sender group uses
    converge(session, kind, [dict(name="SPARE", behavior="accept")])
    ops, dummy = converge(session, kind, [], "deleted")
    assert verbs(ops) == ["delete"] and [p["name"] for p in read(session, kind)] == ["ACCEPTED", "THROTTLED", "BLOCKED"]


def test_overridden(session):
    kind = mfp.MailFlowPolicies("OutgoingMail")
    config = [dict(name="RELAYED", behavior="relay", parameters=dict(tls="preferred")), dict(name="BLOCKED", behavior="reject")]
    converge(session, kind, [dict(name="EXTRA", behavior="accept")])
    ops, after = converge(session, kind, config, "overridden")
    assert sorted(verbs(ops)) == ["delete", "update"]
    assert read(session, kind) == after
    assert converge(session, kind, config, "overridden")[0] == []


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


def test_plan_time_rules(session):
    kind = mfp.MailFlowPolicies("IncomingMail")
    with pytest.raises(ValueError, match="verify_client_certificate: set tls too"):
        converge(session, kind, [dict(name="P", parameters=dict(verify_client_certificate=True))])
    with pytest.raises(ValueError, match="require_tls_for_smtp_auth: applies only when smtp_auth is preferred or required"):
        converge(session, kind, [dict(name="P", parameters=dict(require_tls_for_smtp_auth=True))])
    assert read(session, kind) == read(session, kind)


class Client(object):
    def __init__(self, session):
        self.session = session

    def dialogue(self, command, rules=None, write=False, label=None):
        return dlg.run_dialogue(self.session.send_line, command, rules)


class Module(object):
    def __init__(self, **params):
        self.params = params

    def warn(self, text):
        pass


def test_guard_refuses_a_policy_switched_to_relay(session):
    groups = sg.SenderGroups("IncomingMail")
    converge(session, groups, [dict(name="O365", members=["40.107.0.0/16"], policy="ACCEPTED")], normalise=sg.normalise_entry)
    kind = mfp.MailFlowPolicies("IncomingMail")
    have = read(session, kind)
    dummy, after = Table(kind).plan(have, [mfp.normalise_entry(dict(name="ACCEPTED", behavior="relay"), 0)], "merged")
    guard = hat_module.make_guard(Module(allow_open_relay=False), lambda dummy: kind.groups, lambda entries: entries)
    problems = guard(Client(session), have, after)
    assert len(problems) == 1 and "O365" in problems[0] and "40.107.0.0/16" in problems[0]
