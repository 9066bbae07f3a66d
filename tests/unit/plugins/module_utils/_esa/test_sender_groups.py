# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HAT sender groups: parse/render and round trips against the lab's in-process engine; the open-relay guard."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.lab.esa.engine import Appliance
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import hat_module
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import sender_groups as sg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Table

GUARD_FILTER = ['office365_outbound: if (sendergroup == "RELAY_O365") {',
                '  if header("X-OUTBOUND-AUTH") == "^s3cr3t$" { strip-header("X-OUTBOUND-AUTH"); } else { drop(); }', '}', "."]


@pytest.fixture
def session():
    sess = Appliance(hostname="esa1.lab").open_session(user="admin")
    sess.start()
    return sess


class Client(object):
    """The part of EsaClient the guard uses, on the in-process session."""

    def __init__(self, session):
        self.session = session

    def dialogue(self, command, rules=None, write=False, label=None):
        return dlg.run_dialogue(self.session.send_line, command, rules)


class Module(object):
    def __init__(self, **params):
        self.params = params
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)


def read(session, kind):
    out = dlg.run_dialogue(session.send_line, kind.read_command, kind.rules_for(kind.read_steps()))["output"]
    return kind.parse(out)


def converge(session, kind, config, state="merged"):
    want = [sg.normalise_entry(e, i) for i, e in enumerate(config)]
    ops, after = Table(kind).plan(read(session, kind), want, state)
    if ops:
        dlg.run_dialogue(session.send_line, kind.command, kind.rules_for(kind.change_steps(ops)))
    return ops, after


def verbs(ops):
    return [verb for verb, dummy in ops]


RELAY = dict(name="RELAY_O365", members=[".protection.outlook.com"], policy="RELAYED", comment="Relay mail from Microsoft 365")
FULL = dict(name="PARTNERS", members=["192.0.2.10", "10.1.", "10.1.1.1-20", "10.2.3-9.", "10/8", "198.51.100.0/24",
                                      "2001:DB8::10", "2001:db8:0::/48", "Mail.Example.COM", ".example.net", "SBO:12345",
                                      "dnslist[Zen.Example.org]"],
            sbrs=dict(min=-3, max=10), policy="relayed", comment="All member forms",
            dns_verification=["not_matched", "record_not_exist", "lookup_fail"])


def test_factory_groups(session):
    kind = sg.SenderGroups("IncomingMail")
    assert [g["name"] for g in read(session, kind)] == ["BLOCKED_LIST", "SUSPECTLIST", "UNKNOWNLIST", "ALL"]
    kind = sg.SenderGroups("OutgoingMail")
    assert [(g["name"], g["policy"]) for g in read(session, kind)] == [("RELAYLIST", "RELAYED"), ("ALL", "BLOCKED")]


def test_every_field_round_trips_and_second_run_is_noop(session):
    kind = sg.SenderGroups("OutgoingMail")
    ops, after = converge(session, kind, [RELAY, FULL])
    assert verbs(ops) == ["create", "create"]
    got = read(session, kind)
    assert got == after
    assert [g["name"] for g in got] == ["RELAYLIST", "RELAY_O365", "PARTNERS", "ALL"], "new groups go before ALL"
    partners = got[2]
    assert partners["members"] == ["192.0.2.10", "10.1.", "10.1.1.1-20", "10.2.3-9.", "10/8", "198.51.100.0/24",
                                   "2001:db8::10", "2001:db8::/48", "mail.example.com", ".example.net", "SBO:12345",
                                   "dnslist[zen.example.org]"]
    assert partners["sbrs"] == dict(min=-3.0, max=10.0)
    assert partners["policy"] == "RELAYED" and partners["comment"] == "All member forms"
    assert partners["dns_verification"] == ["record_not_exist", "lookup_fail", "not_matched"]
    for state in ("merged", "replaced"):
        assert converge(session, kind, [RELAY, FULL], state)[0] == []
    # members are a set: another order is no change
    assert converge(session, kind, [dict(FULL, members=list(reversed(FULL["members"])))], "replaced")[0] == []


def test_update_uses_the_sender_group_menu(session):
    kind = sg.SenderGroups("OutgoingMail")
    converge(session, kind, [FULL])
    changed = dict(name="partners", members=["192.0.2.10", "192.0.2.99"], sbrs="none", policy="BLOCKED",
                   dns_verification=["lookup_fail"])
    ops, after = converge(session, kind, [changed], "replaced")
    assert verbs(ops) == ["update"]
    steps = kind.change_steps(ops)
    assert ("group_menu", "DELETE") in steps and ("group_menu", "NEW") in steps and ("group_menu", "COMMENT") in steps
    got = read(session, kind)
    assert got == after
    group = got[1]
    assert group["name"] == "PARTNERS", "names are case-insensitive; the appliance's spelling stays"
    assert (group["members"], group["sbrs"], group["policy"], group["comment"], group["dns_verification"]) == (
        ["192.0.2.10", "192.0.2.99"], "none", "BLOCKED", None, ["lookup_fail"])
    assert converge(session, kind, [changed], "replaced")[0] == []


def test_merged_adds_members_and_keeps_unset_fields(session):
    kind = sg.SenderGroups("OutgoingMail")
    converge(session, kind, [RELAY])
    ops, after = converge(session, kind, [dict(name="RELAY_O365", members=["192.0.2.0/24"])])
    assert verbs(ops) == ["update"]
    group = read(session, kind)[1]
    assert group["members"] == [".protection.outlook.com", "192.0.2.0/24"]
    assert group["comment"] == RELAY["comment"] and group["policy"] == "RELAYED"
    ops, dummy = converge(session, kind, [dict(name="RELAY_O365", comment="")])
    assert verbs(ops) == ["update"] and read(session, kind)[1]["comment"] is None


def test_all_group_policy_and_comment(session):
    kind = sg.SenderGroups("IncomingMail")
    ops, after = converge(session, kind, [dict(name="all", policy="THROTTLED", comment="Slow down")])
    assert verbs(ops) == ["update"]
    got = read(session, kind)
    assert got == after and (got[-1]["name"], got[-1]["policy"], got[-1]["comment"]) == ("ALL", "THROTTLED", "Slow down")


def test_overridden_orders_like_config_and_keeps_all(session):
    kind = sg.SenderGroups("IncomingMail")
    config = [dict(name="UNKNOWNLIST", policy="ACCEPTED"), dict(name="NEWONE", members=["192.0.2.1"], policy="TRUSTED"),
              dict(name="BLOCKED_LIST", policy="BLOCKED", comment="Spammers are rejected")]
    ops, after = converge(session, kind, config, "overridden")
    assert "delete" in verbs(ops) and "move" in verbs(ops)
    got = read(session, kind)
    assert [g["name"] for g in got] == ["UNKNOWNLIST", "NEWONE", "BLOCKED_LIST", "ALL"]
    assert got == after
    assert converge(session, kind, config, "overridden")[0] == []


def test_deleted(session):
    kind = sg.SenderGroups("IncomingMail")
    ops, dummy = converge(session, kind, [dict(name="SUSPECTLIST")], "deleted")
    assert verbs(ops) == ["delete"]
    assert [g["name"] for g in read(session, kind)] == ["BLOCKED_LIST", "UNKNOWNLIST", "ALL"]
    ops, dummy = converge(session, kind, [], "deleted")
    assert [g["name"] for g in read(session, kind)] == ["ALL"]
    with pytest.raises(ValueError, match="ALL sender group cannot be deleted"):
        converge(session, kind, [dict(name="ALL")], "deleted")


def test_unknown_policy_fails_before_writing(session):
    kind = sg.SenderGroups("IncomingMail")
    with pytest.raises(ValueError, match=r"policy 'NOPE' does not exist on listener IncomingMail"):
        converge(session, kind, [dict(name="G1", members=["192.0.2.1"], policy="NOPE")])
    with pytest.raises(ValueError, match="policy is required for a new sender group"):
        converge(session, kind, [dict(name="G1", members=["192.0.2.1"])])


@pytest.mark.parametrize("entry,message", [
    (dict(name="1bad"), "config[0].name"),
    (dict(name="G", members=["10.1.1.300"]), "config[0].members[0]: '10.1.1.300' is not a sender group member"),
    (dict(name="G", members=["ok.example.com", "bad host"]), "config[0].members[1]"),
    (dict(name="G", members=["10.0.0.0/33"]), "config[0].members[0]"),
    (dict(name="G", members=["SBRS[1:2]"]), "give the SenderBase Reputation Score range with sbrs"),
    (dict(name="G", sbrs=dict(min=5, max=1)), "config[0].sbrs: min 5.0 must not be greater than max 1.0"),
    (dict(name="G", sbrs=dict(min=-11, max=1)), "must be from -10.0 to 10.0"),
    (dict(name="G", sbrs="some"), "config[0].sbrs"),
    (dict(name="G", policy="$bad policy"), "config[0].policy"),
    (dict(name="G", dns_verification=["ptr"]), "config[0].dns_verification"),
    (dict(name="ALL", members=["192.0.2.1"]), "takes no members"),
])
def test_invalid_entries(entry, message):
    with pytest.raises(sg.SenderGroupError) as exc:
        sg.normalise_entry(entry, 0)
    assert message in str(exc.value)


def test_parse_print_text_and_rendered_answers():
    text = ("$RELAYED\n    RELAY\n$BLOCKED\n    REJECT\nRELAY_O365:\n        .protection.outlook.com\n        SBRS[none]\n"
            "        dns_verification = record_not_exist, not_matched\n        $RELAYED (Relay (O365))\nALL\n    $BLOCKED (Everyone else)\n")
    kind = sg.SenderGroups("OutgoingMail")
    groups = kind.parse(text)
    assert groups[0] == dict(name="RELAY_O365", members=[".protection.outlook.com"], sbrs="none", policy="RELAYED",
                             comment="Relay (O365)", dns_verification=["record_not_exist", "not_matched"])
    # over SSH the first line after each pager stop loses its indentation: the parse does not depend on it
    assert sg.SenderGroups("OutgoingMail").parse("\n".join(line.strip() for line in text.split("\n"))) == kind.parse(text)
    offline = sg.SenderGroups("OutgoingMail")
    ops, dummy = Table(offline).plan([], [sg.normalise_entry(RELAY, 0)], "merged")
    answers = offline.dialogue_answers(offline.change_steps(ops))
    assert answers[:5] == ["EDIT", "OutgoingMail", "HOSTACCESS", "NEW", "choose:Sender Group"]
    assert ".protection.outlook.com" in answers and answers[-3:] == ["", "", ""]


def _add_filter(session, lines):
    dlg.run_dialogue(session.send_line, "filters", [
        dlg.Rule(r"- ROLLOVERNOW -", ["NEW", ""], menu=True), dlg.Rule(r"Enter filter script", lines[0]),
        dlg.Rule(r"^\[\]>$", lines[1:], menu=True)])


def _guard(session, kind, config, allow=False):
    want = [sg.normalise_entry(e, i) for i, e in enumerate(config)]
    have = read(session, kind)
    dummy, after = Table(kind).plan(have, want, "merged")
    module = Module(allow_open_relay=allow, listener=kind.listener)
    guard = hat_module.make_guard(module, lambda entries: entries, lambda dummy: kind.policies)
    return guard(Client(session), have, after), module.warnings


def test_guard_refuses_s8_without_filter_and_allows_it_when_asked(session):
    kind = sg.SenderGroups("OutgoingMail")
    problems, dummy = _guard(session, kind, [RELAY])
    assert len(problems) == 1 and "RELAY_O365" in problems[0] and "allow_open_relay" in problems[0]
    problems, warnings = _guard(session, kind, [RELAY], allow=True)
    assert problems == [] and len(warnings) == 1
    assert _guard(session, kind, [dict(RELAY, policy="BLOCKED")])[0] == []
    assert _guard(session, kind, [dict(RELAY, members=["10.0.0.0/8"])])[0] == []


def test_guard_passes_with_the_s12_filter(session):
    _add_filter(session, GUARD_FILTER)
    kind = sg.SenderGroups("OutgoingMail")
    assert _guard(session, kind, [RELAY])[0] == []
