# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HAT text format (hostaccess PRINT/EXPORT and the XML ``<hat>``), docs/asyncos-cli.md "listenerconfig: HAT and RAT".

This module is PRIVATE to the collection. It can change at any time.

::

    $THROTTLED                      a mail flow policy: name, then its behaviour
        ACCEPT {                    and, in braces, the parameters it overrides
            max_concurrency = 10
            tls = "off"
        }
    RELAY_O365:                     a sender group: name, members, then its policy
            .protection.outlook.com
            $RELAYED (Relay mail from Microsoft 365)
    spamdomain.com                  a bare host entry with an inline behaviour
        REJECT (reject the domain)
    ALL
        $ACCEPTED (Everyone else)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

BEHAVIORS = ("ACCEPT", "REJECT", "RELAY", "TCPREFUSE", "CONTINUE")
ALL = "ALL"

_POLICY_REF_RE = re.compile(r"^\$(?P<policy>[A-Za-z0-9_-]+)(?:\s+\((?P<comment>.*)\))?$")
_BEHAVIOR_RE = re.compile(r"^(?P<behavior>%s)(?:\s+\((?P<comment>.*)\))?(?P<brace>\s*\{)?$" % "|".join(BEHAVIORS))
# A host entry and its inline behaviour on one line (``10.0.0.5 RELAY``), as the RAT's one-line entries: read
# tolerantly (a member has no blanks, so the split is unambiguous); rendered on two lines like the 9.7 transcript.
_INLINE_RE = re.compile(r"^(?P<host>[^\s$:]+)\s+(?P<behavior>%s)(?:\s+\((?P<comment>.*)\))?$" % "|".join(BEHAVIORS))
_PARAM_RE = re.compile(r"^(?P<key>[A-Za-z0-9_]+)\s*=\s*(?P<value>.*?)\s*$")
_DNS_RE = re.compile(r"^dns_verification\s*=\s*(?P<checks>.*?)\s*$")
DNS_VERIFICATION = ("record_not_exist", "lookup_fail", "not_matched")


class HatError(ValueError):
    pass


def _value(text):
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"')
    if re.match(r"^-?\d+$", text):
        return int(text)
    return text


def _comment_value(text):
    try:
        value = json.loads(text) if text.startswith('"') else text
    except ValueError:
        value = _value(text)
    return value or None


def _render_value(value):
    if isinstance(value, bool):
        return '"on"' if value else '"off"'
    if isinstance(value, int):
        return str(value)
    return '"%s"' % str(value).replace('"', '\\"')


def parse(text):
    """Return {"policies": [...], "sender_groups": [...]} in table order.

    A policy: name, behavior, parameters (dict of overridden keys), and ``comment`` when the text has the
    lab's ``comment = "<JSON string>"`` line inside the braces.
    A sender group: name, members, policy (or None), behavior (for bare entries), comment, and
    ``dns_verification`` (list of keys) when the text has the lab's ``dns_verification = a, b`` line.
    Bare host entries become groups named by their host, with ``bare=True`` and their inline ``behavior``; the
    host and its behaviour may also stand on one line (``10.0.0.5 RELAY``).

    Indentation is not significant (as on IMPORT): the transport strips the leading blanks of the first
    line after each pager stop. A group's block ends with its ``$POLICY`` (or behaviour) line.
    """
    policies, groups = [], []
    lines = [(number, line.strip()) for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1)
             if line.strip() and not line.strip().startswith("#")]
    index = 0
    while index < len(lines):
        number, head = lines[index]
        index += 1
        if head.startswith("$"):
            policy = dict(name=head[1:], behavior=None, parameters={})
            match = _BEHAVIOR_RE.match(lines[index][1]) if index < len(lines) else None
            if not match:
                raise HatError("policy line %d: %r is not followed by a behaviour (%s)" % (number, head, ", ".join(BEHAVIORS)))
            index += 1
            policy["behavior"] = match.group("behavior")
            if match.group("brace"):
                while True:
                    if index >= len(lines):
                        raise HatError("policy line %d: %r has no closing }" % (number, head))
                    line_number, body = lines[index]
                    index += 1
                    if body == "}":
                        break
                    param = _PARAM_RE.match(body)
                    if not param:
                        raise HatError("bad parameter line %d: %r" % (line_number, body))
                    if param.group("key") == "comment":
                        # the lab's policy comment: a JSON string inside the braces
                        policy["comment"] = _comment_value(param.group("value"))
                    else:
                        policy["parameters"][param.group("key")] = _value(param.group("value"))
            policies.append(policy)
            continue
        inline = _INLINE_RE.match(head)
        if inline:
            everyone = inline.group("host") == ALL
            groups.append(dict(name=inline.group("host"), members=[] if everyone else [inline.group("host")], policy=None,
                               behavior=inline.group("behavior"), comment=inline.group("comment"), bare=not everyone))
            continue
        named = head.endswith(":") and re.match(r"^[A-Za-z][A-Za-z0-9_-]*:$", head)
        bare = not named and head != ALL
        group = dict(name=head[:-1] if named else head, members=[head] if bare else [], policy=None,
                     behavior=None, comment=None, bare=bare)
        ended = False
        while index < len(lines):
            body = lines[index][1]
            index += 1
            ref = _POLICY_REF_RE.match(body)
            behavior = _BEHAVIOR_RE.match(body)
            dns = _DNS_RE.match(body)
            if dns and named:
                # the lab's DNS host verification line (only when set)
                group["dns_verification"] = [v.strip() for v in dns.group("checks").split(",") if v.strip()]
                continue
            if ref:
                group["policy"], group["comment"] = ref.group("policy"), ref.group("comment")
            elif behavior and not behavior.group("brace"):
                group["behavior"], group["comment"] = behavior.group("behavior"), behavior.group("comment")
            elif named:
                group["members"] += [m.strip() for m in body.split(",") if m.strip()]
                continue
            else:
                raise HatError("line %d: %r is not followed by a policy or behaviour" % (number, head))
            ended = True
            break
        if not ended:
            raise HatError("line %d: %r has no policy or behaviour" % (number, head))
        groups.append(group)
    return dict(policies=policies, sender_groups=groups)


def render(table):
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
