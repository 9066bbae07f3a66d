# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks of the exo_* modules' options that run before any request (docs/security.md, "Input handling").

This module is PRIVATE to the collection. It can change at any time.

- ``control_problems`` walks every string option (nested dicts and lists too) and refuses control characters
  (Unicode categories Cc, Zl, Zp: newline, carriage return, NUL, Ctrl-C, ...). Exchange stores them in names and
  comments, and in a header value a CR/LF would inject another header. The error names the field
  (``validate.recipients[0]``) and the character's position, never the value (it may be a secret).
- ``connection_problems`` checks the connection options every module shares.
- ``check_address`` / ``check_regex`` are the specific validators the modules call.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import unicodedata

try:
    from urllib.parse import urlparse
except ImportError:  # pragma: no cover - Python 2
    from urlparse import urlparse  # pylint: disable=import-error

# Options never sent to Exchange as typed values: the offline export (state=parsed) and the PEM text of a
# certificate (several lines by nature; it is read by the token library, not sent to Exchange).
SKIP = frozenset(("running_config", "certificate_content"))

_NAMES = {u"\n": "a newline", u"\r": "a carriage return", u"\t": "a tab", u"\x03": "ETX/Ctrl-C (\\x03)",
          u"\x7f": "DEL (\\x7f)", u"\x00": "NUL (\\x00)", u"\x1b": "ESC (\\x1b)"}

_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_ADDRESS_RE = re.compile(r"^[A-Za-z0-9!#$%%&'*+/=?^_`{|}~.-]+@%s(\.%s)+$" % (_LABEL, _LABEL))

# Get-MessageTraceV2 -Status values.
TRACE_STATUSES = ("None", "GettingStatus", "Failed", "Pending", "Delivered", "Expanded", "Quarantined",
                  "FilteredAsSpam")
# Exchange keeps message trace data for 90 days.
MAX_TRACE_HOURS = 90 * 24


def bad_character(text):
    """(index, description) of the first control character (category Cc, Zl or Zp) of ``text``, or None."""
    for index, char in enumerate(text):
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return index, _NAMES.get(char) or "the control character U+%04X" % ord(char)
    return None


def _text_types():
    try:
        return (str, unicode)  # noqa: F821 pylint: disable=undefined-variable
    except NameError:
        return (str,)


def _walk(value, field, found):
    if isinstance(value, dict):
        for name in sorted(value):
            _walk(value[name], "%s.%s" % (field, name), found)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _walk(item, "%s[%d]" % (field, index), found)
    elif isinstance(value, _text_types()):
        bad = bad_character(value)
        if bad:
            found.append("%s: contains %s at position %d; Exchange values must be one line of printable text "
                         "(no control characters)" % (field, bad[1], bad[0] + 1))


def control_problems(params, skip=SKIP):
    """An error text, naming the field, for every string option (at any depth) holding a control character."""
    found = []
    for name in sorted(params):
        if name in skip or name.startswith("_"):
            continue
        _walk(params[name], name, found)
    return found


def connection_problems(params):
    """The connection options every exo_* module shares."""
    found = []
    timeout = params.get("timeout")
    if timeout is not None and timeout < 1:
        found.append("timeout: %s is not a number of seconds; it must be 1 or more" % timeout)
    retries = params.get("max_retries")
    if retries is not None and retries < 0:
        found.append("max_retries: %s is negative; it must be 0 (no retries) or more" % retries)
    delay = params.get("retry_max_delay")
    if delay is not None and delay < 0:
        found.append("retry_max_delay: %s is negative; it must be 0 or more seconds" % delay)
    url = params.get("base_url")
    if url:
        problem = "base_url: not an http(s) URL (e.g. https://outlook.office365.com)"
        if any(char.isspace() for char in url):
            found.append(problem + "; it contains whitespace")
        else:
            try:
                parsed = urlparse(url)
                ok = parsed.scheme in ("http", "https") and bool(parsed.hostname)
                # reading the port raises ValueError on a bad one
                parsed.port  # pylint: disable=pointless-statement
            except ValueError:
                ok = False
            if not ok:
                found.append(problem)
    return found


def is_address(value):
    return isinstance(value, _text_types()) and bool(_ADDRESS_RE.match(value.strip()))


def check_address(field, value):
    """An SMTP address (local@domain.tld); ValueError naming the field otherwise."""
    if not is_address(value):
        raise ValueError("%s: %r is not an e-mail address (use user@contoso.com)" % (field, value))


def address_problems(field, values, required=False):
    found = []
    if required and not values:
        found.append("%s: at least one e-mail address is needed" % field)
    for index, value in enumerate(values or []):
        try:
            check_address("%s[%d]" % (field, index), value)
        except ValueError as exc:
            found.append(str(exc))
    return found


_NET_NAMED_GROUP = re.compile(r"\(\?<(?![=!])([A-Za-z_][A-Za-z0-9_]*)>")


def check_regex(field, value):
    """A regular expression Exchange can compile (.NET syntax; checked with Python's engine after turning .NET named
    groups ``(?<name>...)`` into Python's). The value is not repeated: it may match a secret header."""
    try:
        re.compile(_NET_NAMED_GROUP.sub(r"(?P<\1>", value))
    except re.error as exc:
        raise ValueError("%s: not a valid regular expression (%s)" % (field, exc))


def trace_problems(params):
    """exo_message_trace's options."""
    found = []
    hours = params.get("hours")
    if hours is not None and not 1 <= hours <= MAX_TRACE_HOURS:
        found.append("hours: %s is out of range; 1 to %d (Exchange keeps message trace data for 90 days)"
                     % (hours, MAX_TRACE_HOURS))
    for option in ("sender_address", "recipient_address"):
        for index, value in enumerate(params.get(option) or []):
            text = value.strip() if isinstance(value, _text_types()) else value
            # Exchange accepts wildcards in the local part (*@contoso.com)
            if not is_address(text):
                found.append("%s[%d]: %r is not an e-mail address (use user@contoso.com or *@contoso.com)"
                             % (option, index, value))
    known = dict((s.lower(), s) for s in TRACE_STATUSES)
    for index, value in enumerate(params.get("status") or []):
        if str(value).strip().lower() not in known:
            found.append("status[%d]: %r is not a message trace status (one of %s)"
                         % (index, value, ", ".join(TRACE_STATUSES)))
    return found
