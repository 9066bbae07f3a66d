# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The input check of every value typed at the AsyncOS CLI (inputs.py) and the dialogue engine's last guard."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue, inputs


@pytest.mark.parametrize("value, what", [
    ("a\nb", "a newline"),
    ("a\rb", "a carriage return"),
    ("a\x03", "Ctrl-C"),
    ("a\x7f", "DEL"),
    ("\x00", "NUL"),
    ("a\tb", "a tab"),
    ("\x1b[A", "ESC"),
    (u"a\u2028b", "U+2028"),
    (u"a\u0085b", "U+0085"),
    (u"a\u202eb", "U+202E"),
    (u"a\u200bb", "U+200B"),
])
def test_a_one_line_value_with_a_control_character_is_refused_naming_the_field(value, what):
    text = inputs.problem(value, "config[0].comment")
    assert text.startswith("config[0].comment: contains ")
    assert what in text
    assert "one line of printable text" in text


@pytest.mark.parametrize("value", ["plain", "with spaces and punctuation: ;,.!?", u"caf\u00e9 \u65e5\u672c", "", "x" * 500])
def test_printable_text_passes(value):
    assert inputs.problem(value, "comment") is None


def test_the_error_never_repeats_the_value():
    secret = "s3cr3t-passphrase\nclear"
    text = inputs.problem(secret, "config[0].passphrase")
    assert "s3cr3t" not in text and "clear" not in text
    assert "position 18" in text


def test_a_filter_body_may_hold_lines_but_no_control_characters():
    assert inputs.problem('if true {\n  drop();\n}\n', "config[0].body", multiline="body") is None
    text = inputs.problem('if true {\n  drop();\r\n}', "config[0].body", multiline="body")
    assert "carriage return at line 2, column 10" in text
    text = inputs.problem('if header("X") == "a\x7fb" {\n drop();\n}', "config[0].body", multiline="body")
    assert "DEL" in text and "line 1" in text


def test_a_filter_body_line_holding_only_a_dot_would_end_the_script():
    text = inputs.problem('if true {\n.\nclear\n}', "config[1].body", multiline="body")
    assert text.startswith("config[1].body: line 2 is '.'")


def test_an_smtp_response_may_hold_lines_but_no_empty_line_inside():
    assert inputs.problem("Go away\nnow\n", "config[0].smtp_response.text", multiline="text") is None
    assert inputs.problem("", "config[0].smtp_response.text", multiline="text") is None
    text = inputs.problem("Go away\n\ncommit", "config[0].smtp_response.text", multiline="text")
    assert text.startswith("config[0].smtp_response.text: line 2 is empty")
    assert inputs.problem("\nhidden", "t", multiline="text").startswith("t: line 1 is empty")


def test_check_params_walks_lists_and_dicts_and_names_every_field():
    params = dict(comment="ok", listener="IncomingMail", running_config="offline\ntext is not typed",
                  config=[dict(name="A", members=["192.0.2.1", "bad\nmember"]), dict(name="B\x03", body="x\ny")])
    with pytest.raises(ValueError) as info:
        inputs.check_params(params)
    message = str(info.value)
    assert "config[0].members[1]: contains a newline" in message
    assert "config[1].name: contains Ctrl-C" in message
    assert "body" not in message and "running_config" not in message
    assert message.endswith("Nothing was read or written.")


def test_non_string_values_are_not_checked():
    assert inputs.problems(dict(config=[dict(port=25, enabled=True, nothing=None)])) == []


def test_the_dialogue_engine_types_nothing_when_an_answer_is_not_one_line():
    sent = []
    rules = [dialogue.Rule(r"comments", "fine\ncommit"), dialogue.Rule(r"rollback", "Y")]
    with pytest.raises(dialogue.DialogueError) as info:
        dialogue.run_dialogue(sent.append, "commit", rules)
    assert sent == []
    assert "nothing was typed" in info.value.message
    with pytest.raises(dialogue.DialogueError):
        dialogue.run_dialogue(sent.append, "smtproutes\nclear", [])
    assert sent == []


def test_the_engine_guard_does_not_show_a_secret_answer():
    rules = [dialogue.Rule(r"passphrase", "pa\nss", secret=True)]
    with pytest.raises(dialogue.DialogueError) as info:
        dialogue.run_dialogue(lambda line: "", "sslconfig", rules)
    assert "secret answer" in info.value.message and "pa\nss" not in info.value.message
