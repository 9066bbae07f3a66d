# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HAT sender groups: parse/render and round trips against the lab's in-process engine; the open-relay guard."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import mail_flow_policies as mfp
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import sender_groups as sg
from ansible_collections.mailops.secure_email.tests.unit.plugins.module_utils._esa.gateway import Gateway

GUARD_FILTER = ['office365_outbound: if (sendergroup == "RELAY_O365") {',
                '  if header("X-OUTBOUND-AUTH") == "^s3cr3t$" { strip-header("X-OUTBOUND-AUTH"); } else { drop(); }', '}', "."]


@pytest.fixture
def gateway():
    return Gateway()


def read(gateway, kind):
    """The sender groups as the appliance shows them (showconfig: committed configuration)."""
    return gateway.read(kind)


def converge(gateway, kind, config, state="merged"):
    """Plan, write and commit (the HAT is read back from showconfig, which shows committed changes only)."""
    plan, dummy = gateway.converge(kind, config, state, commit=True)
    return plan.operations, plan.after


def verbs(ops):
    return [verb for verb, dummy in ops]


RELAY = dict(name="RELAY_O365", members=[".protection.outlook.com"], policy="RELAYED", comment="Relay mail from Microsoft 365")
FULL = dict(name="PARTNERS", members=["192.0.2.10", "10.1.", "10.1.1.1-20", "10.2.3-9.", "10/8", "198.51.100.0/24",
                                      "2001:DB8::10", "2001:db8:0::/48", "Mail.Example.COM", ".example.net", "SBO:12345",
                                      "dnslist[Zen.Example.org]"],
            sbrs=dict(min=-3, max=10), policy="relayed", comment="All member forms")


def test_factory_groups(gateway):
    kind = sg.SenderGroups("IncomingMail")
    assert [g["name"] for g in read(gateway, kind)] == ["BLOCKED_LIST", "SUSPECTLIST", "UNKNOWNLIST", "ALL"]
    kind = sg.SenderGroups("OutgoingMail")
    assert [(g["name"], g["policy"]) for g in read(gateway, kind)] == [("RELAYLIST", "RELAYED"), ("ALL", "BLOCKED")]


def test_every_field_round_trips_and_second_run_is_noop(gateway):
    kind = sg.SenderGroups("OutgoingMail")
    ops, after = converge(gateway, kind, [RELAY, FULL])
    assert verbs(ops) == ["create", "create"]
    got = read(gateway, kind)
    assert got == after
    assert [g["name"] for g in got] == ["RELAYLIST", "RELAY_O365", "PARTNERS", "ALL"], "new groups go before ALL"
    partners = got[2]
    assert partners["members"] == ["192.0.2.10", "10.1.", "10.1.1.1-20", "10.2.3-9.", "10/8", "198.51.100.0/24",
                                   "2001:db8::10", "2001:db8::/48", "mail.example.com", ".example.net", "SBO:12345",
                                   "dnslist[zen.example.org]"]
    assert partners["sbrs"] == dict(min=-3.0, max=10.0)
    assert partners["policy"] == "RELAYED" and partners["comment"] == "All member forms"
    assert not partners.get("dns_verification")
    for state in ("merged", "replaced"):
        assert converge(gateway, kind, [RELAY, FULL], state)[0] == []
    # members are a set: another order is no change
    assert converge(gateway, kind, [dict(FULL, members=list(reversed(FULL["members"])))], "replaced")[0] == []


def test_update_uses_the_sender_group_menu(gateway):
    kind = sg.SenderGroups("OutgoingMail")
    converge(gateway, kind, [FULL])
    # no comment and no dns_verification: the sender-group menu has no COMMENT or VERIFY verb (docs/asyncos-cli.md
    # §8); unset, they keep the group's own
    changed = dict(name="partners", members=["192.0.2.10", "192.0.2.99"], sbrs="none", policy="BLOCKED")
    plan, script = gateway.converge(kind, [changed], "replaced", commit=True)
    ops, after = plan.operations, plan.after
    assert verbs(ops) == ["update"]
    group_menu = [r for r in script.rules() if r.name == "sender group menu"][0]
    assert "DELETE" in group_menu.answers and "NEW" in group_menu.answers and "POLICY" in group_menu.answers
    assert "COMMENT" not in group_menu.answers and "VERIFY" not in group_menu.answers
    got = read(gateway, kind)
    assert got == after
    group = got[1]
    assert group["name"] == "PARTNERS", "names are case-insensitive; the appliance's spelling stays"
    assert (group["members"], group["sbrs"], group["policy"], group["comment"], group["dns_verification"]) == (
        ["192.0.2.10", "192.0.2.99"], "none", "BLOCKED", "All member forms", [])
    assert converge(gateway, kind, [changed], "replaced")[0] == []


def test_merged_adds_members_and_keeps_unset_fields(gateway):
    kind = sg.SenderGroups("OutgoingMail")
    converge(gateway, kind, [RELAY])
    ops, after = converge(gateway, kind, [dict(name="RELAY_O365", members=["192.0.2.0/24"])])
    assert verbs(ops) == ["update"]
    group = read(gateway, kind)[1]
    assert group["members"] == [".protection.outlook.com", "192.0.2.0/24"]
    assert group["comment"] == RELAY["comment"] and group["policy"] == "RELAYED"
    with pytest.raises(sg.SenderGroupError, match="no COMMENT verb"):
        converge(gateway, kind, [dict(name="RELAY_O365", comment="")])
    with pytest.raises(sg.SenderGroupError, match="no VERIFY verb"):
        converge(gateway, kind, [dict(name="RELAY_O365", dns_verification=["lookup_fail"])])
    with pytest.raises(sg.SenderGroupError, match="no VERIFY verb"):
        converge(gateway, kind, [dict(FULL, name="NEWGROUP", dns_verification=["lookup_fail"])])


def test_all_group_policy_and_comment(gateway):
    kind = sg.SenderGroups("IncomingMail")
    comment = read(gateway, kind)[-1]["comment"]
    ops, after = converge(gateway, kind, [dict(name="all", policy="THROTTLED")])
    assert verbs(ops) == ["update"]
    got = read(gateway, kind)
    assert got == after and (got[-1]["name"], got[-1]["policy"], got[-1]["comment"]) == ("ALL", "THROTTLED", comment)
    with pytest.raises(sg.SenderGroupError, match="no COMMENT verb"):
        converge(gateway, kind, [dict(name="all", comment="Slow down")])


def test_overridden_orders_like_config_and_keeps_all(gateway):
    kind = sg.SenderGroups("IncomingMail")
    config = [dict(name="UNKNOWNLIST", policy="ACCEPTED"), dict(name="NEWONE", members=["192.0.2.1"], policy="TRUSTED"),
              dict(name="BLOCKED_LIST", policy="BLOCKED", comment="Spammers are rejected")]
    ops, after = converge(gateway, kind, config, "overridden")
    assert "delete" in verbs(ops) and "move" in verbs(ops)
    got = read(gateway, kind)
    assert [g["name"] for g in got] == ["UNKNOWNLIST", "NEWONE", "BLOCKED_LIST", "ALL"]
    assert got == after
    assert converge(gateway, kind, config, "overridden")[0] == []


def test_deleted(gateway):
    kind = sg.SenderGroups("IncomingMail")
    ops, dummy = converge(gateway, kind, [dict(name="SUSPECTLIST")], "deleted")
    assert verbs(ops) == ["delete"]
    assert [g["name"] for g in read(gateway, kind)] == ["BLOCKED_LIST", "UNKNOWNLIST", "ALL"]
    ops, dummy = converge(gateway, kind, [], "deleted")
    assert [g["name"] for g in read(gateway, kind)] == ["ALL"]
    with pytest.raises(ValueError, match="ALL sender group cannot be deleted"):
        converge(gateway, kind, [dict(name="ALL")], "deleted")


def test_unknown_policy_fails_before_writing(gateway):
    kind = sg.SenderGroups("IncomingMail")
    with pytest.raises(ValueError, match=r"policy 'NOPE' does not exist on listener IncomingMail"):
        converge(gateway, kind, [dict(name="G1", members=["192.0.2.1"], policy="NOPE")])
    with pytest.raises(ValueError, match="policy is required for a new sender group"):
        converge(gateway, kind, [dict(name="G1", members=["192.0.2.1"])])


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


def test_parse_print_text():
    text = ("$RELAYED\n    RELAY\n$BLOCKED\n    REJECT\nRELAY_O365:\n        .protection.outlook.com\n        SBRS[none]\n"
            "        dns_verification = record_not_exist, not_matched\n        $RELAYED (Relay (O365))\nALL\n    $BLOCKED (Everyone else)\n")
    kind = sg.SenderGroups("OutgoingMail")
    groups = kind.parse(text)
    assert groups[0] == dict(name="RELAY_O365", members=[".protection.outlook.com"], sbrs="none", policy="RELAYED",
                             comment="Relay (O365)", dns_verification=["record_not_exist", "not_matched"])
    # over SSH the first line after each pager stop loses its indentation: the parse does not depend on it
    assert sg.SenderGroups("OutgoingMail").parse("\n".join(line.strip() for line in text.split("\n"))) == kind.parse(text)


def test_rendered_answers():
    offline = sg.SenderGroups("OutgoingMail")
    plan = offline.plan(offline.empty(), [offline.normalise(RELAY, 0)], "merged")
    answers = offline.render(plan, offline.empty()).commands()
    assert answers[0] == sg.WRITE_COMMAND
    answers = answers[1:]
    assert answers[:5] == ["EDIT", "OutgoingMail", "HOSTACCESS", "NEW", "choose:Sender Group"]
    assert ".protection.outlook.com" in answers and answers[-3:] == ["<Enter>", "<Enter>", "<Enter>"]


def _add_filter(gateway, lines):
    """filters NEW in this login; a write without documents: the session forgets what it read.

    The script and its "." line are typed with no prompt between them (technote 118145; docs/asyncos-cli.md)."""
    gateway.client.dialogue("filters", [
        dlg.Rule(r"- NEW -", ["NEW", ""], menu=True), dlg.Rule(r"Enter filter script", list(lines), block=True)],
        write=True)


def _guard(gateway, listener, config, allow=False, sources=None, state="merged"):
    """The guard as the runner calls it: on the session's view, after the plan. Returns (problems, warnings)."""
    kind = sg.SenderGroups(scope=listener, params=dict(allow_open_relay=allow, planned_filters=[], relay_sources=sources),
                           check_mode=False)
    reader = gateway.reader()
    snapshot, plan = gateway.plan(kind, config, state, snapshot=kind.read(reader))
    return kind.guard(reader, snapshot, plan, False), plan.warnings


def test_guard_refuses_s8_without_filter_and_allows_it_when_asked(gateway):
    problems, dummy = _guard(gateway, "OutgoingMail", [RELAY])
    assert len(problems) == 1 and "RELAY_O365" in problems[0] and "allow_open_relay" in problems[0]
    problems, warnings = _guard(gateway, "OutgoingMail", [RELAY], allow=True)
    assert problems == [] and len(warnings) == 1
    assert _guard(gateway, "OutgoingMail", [dict(RELAY, policy="BLOCKED")])[0] == []
    assert _guard(gateway, "OutgoingMail", [dict(RELAY, members=["10.0.0.0/8"])])[0] == []


def test_guard_passes_with_the_s12_filter(gateway):
    _add_filter(gateway, GUARD_FILTER)
    assert _guard(gateway, "OutgoingMail", [RELAY])[0] == []


def test_guard_refuses_all_on_the_private_listener_relaying(gateway):
    problems, dummy = _guard(gateway, "OutgoingMail", [dict(name="ALL", policy="RELAYED")])
    assert len(problems) == 1
    assert problems[0].startswith("on listener OutgoingMail, the ALL row relays (policy $RELAYED, behaviour RELAY)")
    assert "point ALL at a policy that does not relay" in problems[0] and "allow_open_relay=true" in problems[0]


@pytest.mark.parametrize("members", [["0.0.0.0/0"], ["::/0"], ["0/0"], ["0.0.0.0/1"], [".com"]])
def test_guard_refuses_a_catch_all_member_in_a_relaying_group(gateway, members):
    problems, dummy = _guard(gateway, "OutgoingMail", [dict(name="RELAYLIST", members=members)])
    assert len(problems) == 1 and "sender group RELAYLIST relays (policy $RELAYED" in problems[0] and "open relay" in problems[0]


def test_guard_refuses_reputation_terms_in_a_relaying_group(gateway):
    problems, dummy = _guard(gateway, "OutgoingMail", [dict(name="RELAYLIST", members=["10.1."], sbrs=dict(min=0, max=10))])
    assert len(problems) == 1 and "SBRS[0.0:10.0]" in problems[0] and "not declared relay sources" in problems[0]
    assert "10.1." not in problems[0].split(" for ", 1)[1].split(":")[0]


def test_guard_with_relay_sources(gateway):
    config = [dict(name="RELAYLIST", members=["10.1.", "192.0.2.7"])]
    assert _guard(gateway, "OutgoingMail", config, sources=["10.0.0.0/8", "192.0.2.0/24"])[0] == []
    problems, dummy = _guard(gateway, "OutgoingMail", config, sources=["10.0.0.0/8"])
    assert len(problems) == 1 and "for 192.0.2.7, which relay_sources (10.0.0.0/8) does not cover" in problems[0]
    with pytest.raises(sg.SenderGroupError, match=r"relay_sources\[1\]: 'SBRS\[none\]' is not a relay source"):
        sg.SenderGroups("OutgoingMail").want(dict(config=config, relay_sources=["10/8", "SBRS[none]"]))


def test_an_existing_open_relay_does_not_block_an_unrelated_group(gateway):
    """ALL already relays on the private listener (allowed once); adding an unrelated group warns, editing ALL is refused."""
    kind = sg.SenderGroups("OutgoingMail")
    converge(gateway, kind, [dict(name="ALL", policy="RELAYED")])
    problems, warnings = _guard(gateway, "OutgoingMail", [dict(name="PRINTERS", members=["10.9.9.0/24"], policy="BLOCKED")])
    assert problems == [] and len(warnings) == 1
    assert warnings[0].startswith("already on the appliance, not changed by this task: on listener OutgoingMail, the ALL row")
    # a change to the open row itself keeps the open relay: refused
    gateway.converge(mfp.MailFlowPolicies("OutgoingMail"), [dict(name="RELAY2", behavior="relay")])
    problems, dummy = _guard(gateway, "OutgoingMail", [dict(name="ALL", policy="RELAY2")])
    assert len(problems) == 1 and problems[0].startswith("(already on the appliance, kept by this change) on listener "
                                                         "OutgoingMail, the ALL row relays (policy $RELAY2")


def test_bare_entries_keep_their_inline_behaviour():
    text = "$BLOCKED\n    REJECT\n10.0.0.5 RELAY\nspam.example\n    REJECT (spam)\nALL\n    $BLOCKED\n"
    groups = sg.groups_from_hat(sg.hat.parse(text))
    assert groups[0] == dict(name="10.0.0.5", members=["10.0.0.5"], sbrs=None, policy=None, comment=None, dns_verification=[],
                             behavior="RELAY", bare=True)
    assert groups[1]["behavior"] == "REJECT" and groups[1]["bare"] is True
    assert "behavior" not in groups[2] and "bare" not in groups[2]
