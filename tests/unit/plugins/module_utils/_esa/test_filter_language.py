# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The message filter syntax check and normal form."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import filter_language as fl

GOOD = [
    'expedite:\nif (recv-listener == \'InboundMail\' or recv-int == \'notmain\')\n{\n    alt-src-host(\'outbound1\');\n'
    '    skip-filters();\n}\nelse\n{\n    alt-src-host(\'outbound2\');\n}',
    'test5: if (true) { log-entry(\'testing_log\'); }',
    'drop_huge_presentations:\nif (mail-from-group == "Sales") AND (attachment-filename ==\n"(?i)\\\\.(ppt|pptx)$") AND '
    '(attachment-size >= 10M) {\ndrop-attachments-where-contains ("(?i)\\\\.(ppt|pptx)$", "Large presentation\ndropped.");\n}',
    'office365_outbound: if (sendergroup == "RELAY_O365") { if header("X-OUTBOUND-AUTH") == "^abc123$" '
    '{ strip-header("X-OUTBOUND-AUTH"); } else { drop(); } }',
    'o365: if (sendergroup == "RELAY_O365" and header("X-OUTBOUND-AUTH") == "^abc$") { strip-header("X-OUTBOUND-AUTH"); } '
    'else { drop(); }',
    'a: if not (subject == "x") { deliver(); }',
    'b: if (remote-ip == \'10.1.1.0/24\') { drop(); }',
    'c: if rcpt-to == "@example\\\\.com$" { bcc("audit@example.com"); }',
    'd: if (body-size > 5M) { bounce(); }',
    'e: if header(\'X-Foo\') { strip-header(\'X-Foo\'); }',
    'f: if (random(10) < 5) { tag-message("half"); }',
    'g: if (rcpt-count >= 10) { quarantine("Policy"); }',
    'h: if (date > "01/01/2026 00:00:00") { log-entry("late"); }',
    'i: if (sendergroup != "TRUSTED") { skip-spamcheck(); }',
    'j: if (true) { drop(); }',
    'k: if (true) { } else { drop(); }',
    'l: if (subject == "a") { drop(); } else if (subject == "b") { bounce(); } else { deliver(); }',
    'm: if ((subject == "a" or subject == "b") and not encrypted) { notify("x@example.com"); }',
    'n: if (spf-status == "fail") { quarantine("Policy"); }',
    'o: if dnslist(\'bl.example\') { drop(); }',
    'first: if (true) { skip-filters(); }\nsecond: if (true) { drop(); }',
    '# a comment\np: if (true) { # inline\n drop(); }',
]

BAD = [
    ("", "empty filter"),
    ("nocolon if (true) { drop(); }", "expected ':'"),
    ("bad.name: if (true) { drop(); }", "invalid filter name"),
    ("if: if (true) { drop(); }", "expected a filter name"),
    ("x: if (subject > 'a') { drop(); }", "cannot be used with the rule 'subject'"),
    ("x: if (body-size == 'big') { drop(); }", "expected a number"),
    ("x: if (true == 'a') { drop(); }", "cannot be compared"),
    ("x: if (header('a', 'b')) { drop(); }", "takes 1 arguments, not 2"),
    ("x: if (true) { strip-header(); }", "takes 1 arguments, not 0"),
    ("x: if (true) { drop('now'); }", "takes 0 arguments, not 1"),
    ("x: if (subject) { drop(); }", "expected a comparison operator"),
    ("x: if (foo == 'a') { drop(); }", "unknown rule 'foo'"),
    ("x: if (true) { explode(); }", "unknown action 'explode'"),
    ("x: if (true) { drop() }", "expected ';'"),
    ("x: if (true { drop(); }", "expected ')'"),
    ("x: if (true) drop();", "expected '{'"),
    ("x: if (true) { drop();", "expected '}'"),
    ("x: if (subject == 'a\") { drop(); }", "unterminated string"),
    ("x: if (subject == ) { drop(); }", "expected a quoted string"),
    ("x: if (subject == unquoted) { drop(); }", "expected a quoted string"),
    ("x: if () { drop(); }", "expected a rule"),
    ("x: if (true) { drop(); } else", "expected '{'"),
    ("x: if (true) { drop(); } y: if (true) { drop(); } y: if (true) { drop(); }", "duplicate filter name"),
    ("x: if (true) { drop(); } $", "unexpected character"),
    ("x: if (true and) { drop(); }", "expected a rule"),
    ("x: if (subject == 'a' 'b') { drop(); }", "expected ')'"),
    ("x: if (true) { strip-header('a' 'b'); }", "expected ')'"),
    ("x: { drop(); }", "expected 'if'"), ("x: drop();", "expected 'if'"),
]


@pytest.mark.parametrize("text", GOOD)
def test_good_filters_pass(text):
    assert fl.check(text)


@pytest.mark.parametrize("text,message", BAD)
def test_bad_filters_fail_with_position(text, message):
    with pytest.raises(fl.FilterSyntaxError) as exc:
        fl.check(text)
    assert message in str(exc.value)
    assert "line" in str(exc.value) and "column" in str(exc.value)


def test_normal_form_ignores_layout_and_comments():
    a = 'f: if (sendergroup == "G" and header("X-A") == "^s$") # why\n{ strip-header ( "X-A" ) ; }\nelse { drop(); }'
    b = 'f:\nif (sendergroup == "G" and header("X-A") == "^s$") {\n    strip-header("X-A");\n} else {\n    drop();\n}\n'
    assert fl.check(a) == fl.check(b)
    assert fl.check(a)[0][1] == 'if (sendergroup == "G" and header("X-A") == "^s$") { strip-header("X-A"); } else { drop(); }'


def test_normal_form_keeps_string_content():
    assert fl.check('f: if (subject == "A  B") { drop(); }') != fl.check('f: if (subject == "A B") { drop(); }')


def test_error_position():
    with pytest.raises(fl.FilterSyntaxError) as exc:
        fl.check("x:\nif (true) {\n  explode();\n}")
    assert (exc.value.line, exc.value.column) == (3, 3)
