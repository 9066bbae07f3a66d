# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AsyncOS message filter language: tokens, a syntax check and a normal form.

This module is PRIVATE to the collection. It can change at any time.

Grammar (docs/asyncos-cli.md, "filters and the filter language")::

    script    := filter+
    filter    := NAME ":" "if" cond block ( "else" ( "if" cond block | block ) )*
    block     := "{" action* "}"
    action    := ACTION_NAME "(" [ value ("," value)* ] ")" ";"
    cond      := disj ;  disj := conj ("or" conj)* ;  conj := unary ("and" unary)*
    unary     := "not" unary | "(" cond ")" | test
    test      := RULE_NAME [ "(" [ value ("," value)* ] ")" ] [ OP value ]
    value     := STRING | NUMBER

Comments (``#`` to the end of the line) are not part of a filter: the
appliance does not keep them, so they are dropped before comparing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Rules (conditions) and actions named in the user guide (docs/asyncos-cli.md, "filters and the filter language"), grouped by how they are
# used: the lab applies the same grouping (lab/README.md, "filters"), so what passes here passes there.
# A string rule is compared with == or != to a quoted string; a number rule with any operator to a
# number; a date rule to a quoted date; a bare rule stands alone; a rule with arguments takes a count
# of arguments and an optional comparison.
STRING_RULES = frozenset((
    "subject", "mail-from", "mail-from-group", "rcpt-to", "rcpt-to-group", "sendergroup", "remote-ip", "recv-int",
    "recv-listener", "spf-status", "image-verdict", "attachment-filename", "attachment-type", "attachment-filetype",
    "attachment-mimetype", "url-category"))
NUMBER_RULES = frozenset(("body-size", "attachment-size", "rcpt-count", "reputation", "workqueue-count"))
DATE_RULES = frozenset(("date",))
BARE_RULES = frozenset(("true", "valid", "encrypted", "signed", "attachment-protected", "attachment-unprotected",
                        "spf-passed", "no-reputation"))
ARGUMENT_RULES = {
    "header": (1, 1), "random": (1, 1), "addr-count": (0, 0), "body-contains": (1, 2), "only-body-contains": (1, 2),
    "attachment-contains": (1, 2), "attachment-binary-contains": (1, 2), "every-attachment-contains": (1, 2),
    "dnslist": (1, 2), "dictionary-match": (1, 1), "subject-dictionary-match": (1, 1), "mail-from-dictionary-match": (1, 1),
    "rcpt-to-dictionary-match": (1, 1), "attachment-dictionary-match": (1, 1), "body-dictionary-match": (1, 1),
    "header-dictionary-match": (2, 2), "smtp-auth-id-matches": (1, 2), "signed-certificate": (1, 1),
    "url-reputation": (2, 6), "url-category": (1, 6),
}
RULES = STRING_RULES | NUMBER_RULES | DATE_RULES | BARE_RULES | frozenset(ARGUMENT_RULES)
# Actions with their (least, most) numbers of arguments.
ACTION_ARGUMENTS = {
    "deliver": (0, 0), "drop": (0, 0), "bounce": (0, 0), "skip-filters": (0, 0), "skip-spamcheck": (0, 0),
    "skip-viruscheck": (0, 0), "skip-ampcheck": (0, 0), "skip-vofcheck": (0, 0), "skip-marketingcheck": (0, 0),
    "skip-socialcheck": (0, 0), "skip-bulkcheck": (0, 0), "skip-graymailcheck": (0, 0), "html-convert": (0, 0),
    "alt-src-host": (1, 1), "alt-rcpt-to": (1, 1), "alt-mailhost": (1, 1), "notify": (1, 4), "notify-copy": (1, 4),
    "bcc": (1, 4), "bcc-scan": (1, 4), "log-entry": (1, 1), "log": (1, 1), "quarantine": (1, 1),
    "duplicate-quarantine": (1, 1), "archive": (1, 1), "strip-header": (1, 1), "insert-header": (2, 2),
    "edit-header-text": (3, 3), "edit-body-text": (2, 2), "add-footer": (1, 1), "add-heading": (1, 1),
    "bounce-profile": (1, 1), "encrypt-deferred": (1, 1), "tag-message": (1, 1), "drop-attachments-by-name": (1, 2),
    "drop-attachments-by-size": (1, 2), "drop-attachments-by-type": (1, 2), "drop-attachments-by-filetype": (1, 2),
    "drop-attachments-by-mimetype": (1, 2), "drop-attachments-where-contains": (1, 3),
    "drop-attachments-where-dictionary-match": (1, 3),
}
ACTIONS = frozenset(ACTION_ARGUMENTS)
RESERVED_NAMES = frozenset(("if", "else", "and", "or", "not", "true", "false", "valid"))
OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
KEYWORDS = frozenset(("if", "else", "and", "or", "not"))

_TOKEN_RE = re.compile(r"""
    (?P<space>[ \t\r\n]+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<number>\d+(?:\.\d+)?[KkMmGg]?(?![A-Za-z0-9_]))
  | (?P<op>==|!=|<=|>=|<|>)
  | (?P<punct>[(){};,:])
  | (?P<name>[A-Za-z_][A-Za-z0-9_.-]*)
""", re.VERBOSE)


class FilterSyntaxError(ValueError):
    """A syntax error; ``line`` and ``column`` point at it (1-based)."""

    def __init__(self, message, line, column):
        super(FilterSyntaxError, self).__init__("%s (line %d, column %d)" % (message, line, column))
        self.line = line
        self.column = column


def tokenize(text):
    """List of (kind, value, line, column); comments and spaces dropped."""
    tokens = []
    pos = 0
    line, line_start = 1, 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match:
            char = text[pos]
            if char in "\"'":
                raise FilterSyntaxError("unterminated string", line, pos - line_start + 1)
            raise FilterSyntaxError("unexpected character %r" % char, line, pos - line_start + 1)
        kind = match.lastgroup
        value = match.group(kind)
        if kind not in ("space", "comment"):
            if kind == "name" and value.lower() in KEYWORDS:
                kind, value = "keyword", value.lower()
            tokens.append((kind, value, line, pos - line_start + 1))
        newlines = value.count("\n")
        if newlines:
            line += newlines
            line_start = match.start() + value.rfind("\n") + 1
        pos = match.end()
    return tokens


class _Parser(object):

    def __init__(self, text):
        self.tokens = tokenize(text)
        self.pos = 0
        self.filters = []

    def peek(self, offset=0):
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "", 0, 0)

    def error(self, message, token=None):
        token = token or self.peek()
        if token[0] == "end":
            last = self.tokens[-1] if self.tokens else ("end", "", 1, 1)
            raise FilterSyntaxError(message + " at the end of the filter", last[2], last[3] + len(last[1]))
        raise FilterSyntaxError("%s, found %r" % (message, token[1]), token[2], token[3])

    def take(self, kind, value=None, what=None):
        token = self.peek()
        if token[0] != kind or (value is not None and token[1] != value):
            self.error("expected %s" % (what or repr(value) if value else what or kind))
        self.pos += 1
        return token

    def script(self):
        if not self.tokens:
            raise FilterSyntaxError("empty filter", 1, 1)
        while self.peek()[0] != "end":
            self.filter()
        return self.filters

    def filter(self):
        name = self.take("name", what="a filter name")
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_-]{0,79}$", name[1]) or name[1].lower() in RESERVED_NAMES:
            raise FilterSyntaxError("invalid filter name %r (a letter or '_', then letters, digits, '_' or '-'; "
                                    "not a reserved word)" % name[1], name[2], name[3])
        self.take("punct", ":", what="':' after the filter name")
        start = self.pos
        if self.peek()[:2] != ("keyword", "if"):
            self.error("expected 'if' (use 'if (true)' for a filter that always applies)")
        self.if_chain()
        self.filters.append((name[1], self.tokens[start:self.pos]))

    def if_chain(self):
        self.take("keyword", "if")
        self.condition()
        self.block()
        while self.peek()[:2] == ("keyword", "else"):
            self.pos += 1
            if self.peek()[:2] == ("keyword", "if"):
                self.pos += 1
                self.condition()
            self.block()

    def block(self):
        self.take("punct", "{", what="'{'")
        while self.peek()[:2] != ("punct", "}"):
            if self.peek()[0] == "end":
                self.error("expected '}'")
            if self.peek()[:2] == ("keyword", "if"):
                self.if_chain()
            else:
                self.action()
        self.take("punct", "}")

    def action(self):
        name = self.take("name", what="an action")
        if name[1].lower() not in ACTIONS:
            raise FilterSyntaxError("unknown action %r" % name[1], name[2], name[3])
        count = self.arguments(required=True)
        low, high = ACTION_ARGUMENTS[name[1].lower()]
        if not low <= count <= high:
            raise FilterSyntaxError("the action %r takes %s arguments, not %d" % (name[1], _range(low, high), count),
                                    name[2], name[3])
        self.take("punct", ";", what="';' after the action")

    def arguments(self, required):
        """``( [value [op value] {, value [op value]}] )``: the number of arguments."""
        if self.peek()[:2] != ("punct", "("):
            if required:
                self.error("expected '('")
            return 0
        self.pos += 1
        if self.peek()[:2] == ("punct", ")"):
            self.pos += 1
            return 0
        count = 0
        while True:
            self.value(allow_name=True)
            if self.peek()[0] == "op":
                self.pos += 1
                self.value()
            count += 1
            if self.peek()[:2] == ("punct", ","):
                self.pos += 1
                continue
            self.take("punct", ")", what="')'")
            return count

    def value(self, allow_name=False, kinds=("string", "number")):
        token = self.peek()
        if token[0] not in kinds and not (allow_name and token[0] == "name"):
            self.error("expected a quoted string or a number" if len(kinds) > 1 else "expected a %s" % (
                "quoted string" if kinds == ("string",) else kinds[0]))
        self.pos += 1

    def test(self, token):
        rule = token[1].lower()
        if rule not in RULES:
            raise FilterSyntaxError("unknown rule %r" % token[1], token[2], token[3])
        self.pos += 1
        if rule in ARGUMENT_RULES:
            if self.peek()[:2] != ("punct", "("):
                self.error("expected '(' after the rule %r" % token[1])
            count = self.arguments(required=True)
            low, high = ARGUMENT_RULES[rule]
            if not low <= count <= high:
                raise FilterSyntaxError("the rule %r takes %s arguments, not %d" % (token[1], _range(low, high), count),
                                        token[2], token[3])
            if self.peek()[0] == "op":
                self.pos += 1
                self.value()
            return
        if rule in BARE_RULES:
            if self.peek()[0] == "op":
                self.error("the rule %r cannot be compared" % token[1])
            return
        operator = self.peek()
        if operator[0] != "op":
            self.error("expected a comparison operator after the rule %r" % token[1])
        if rule in STRING_RULES and operator[1] not in ("==", "!="):
            raise FilterSyntaxError("the operator %r cannot be used with the rule %r" % (operator[1], token[1]),
                                    operator[2], operator[3])
        self.pos += 1
        self.value(kinds=("number",) if rule in NUMBER_RULES else ("string",))

    def condition(self):
        self.conjunction()
        while self.peek()[:2] == ("keyword", "or"):
            self.pos += 1
            self.conjunction()

    def conjunction(self):
        self.unary()
        while self.peek()[:2] == ("keyword", "and"):
            self.pos += 1
            self.unary()

    def unary(self):
        token = self.peek()
        if token[:2] == ("keyword", "not"):
            self.pos += 1
            self.unary()
        elif token[:2] == ("punct", "("):
            self.pos += 1
            self.condition()
            self.take("punct", ")", what="')'")
        elif token[0] == "name":
            self.test(token)
        else:
            self.error("expected a rule")


def _range(low, high):
    return str(low) if low == high else "%d to %d" % (low, high)


def check(text):
    """Parse ``text``; return [(name, normalised body)], or raise FilterSyntaxError."""
    parser = _Parser(text)
    filters = parser.script()
    names = [name for name, dummy in filters]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise FilterSyntaxError("duplicate filter name %r" % name, 1, 1)
    return [(name, render_tokens(tokens)) for name, tokens in filters]


def render_tokens(tokens):
    """The normal form of a filter's body: tokens joined with single spaces, no comments."""
    out = ""
    previous = None
    for kind, value, dummy_line, dummy_col in tokens:
        if kind == "name" and value.lower() in RULES | ACTIONS:
            value = value.lower()
        glue = previous is None or value in ("(", ")", ",", ";") and previous[0] != "keyword" or previous[1] == "("
        if value == "(" and previous is not None and previous[0] in ("keyword", "op"):
            glue = False
        out += value if glue else " " + value
        previous = (kind, value)
    return out


def normalise(body):
    """Normal form of one filter body (the part after ``name:``), for comparing."""
    name_free = "x: " + body
    return check(name_free)[0][1]
