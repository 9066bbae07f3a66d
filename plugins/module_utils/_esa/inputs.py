# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One check for every value typed at the AsyncOS command line (docs/security.md, "Input handling").

This module is PRIVATE to the collection. It can change at any time.

The CLI reads what it is sent line by line: a newline or carriage return inside
a value ends the answer and makes the rest of the value the answer to the next
question (or a new command at the main prompt); Ctrl-C (``\\x03``) interrupts
the dialogue; DEL and the other control characters edit the line. So no value
a module types may contain a control character. The checks:

- ``check_params`` walks a module's parameters before anything is read and
  raises ValueError naming the field (``config[2].comment``) and the rule.
  Filter bodies (``body``) may hold several lines; each line is checked.
- ``check_line`` is the last guard in the dialogue engine: it refuses to type
  anything that would not be one line of printable text, so no path around
  the parameter check reaches the appliance.

The error never repeats the value (it may be a passphrase): it names the
character and its position.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import unicodedata

# Options whose value may hold several lines: a message filter's script (typed as lines ended by a line
# holding only "."), and a custom SMTP response (typed as lines ended by an empty line).
MULTILINE_KEYS = {"body": ".", "text": ""}
# Options never typed at the appliance (offline text for state=parsed).
OFFLINE_KEYS = frozenset(("running_config",))

# Unicode characters that are not control characters by category but break or disguise a line:
# line and paragraph separators (category Zl/Zp; Python's str.splitlines() splits on them), and the
# zero-width and bidirectional formatting characters (category Cf) that make text read differently
# from what is typed.
_INVISIBLE = frozenset(u"\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                       u"\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff")

_NAMES = {u"\n": "a newline", u"\r": "a carriage return", u"\t": "a tab", u"\x03": "Ctrl-C (\\x03)",
          u"\x7f": "DEL (\\x7f)", u"\x00": "NUL (\\x00)", u"\x1b": "ESC (\\x1b)"}


def _describe(char):
    if char in _NAMES:
        return _NAMES[char]
    return "the character U+%04X (%s)" % (ord(char), unicodedata.category(char))


def bad_character(text, allow_newline=False):
    """(index, description) of the first character that may not be typed, or None."""
    for index, char in enumerate(text):
        if char == u"\n" and allow_newline:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp") or char in _INVISIBLE:
            return index, _describe(char)
    return None


def problem(value, field, multiline=False):
    """The error text for ``value`` of ``field``, or None when it may be typed."""
    if not isinstance(value, str):
        return None
    found = bad_character(value, allow_newline=bool(multiline))
    if not found and multiline:
        end = MULTILINE_KEYS.get(multiline)
        lines = value.rstrip(u"\n").split(u"\n")
        for number, line in enumerate(lines):
            if line.strip() == end and (end or len(lines) > 1):
                return "%s: line %d is %s, which ends the text early on the appliance: the lines after it would be " \
                       "typed as answers to other questions" % (field, number + 1, "empty" if not end else "'%s'" % end)
    if not found:
        return None
    index, what = found
    if multiline:
        line = value.count(u"\n", 0, index) + 1
        column = index - (value.rfind(u"\n", 0, index) + 1) + 1
        where = "line %d, column %d" % (line, column)
        rule = "each line must be printable text (no control characters; use spaces, not tabs, and LF line endings)"
    else:
        where = "position %d" % (index + 1)
        rule = "values typed at the AsyncOS command line must be one line of printable text (a newline or a control " \
               "character would end the answer early or type another command)"
    return "%s: contains %s at %s; %s" % (field, what, where, rule)


def _walk(value, field, key, found):
    if isinstance(value, dict):
        for name in sorted(value):
            if name in OFFLINE_KEYS:
                continue
            _walk(value[name], "%s.%s" % (field, name) if field else name, name, found)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _walk(item, "%s[%d]" % (field, index), key, found)
    else:
        text = problem(value, field, multiline=key if key in MULTILINE_KEYS else None)
        if text:
            found.append(text)


def problems(params, skip=()):
    """Every parameter value that may not be typed, as error texts naming the field."""
    found = []
    for name in sorted(params):
        if name in OFFLINE_KEYS or name in skip or name.startswith("_"):
            continue
        _walk(params[name], name, name, found)
    return found


def check_params(params, skip=()):
    """Raise ValueError naming every field whose value may not be typed at the appliance."""
    found = problems(params, skip)
    if found:
        raise ValueError("; ".join(found) + ". Nothing was read or written.")


def check_line(text, what="line"):
    """Raise ValueError unless ``text`` can be typed as one line (the dialogue engine's last guard)."""
    found = bad_character(text if isinstance(text, str) else str(text))
    if found:
        raise ValueError("refused to type a %s containing %s at position %d" % (what, found[1], found[0] + 1))
