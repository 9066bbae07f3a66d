# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AsyncOS message filter language: tokens, a syntax check and a normal form.

This module is PRIVATE to the collection. It can change at any time.

Grammar (esa.md section 5)::

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

# Rules (conditions) and actions named in the user guide (esa.md section 5).
RULES = frozenset((
    "subject", "body-size", "mail-from", "mail-from-group", "sendergroup", "rcpt-to", "rcpt-to-group", "remote-ip",
    "recv-int", "recv-listener", "date", "header", "random", "rcpt-count", "addr-count", "spf-status", "spf-passed",
    "image-verdict", "workqueue-count", "body-contains", "only-body-contains", "encrypted", "attachment-filename",
    "attachment-size", "attachment-type", "attachment-filetype", "attachment-mimetype", "attachment-protected",
    "attachment-unprotected", "attachment-contains", "attachment-binary-contains", "every-attachment-contains",
    "dnslist", "reputation", "no-reputation", "url-reputation", "url-category", "dictionary-match",
    "subject-dictionary-match", "mail-from-dictionary-match", "rcpt-to-dictionary-match", "attachment-dictionary-match",
    "body-dictionary-match", "header-dictionary-match", "smtp-auth-id-matches", "true", "valid", "signed",
    "signed-certificate",
))
ACTIONS = frozenset((
    "deliver", "drop", "bounce", "alt-src-host", "alt-rcpt-to", "alt-mailhost", "notify", "notify-copy", "bcc", "bcc-scan",
    "log-entry", "quarantine", "duplicate-quarantine", "archive", "strip-header", "insert-header", "edit-header-text",
    "edit-body-text", "html-convert", "add-footer", "add-heading", "bounce-profile", "encrypt-deferred", "tag-message",
    "skip-filters", "skip-spamcheck", "skip-viruscheck", "skip-ampcheck", "skip-vofcheck", "skip-marketingcheck",
    "drop-attachments-by-name", "drop-attachments-by-size", "drop-attachments-by-type", "drop-attachments-by-filetype",
    "drop-attachments-by-mimetype", "drop-attachments-where-contains", "drop-attachments-where-dictionary-match",
))
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
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name[1]):
            raise FilterSyntaxError("invalid filter name %r (letters, digits and '_')" % name[1], name[2], name[3])
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
        self.arguments(required=True)
        self.take("punct", ";", what="';' after the action")

    def arguments(self, required):
        if self.peek()[:2] != ("punct", "("):
            if required:
                self.error("expected '('")
            return
        self.pos += 1
        if self.peek()[:2] == ("punct", ")"):
            self.pos += 1
            return
        while True:
            self.value()
            if self.peek()[:2] == ("punct", ","):
                self.pos += 1
                continue
            self.take("punct", ")", what="')'")
            return

    def value(self):
        token = self.peek()
        if token[0] not in ("string", "number"):
            self.error("expected a quoted string or a number")
        self.pos += 1

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
            if token[1].lower() not in RULES:
                raise FilterSyntaxError("unknown rule %r" % token[1], token[2], token[3])
            self.pos += 1
            self.arguments(required=False)
            if self.peek()[0] == "op":
                self.pos += 1
                self.value()
        else:
            self.error("expected a rule")


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
