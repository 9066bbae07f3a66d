# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The message filter syntax check and normal form (docs/asyncos-cli.md, section 9).

The shared corpus (filter_corpus.py, beside this file) is also run against the lab's checker
(tests/lab/test_lab_filters.py): both must accept and refuse the same scripts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import filter_language as fl
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import message_filters as mf


def _load_corpus():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "filter_corpus.py")
    namespace = {}
    with open(path) as handle:
        exec(compile(handle.read(), path, "exec"), namespace)  # pylint: disable=exec-used
    return namespace["ACCEPTED"], namespace["REFUSED"]


ACCEPTED, REFUSED = _load_corpus()


@pytest.mark.parametrize("text,filters,why", ACCEPTED, ids=[item[2] for item in ACCEPTED])
def test_corpus_accepted(text, filters, why):
    parsed = fl.parse(text)
    assert [(item["name"], item["active"]) for item in parsed] == filters, why
    # the normal form is itself a valid body, with the same normal form
    for item in parsed:
        assert fl.normalise(item["body"]) == item["body"]


@pytest.mark.parametrize("text,why", REFUSED, ids=[item[1] for item in REFUSED])
def test_corpus_refused(text, why):
    with pytest.raises(fl.FilterSyntaxError) as exc:
        fl.check(text)
    assert re.search(r"\(line \d+, column \d+\)$", str(exc.value)), why


BAD = [
    ("", "empty filter"),
    ("nocolon if (true) { drop(); }", "expected ':'"),
    ("bad.name: if (true) { drop(); }", "unexpected character '.'"),
    ("if: if (true) { drop(); }", "expected a filter name"),
    ("true: if (true) { drop(); }", "invalid filter name 'true'"),
    ("x: if (subject > 'a') { drop(); }", "cannot be used with the rule 'subject'"),
    ("x: if (body-size == 'big') { drop(); }", "expected a number"),
    ("x: if (true == 'a') { drop(); }", "cannot be compared"),
    ("x: if (true()) { drop(); }", "the rule 'true' takes no arguments"),
    ("x: if (header('a', 'b')) { drop(); }", "takes 1 arguments, not 2"),
    ("x: if (addr-count() > 1) { drop(); }", "takes 1 or more arguments, not 0"),
    ("x: if (true) { strip-header(); }", "takes 1 arguments, not 0"),
    ("x: if (true) { drop('now'); }", "takes 0 arguments, not 1"),
    ("x: if (subject) { drop(); }", "expected a comparison operator"),
    ("x: if (foo == 'a') { drop(); }", "unknown rule 'foo'"),
    ("x: if (true) { explode(); }", "unknown action 'explode'"),
    ("x: if (true) { drop() }", "expected ';'"),
    ("x: if (true) { drop; }", "expected '(' after the action 'drop'"),
    ("x: if (true { drop(); }", "expected ')'"),
    ("x: if (true) drop();", "expected '{'"),
    ("x: if (true) { drop();", "expected '}'"),
    ("x: if (subject == 'a\") { drop(); }", "unterminated string"),
    ("x: if (subject == 'a\nb') { drop(); }", "unterminated string"),
    ("x: if (subject == ) { drop(); }", "expected a quoted string"),
    ("x: if (subject == unquoted) { drop(); }", "expected a quoted string"),
    ("x: if (true) { notify(admin); }", "expected a quoted string or a number"),
    ("x: if () { drop(); }", "expected a rule"),
    ("x: if (true) { drop(); } else", "expected '{'"),
    ("x: if (true) { drop(); } else { drop(); } else { drop(); }", "expected a filter name"),
    ("x: if (true) { drop(); } $", "unexpected character"),
    ("x: if (body-size > 10Mx) { drop(); }", "invalid number"),
    ("x: if (true and) { drop(); }", "expected a rule"),
    ("x: if (subject == 'a' 'b') { drop(); }", "expected ')'"),
    ("x: if (true) { strip-header('a' 'b'); }", "expected ',' or ')'"),
    ("x: { drop(); }", "expected 'if'"), ("x: drop();", "expected 'if'"),
    ("x: if (true) { drop(); }\x03", "control character '\\x03' is not allowed (line 1, column 25)"),
    ("x: if (true) {\r\n drop(); }", "control character '\\r' is not allowed (line 1, column 15)"),
    ("x: if (subject == 'a\x7f') { drop(); }", "control character '\\x7f'"),
]


@pytest.mark.parametrize("text,message", BAD)
def test_bad_filters_fail_with_position(text, message):
    with pytest.raises(fl.FilterSyntaxError) as exc:
        fl.check(text)
    assert message in str(exc.value)
    assert "line" in str(exc.value) and "column" in str(exc.value)


def test_several_filters_in_order():
    text = "b: if (true) { drop(); }\na! if (true) { bounce(); } c: if (true) { deliver(); }"
    assert fl.check(text) == [("b", "if (true) { drop(); }"), ("a", "if (true) { bounce(); }"),
                              ("c", "if (true) { deliver(); }")]
    assert [item["active"] for item in fl.parse(text)] == [True, False, True]


def test_duplicate_names_ignore_case_and_name_both():
    with pytest.raises(fl.FilterSyntaxError) as exc:
        fl.check("Office: if (true) { drop(); }\nother: if (true) { drop(); }\noffice: if (true) { drop(); }")
    assert str(exc.value) == ("duplicate filter name 'office': the filter 'Office' (line 1) has the same name "
                              "(names are compared without regard to case) (line 3, column 1)")


def test_normalise_refuses_a_second_filter():
    with pytest.raises(fl.FilterSyntaxError) as exc:
        fl.normalise("if (true) { drop(); } other: if (true) { bounce(); }")
    assert "more than one filter (a second filter 'other' starts here)" in str(exc.value)
    assert (exc.value.line, exc.value.column) == (1, 23)
    with pytest.raises(fl.FilterSyntaxError) as exc:
        fl.normalise("if (true) { drop(); }\nother! if (true) { bounce(); }")
    assert (exc.value.line, exc.value.column) == (2, 1)


def test_normalise_refuses_a_named_body():
    with pytest.raises(fl.FilterSyntaxError) as exc:
        fl.normalise("other: if (true) { drop(); }")
    assert "the body starts with the filter name 'other'" in str(exc.value)


def test_module_entry_with_two_filters_is_refused():
    """esa_message_filters takes one filter per config entry: the error names the field and the rule."""
    entry = dict(name="a", body="a: if (true) { drop(); }\nb: if (true) { bounce(); }")
    with pytest.raises(mf.FilterError) as exc:
        mf.normalise_entry(entry, 2)
    message = str(exc.value)
    assert message.startswith("config[2].body: invalid filter syntax: the body holds more than one filter")
    assert "'b'" in message and "(line 2, column 1)" in message


def test_normal_form_ignores_layout_and_comments():
    a = 'f: if (sendergroup == "G" and header("X-A") == "^s$") # why\n{ strip-header ( "X-A" ) ; }\nelse { drop(); }'
    b = 'f:\nif (sendergroup == "G" and header("X-A") == "^s$") {\n    strip-header("X-A");\n} else {\n    drop();\n}\n'
    assert fl.check(a) == fl.check(b)
    assert fl.check(a)[0][1] == 'if (sendergroup == "G" and header("X-A") == "^s$") { strip-header("X-A"); } else { drop(); }'


def test_normal_form_of_lists_and_negative_numbers():
    assert fl.normalise("if url-category ( [ 'A' , 'B' ] , 'w' ) and reputation<-7.5 { drop ( ) ; }") == \
        "if url-category(['A', 'B'], 'w') and reputation < -7.5 { drop(); }"


def test_normal_form_keeps_string_content():
    assert fl.check('f: if (subject == "A  B") { drop(); }') != fl.check('f: if (subject == "A B") { drop(); }')


def test_error_position():
    with pytest.raises(fl.FilterSyntaxError) as exc:
        fl.check("x:\nif (true) {\n  explode();\n}")
    assert (exc.value.line, exc.value.column) == (3, 3)


# -- header names and the values tested for them (issue 15) -------------------------------------------------


def test_header_names_lists_every_header_argument_with_its_position():
    body = 'if header("A") == "x" and header-repeats("B", 2) {\n  strip-header(\'C\'); insert-header("D", "v"); }'
    assert fl.header_names(body) == [("header", "A", 1, 11), ("header-repeats", "B", 1, 42), ("strip-header", "C", 2, 16),
                                     ("insert-header", "D", 2, 36)]


@pytest.mark.parametrize("name,problem", [
    ("X-OUTBOUND-AUTH", None), ("x!#$%&'*+-.^_`|~9", None), ("X Y", "it contains a space at position 2"),
    ("X:Y", "it contains ':' at position 2"), ("X\tY", "it contains a tab at position 2"), ("", "it is empty"),
    (u"X\u00e9", "it contains the character U+00E9 at position 2"), ("X\x7f", "it contains the character U+007F"),
])
def test_header_name_problem(name, problem):
    found = fl.header_name_problem(name)
    assert (found is None) if problem is None else found.startswith(problem)


def test_header_values_and_their_masking_in_valid_and_broken_text():
    headers = ["X-OUTBOUND-AUTH", "x-key"]
    text = ('office365_outbound: if header("x-outbound-auth") == "^abc$" and header ( \'X-Key\' )  !=  \'k\\\'ey\' '
            '{ insert-header("X-KEY", "new"); edit-header-text("X-Key", "a", "b"); insert-header("X-Other", "keep"); '
            'strip-header("X-OUTBOUND-AUTH"); }')
    assert fl.header_values(text, headers) == ["^abc$", "k\\'ey", "new", "a", "b"]
    assert fl.mask_header_values(text, headers, "***") == (
        'office365_outbound: if header("x-outbound-auth") == "***" and header ( \'X-Key\' )  !=  \'***\' '
        '{ insert-header("X-KEY", "***"); edit-header-text("X-Key", "***", "***"); insert-header("X-Other", "keep"); '
        'strip-header("X-OUTBOUND-AUTH"); }')
    broken = 'if header("X-OUTBOUND-AUTH") == "^abc$" { drop(); } "unterminated'
    assert fl.header_values(broken, headers) == ["^abc$"]
    assert fl.mask_header_values(broken, headers, "***").startswith('if header("X-OUTBOUND-AUTH") == "***" {')
    # a rule name that merely ends in "header" is not the header rule
    assert fl.mask_header_values('my-header("X-KEY") == "v"', headers, "***") == 'my-header("X-KEY") == "v"'
    assert fl.header_values(text, []) == [] and fl.mask_header_values(text, [], "***") == text
