# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AsyncOS message filter language: tokens, a syntax check and a normal form.

This module is PRIVATE to the collection. It can change at any time.

Grammar (docs/asyncos-cli.md, section 9, "filters and the filter language"; the lab's checker
lab/esa/message_filters.py follows the same grammar, and the shared corpus
tests/unit/plugins/module_utils/_esa/filter_corpus.json holds both to it)::

    script    := filter+
    filter    := NAME ( ":" | "!" ) if                 ("!": the filter is inactive)
    if        := "if" cond block [ "else" ( if | block ) ]
    block     := "{" ( if | action )* "}"
    action    := ACTION "(" [ arg ("," arg)* ] ")" ";"
    cond      := conj ("or" conj)* ;  conj := unary ("and" unary)*
    unary     := "not" unary | "(" cond ")" | test
    test      := RULE [ "(" [ arg ("," arg)* ] ")" ] [ OP value ]     (per RULES below)
    arg       := value [ OP value ] | "[" value ("," value)* "]"
    value     := STRING | NUMBER

Strings are quoted with ' or " (the same at both ends), end on their line, and take ``\\`` escapes;
numbers may be negative and carry a K, M or G suffix. ``#`` starts a comment to the end of the line;
the appliance does not keep comments, so they are dropped before comparing. Control characters
(C0 other than tab and newline, and DEL) are refused anywhere.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Rules (conditions): name -> (arguments, comparison). ``arguments``: None (no parentheses) or
# (least, most, parentheses required); most None = no limit. ``comparison``: "string" (== or !=
# and a quoted string, required), "number" (any operator and a number, required), "date" (any
# operator and a quoted date, required), "string?" / "number?" (the same, optional), "" (none).
# Sources: AsyncOS 9.1.2 user guide, Table 9-2 "Message Filter Rules"; 10.0 guide (additions);
# Cisco technote 215915 (dkim-authentication); see docs/asyncos-cli.md section 9.
RULES = {
    "subject": (None, "string"), "mail-from": (None, "string"), "mail-from-group": (None, "string"),
    "sendergroup": (None, "string"), "rcpt-to": (None, "string"), "rcpt-to-group": (None, "string"),
    "remote-ip": (None, "string"), "recv-int": (None, "string"), "recv-listener": (None, "string"),
    "image-verdict": (None, "string"), "attachment-filename": (None, "string"), "attachment-type": (None, "string"),
    "attachment-filetype": (None, "string"), "attachment-mimetype": (None, "string"),
    "dkim-authentication": (None, "string"), "spf-status": ((1, 1, False), "string"),
    "body-size": (None, "number"), "attachment-size": (None, "number"), "rcpt-count": (None, "number"),
    "reputation": (None, "number"), "workqueue-count": (None, "number"), "addr-count": ((1, None, True), "number"),
    "date": (None, "date"),
    "header": ((1, 1, True), "string?"), "dnslist": ((1, 1, True), "string?"),
    "signed-certificate": ((1, 1, True), "string?"), "random": ((1, 1, True), "number?"),
    "body-contains": ((1, 2, True), ""), "only-body-contains": ((1, 2, True), ""),
    "attachment-contains": ((1, 2, True), ""), "attachment-binary-contains": ((1, 2, True), ""),
    "every-attachment-contains": ((1, 2, True), ""), "dictionary-match": ((1, 2, True), ""),
    "body-dictionary-match": ((1, 2, True), ""), "attachment-dictionary-match": ((1, 2, True), ""),
    "subject-dictionary-match": ((1, 1, True), ""), "mail-from-dictionary-match": ((1, 1, True), ""),
    "rcpt-to-dictionary-match": ((1, 1, True), ""), "header-dictionary-match": ((2, 2, True), ""),
    "smtp-auth-id-matches": ((1, 2, True), ""), "header-repeats": ((2, 3, True), ""),
    "url-reputation": ((2, 6, True), ""), "url-no-reputation": ((0, 1, False), ""),
    "url-category": ((1, 2, True), ""), "forged-email-detection": ((2, 2, True), ""),
    "true": (None, ""), "valid": (None, ""), "encrypted": (None, ""), "signed": (None, ""),
    "spf-passed": (None, ""), "no-reputation": (None, ""), "attachment-protected": (None, ""),
    "attachment-unprotected": (None, ""), "attachment-corrupt": (None, ""), "smime-gateway-message": (None, ""),
    "smime-gateway-verified": (None, ""), "malformed-header": (None, ""), "duplicate_boundaries": (None, ""),
}
# Actions with their (least, most) numbers of arguments (9.1.2 guide, Table 9-5 "Message Filter Actions";
# 9.8 guide for the graymail skips; ``log`` from a public library's test filter).
ACTION_ARGUMENTS = {
    "deliver": (0, 0), "drop": (0, 0), "bounce": (0, 0), "skip-filters": (0, 0), "no-op": (0, 0),
    "html-convert": (0, 0), "skip-spamcheck": (0, 0), "skip-viruscheck": (0, 0), "skip-ampcheck": (0, 0),
    "skip-vofcheck": (0, 0), "skip-marketingcheck": (0, 0), "skip-socialcheck": (0, 0), "skip-bulkcheck": (0, 0),
    "alt-src-host": (1, 1), "alt-rcpt-to": (1, 1), "alt-mailhost": (1, 1), "notify": (1, 4), "notify-copy": (1, 4),
    "bcc": (1, 4), "bcc-scan": (1, 4), "archive": (1, 1), "quarantine": (1, 1), "duplicate-quarantine": (1, 1),
    "strip-header": (1, 1), "insert-header": (2, 2), "edit-header-text": (3, 3), "edit-body-text": (2, 2),
    "bounce-profile": (1, 1), "add-footer": (1, 1), "add-heading": (1, 1), "encrypt-deferred": (1, 1),
    "smime-gateway-deferred": (1, 1), "smime-gateway": (1, 1), "tag-message": (1, 1), "log-entry": (1, 1),
    "log": (1, 1), "drop-attachments-by-name": (1, 2), "drop-attachments-by-type": (1, 2),
    "drop-attachments-by-filetype": (1, 2), "drop-attachments-by-mimetype": (1, 2), "drop-attachments-by-size": (1, 2),
    "drop-attachments-where-contains": (1, 3), "drop-attachments-where-dictionary-match": (1, 3),
    "url-category-replace": (1, 6), "url-category-defang": (1, 6), "url-category-proxy-redirect": (1, 6),
    "url-reputation-replace": (1, 6), "url-reputation-defang": (1, 6), "url-reputation-proxy-redirect": (1, 6),
}
ACTIONS = frozenset(ACTION_ARGUMENTS)
RULE_NAMES = frozenset(RULES)
RESERVED_NAMES = frozenset(("if", "else", "and", "or", "not", "true", "false", "valid"))
OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
KEYWORDS = frozenset(("if", "else", "and", "or", "not"))
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,79}$")

_CONTROL_RE = re.compile(u"[\x00-\x08\x0b-\x1f\x7f]")
_TOKEN_RE = re.compile(r"""
    (?P<space>[ \t\n]+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\[^\n])*"|'(?:[^'\\\n]|\\[^\n])*')
  | (?P<number>-?\d+(?:\.\d+)?[KkMmGg]?(?![A-Za-z0-9_.]))
  | (?P<op>==|!=|<=|>=|<|>)
  | (?P<punct>[(){};,:!\[\]])
  | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
""", re.VERBOSE)


class FilterSyntaxError(ValueError):
    """A syntax error; ``line`` and ``column`` point at it (1-based)."""

    def __init__(self, message, line, column):
        super(FilterSyntaxError, self).__init__("%s (line %d, column %d)" % (message, line, column))
        self.line = line
        self.column = column


def _position(text, index):
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def tokenize(text):
    """List of (kind, value, line, column); comments and spaces dropped."""
    control = _CONTROL_RE.search(text)
    if control:
        line, column = _position(text, control.start())
        raise FilterSyntaxError("control character %r is not allowed" % control.group(0), line, column)
    tokens = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match:
            char = text[pos]
            line, column = _position(text, pos)
            if char in "\"'":
                raise FilterSyntaxError("unterminated string (a string ends, on its line, with the quote it starts with)",
                                        line, column)
            if char.isdigit() or text[pos:pos + 2].lstrip("-")[:1].isdigit():
                raise FilterSyntaxError("invalid number", line, column)
            raise FilterSyntaxError("unexpected character %r" % char, line, column)
        kind = match.lastgroup
        value = match.group(kind)
        if kind not in ("space", "comment"):
            if kind == "name" and value.lower() in KEYWORDS:
                kind, value = "keyword", value.lower()
            line, column = _position(text, pos)
            tokens.append((kind, value, line, column))
        pos = match.end()
    return tokens


def _range(low, high):
    if high is None:
        return "%d or more" % low
    return str(low) if low == high else "%d to %d" % (low, high)


class _Parser(object):

    def __init__(self, text):
        self.tokens = tokenize(text)
        self.pos = 0
        self.filters = []

    def peek(self, offset=0):
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "", 0, 0)

    def is_(self, kind, value):
        return self.peek()[:2] == (kind, value)

    def error(self, message, token=None):
        token = token or self.peek()
        if token[0] == "end":
            last = self.tokens[-1] if self.tokens else ("end", "", 1, 1)
            raise FilterSyntaxError(message + " at the end of the filter", last[2], last[3] + len(last[1]))
        raise FilterSyntaxError("%s, found %r" % (message, token[1]), token[2], token[3])

    def take(self, kind, value=None, what=None):
        token = self.peek()
        if token[0] != kind or (value is not None and token[1] != value):
            self.error("expected %s" % (what or (repr(value) if value else kind)))
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
        if not NAME_RE.match(name[1]) or name[1].lower() in RESERVED_NAMES:
            raise FilterSyntaxError("invalid filter name %r (a letter or '_', then up to 79 letters, digits, '_' or '-'; "
                                    "not a reserved word)" % name[1], name[2], name[3])
        separator = self.peek()
        if separator[:2] not in (("punct", ":"), ("punct", "!")):
            self.error("expected ':' after the filter name")
        self.pos += 1
        start = self.pos
        if not self.is_("keyword", "if"):
            self.error("expected 'if' (use 'if (true)' for a filter that always applies)")
        self.if_statement()
        self.filters.append(dict(name=name[1], line=name[2], column=name[3], active=separator[1] == ":",
                                 tokens=self.tokens[start:self.pos]))

    def if_statement(self):
        self.take("keyword", "if")
        self.condition()
        self.block()
        if self.is_("keyword", "else"):
            self.pos += 1
            if self.is_("keyword", "if"):
                self.if_statement()
            else:
                self.block()

    def block(self):
        self.take("punct", "{", what="'{'")
        while not self.is_("punct", "}"):
            if self.peek()[0] == "end":
                self.error("expected '}'")
            if self.is_("keyword", "if"):
                self.if_statement()
            else:
                self.action()
        self.pos += 1

    def action(self):
        name = self.take("name", what="an action")
        if name[1].lower() not in ACTIONS:
            raise FilterSyntaxError("unknown action %r" % name[1], name[2], name[3])
        if not self.is_("punct", "("):
            self.error("expected '(' after the action %r" % name[1])
        count = self.arguments()
        low, high = ACTION_ARGUMENTS[name[1].lower()]
        if not low <= count <= high:
            raise FilterSyntaxError("the action %r takes %s arguments, not %d" % (name[1], _range(low, high), count),
                                    name[2], name[3])
        self.take("punct", ";", what="';' after the action")

    def arguments(self):
        """``( [arg {, arg}] )``: the number of arguments."""
        self.take("punct", "(")
        if self.is_("punct", ")"):
            self.pos += 1
            return 0
        count = 0
        while True:
            if self.is_("punct", "["):
                self.pos += 1
                self.value()
                while self.is_("punct", ","):
                    self.pos += 1
                    self.value()
                self.take("punct", "]", what="']'")
            else:
                self.value()
                if self.peek()[0] == "op":
                    self.pos += 1
                    self.value()
            count += 1
            if self.is_("punct", ","):
                self.pos += 1
                continue
            self.take("punct", ")", what="',' or ')'")
            return count

    def value(self, kinds=("string", "number")):
        token = self.peek()
        if token[0] not in kinds:
            self.error("expected a quoted string or a number" if len(kinds) > 1 else "expected a %s" % (
                "quoted string" if kinds == ("string",) else kinds[0]))
        self.pos += 1

    def test(self, token):
        rule = token[1].lower()
        if rule not in RULES:
            raise FilterSyntaxError("unknown rule %r" % token[1], token[2], token[3])
        self.pos += 1
        arguments, comparison = RULES[rule]
        if arguments is None:
            if self.is_("punct", "("):
                self.error("the rule %r takes no arguments" % token[1])
        elif self.is_("punct", "(") or arguments[2]:
            if not self.is_("punct", "("):
                self.error("expected '(' after the rule %r" % token[1])
            count = self.arguments()
            low, high = arguments[:2]
            if count < low or (high is not None and count > high):
                raise FilterSyntaxError("the rule %r takes %s arguments, not %d" % (token[1], _range(low, high), count),
                                        token[2], token[3])
        operator = self.peek()
        if operator[0] != "op":
            if comparison in ("string", "number", "date"):
                self.error("expected a comparison operator after the rule %r" % token[1])
            return
        if not comparison:
            self.error("the rule %r cannot be compared" % token[1])
        if comparison.startswith("string") and operator[1] not in ("==", "!="):
            raise FilterSyntaxError("the operator %r cannot be used with the rule %r" % (operator[1], token[1]),
                                    operator[2], operator[3])
        self.pos += 1
        self.value(kinds=("number",) if comparison.startswith("number") else ("string",))

    def condition(self):
        self.conjunction()
        while self.is_("keyword", "or"):
            self.pos += 1
            self.conjunction()

    def conjunction(self):
        self.unary()
        while self.is_("keyword", "and"):
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


def parse(text):
    """Parse a script; ``[{"name", "active", "body"}]`` in order, or raise FilterSyntaxError.

    Names are compared without regard to case, as the appliance does: a duplicate is an error
    naming both filters.
    """
    filters = _Parser(text).script()
    seen = {}
    for item in filters:
        first = seen.get(item["name"].lower())
        if first is not None:
            raise FilterSyntaxError("duplicate filter name %r: the filter %r (line %d) has the same name (names are "
                                    "compared without regard to case)" % (item["name"], first["name"], first["line"]),
                                    item["line"], item["column"])
        seen[item["name"].lower()] = item
    return [dict(name=item["name"], active=item["active"], body=render_tokens(item["tokens"])) for item in filters]


def check(text):
    """Parse ``text``; return [(name, normalised body)] for every filter, in order, or raise FilterSyntaxError."""
    return [(item["name"], item["body"]) for item in parse(text)]


def render_tokens(tokens):
    """The normal form of a filter's body: tokens joined with single spaces, no comments."""
    out = ""
    previous = None
    for kind, value, dummy_line, dummy_col in tokens:
        if kind == "name" and value.lower() in RULE_NAMES | ACTIONS:
            value = value.lower()
        glue = previous is None or value in ("(", ")", ",", ";", "]") and previous[0] != "keyword" \
            or previous[1] in ("(", "[")
        if value == "(" and previous is not None and previous[0] in ("keyword", "op"):
            glue = False
        out += value if glue else " " + value
        previous = (kind, value)
    return out


def normalise(body):
    """Normal form of ONE filter body (the part after ``name:``), for comparing.

    A body holding a second filter (``... } other: if ...``) or starting with a filter name is
    refused: one filter per body, never silently cut to the first.
    """
    tokens = tokenize(body)
    if len(tokens) > 1 and tokens[0][0] == "name" and tokens[1][:2] in (("punct", ":"), ("punct", "!")):
        raise FilterSyntaxError("the body starts with the filter name %r: give the name as the entry's name and "
                                "only the part after '%s%s' as its body" % (tokens[0][1], tokens[0][1], tokens[1][1]),
                                tokens[0][2], tokens[0][3])
    filters = _Parser("x: " + body).script()
    if len(filters) > 1:
        extra = filters[1]
        # "x: " shifts the columns of the first line by 3
        column = extra["column"] - 3 if extra["line"] == 1 else extra["column"]
        raise FilterSyntaxError("the body holds more than one filter (a second filter %r starts here); one filter "
                                "per entry: give %r its own entry" % (extra["name"], extra["name"]), extra["line"], column)
    return render_tokens(filters[0]["tokens"])


# -- header names and the values tested for them ------------------------------------------------------------
# Rules and actions whose first argument is a header name.
HEADER_NAME_ARGUMENTS = frozenset(("header", "header-repeats", "header-dictionary-match", "strip-header",
                                   "insert-header", "edit-header-text"))
HEADER_NAME_RULE = ("a header field name is printable US-ASCII, characters 33 to 126, except ':' - no spaces "
                    "(RFC 5322, section 2.2)")
_STRING = r'"(?:[^"\\\n]|\\[^\n])*"|' + r"'(?:[^'\\\n]|\\[^\n])*'"
_STRING_RE = re.compile(_STRING)
_GAP = r"(?:\s|\#[^\n]*(?:\n|$))*"      # spaces and comments between tokens
_NOT_AFTER_NAME = r"(?<![A-Za-z0-9_-])"
# header("<name>") == "<value>" (or !=)
_HEADER_TEST_RE = re.compile(_NOT_AFTER_NAME + r"(header" + _GAP + r"\(" + _GAP + r")(" + _STRING + r")(" + _GAP
                             + r"\)" + _GAP + r"(?:==|!=)" + _GAP + r")(" + _STRING + r")", re.IGNORECASE)
# insert-header("<name>", "<value>") and edit-header-text("<name>", "<regex>", "<replacement>")
_HEADER_ACTION_RE = re.compile(_NOT_AFTER_NAME + r"((?:insert-header|edit-header-text)" + _GAP + r"\(" + _GAP + r")("
                               + _STRING + r")((?:" + _GAP + r"," + _GAP + r"(?:" + _STRING + r"))+)", re.IGNORECASE)


def string_value(token):
    """The text of a quoted string token (quotes removed, ``\\`` escapes resolved)."""
    return re.sub(r"\\(.)", r"\1", token[1:-1])


def header_name_problem(name):
    """Why ``name`` is not an RFC 5322 header field name, or None when it is one."""
    if not name:
        return "it is empty"
    for index, char in enumerate(name):
        if char == ":" or not u"\x21" <= char <= u"\x7e":
            what = {u" ": "a space", u"\t": "a tab", u":": "':'"}.get(char, "the character U+%04X" % ord(char))
            return "it contains %s at position %d" % (what, index + 1)
    return None


def header_names(body):
    """[(rule or action, header name, line, column)]: the header name argument of every rule and action in
    ``body`` that takes one (``header``, ``strip-header``, ``insert-header`` ...). ``body`` must tokenize."""
    tokens = tokenize(body)
    found = []
    for index, token in enumerate(tokens[:-2]):
        if token[0] == "name" and token[1].lower() in HEADER_NAME_ARGUMENTS and tokens[index + 1][:2] == ("punct", "(") \
                and tokens[index + 2][0] == "string":
            name = tokens[index + 2]
            found.append((token[1].lower(), string_value(name[1]), name[2], name[3]))
    return found


def _wanted(headers):
    return set(h.strip().lower() for h in headers or () if h and h.strip())


def header_values(text, headers):
    """The values (as typed, between the quotes) that ``text`` compares a header of ``headers`` with
    (``header("X") == "v"``, ``!=``) or sets it to (``insert-header``, ``edit-header-text``). Header names are
    compared without regard to case. ``text`` need not be a valid filter: without tokens, a pattern search."""
    wanted = _wanted(headers)
    if not wanted:
        return []
    values = []
    try:
        tokens = tokenize(text)
    except FilterSyntaxError:
        tokens = None
    if tokens is None:
        for match in _HEADER_TEST_RE.finditer(text):
            if string_value(match.group(2)).strip().lower() in wanted:
                values.append(match.group(4)[1:-1])
        for match in _HEADER_ACTION_RE.finditer(text):
            if string_value(match.group(2)).strip().lower() in wanted:
                values += [s[1:-1] for s in _STRING_RE.findall(match.group(3))]
        return values
    for index, token in enumerate(tokens):
        rule = token[1].lower() if token[0] == "name" else None
        if rule not in ("header", "insert-header", "edit-header-text"):
            continue
        following = tokens[index + 1:index + 9]
        if len(following) < 3 or following[0][:2] != ("punct", "(") or following[1][0] != "string" \
                or string_value(following[1][1]).strip().lower() not in wanted:
            continue
        if rule == "header":
            # header("X") == "v"; also header("X") "v" (a missing operator), so that errors quoting it are masked
            rest = following[2:]
            if rest and rest[0][:2] == ("punct", ")"):
                rest = rest[1:]
                if rest and rest[0][0] == "op":
                    rest = rest[1:]
                if rest and rest[0][0] == "string":
                    values.append(rest[0][1][1:-1])
            continue
        for item in following[2:]:
            if item[:2] == ("punct", ")"):
                break
            if item[0] == "string":
                values.append(item[1][1:-1])
    return values


def mask_header_values(text, headers, mask):
    """``text`` with the value of every test or setting of a header in ``headers`` (see ``header_values``)
    replaced by ``mask``, quotes kept. Works on any text that holds filter scripts (bodies, typed lines,
    listings), valid or not."""
    wanted = _wanted(headers)
    if not wanted or "header" not in text.lower():
        return text

    def masked(token):
        return token[0] + mask + token[-1]

    def test(match):
        if string_value(match.group(2)).strip().lower() not in wanted:
            return match.group(0)
        return match.group(1) + match.group(2) + match.group(3) + masked(match.group(4))

    def action(match):
        if string_value(match.group(2)).strip().lower() not in wanted:
            return match.group(0)
        return match.group(1) + match.group(2) + _STRING_RE.sub(lambda m: masked(m.group(0)), match.group(3))

    return _HEADER_ACTION_RE.sub(action, _HEADER_TEST_RE.sub(test, text))
