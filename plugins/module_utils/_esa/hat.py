# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HAT text format (hostaccess PRINT/EXPORT and the XML ``<hat>``), esa.md section 1.7.

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
    Bare host entries become groups named by their host, with ``bare=True``.
    """
    policies, groups = [], []
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace():
            raise HatError("unexpected indented line %d: %r" % (index, line.strip()))
        head = line.strip()
        if head.startswith("$"):
            policy = dict(name=head[1:], behavior=None, parameters={})
            while index < len(lines) and lines[index][:1].isspace() and lines[index].strip():
                body = lines[index].strip()
                index += 1
                match = _BEHAVIOR_RE.match(body)
                if match and policy["behavior"] is None:
                    policy["behavior"] = match.group("behavior")
                    if match.group("brace"):
                        while index < len(lines) and lines[index].strip() != "}":
                            param = _PARAM_RE.match(lines[index].strip())
                            if not param:
                                raise HatError("bad parameter line %d: %r" % (index + 1, lines[index].strip()))
                            if param.group("key") == "comment":
                                # the lab's policy comment: a JSON string inside the braces
                                policy["comment"] = _comment_value(param.group("value"))
                            else:
                                policy["parameters"][param.group("key")] = _value(param.group("value"))
                            index += 1
                        index += 1
                    continue
                raise HatError("bad policy line %d: %r" % (index, body))
            policies.append(policy)
            continue
        bare = not head.endswith(":")
        group = dict(name=head if bare else head[:-1], members=[head] if bare and head != ALL else [], policy=None,
                     behavior=None, comment=None, bare=bare and head != ALL)
        while index < len(lines) and lines[index][:1].isspace() and lines[index].strip():
            body = lines[index].strip()
            index += 1
            ref = _POLICY_REF_RE.match(body)
            behavior = _BEHAVIOR_RE.match(body)
            dns = _DNS_RE.match(body)
            if dns and not bare:
                # the lab's DNS host verification line (only when set)
                group["dns_verification"] = [v.strip() for v in dns.group("checks").split(",") if v.strip()]
            elif ref:
                group["policy"], group["comment"] = ref.group("policy"), ref.group("comment")
            elif behavior:
                group["behavior"], group["comment"] = behavior.group("behavior"), behavior.group("comment")
            else:
                group["members"] += [m.strip() for m in body.split(",") if m.strip()]
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
