# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HAT text format (hostaccess PRINT/EXPORT and the XML ``<hat>``), docs/asyncos-cli.md "listenerconfig: HAT and RAT".

This module is PRIVATE to the collection. It can change at any time.

::

    # File exported by the CLI at ...  comment lines (an export file's header) are skipped
    $THROTTLED                         a mail flow policy: name, then its behaviour
        ACCEPT {                       and, in braces, the parameters it overrides
            max_concurrency = 10       (``ACCEPT {}``: none)
            tls = "off"
        }
    RELAY_O365:                        a sender group: name, members (one a line, or comma-separated),
            .protection.outlook.com
            $RELAYED (Relay mail from Microsoft 365)       then its policy and comment
    spamdomain.com                     a bare host entry with an inline behaviour (or a $POLICY)
        REJECT (reject the domain)
    10.0.0.5 RELAY (the scanner)       the same on one line (read, never rendered)
    ALL                                the last entry, always
        $ACCEPTED (Everyone else)

A long comment wraps: the line breaks after a blank, which stays at the end of the line, and the rest of the comment
continues **in column 1** (the AsyncOS 7.3 CLI Reference Guide, "Importing the HAT", shows
``$TRUSTED (My trusted senders have no anti-spam scanning or rate `` / ``limiting)``). The parser joins such lines.

The parser either returns the table the text shows or raises HatError naming the line and what was expected: it
never guesses. Entries start at the left margin (the text's smallest indentation); an indented line where an entry
should start means the text starts (or continues) inside a block, and is refused.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

BEHAVIORS = ("ACCEPT", "REJECT", "RELAY", "TCPREFUSE", "CONTINUE")
ALL = "ALL"
DNS_VERIFICATION = ("record_not_exist", "lookup_fail", "not_matched")
# The longest line the wrapped lines of one comment or value are joined into (no comment is that long; it bounds the
# work on garbage).
MAX_JOINED = 4096
ENTRY = "an entry at the left margin: a sender group (NAME:), a policy ($NAME), a host entry or ALL"

_BEHAVIOR = "|".join(BEHAVIORS)
_GROUP_RE = re.compile(r"^(?P<name>[A-Za-z][A-Za-z0-9_-]*):$")
_POLICY_RE = re.compile(r"^\$(?P<name>[A-Za-z0-9_-]+)$")
# The last line of a block: ``$POLICY`` or a behaviour, then an optional ``(comment)``; the comment is open while the
# text ends before its ``)`` (a wrapped comment).
_TERMINAL_RE = re.compile(r"^(?:\$(?P<policy>[A-Za-z0-9_-]+)|(?P<behavior>%s))(?:\s*(?P<comment>\(.*))?$" % _BEHAVIOR,
                          re.DOTALL)
# A policy's behaviour line: ``ACCEPT``, ``ACCEPT {``, ``ACCEPT {}``, with an optional ``(comment)`` before the brace.
_POLICY_BEHAVIOR_RE = re.compile(r"^(?P<behavior>%s)(?:\s*\((?P<comment>.*)\))?(?:\s*(?P<brace>\{)\s*(?P<empty>\})?)?$"
                                 % _BEHAVIOR, re.DOTALL)
_PARAM_RE = re.compile(r"^(?P<key>[A-Za-z0-9_]+)\s*=\s*(?P<value>.*)$", re.DOTALL)
_DNS_RE = re.compile(r"^dns_verification\s*=\s*(?P<checks>.*)$", re.DOTALL)
_INT_RE = re.compile(r"^-?[0-9]+$")
_SIZE_RE = re.compile(r"^[0-9]+\s*[kKmM]?$")
# A member (host, address, range, network, partial domain, SBO:n, SBRS[...], dnslist[...]): these characters, and
# anything but brackets inside [...].
_MEMBER_RE = re.compile(r"^(?:[A-Za-z0-9._:/*@+-]|\[[^\[\]]*\])+$")

# The values the collection reads from policy parameters (mail_flow_policies.from_hat): any other value of these
# keys is refused, so that an unreadable value is never taken as "off" or 0. Other keys are kept as text.
_FORMS = {
    "onoff": ("on or off", ("on", "off", "yes", "no", "true", "false", "1", "0")),
    "level": ("off, preferred, required or on", ("off", "on", "preferred", "required", "yes", "no")),
    "int": ("an integer", _INT_RE),
    "size": ("a size in bytes (or with K or M)", _SIZE_RE),
}
_FORM_OF = {
    "spam_check": "onoff", "virus_check": "onoff", "use_sb": "onoff", "tls_verify_client": "onoff",
    "smtpauth_requiretls": "onoff", "tls": "level", "smtpauth_allow": "level", "max_msgs_per_session": "int",
    "max_concurrency": "int", "max_rcpts_per_msg": "int", "max_rcpts_per_hour": "int", "dhap_limit": "int",
    "max_message_size": "size",
}


def _form_error(key, value):
    """What the value of ``key`` should be when ``value`` is not in its form; None when it is (or the key is free)."""
    if key not in _FORM_OF:
        return None
    what, allowed = _FORMS[_FORM_OF[key]]
    text = ("%s" % (value,)).strip()
    ok = text.lower() in allowed if isinstance(allowed, tuple) else bool(allowed.match(text))
    return None if ok else what


class HatError(ValueError):
    """Text that is not HAT text: the message names the line and what was expected there."""


# -- values -------------------------------------------------------------------------------------------------------
def _show(text, limit=60):
    text = text.strip()
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _unquote(body):
    """The text of a quoted value: ``\\"`` is a quote and ``\\\\`` a backslash; any other backslash stays."""
    out, index = [], 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body) and body[index + 1] in ('"', "\\"):
            out.append(body[index + 1])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _quoted(value):
    """``closed`` (not quoted, or quoted to its end), ``open`` (the closing quote is on a later line) or ``bad``."""
    if not value.startswith('"'):
        return "closed"
    index = 1
    while index < len(value):
        if value[index] == "\\":
            index += 2
            continue
        if value[index] == '"':
            return "closed" if index == len(value) - 1 else "bad"
        index += 1
    return "open"


def _value(raw):
    if len(raw) >= 2 and raw.startswith('"'):
        return _unquote(raw[1:-1])
    if _INT_RE.match(raw):
        return int(raw)
    return raw


def _comment_value(raw):
    """The lab's policy comment: a JSON string (``comment = "..."``)."""
    value = None
    if raw.startswith('"'):
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
    if not isinstance(value, type(u"")) and not isinstance(value, str):
        value = _value(raw)
    return "%s" % (value,) if value not in (None, "") else None


def _render_value(value):
    if isinstance(value, bool):
        return '"on"' if value else '"off"'
    if isinstance(value, int):
        return str(value)
    return '"%s"' % ("%s" % (value,)).replace("\\", "\\\\").replace('"', '\\"')


# -- line shapes --------------------------------------------------------------------------------------------------
def _indent(line):
    return len(line) - len(line.lstrip())


def _significant(line):
    body = line.strip()
    return bool(body) and not body.startswith("#")


def _is_member(token):
    return token != ALL and token not in BEHAVIORS and bool(_MEMBER_RE.match(token)) and not _GROUP_RE.match(token)


def _member_items(text):
    """The members of a member line: comma-separated, commas inside [...] kept."""
    items, current, depth = [], [], 0
    for char in text:
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        if char == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def _terminal(text):
    """(state, match) of a ``$POLICY (comment)`` / behaviour line: state None (not one), "open" or "closed"."""
    match = _TERMINAL_RE.match(text.strip())
    if not match:
        return None, None
    comment = match.group("comment")
    if comment is None or (len(comment) >= 2 and comment.endswith(")")):
        return "closed", match
    return "open", match


def _terminal_state(text):
    return _terminal(text)[0]


def _inline(text):
    """(host, rest) of a one-line host entry (``10.0.0.5 RELAY (comment)``), or None."""
    parts = text.strip().split(None, 1)
    if len(parts) == 2 and (parts[0] == ALL or _is_member(parts[0])) and _terminal_state(parts[1]):
        return parts[0], parts[1]
    return None


def _inline_state(text):
    found = _inline(text)
    return _terminal_state(found[1]) if found else None


def _param_state(text):
    match = _PARAM_RE.match(text.strip())
    if not match:
        return None
    return "open" if _quoted(match.group("value").strip()) == "open" else "closed"


def _is_head(body):
    """Whether a line (stripped) can start an entry."""
    return bool(body == ALL or _GROUP_RE.match(body) or _POLICY_RE.match(body) or _inline(body) or _is_member(body))


def _what(body):
    """What a line that cannot stand where it stands looks like (for the error message)."""
    if body in ("}", "{", "{}"):
        return "a brace of a policy's parameter block"
    if _POLICY_BEHAVIOR_RE.match(body) and "{" in body:
        return "a policy's behaviour line"
    if _terminal_state(body):
        return "a policy or behaviour line (it ends a sender group or host entry)"
    if _DNS_RE.match(body) or _PARAM_RE.match(body):
        return "a parameter line (key = value)"
    if all(_is_member(m) for m in _member_items(body)) and _member_items(body):
        return "a member line"
    return "not HAT text"


def _inside(body, started):
    """The hint for a line that cannot start an entry: at the top, a block line means the text starts inside a block."""
    return " (the text starts inside a block)" if not started and _what(body) != "not HAT text" else ""


def _terminal_fields(match):
    comment = match.group("comment")
    return dict(policy=match.group("policy"), behavior=match.group("behavior"),
                comment=(comment[1:-1] or None) if comment else None)


class _Reader(object):
    """The lines of the text (numbered from 1, the smallest indentation of a significant line removed) and a cursor."""

    def __init__(self, text):
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        margins = [_indent(line) for line in lines if _significant(line)]
        base = min(margins) if margins else 0
        self.lines = [(number, line[base:] if not line[:base].strip() else line.lstrip())
                      for number, line in enumerate(lines, start=1)]
        self.index = 0
        self.last = 0

    def next(self):
        """(number, line) of the next significant line, or None at the end of the text."""
        while self.index < len(self.lines):
            number, line = self.lines[self.index]
            self.index += 1
            if _significant(line):
                self.last = number
                return number, line
        return None

    def _continuation(self):
        """The next line when it can continue a wrapped line: not blank, in column 1, and not the start of an entry."""
        if self.index >= len(self.lines):
            return None
        line = self.lines[self.index][1]
        if not line.strip() or _indent(line) or _is_head(line.strip()):
            return None
        return line

    def joined(self, line, state, wrap_closed=True):
        """``line`` and the lines it wraps onto: joined while ``state`` says the text is open; and, with
        ``wrap_closed``, when the text ends in a blank and still reads as the same kind of line with the next one
        (a break before the comment, or after a ``)`` inside it). The pieces are concatenated as they are (the break's
        blank stays at the end of the first)."""
        text = line
        while True:
            status = state(text)
            following = self._continuation()
            if following is None or len(text) + len(following) > MAX_JOINED:
                return text
            if status == "open" or (wrap_closed and status == "closed" and text != text.rstrip()
                                    and state(text + following) is not None):
                text += following
                self.index += 1
                continue
            return text


def _fail(number, message):
    raise HatError("line %d: %s" % (number, message))


def _unclosed(number, what):
    _fail(number, "the comment of %s is not closed: expected ')' at the end of the line, or its continuation on the "
                  "next line in column 1 (a wrapped comment)" % what)


def _read_terminal(reader, owner, owner_line):
    """The ``$POLICY (comment)`` or behaviour line that ends the block of ``owner`` -> dict(policy, behavior, comment)."""
    found = reader.next()
    if found is None:
        _fail(owner_line, "%s has no $POLICY or behaviour line (%s) before the end of the text" % (owner, ", ".join(BEHAVIORS)))
    number, line = found
    text = reader.joined(line, _terminal_state)
    state, match = _terminal(text)
    if state == "open":
        _unclosed(number, owner)
    if state is None:
        _fail(number, "expected the $POLICY (comment) or behaviour line (%s) of %s (line %d), found %s (%s)"
              % (", ".join(BEHAVIORS), owner, owner_line, _show(text), _what(text.strip())))
    return _terminal_fields(match)


def _read_policy(reader, name, head_line):
    found = reader.next()
    if found is None:
        _fail(head_line, "policy $%s has no behaviour (%s) before the end of the text" % (name, ", ".join(BEHAVIORS)))
    number, line = found
    match = _POLICY_BEHAVIOR_RE.match(line.strip())
    if not match:
        _fail(number, "expected the behaviour of policy $%s (line %d): %s, optionally followed by { and its parameters; "
                      "found %s (%s)" % (name, head_line, ", ".join(BEHAVIORS), _show(line), _what(line.strip())))
    policy = dict(name=name, behavior=match.group("behavior"), parameters={})
    if match.group("comment"):
        policy["comment"] = match.group("comment")
    if not match.group("brace") or match.group("empty"):
        return policy
    seen = set()
    while True:
        found = reader.next()
        if found is None:
            _fail(number, "the parameters of policy $%s are not closed: expected } before the end of the text" % name)
        param_line, line = found
        body = line.strip()
        if body == "}":
            return policy
        if _param_state(body) == "open":
            body = reader.joined(line, _param_state, wrap_closed=False).strip()
            if _param_state(body) == "open":
                _fail(param_line, "the quoted value of %s is not closed: expected '\"' at the end of the line, or its "
                                  "continuation on the next line in column 1" % _show(body.split("=")[0]))
        param = _PARAM_RE.match(body)
        if not param:
            _fail(param_line, "expected a parameter (key = value) or } in policy $%s (line %d), found %s (%s)"
                  % (name, head_line, _show(body), _what(body)))
        key, raw = param.group("key"), param.group("value").strip()
        if key in seen:
            _fail(param_line, "parameter %s appears twice in policy $%s" % (key, name))
        seen.add(key)
        if _quoted(raw) == "bad":
            _fail(param_line, "the value of %s has text after its closing quote: %s" % (key, _show(raw)))
        if key == "comment":
            # the lab's policy comment: a JSON string inside the braces
            comment = _comment_value(raw)
            if comment:
                policy["comment"] = comment
            continue
        value = _value(raw)
        expected = _form_error(key, value)
        if expected:
            _fail(param_line, "%s = %s in policy $%s: expected %s" % (key, raw, name, expected))
        policy["parameters"][key] = value


def _read_group(reader, name, head_line):
    group = dict(name=name, members=[], policy=None, behavior=None, comment=None, bare=False)
    owner = "sender group %s" % name
    while True:
        found = reader.next()
        if found is None:
            _fail(head_line, "%s has no $POLICY or behaviour line before the end of the text" % owner)
        number, line = found
        body = line.strip()
        if _terminal_state(body):
            text = reader.joined(line, _terminal_state)
            state, match = _terminal(text)
            if state == "open":
                _unclosed(number, owner)
            group.update(_terminal_fields(match))
            return group
        dns = _DNS_RE.match(body)
        if dns:
            # the lab's DNS host verification line (only when set)
            checks = [value.strip() for value in dns.group("checks").split(",") if value.strip()]
            unknown = [value for value in checks if value not in DNS_VERIFICATION]
            if unknown:
                _fail(number, "unknown DNS verification %s in %s (expected %s)"
                      % (", ".join(unknown), owner, ", ".join(DNS_VERIFICATION)))
            group["dns_verification"] = checks
            continue
        if body == ALL or _GROUP_RE.match(body) or _POLICY_RE.match(body):
            _fail(number, "%s starts before %s (line %d) has its $POLICY or behaviour line" % (_show(body), owner, head_line))
        members = _member_items(body)
        bad = [member for member in members if not _is_member(member)]
        if bad or not members:
            _fail(number, "expected a member (host, address, network, SBRS[...], SBO:n, dnslist[...]; comma-separated) or "
                          "the $POLICY (comment) line of %s (line %d), found %s (%s)"
                  % (owner, head_line, _show(body), _what(body)))
        group["members"] += members


def parse(text):
    """Return {"policies": [...], "sender_groups": [...]} in table order; raise HatError (the line, what was expected).

    A policy: name, behavior, parameters (dict of overridden keys: ints, or text without its quotes), and ``comment``
    when the text has one (``ACCEPT (comment)``, or the lab's ``comment = "<JSON string>"`` line inside the braces).
    A sender group: name, members, policy (or None), behavior (when the row has an inline behaviour), comment, bare,
    and ``dns_verification`` (list of keys) when the text has the lab's ``dns_verification = a, b`` line.
    Bare host entries become rows named by their host, with ``bare=True``, ``members=[host]`` and their inline
    ``behavior`` or ``policy``; ALL is a row without members.

    Entries start at the left margin; lines inside a block may have any indentation (the transport strips the leading
    blanks of the first line after each pager stop). The text must end with the ALL entry: text cut short is refused.
    """
    if not isinstance(text, type(u"")) and not isinstance(text, str):
        raise HatError("the HAT text must be text, not %s" % type(text).__name__)
    reader = _Reader(text)
    policies, groups = [], []
    policy_lines, row_lines = {}, {}
    everyone = None
    while True:
        found = reader.next()
        if found is None:
            break
        number, line = found
        head = line.strip()
        if everyone is not None:
            _fail(number, "%s follows ALL (line %d): ALL is the last entry of the HAT" % (_show(head), everyone))
        if _indent(line):
            where = _inside(head, policies or groups)
            _fail(number, "expected %s; found the indented line %s (%s)%s" % (ENTRY, _show(head), _what(head), where))
        policy = _POLICY_RE.match(head)
        if policy:
            name = policy.group("name")
            if name.lower() in policy_lines:
                _fail(number, "policy $%s is defined twice (first on line %d)" % (name, policy_lines[name.lower()]))
            policy_lines[name.lower()] = number
            policies.append(_read_policy(reader, name, number))
            continue
        named = _GROUP_RE.match(head)
        inline = None if named else _inline(reader.joined(line, _inline_state))
        if named:
            name = named.group("name")
            if name.upper() == ALL:
                _fail(number, "ALL is written without a colon (ALL, then its $POLICY line)")
            row = _read_group(reader, name, number)
        elif inline:
            host, rest = inline
            state, match = _terminal(rest)
            if state == "open":
                _unclosed(number, "host entry %s" % host)
            row = dict(name=host, members=[] if host == ALL else [host], bare=host != ALL, **_terminal_fields(match))
        elif head == ALL or _is_member(head):
            row = dict(name=head, members=[] if head == ALL else [head], bare=head != ALL,
                       **_read_terminal(reader, "ALL" if head == ALL else "host entry %s" % head, number))
        else:
            where = _inside(head, policies or groups)
            _fail(number, "expected %s; found %s (%s)%s" % (ENTRY, _show(head), _what(head), where))
        if row["name"].lower() in row_lines:
            _fail(number, "%s appears twice in the HAT (first on line %d)" % (row["name"], row_lines[row["name"].lower()]))
        row_lines[row["name"].lower()] = number
        groups.append(row)
        if row["name"] == ALL:
            everyone = number
    if everyone is None:
        if not groups and not policies:
            raise HatError("line 1: expected HAT text (policies, sender groups, and ALL last); the text is empty")
        _fail(reader.last, "the text ends without the ALL entry: a HAT always ends with ALL and its policy (is the text "
                           "cut short?)")
    return dict(policies=policies, sender_groups=groups)


def render(table):
    """The HAT text of a parsed table (the PRINT format, one member a line; ``parse(render(t)) == t``)."""
    lines = []
    for policy in table["policies"]:
        lines.append("$%s" % policy["name"])
        if policy["parameters"] or policy.get("comment"):
            lines.append("    %s {" % policy["behavior"])
            lines += ["        %s = %s" % (k, _render_value(v)) for k, v in sorted(policy["parameters"].items())]
            if policy.get("comment"):
                lines.append("        comment = %s" % json.dumps(policy["comment"]))
            lines.append("    }")
        else:
            lines.append("    %s" % policy["behavior"])
    for group in table["sender_groups"]:
        comment = " (%s)" % group["comment"] if group.get("comment") else ""
        target = "$" + group["policy"] if group.get("policy") else group.get("behavior")
        if group.get("bare") or group["name"] == ALL:
            lines.append(group["name"])
            lines.append("    %s%s" % (target, comment))
            continue
        lines.append("%s:" % group["name"])
        lines += ["        %s" % member for member in group["members"]]
        if group.get("dns_verification"):
            lines.append("        dns_verification = %s" % ", ".join(group["dns_verification"]))
        lines.append("        %s%s" % (target, comment))
    return "\n".join(lines) + "\n"
