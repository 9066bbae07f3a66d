# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replay tests of the dialogue engine: prompts, the pager, prompt-less input and the release (no lab).

Each test drives ``dialogue.run_dialogue`` (or ``session.CliSession``) through a transcript written from the
evidence in docs/asyncos-cli.md (Cisco's CLI test library ``dharma412/PythonClass`` commit b79a424,
``csa/testlib/phoebeNNNN/cli/ctor/``, and technote 118145). ``Replay`` is the fake appliance: a list of
(typed line, printed text) steps; ``send(line)`` checks the line and returns the text. Question substrings come
from the library; the rest of each line (and every menu line) is a reconstruction.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import release as rel
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.session import CliSession, parse_version

HOST = "esa1.example.com> "


class Replay(object):
    """A scripted appliance. ``steps``: [(typed, printed)]; the echo of the typed line is added to the printed
    text. ``multiline=True`` models the cliconf transport, which writes a prompt-less block at once."""

    def __init__(self, steps, multiline=False):
        self.steps = list(steps)
        self.typed = []

        def send(line):
            assert self.steps, "the driver typed %r after the end of the transcript" % line
            expected, printed = self.steps.pop(0)
            assert line == expected, "typed %r, the transcript expects %r" % (line, expected)
            self.typed.append(line)
            return ("%s\n" % line if "\n" not in line else "") + printed

        send.multiline = multiline
        self.send = send

    def run(self, command, rules):
        result = dlg.run_dialogue(self.send, command, rules)
        assert not self.steps, "the transcript has steps the driver never reached: %r" % self.steps
        return result


def menu(*verbs):
    """A ``Choose the operation`` menu (the verb lines are a reconstruction: the library records none)."""
    return "\nChoose the operation you want to perform:\n" + "".join("- %s - %s.\n" % (v, v.title()) for v in verbs) + "[]> "


# -- divergence 8: prompts ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, prompt", [
    ("output\nesa1.example.com> ", "esa1.example.com>"),
    ("output\nesa1.example> ", "esa1.example>"),                         # hostname without its last label
    ("output\n(Cluster EmailCluster)> ", "(Cluster EmailCluster)>"),
    ("output\n(Group Main_Group)> ", "(Group Main_Group)>"),
    ("output\n(Machine esa1.example.com)> ", "(Machine esa1.example.com)>"),
    ("output\nesa1.example.com (SERVICE)> ", "esa1.example.com (SERVICE)>"),   # published transcript
])
def test_main_prompts(text, prompt):
    assert dlg.classify(text) == ("main", prompt)


@pytest.mark.parametrize("text", [
    "Enter the name.\n[]> ", "Are you sure? [Y]> ", "Enter the size.\n[10M]> ", "Enter the text.\n> ",
    "Enter the name:> ",                                                   # 12.0 and later
    "Enter filter script. Enter '.' on its own line to end.\n",            # no prompt at all (technote 118145)
    "Enter your custom SMTP response. Press Enter on a blank line to finish.\n",
])
def test_questions_by_their_sub_prompt(text):
    assert dlg.classify(text)[0] == "question"


def test_pager_anywhere_and_its_text_is_kept_for_the_question():
    """12.0+: the pager can stop a question's numbered list; the item after the stop is still chosen."""
    replay = Replay([
        ("hostaccess", menu("NEW", "EDIT")),
        ("EDIT", "\nChoose the sender group to edit:\n1. BLOCKED_LIST\n2. SUSPECTLIST\n-Press Any Key For More-"),
        ("", "\r                        \r3. UNKNOWNLIST\n4. PARTNERS\n[]> "),
        ("4", menu("NEW", "DELETE")),
        ("", HOST),
    ])
    rules = [dlg.Rule(r"Choose the operation", ["EDIT", ""], menu=True),
             dlg.Rule(r"sender group to edit", "choose:^PARTNERS$")]
    result = replay.run("hostaccess", rules)
    assert result["transcript"][1]["answer"] == "4"
    assert dlg.PAGER not in result["output"]


def test_pager_in_a_listing_is_removed():
    replay = Replay([("smtproutes", menu("NEW", "PRINT")), ("PRINT", "line 1\nline 2\n-Press Any Key For More-"), ("", "line 3\n" + menu("PRINT")),
                     ("", HOST)])
    result = replay.run("smtproutes", [dlg.Rule(r"Choose the operation", ["PRINT", ""], menu=True)])
    assert "line 1\nline 2\nline 3" in result["output"] and dlg.PAGER not in result["output"]


# -- prompt-less input ---------------------------------------------------------------------------------------------
def test_block_is_one_write_on_a_multiline_transport():
    replay = Replay([
        ("filters", "There are currently 0 filters defined.\n" + menu("NEW", "IMPORT")),
        ("NEW", "\nEnter filter script. Enter '.' on its own line to end.\n"),
        ("f1: if (true) { log('f1'); }\n.", "f1: if (true) { log('f1'); }\n.\n1 filters added.\n" + menu("NEW", "DETAIL")),
        ("", HOST),
    ], multiline=True)
    rules = [dlg.Rule(r"Choose the operation", ["NEW", ""], menu=True),
             dlg.Rule(r"Enter filter script", ["f1: if (true) { log('f1'); }", "."], block=True)]
    result = replay.run("filters", rules)
    assert "1 filters added." in result["output"]
    assert [step["answer"] for step in result["transcript"][1:3]] == ["f1: if (true) { log('f1'); }", "."]


def test_block_line_by_line_when_the_transport_waits_per_line():
    replay = Replay([
        ("filters", "There are currently 0 filters defined.\n" + menu("NEW", "IMPORT")),
        ("NEW", "\nEnter filter script. Enter '.' on its own line to end.\n"),
        ("f1: if (true) {", ""), ("  log('f1');", ""), ("}", ""),
        (".", "1 filters added.\n" + menu("NEW", "DETAIL")),
        ("", HOST),
    ])
    rules = [dlg.Rule(r"Choose the operation", ["NEW", ""], menu=True),
             dlg.Rule(r"Enter filter script", ["f1: if (true) {", "  log('f1');", "}", "."], block=True)]
    assert "1 filters added." in replay.run("filters", rules)["output"]


def test_unknown_question_still_fails():
    replay = Replay([("filters", menu("NEW", "IMPORT")), ("NEW", "\nSomething the driver never saw? [N]> ")])
    with pytest.raises(dlg.DialogueError, match="unexpected question"):
        dlg.run_dialogue(replay.send, "filters", [dlg.Rule(r"Choose the operation", ["NEW"], menu=True)])


# -- the release ---------------------------------------------------------------------------------------------------
VERSION = "Current Version\n===============\nProduct: Cisco C100V Email Security Virtual Appliance\nModel: C100V\n" \
          "Version: %s\nBuild Date: 2021-01-01\n" + HOST


@pytest.mark.parametrize("version, release, documented", [
    ("11.0.3-238", "11.0.3", True), ("13.5.1-277", "13.5.1", True), ("14.1.1-010", "14.1.1", True),
    ("16.0.3-014", "16.0.3", False),
])
def test_version_is_read_once_per_login(version, release, documented):
    replay = Replay([("version", VERSION % version), ("smtproutes", menu("NEW", "PRINT")), ("", HOST),
                     ("destconfig", menu("NEW", "DEFAULT")), ("", HOST)])
    cli = CliSession(replay.send, lambda: "login-1", lambda: "esa1.example.com>", lambda: True)
    cli.run_dialogue("smtproutes", [dlg.Rule(r"Choose the operation", [""], menu=True)])
    cli.run_dialogue("destconfig", [dlg.Rule(r"Choose the operation", [""], menu=True)])
    state = cli.session_state()
    assert (state["version"], state["release"]) == (version, release)
    assert cli.release()["model"] == "C100V"
    assert replay.typed.count("version") == 1
    found = rel.Release(state["release"])
    assert found.known and found.documented == documented and found.warning() is None


def test_unknown_release_warns_and_is_the_most_tolerant():
    assert parse_version("no version here") == dict(version=None, release=None, model=None)
    unknown = rel.Release(None)
    assert not unknown.known and "not one this collection knows" in unknown.warning()
    assert unknown.asks(rel.POLICY_SCANNERS) and unknown.asks(rel.DANE)
    assert not rel.Release("11.0.0").asks(rel.DANE) and rel.Release("12.0.0").asks(rel.DANE)
    assert not rel.Release("13.8.0").asks(rel.POLICY_SCANNERS) and rel.Release("13.8.7").asks(rel.POLICY_SCANNERS)
    assert rel.Release("15.5.1").asks(rel.POLICY_SCANNERS) and rel.Release("15.5.1").warning() is None


@pytest.mark.parametrize("items", ["1. Accept\n2. Relay", "1) Accept\n2) Relay", "1: Accept\n2: Relay",
                                   "  1  Accept\n  2  Relay"])
def test_numbered_list_item_forms(items):
    """The library's list parser accepts ``N.``, ``N)``, ``N:`` and ``N`` followed by two spaces."""
    assert dlg.choose_option("Select a behavior:\n%s\n[1]> " % items, "^Relay$") == "2"
