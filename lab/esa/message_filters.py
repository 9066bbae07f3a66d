"""Message filters (``filters``): the filter language checker and the stored form (docs/asyncos-cli.md,
section 9, "filters and the filter language").

A script holds one or more filters::

    name:
    if (rule == "value" and not other-rule) { action(); action("arg"); } else { action(); }

Grammar (the same as the collection's driver checker; both are held to the shared corpus
tests/unit/plugins/module_utils/_esa/filter_corpus.json)::

    script  := filter+
    filter  := NAME (":" | "!") if            "!" instead of ":" marks the filter inactive (user guide)
    if      := "if" cond block ["else" (if | block)]
    block   := "{" (if | action)* "}"
    action  := ACTION "(" [arg {"," arg}] ")" ";"
    cond    := and-expr {"or" and-expr};  and-expr := not-expr {"and" not-expr}
    not-expr:= "not" not-expr | "(" cond ")" | test
    test    := RULE ["(" [arg {"," arg}] ")"] [OP value]      (what each rule takes: RULES)
    arg     := value [OP value] | "[" value {"," value} "]"
    value   := STRING | NUMBER

Strings use matching single or double quotes, end on their own line and take backslash escapes;
numbers may be negative and take a K/M/G suffix; ``#`` starts a comment. Control characters (C0
other than tab and newline, and DEL) are refused.

``parse_script`` checks the syntax and returns the filters with their normalised text: ``#`` comments
removed, trailing whitespace removed, empty lines dropped; everything else (layout, case, quotes) is
kept as entered. A stored filter is ``{"name", "active", "valid", "body"}``.
"""

import re

KEYWORDS = ("if", "else", "and", "or", "not")
RESERVED_NAMES = KEYWORDS + ("true", "false", "valid")
INACTIVE_DIRECTIVE = "#!inactive"

# Rules (conditions), from the AsyncOS 9.1.2 user guide, Table 9-2, the 10.0 guide and Cisco technote
# 215915 (docs/asyncos-cli.md, section 9). Each: (argument spec, comparison).
#   argument spec: None = no parentheses; (min, max, parentheses required) with max None = unbounded.
#   comparison: "string" == / != and a quoted string (required); "number" any operator and a number
#   (required); "date" any operator and a quoted date (required); "string?" / "number?" optional; "" none.
_STRING = ("subject", "mail-from", "mail-from-group", "sendergroup", "rcpt-to", "rcpt-to-group", "remote-ip",
           "recv-int", "recv-listener", "image-verdict", "attachment-filename", "attachment-type",
           "attachment-filetype", "attachment-mimetype", "dkim-authentication")
_NUMBER = ("body-size", "attachment-size", "rcpt-count", "reputation", "workqueue-count")
_BARE = ("true", "valid", "encrypted", "signed", "spf-passed", "no-reputation", "attachment-protected",
         "attachment-unprotected", "attachment-corrupt", "smime-gateway-message", "smime-gateway-verified",
         "malformed-header", "duplicate_boundaries")
RULES = {name: (None, "string") for name in _STRING}
RULES.update({name: (None, "number") for name in _NUMBER})
RULES.update({name: (None, "") for name in _BARE})
RULES.update({
    "date": (None, "date"),
    "spf-status": ((1, 1, False), "string"),          # spf-status("helo"|"mailfrom"|"pra") == "Fail"
    "addr-count": ((1, None, True), "number"),        # addr-count("To", "Cc") > 30
    "header": ((1, 1, True), "string?"),
    "dnslist": ((1, 1, True), "string?"),
    "signed-certificate": ((1, 1, True), "string?"),
    "random": ((1, 1, True), "number?"),
    "body-contains": ((1, 2, True), ""), "only-body-contains": ((1, 2, True), ""),
    "attachment-contains": ((1, 2, True), ""), "attachment-binary-contains": ((1, 2, True), ""),
    "every-attachment-contains": ((1, 2, True), ""),
    "dictionary-match": ((1, 2, True), ""), "body-dictionary-match": ((1, 2, True), ""),
    "attachment-dictionary-match": ((1, 2, True), ""), "subject-dictionary-match": ((1, 1, True), ""),
    "mail-from-dictionary-match": ((1, 1, True), ""), "rcpt-to-dictionary-match": ((1, 1, True), ""),
    "header-dictionary-match": ((2, 2, True), ""), "smtp-auth-id-matches": ((1, 2, True), ""),
    "header-repeats": ((2, 3, True), ""), "url-reputation": ((2, 6, True), ""),
    "url-no-reputation": ((0, 1, False), ""), "url-category": ((1, 2, True), ""),
    "forged-email-detection": ((2, 2, True), ""),
})

# Actions (9.1.2 user guide, Table 9-5; 9.8 guide for the graymail skips; ``log`` from a public
# library's test filter): (min, max) argument counts.
ACTIONS = {
    "deliver": (0, 0), "drop": (0, 0), "bounce": (0, 0), "skip-filters": (0, 0), "no-op": (0, 0), "html-convert": (0, 0),
    "skip-spamcheck": (0, 0), "skip-viruscheck": (0, 0), "skip-ampcheck": (0, 0), "skip-vofcheck": (0, 0),
    "skip-marketingcheck": (0, 0), "skip-socialcheck": (0, 0), "skip-bulkcheck": (0, 0),
    "alt-src-host": (1, 1), "alt-rcpt-to": (1, 1), "alt-mailhost": (1, 1),
    "notify": (1, 4), "notify-copy": (1, 4), "bcc": (1, 4), "bcc-scan": (1, 4),
    "archive": (1, 1), "quarantine": (1, 1), "duplicate-quarantine": (1, 1),
    "strip-header": (1, 1), "insert-header": (2, 2), "edit-header-text": (3, 3), "edit-body-text": (2, 2),
    "bounce-profile": (1, 1), "add-footer": (1, 1), "add-heading": (1, 1), "encrypt-deferred": (1, 1),
    "smime-gateway-deferred": (1, 1), "smime-gateway": (1, 1), "tag-message": (1, 1), "log-entry": (1, 1), "log": (1, 1),
    "drop-attachments-by-name": (1, 2), "drop-attachments-by-type": (1, 2), "drop-attachments-by-filetype": (1, 2),
    "drop-attachments-by-mimetype": (1, 2), "drop-attachments-by-size": (1, 2),
    "drop-attachments-where-contains": (1, 3), "drop-attachments-where-dictionary-match": (1, 3),
    "url-category-replace": (1, 6), "url-category-defang": (1, 6), "url-category-proxy-redirect": (1, 6),
    "url-reputation-replace": (1, 6), "url-reputation-defang": (1, 6), "url-reputation-proxy-redirect": (1, 6),
}

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,79}$")
_NUMBER_TOKEN = re.compile(r"-?[0-9]+(?:\.[0-9]+)?[kKmMgG]?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
_PUNCT = "(){},;:![]"


class FilterError(ValueError):
    """A rejected filter script; the message is printed as is."""


class _Token:
    __slots__ = ("kind", "value", "line", "column", "start", "end")

    def __init__(self, kind, value, line, column, start, end):
        self.kind, self.value, self.line, self.column, self.start, self.end = kind, value, line, column, start, end

    def text(self):
        if self.kind == "end":
            return "end of script"
        return f"the string {self.value}" if self.kind == "string" else f'"{self.value}"'


def _syntax(line, column, detail):
    return FilterError(f"Invalid filter syntax at line {line}, column {column}: {detail}")


def _is_control(char):
    return (ord(char) < 32 and char not in "\t\n") or ord(char) == 127


def tokenize(source):
    """Tokens and comment spans of ``source``."""
    tokens, comments = [], []
    index, line, line_start = 0, 1, 0
    length = len(source)
    for position, char in enumerate(source):
        if _is_control(char):
            line = source.count("\n", 0, position) + 1
            raise _syntax(line, position - (source.rfind("\n", 0, position) + 1) + 1,
                          f"control character {char!r} is not allowed")
    while index < length:
        char = source[index]
        column = index - line_start + 1
        if char == "\n":
            index += 1
            line, line_start = line + 1, index
        elif char in " \t":
            index += 1
        elif char == "#":
            end = source.find("\n", index)
            end = length if end < 0 else end
            comments.append((index, end))
            index = end
        elif char in "'\"":
            end = index + 1
            while end < length and source[end] != char and source[end] != "\n":
                if source[end] == "\\":
                    if end + 1 >= length or source[end + 1] == "\n":
                        break
                    end += 2
                else:
                    end += 1
            if end >= length or source[end] != char:
                raise _syntax(line, column, f"unterminated string (a string must end, on its line, with the quote it "
                                            f"starts with: {char})")
            tokens.append(_Token("string", source[index:end + 1], line, column, index, end + 1))
            index = end + 1
        elif source.startswith(_OPERATORS, index):
            operator = next(item for item in _OPERATORS if source.startswith(item, index))
            tokens.append(_Token("op", operator, line, column, index, index + len(operator)))
            index += len(operator)
        elif char in _PUNCT:
            tokens.append(_Token("punct", char, line, column, index, index + 1))
            index += 1
        elif char.isascii() and (char.isdigit() or (char == "-" and source[index + 1:index + 2].isdigit())):
            match = _NUMBER_TOKEN.match(source, index)
            after = source[match.end():match.end() + 1]
            if after and (after.isalnum() or after in "_."):
                raise _syntax(line, column, f'invalid number "{source[index:match.end() + 1]}"')
            tokens.append(_Token("number", match.group(0), line, column, index, match.end()))
            index = match.end()
        elif char.isascii() and (char.isalpha() or char == "_"):
            match = _IDENT.match(source, index)
            tokens.append(_Token("ident", match.group(0), line, column, index, match.end()))
            index = match.end()
        else:
            raise _syntax(line, column, f'unexpected character "{char}"')
    tokens.append(_Token("end", "", line, index - line_start + 1, length, length))
    return tokens, comments


def _count_text(low, high):
    if high is None:
        return f"at least {low} argument{'s' if low != 1 else ''}"
    if low == high:
        return "no arguments" if low == 0 else f"{low} argument{'s' if low > 1 else ''}"
    return f"{low} to {high} arguments"


class _Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.index = 0

    @property
    def token(self):
        return self.tokens[self.index]

    def take(self):
        token = self.tokens[self.index]
        self.index += 1
        return token

    def error(self, detail, token=None):
        token = token or self.token
        return _syntax(token.line, token.column, detail)

    def is_word(self, word):
        return self.token.kind == "ident" and self.token.value.lower() == word

    def is_punct(self, char):
        return self.token.kind == "punct" and self.token.value == char

    def expect_punct(self, char):
        if not self.is_punct(char):
            raise self.error(f'expected "{char}" but found {self.token.text()}')
        return self.take()

    # filter := NAME (':' | '!') if-statement; returns (name token, separator, last token)
    def filter(self):
        token = self.token
        if token.kind != "ident":
            raise self.error(f"expected a filter name but found {token.text()}")
        self.take()
        if not (self.is_punct(":") or self.is_punct("!")):
            raise self.error(f'expected ":" after the filter name but found {self.token.text()}')
        separator = self.take().value
        if not self.is_word("if"):
            raise self.error(f'expected "if" but found {self.token.text()}')
        self.if_statement()
        return token, separator, self.tokens[self.index - 1]

    def if_statement(self):
        self.take()                                  # "if"
        if self.is_punct("{"):
            raise self.error("expected a condition")
        self.condition()
        self.block()
        if self.is_word("else"):
            self.take()
            if self.is_word("if"):
                self.if_statement()
            else:
                self.block()

    def block(self):
        self.expect_punct("{")
        while not self.is_punct("}"):
            if self.token.kind == "end":
                raise self.error('expected "}" but found end of script')
            if self.is_word("if"):
                self.if_statement()
            else:
                self.action()
        self.take()

    def action(self):
        token = self.token
        if token.kind != "ident" or token.value.lower() in KEYWORDS:
            raise self.error(f"expected an action but found {token.text()}")
        name = token.value.lower()
        if name not in ACTIONS:
            raise self.error(f'unknown action "{token.value}"')
        self.take()
        if not self.is_punct("("):
            raise self.error(f'expected "(" after the action "{token.value}" but found {self.token.text()}')
        count = self.arguments()
        low, high = ACTIONS[name]
        if not low <= count <= high:
            raise self.error(f'the action "{token.value}" takes {_count_text(low, high)} but {count} were given', token)
        if not self.is_punct(";"):
            raise self.error(f'expected ";" after the action "{token.value}" but found {self.token.text()}')
        self.take()

    def arguments(self):
        """``( [arg {, arg}] )`` with arg := value [op value] | '[' value {, value} ']'; returns the count."""
        self.take()                                  # "("
        count = 0
        if self.is_punct(")"):
            self.take()
            return 0
        while True:
            if self.is_punct("["):
                self.take()
                self.literal("a list item")
                while self.is_punct(","):
                    self.take()
                    self.literal("a list item")
                self.expect_punct("]")
            else:
                self.literal("an argument")
                if self.token.kind == "op":
                    self.take()
                    self.literal("a value")
            count += 1
            if self.is_punct(")"):
                self.take()
                return count
            if not self.is_punct(","):
                raise self.error(f'expected "," or ")" but found {self.token.text()}')
            self.take()

    def literal(self, what):
        token = self.token
        if token.kind in ("string", "number"):
            return self.take()
        raise self.error(f"expected {what} (a quoted string or a number) but found {token.text()}")

    # condition := and-expr {or and-expr}; and-expr := not-expr {and not-expr}; not-expr := not not-expr | primary
    def condition(self):
        self.and_expression()
        while self.is_word("or"):
            self.take()
            self.and_expression()

    def and_expression(self):
        self.not_expression()
        while self.is_word("and"):
            self.take()
            self.not_expression()

    def not_expression(self):
        if self.is_word("not"):
            self.take()
            self.not_expression()
        elif self.is_punct("("):
            self.take()
            self.condition()
            self.expect_punct(")")
        else:
            self.test()

    def test(self):
        token = self.token
        if token.kind != "ident" or token.value.lower() in KEYWORDS:
            raise self.error(f"expected a rule but found {token.text()}")
        name = token.value.lower()
        if name not in RULES:
            raise self.error(f'unknown rule "{token.value}"', token)
        self.take()
        spec, comparison = RULES[name]
        if spec is None:
            if self.is_punct("("):
                raise self.error(f'the rule "{token.value}" takes no arguments')
        elif spec[2] or self.is_punct("("):
            if not self.is_punct("("):
                raise self.error(f'expected "(" after the rule "{token.value}" but found {self.token.text()}')
            count = self.arguments()
            low, high = spec[0], spec[1]
            if count < low or (high is not None and count > high):
                raise self.error(f'the rule "{token.value}" takes {_count_text(low, high)} but {count} were given', token)
        operator = self.token
        if operator.kind != "op":
            if comparison in ("string", "number", "date"):
                raise self.error(f'expected a comparison operator after the rule "{token.value}" but found '
                                 f'{operator.text()}')
            return
        if not comparison:
            raise self.error(f'the rule "{token.value}" cannot be compared')
        if comparison.startswith("string") and operator.value not in ("==", "!="):
            raise self.error(f'the operator "{operator.value}" cannot be used with the rule "{token.value}"', operator)
        self.take()
        value = self.token
        if comparison.startswith("number"):
            if value.kind != "number":
                raise self.error(f"expected a number but found {value.text()}")
        elif value.kind != "string":
            raise self.error(f"expected a quoted {'date' if comparison == 'date' else 'string'} but found {value.text()}")
        self.take()


def _strip_comments(source, start, end, comments):
    pieces, position = [], start
    for begin, finish in comments:
        if finish <= start or begin >= end:
            continue
        pieces.append(source[position:begin])
        position = finish
    pieces.append(source[position:end])
    return "".join(pieces)


def normalise_body(text):
    """Drop trailing whitespace and empty lines (comments are already gone)."""
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line.strip())


def check_name(name, existing=()):
    """``existing``: names already in use; names are compared without regard to case."""
    if not _NAME.match(name) or name.lower() in RESERVED_NAMES:
        raise FilterError(f'Invalid filter name "{name}".')
    for item in existing:
        if item.lower() == name.lower():
            raise FilterError(f'Duplicate filter name "{name}": the filter "{item}" has the same name '
                              f'(names are compared without regard to case).')
    return name


def parse_script(source, existing=()):
    """Check a script of one or more filters; returns ``[{"name", "active", "valid", "body"}]`` in order.

    All filters are checked before any is returned: a script is taken whole or refused.
    ``existing``: names already in use (duplicates are errors, also within the script). A ``#!inactive``
    line before a filter, or ``!`` instead of ``:`` after its name, marks it inactive. Raises FilterError.
    """
    tokens, comments = tokenize(source)
    directive_lines = {number for number, line in enumerate(source.split("\n"), start=1) if line.strip() == INACTIVE_DIRECTIVE}
    parser = _Parser(tokens)
    result, names, previous_line = [], list(existing), 0
    if tokens[0].kind == "end":
        raise FilterError("No filters were entered.")
    while parser.token.kind != "end":
        first, separator, last = parser.filter()
        check_name(first.value, names)
        names.append(first.value)
        active = separator == ":" and not any(previous_line < number < first.line for number in directive_lines)
        body = normalise_body(_strip_comments(source, first.start, last.end, comments))
        result.append({"name": first.value, "active": active, "valid": True, "body": body})
        previous_line = last.line
    return result


def render_script(filters):
    """Export file / XML ``<filters>`` text: the bodies, ``#!inactive`` before inactive ones."""
    blocks = []
    for item in filters:
        blocks.append((f"{INACTIVE_DIRECTIVE}\n" if not item["active"] else "") + item["body"])
    return "\n\n".join(blocks)


def normalise_filters(value):
    """Validate a seeded ``filters`` table (``python -m lab seed``)."""
    if not isinstance(value, list):
        raise FilterError("filters must be a JSON list")
    result = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("body"), str):
            raise FilterError('each filter needs a "body"')
        parsed = parse_script(item["body"], [entry["name"] for entry in result])
        if len(parsed) != 1:
            raise FilterError("each filter body must hold exactly one filter")
        entry = parsed[0]
        if item.get("name") not in (None, entry["name"]):
            raise FilterError(f'the name "{item["name"]}" does not match the body ({entry["name"]})')
        entry["active"] = bool(item.get("active", True))
        entry["valid"] = bool(item.get("valid", True))
        result.append(entry)
    return result
