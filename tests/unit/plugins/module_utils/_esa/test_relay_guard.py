# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The open-relay guard: the effective HAT of a listener, the review of a change, and secret masking."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import hat, redact
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import relay_guard as guard
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import sender_groups as sg

GUARD = 'if (sendergroup == "RELAY_O365") { if header("X-OUTBOUND-AUTH") == "^s3cr3t$" { strip-header("X-OUTBOUND-AUTH"); } ' \
        'else { drop(); } }'
S12 = [dict(name="office365_outbound", body=GUARD, active=True)]
GROUP = dict(name="RELAY_O365", members=[".protection.outlook.com"], policy="RELAYED")


def group(name, members=(), policy="ACCEPTED", **extra):
    return dict(dict(name=name, members=list(members), sbrs=None, policy=policy, dns_verification=[]), **extra)


def policies(**behaviors):
    return [dict(name=name, behavior=behavior) for name, behavior in behaviors.items()]


def public(all_policy="ACCEPTED", groups=(), **behaviors):
    """The factory HAT of a public listener (lab), with ``groups`` before ALL and policy behaviours changed."""
    kinds = dict(ACCEPTED="accept", THROTTLED="accept", TRUSTED="accept", BLOCKED="reject")
    kinds.update(behaviors)
    return dict(policies=policies(**kinds), sender_groups=[
        group("BLOCKED_LIST", policy="BLOCKED"), group("SUSPECTLIST", policy="THROTTLED"), group("UNKNOWNLIST")]
        + list(groups) + [group("ALL", policy=all_policy)])


def private(all_policy="BLOCKED", groups=(), **behaviors):
    kinds = dict(RELAYED="relay", BLOCKED="reject")
    kinds.update(behaviors)
    return dict(policies=policies(**kinds), sender_groups=[group("RELAYLIST", policy="RELAYED")] + list(groups)
                + [group("ALL", policy=all_policy)])


def findings(document, filters=(), sources=None, listener="IncomingMail"):
    return guard.evaluate(listener, document, list(filters), sources)[0]


def summary(document, filters=(), sources=None):
    return [(f["row"], f["category"], f["members"]) for f in findings(document, filters, sources)]


# -- members -------------------------------------------------------------------------------------


@pytest.mark.parametrize("member,shared", [
    (".protection.outlook.com", True), (".outbound.protection.outlook.com", True), ("protection.outlook.com", True),
    ("mail-am6eur05.outbound.protection.outlook.com", True), (".outlook.com", True), ("40.107.0.0/16", True),
    ("40.92.", True), ("104.47.1.1", True), ("52.100.1.0/24", True), ("2a01:111:f400::/56", True),
    ("40.107.1.1-20", True), ("40/8", True),
    (".example.com", False), ("192.0.2.0/24", False), ("10.1.", False), ("192.0.2.1-20", False), ("SBRS[-10.0:-3.0]", False),
    ("notoutlook.com", False),
])
def test_shared_members(member, shared):
    assert bool(guard.shared_members([member])) is shared


@pytest.mark.parametrize("member,first,last", [
    ("10.1.", "10.1.0.0", "10.1.255.255"), ("10.1", "10.1.0.0", "10.1.255.255"), ("10.1.1.1-20", "10.1.1.1", "10.1.1.20"),
    ("10.2.3-9.", "10.2.3.0", "10.2.9.255"), ("10/8", "10.0.0.0", "10.255.255.255"), ("0/0", "0.0.0.0", "255.255.255.255"),
    ("192.0.2.7", "192.0.2.7", "192.0.2.7"), ("2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"),
])
def test_every_ip_member_form_is_read_as_address_space(member, first, last):
    nets = guard.networks(member)
    assert str(nets[0].network_address) == first and str(nets[-1].broadcast_address) == last


@pytest.mark.parametrize("member,form", [
    ("SBRS[-1.0:10.0]", "dynamic"), ("SBRS[none]", "dynamic"), ("SBO:12345", "dynamic"), ("dnslist[zen.example]", "dynamic"),
    ("*", "all"), (".", "all"), ("mail.example.com", "name"), (".example.com", "name"), ("10.1.1.300", "unknown"),
    ("what ever", "unknown"), ("0.0.0.0/0", "ip"), ("::/0", "ip"),
])
def test_member_forms(member, form):
    assert guard.classify(member)[0] == form


# -- the effective table -------------------------------------------------------------------------


def test_factory_tables_relay_for_nobody():
    assert findings(public()) == []
    assert findings(private(), listener="OutgoingMail") == []


def test_the_accepted_policy_switched_to_relay_opens_the_public_listener():
    found = findings(public(ACCEPTED="relay"))
    assert [(f["row"], f["category"], f["policy"]) for f in found] == [("ALL", "open", "ACCEPTED")]
    text = found[0]["text"]
    assert "on listener IncomingMail, the ALL row relays (policy $ACCEPTED, behaviour RELAY)" in text
    assert "open relay" in text and "allow_open_relay=true" in text and "give $ACCEPTED a behaviour other than relay" in text


def test_all_pointed_at_a_relay_policy_opens_the_listener():
    assert summary(private(all_policy="RELAYED")) == [("ALL", "open", ["ALL"])]
    assert summary(public(all_policy="OPEN", OPEN="relay")) == [("ALL", "open", ["ALL"])]


def test_a_catch_all_member_relays_for_everyone():
    for member in ("0.0.0.0/0", "0/0", "::/0", "0.0.0.0/1", "2000::/3", "*", ".com", "1-2."):
        document = private(groups=[group("LAN", [member], "RELAYED")])
        assert summary(document) == [("LAN", "open", [member])], member


def test_specific_members_of_relay_groups_are_declared_sources():
    document = private(groups=[group("LAN", ["10/8", "192.0.2.1-20", "mail.example.com", ".corp.example", "2001:db8::/32"],
                                     "RELAYED")])
    assert findings(document) == []


def test_reputation_list_and_dns_terms_in_a_relaying_group_are_not_sources():
    document = private(groups=[group("PARTNERS", ["192.0.2.0/24", "SBO:12345", "dnslist[zen.example]"], "RELAYED",
                                     sbrs=dict(min=-1.0, max=10.0), dns_verification=["record_not_exist"])])
    found = findings(document)
    assert [(f["row"], f["category"]) for f in found] == [("PARTNERS", "dynamic")]
    assert found[0]["members"] == ["DNS host verification (record_not_exist)", "SBO:12345", "dnslist[zen.example]",
                                   "SBRS[-1.0:10.0]"]


def test_shared_space_needs_the_guarding_filter_of_that_group():
    document = private(groups=[group(**GROUP)])
    found = findings(document, listener="OutgoingMail")
    assert [(f["row"], f["category"]) for f in found] == [("RELAY_O365", "shared")]
    assert "sender group RELAY_O365 relays (policy $RELAYED, behaviour RELAY) for .protection.outlook.com" in found[0]["text"]
    assert 'sendergroup == "RELAY_O365"' in found[0]["text"] and "allow_open_relay" in found[0]["text"]
    assert findings(document, S12) == []
    assert findings(document, [dict(S12[0], active=False)])
    assert findings(document, [dict(S12[0], body=GUARD.replace("RELAY_O365", "RELAYLIST"))])


def test_continue_goes_on_and_earlier_rows_take_their_hosts():
    # an earlier REJECT of every address leaves nobody for the relaying ALL row
    blocked = group("NOBODY", ["0.0.0.0/0", "::/0"], "BLOCKED")
    assert findings(private(all_policy="RELAYED", groups=[blocked])) == []
    # a CONTINUE row does not stop the match: the hosts go on to ALL
    assert summary(private(all_policy="RELAYED", groups=[group("NOBODY", ["0.0.0.0/0", "::/0"], "GOON")], GOON="continue")) \
        == [("ALL", "open", ["ALL"])]
    # an IPv4-only REJECT still lets IPv6 hosts reach ALL
    assert summary(private(all_policy="RELAYED", groups=[group("V4", ["0/0"], "BLOCKED")])) == [("ALL", "open", ["ALL"])]
    # a broad relaying network whose address space an earlier row rejects relays for nobody
    document = private(groups=[group("DENY", ["64.0.0.0/2"], "BLOCKED"), group("WIDE", ["64.0.0.0/3"], "RELAYED")])
    assert findings(document) == []
    # what the earlier row leaves is still more than a /8
    document = private(groups=[group("DENY", ["64.0.0.0/4"], "BLOCKED"), group("WIDE", ["64.0.0.0/3"], "RELAYED")])
    assert summary(document) == [("WIDE", "open", ["64.0.0.0/3"])]
    # an earlier partial domain takes its hosts
    document = private(groups=[group("DENY", [".protection.outlook.com"], "BLOCKED"), group(**GROUP)])
    assert findings(document) == []


def test_bare_entries_with_an_inline_behaviour_are_rows():
    text = ("$RELAYED\n    RELAY\n$BLOCKED\n    REJECT\n10.0.0.5 RELAY (the scanner)\n.protection.outlook.com\n    RELAY\n"
            "0.0.0.0/0\n    RELAY\nALL\n    $BLOCKED\n")
    document = dict(sender_groups=sg.groups_from_hat(hat.parse(text)),
                    policies=[dict(name="RELAYED", behavior="relay"), dict(name="BLOCKED", behavior="reject")])
    assert [(g["name"], g.get("behavior"), g.get("bare")) for g in document["sender_groups"]] == [
        ("10.0.0.5", "RELAY", True), (".protection.outlook.com", "RELAY", True), ("0.0.0.0/0", "RELAY", True),
        ("ALL", None, None)]
    found = findings(document, S12)
    assert [(f["row"], f["category"]) for f in found] == [(".protection.outlook.com", "shared"), ("0.0.0.0/0", "open")]
    assert "the bare entry .protection.outlook.com relays (inline behaviour RELAY)" in found[0]["text"]
    assert "a message filter cannot name a bare entry" in found[0]["text"]
    # the one-host bare entry is a declared source, unless relay_sources leaves it out
    assert ("10.0.0.5", "undeclared", ["10.0.0.5"]) in summary(document, S12, sources=["192.0.2.0/24"])


def test_all_with_an_inline_relay_behaviour_is_open():
    document = dict(sender_groups=sg.groups_from_hat(hat.parse("ALL\n    RELAY\n")), policies=[])
    assert summary(document) == [("ALL", "open", ["ALL"])]
    assert "the ALL row relays (inline behaviour RELAY)" in findings(document)[0]["text"]


def test_relay_sources_restrict_the_declared_sources():
    lan = group("LAN", ["10.1.", "192.0.2.7", "mail.example.com", ".corp.example", "relay.other.example"], "RELAYED")
    document = private(groups=[lan])
    sources = ["10/8", "192.0.2.0/24", ".example.com", ".corp.example"]
    found = findings(document, sources=sources)
    assert [(f["row"], f["category"], f["members"]) for f in found] == [("LAN", "undeclared", ["relay.other.example"])]
    assert "which relay_sources (10/8, 192.0.2.0/24, .example.com, .corp.example) does not cover" in found[0]["text"]
    assert summary(document, sources=[]) == [("LAN", "undeclared", lan["members"])]
    # a partial domain covers its subdomains, not the domain's own host
    assert summary(private(groups=[group("X", ["example.com"], "RELAYED")]), sources=[".example.com"]) == [
        ("X", "undeclared", ["example.com"])]
    # declaring shared space does not spare the S12 filter
    assert summary(private(groups=[group(**GROUP)]), sources=[".protection.outlook.com"]) == [
        ("RELAY_O365", "shared", [".protection.outlook.com"])]
    with pytest.raises(ValueError):
        guard.parse_sources(["SBRS[none]"])


def test_a_policy_missing_on_the_listener_is_a_note_not_a_verdict():
    document = public(groups=[group("NEW", ["192.0.2.1"], "NOT_YET")])
    found, notes = guard.evaluate("IncomingMail", document, [], None)
    assert found == [] and len(notes) == 1 and "$NOT_YET" in notes[0] and "cannot tell" in notes[0]


# -- the review of a change ----------------------------------------------------------------------


def test_review_refuses_new_findings_and_those_the_change_keeps():
    before = findings(public())
    after = findings(public(ACCEPTED="relay"))
    problems, warnings = guard.review(before, after)
    assert len(problems) == 1 and problems[0].startswith("on listener IncomingMail, the ALL row relays") and warnings == []
    problems, warnings = guard.review(before, after, allow=True)
    assert problems == [] and warnings[0].startswith("allow_open_relay=true: on listener IncomingMail, the ALL row relays")
    # already open, and the change edits the open row (ALL moves to another relaying policy): refused as kept
    problems, dummy = guard.review(findings(public(OPEN="relay", all_policy="OPEN")),
                                   findings(public(all_policy="RELAY2", OPEN="relay", RELAY2="relay")))
    assert problems and problems[0].startswith("(already on the appliance, kept by this change) ")
    # already open, and the change adds an unrelated group: a warning, not a refusal
    open_before = findings(public(all_policy="OPEN", OPEN="relay"))
    open_after = findings(public(all_policy="OPEN", OPEN="relay", groups=[group("PARTNERS", ["192.0.2.0/24"])]))
    problems, warnings = guard.review(open_before, open_after)
    assert problems == [] and warnings[0].startswith("already on the appliance, not changed by this task: ")


def test_listener_change_reads_the_other_listeners_from_the_session():
    class Reader(object):
        def __init__(self, documents):
            self.documents = documents
            self.asked = []

        def get(self, name):
            self.asked.append(name)
            return self.documents.get(name)

    reader = Reader({"hat/OutgoingMail": private(all_policy="RELAYED"), "message_filters": []})
    listeners = [dict(name="IncomingMail"), dict(name="OutgoingMail")]
    problems, warnings = guard.listener_change(reader, listeners, "IncomingMail", public(),
                                               public(groups=[group("PARTNERS", ["192.0.2.0/24"])]), [], {})
    assert problems == [] and len(warnings) == 1 and "on listener OutgoingMail, the ALL row relays" in warnings[0]
    assert reader.asked == ["hat/OutgoingMail"]
    problems, dummy = guard.listener_change(reader, listeners, "IncomingMail", public(), public(ACCEPTED="relay"), [],
                                            dict(allow_open_relay=False))
    assert len(problems) == 1 and "IncomingMail" in problems[0]


def test_filter_change_refuses_only_what_the_filters_open():
    class Reader(object):
        def get(self, name):
            return {"listeners": [dict(name="OutgoingMail")],
                    "hat/OutgoingMail": private(groups=[group(**GROUP)])}[name]

    problems, dummy = guard.filter_change(Reader(), S12, [], {})
    assert len(problems) == 1 and "sender group RELAY_O365 relays" in problems[0]
    assert guard.filter_change(Reader(), S12, [dict(S12[0], active=False)], {})[0]
    problems, warnings = guard.filter_change(Reader(), S12, [], dict(allow_open_relay=True))
    assert problems == [] and warnings[0].startswith("allow_open_relay=true: ")
    # no guard-like filter weakened: nothing is read
    assert guard.filter_change(None, S12, S12 + [dict(name="other", body="drop();", active=True)], {}) == ([], [])


def test_mask_nested_values():
    value = dict(diff=dict(after=["x", 'header("X") == "^s3cr3t$"']), msg="bad s3cr3t here", n=3)
    masked = redact.mask(value, ["s3cr3t", ""])
    assert "s3cr3t" not in repr(masked) and masked["n"] == 3 and redact.MASK in masked["msg"]
    assert redact.mask("abc", []) == "abc"
