# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replay of ``listenerconfig`` > EDIT > HOSTACCESS / RCPTACCESS (divergence 5, and the release differences of
divergence 9 for the HAT): the sender-group sub-menu verbs of each release (NEW / DELETE / MOVE / COUNTRY /
POLICY / PRINT / RENAME, EXTERNAL THREAT FEED SOURCE from 12.0; no COMMENT or VERIFY), the chooser of HAT EDIT
being present or absent, POLICY's "change parameters" question, the policy questions of 13.8.7 and later, and a
custom SMTP response typed without a prompt per line (ctor/listenerconfig.py, phoebe1100, 1200, 1350, 1387,
1411). Question substrings are the library's; menu lines and the rest of each line are reconstructions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import mail_flow_policies as mfp
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import recipient_access as ra
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import sender_groups as sg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.release import Release
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Plan, Snapshot
from ansible_collections.mailops.secure_email.tests.unit.plugins.module_utils._esa.test_replay_dialogue import (
    HOST, Replay)

RELEASES = {"11.0": "11.0.3", "13.5": "13.5.1", "14.1": "14.1.1"}
LISTENERS = ("Currently configured listeners:\n1. IncomingMail (on Data 1, 192.0.2.10) SMTP TCP Port 25 Public\n\n"
             "Choose the operation you want to perform:\n- NEW - Create a new listener.\n- EDIT - Modify a listener.\n"
             "- DELETE - Remove a listener.\n- SETUP - Change Global Settings.\n[]> ")
LISTENER_MENU = ("\nName: IncomingMail\n\nChoose the operation you want to perform:\n- NAME - Change the name of the "
                 "listener.\n- HOSTACCESS - Modify the Host Access Table.\n- RCPTACCESS - Modify the Recipient Access "
                 "Table.\n[]> ")
HAT = ("\nDefault Policy Parameters\n==========================\nMaximum Message Size: 10M\n\nThere are currently 4 "
       "policies defined.\nThere are currently 2 sender groups.\n\nChoose the operation you want to perform:\n"
       "- NEW - Create a new entry.\n- EDIT - Modify an entry.\n- DELETE - Remove an entry.\n- MOVE - Move an entry.\n"
       "- DEFAULT - Set the defaults.\n- PRINT - Display the table.\n- IMPORT - Import a table from a file.\n"
       "- EXPORT - Export the table to a file.\n- RESET - Remove all entries.\n[]> ")
RAT = ("\nThere are currently 1 entries.\n\nChoose the operation you want to perform:\n- NEW - Create a new entry.\n"
       "- EDIT - Modify an entry.\n- DELETE - Remove an entry.\n- PRINT - Display the table.\n- IMPORT - Import a "
       "table from a file.\n- EXPORT - Export the table to a file.\n- CLEAR - Clear the table.\n[]> ")


def group_menu(release):
    verbs = ["NEW - Add a new host.", "DELETE - Remove a host.", "MOVE - Reorder the hosts.",
             "COUNTRY - Configure the countries of this sender group."]
    if release != "11.0":
        verbs.append("EXTERNAL THREAT FEED SOURCE - Configure the external threat feed sources.")
    verbs += ["POLICY - Change the policy settings and options.", "PRINT - Display the current definition.",
              "RENAME - Rename this sender group."]
    return ("\nSender Group PARTNERS\nPolicy: ACCEPTED\n\nChoose the operation you want to perform:\n"
            + "".join("- %s\n" % v for v in verbs) + "[]> ")


def enter(table):
    return [("listenerconfig", LISTENERS), ("EDIT", "\nEnter the name or number of the listener you wish to edit.\n[]> "),
            ("IncomingMail", LISTENER_MENU), (table, HAT if table == "HOSTACCESS" else RAT)]


def leave():
    return [("", LISTENER_MENU), ("", LISTENERS), ("", HOST)]


CURRENT = dict(name="PARTNERS", members=["192.0.2.0/24"], sbrs=None, policy="ACCEPTED", comment="partners",
               dns_verification=[])
TARGET = dict(CURRENT, members=["192.0.2.0/24", "192.0.2.99"], policy="TRUSTED")


def _group_steps(release, chooser):
    steps = enter("HOSTACCESS")
    pick = "\nChoose the sender group to edit:\n1. PARTNERS\n2. ALL\n[]> "
    if chooser:
        steps += [("EDIT", "\nChoose the type of entry to edit:\n1. Sender Group\n2. Policy\n[1]> "), ("1", pick)]
    else:
        steps += [("EDIT", "\nHAT sender groups" + pick)]
    steps += [("1", group_menu(release)),
              ("NEW", "\nEnter the senders to add to this sender group. Separate multiple hosts with commas.\n[]> "),
              ("192.0.2.99", group_menu(release)),
              ("POLICY", "\nSelect the policy for this sender group:\n1. $ACCEPTED\n2. $TRUSTED\n[1]> "),
              ("2", "\nDo you want to change the parameters of this host access policy? [N]> "),
              ("N", group_menu(release)), ("", HAT)]
    return steps + leave()


@pytest.mark.parametrize("release", sorted(RELEASES))
@pytest.mark.parametrize("chooser", [True, False])
def test_sender_group_edit_with_or_without_the_chooser(release, chooser):
    kind = sg.SenderGroups("IncomingMail", release=Release(RELEASES[release]))
    script = kind.render(_plan(TARGET), Snapshot([CURRENT]))
    result = Replay(_group_steps(release, chooser)).run(script.command, script.rules())
    menu_answers = [step["answer"] for step in result["transcript"] if "Choose the operation" in step["question"]
                    and "- POLICY -" in step["question"]]
    assert menu_answers == ["NEW", "POLICY", ""]
    assert "COMMENT" not in script.commands() and "VERIFY" not in script.commands()


def _plan(target):
    return Plan([("update", target)], [CURRENT], [target])


def test_comment_and_dns_verification_changes_are_refused_before_any_dialogue():
    kind = sg.SenderGroups("IncomingMail", release=Release("14.1.1"))
    everyone = dict(name="ALL", members=[], sbrs=None, policy="ACCEPTED", comment=None, dns_verification=[])
    snapshot = Snapshot([dict(CURRENT), everyone], policies=None)
    with pytest.raises(sg.SenderGroupError, match="no COMMENT verb"):
        kind.plan(snapshot, [kind.normalise(dict(name="PARTNERS", comment="other"), 0)], "merged")
    with pytest.raises(sg.SenderGroupError, match="no VERIFY verb"):
        kind.plan(snapshot, [kind.normalise(dict(name="PARTNERS", dns_verification=["lookup_fail"]), 0)], "merged")


WIZARD = [
    ("default", "Enter the maximum message size. Add a trailing K for kilobytes or M for megabytes.\n[default]> "),
    ("5", "Enter the maximum number of concurrent connections allowed from a single IP address.\n[default]> "),
    ("default", "Enter the maximum number of messages per connection.\n[default]> "),
    ("default", "Enter the maximum number of recipients per message.\n[default]> "),
    ("default", "Do you want to enable rate limiting per host? [default]> "),
    ("default", "Do you want to enable Directory Harvest Attack Prevention per host? [default]> "),
    ("default", "Would you like to use SenderBase for flow control by default? [default]> "),
    ("default", "Would you like to enable anti-spam scanning? [default]> "),
    ("default", "Would you like to enable anti-virus scanning? [default]> "),
]
SCANNERS = [("", "Would you like to enable %s [default]> " % text) for text in (
    "Sender Domain Reputation scanning?", "Outbreak Filters?", "Advanced Phishing Protection scanning?",
    "Graymail scanning?", "Content Filters?", "Message Filters?")]
TAIL = [("default", "Do you want to allow encrypted TLS connections?\n1. No\n2. Preferred\n3. Required\n[default]> "),
        ("default", "Do you want to allow SMTP authentication?\n1. No\n2. Preferred\n3. Required\n[default]> "),
        ("", "Enter a comment for this policy.\n[]> ")]


def _policy_steps(questions):
    steps = enter("HOSTACCESS") + [
        ("NEW", "\nChoose the type of entry to create:\n1. New Sender Group\n2. New Policy\n[1]> "),
        ("2", "\nEnter a name for this policy.\n[]> "),
        ("PARTNER", "\nSelect a behavior for this policy:\n1. Accept\n2. Reject\n3. Relay\n4. TCP Refuse\n5. Continue\n[1]> "),
        ("3", "\nDo you want to change the parameters of this host access policy? [N]> ")]
    typed = "Y"
    for answer, question in questions:
        steps.append((typed, "\n" + question))
        typed = answer
    return steps + [(typed, HAT), ("", LISTENER_MENU), ("", LISTENERS), ("", HOST)]


def _policy_script(release):
    kind = mfp.MailFlowPolicies("IncomingMail", release=Release(release))
    entry = kind.normalise(dict(name="PARTNER", behavior="relay", parameters=dict(max_concurrency=5)), 0)
    plan = kind.plan(kind.empty(), [entry], "merged")
    return kind.render(plan, kind.empty())


@pytest.mark.parametrize("release, scanners", [("11.0.3", False), ("13.5.1", False), ("13.8.7", True), ("14.1.1", True),
                                               ("16.0.3", True), (None, True)])
def test_policy_wizard_of_each_release(release, scanners):
    script = _policy_script(release)
    Replay(_policy_steps(WIZARD + (SCANNERS if scanners else []) + TAIL)).run(script.command, script.rules())


def test_policy_questions_of_13_8_7_are_unknown_to_an_11_0_dialogue():
    script = _policy_script("11.0.3")
    steps = _policy_steps(WIZARD + SCANNERS + TAIL)
    with pytest.raises(dlg.DialogueError, match="unexpected question: Would you like to enable Sender Domain"):
        Replay(steps).run(script.command, script.rules())


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_rat_custom_response_is_typed_without_prompts(release):
    kind = ra.RecipientAccess("IncomingMail", release=Release(RELEASES[release]))
    entry = kind.normalise(dict(address="bad.example", action="reject",
                                smtp_response=dict(code=550, text="No such domain\nContact postmaster")), 0)
    script = kind.render(Plan([("create", entry)], [], [entry]), Snapshot([]))
    steps = enter("RCPTACCESS") + [
        ("NEW", "\nEnter the recipient address for this entry.\n[]> "),
        ("bad.example", "\nSelect the action to apply to this address:\n1. Accept\n2. Reject\n3. TCP Refuse\n"
                        "4. Continue\n[1]> "),
        ("2", "\nWould you like to specify a custom SMTP response? [N]> "),
        ("Y", "\nEnter the SMTP code to use in the response. 550 is the standard code.\n[550]> "),
        ("550", "\nEnter your custom SMTP response. Press Enter on a blank line to finish.\n"),
        ("No such domain", ""), ("Contact postmaster", ""), ("", RAT), ("", LISTENER_MENU), ("", LISTENERS),
        ("", HOST)]
    result = Replay(steps).run(script.command, script.rules())
    typed = [step["answer"] for step in result["transcript"]]
    assert typed[typed.index("550") + 1:typed.index("550") + 4] == ["No such domain", "Contact postmaster", ""]
