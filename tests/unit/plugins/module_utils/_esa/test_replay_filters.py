# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replay of ``filters`` (divergence 2 of the evidence review): the menu of an appliance without filters offers
only NEW and IMPORT; after NEW the CLI takes the script with no prompt until a ``.`` line and answers
``N filters added.`` (technote 118145; ctor/filters.py, identical in every release 11.0-14.1, so one transcript
serves 11.0, 13.x and 14.1)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import message_filters as mf
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Plan, Snapshot
from ansible_collections.mailops.secure_email.tests.unit.plugins.module_utils._esa.test_replay_dialogue import (
    HOST, Replay, menu)

EMPTY_MENU = "There are currently 0 filters defined.\n" + menu("NEW", "IMPORT")
FULL_MENU = "There are currently 1 filters defined.\n" + menu(
    "NEW", "DELETE", "IMPORT", "EXPORT", "MOVE", "SET", "LIST", "DETAIL", "LOGCONFIG", "ROLLOVERNOW")
SCRIPT_QUESTION = "\nEnter filter script. Enter '.' on its own line to end.\n"


def _new_script(entry):
    kind = mf.MessageFilters()
    return kind.render(Plan([("create", entry)], [], [entry]), Snapshot([]))


@pytest.mark.parametrize("release", ["11.0", "13.5", "14.1"])
def test_read_of_an_appliance_without_filters_leaves_the_short_menu(release):
    script = mf.SOURCE.script()
    replay = Replay([("filters", EMPTY_MENU), ("", HOST)])
    result = replay.run(script.command, script.rules())
    assert mf.SOURCE.prepare(result["output"]) == []


@pytest.mark.parametrize("multiline", [False, True])
def test_new_types_the_script_and_the_dot_without_prompts(multiline):
    entry = mf.normalise_entry(dict(name="f1", body='if (true) { log("f1"); }', active=True))
    lines = mf.script_lines(entry)
    assert lines[-1] == "."
    script = _new_script(entry)
    if multiline:
        steps = [("\n".join(lines), "1 filters added.\n" + FULL_MENU)]
    else:
        steps = [(line, "") for line in lines[:-1]] + [(".", "1 filters added.\n" + FULL_MENU)]
    replay = Replay([("filters", EMPTY_MENU), ("NEW", SCRIPT_QUESTION)] + steps + [("", HOST)], multiline=multiline)
    result = replay.run(script.command, script.rules())
    assert "1 filters added." in result["output"]
    assert script.commands() == ["filters", "NEW"] + lines + ["<Enter>"]


def test_a_refused_script_fails_with_the_appliance_text():
    entry = mf.normalise_entry(dict(name="f1", body='if (true) { log("f1"); }', active=True))
    script = _new_script(entry)
    lines = mf.script_lines(entry)
    replay = Replay([("filters", EMPTY_MENU), ("NEW", SCRIPT_QUESTION)] + [(line, "") for line in lines[:-1]]
                    + [(".", "Invalid filter syntax: line 1\n" + EMPTY_MENU)])
    with pytest.raises(dlg.DialogueError, match="Invalid filter syntax"):
        replay.run(script.command, script.rules())
