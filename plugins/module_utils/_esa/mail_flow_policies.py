# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HAT mail flow policies (``listenerconfig > edit <listener> > hostaccess``): read, compare, render.

This module is PRIVATE to the collection. It can change at any time.

An entry: ``name`` (without ``$``), ``behavior`` (accept, relay, reject,
tcprefuse, continue), ``parameters`` (only the parameters the policy
overrides, by their user-facing names; every other parameter uses the
listener's default) and ``comment``. Read from the ``showconfig`` XML
(``<hat>``), changed with hostaccess NEW / EDIT (behaviour, then the parameter
wizard where every question is answered, ``default`` for "no override") / DELETE.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa.sender_groups import (
    NAME_RE, NAME_RULE, HatTable, all_members, choose)

BEHAVIORS = {"accept": "Accept", "relay": "Relay", "reject": "Reject", "tcprefuse": "TCP Refuse", "continue": "Continue"}
LEVELS = ("off", "preferred", "required")

# user-facing name, HAT-text key, kind, (low, high)
PARAMETERS = (
    ("max_message_size", "max_message_size", "size", (1, 1073741824)),
    ("max_concurrency", "max_concurrency", "int", (1, 1000)),
    ("max_messages_per_connection", "max_msgs_per_session", "int", (1, 10000)),
    ("max_recipients_per_message", "max_rcpts_per_msg", "int", (1, 100000)),
    ("max_recipients_per_hour", "max_rcpts_per_hour", "limit", (1, 1000000)),
    ("dhap_limit", "dhap_limit", "limit", (1, 1000000)),
    ("senderbase_flow_control", "use_sb", "bool", None),
    ("anti_spam", "spam_check", "bool", None),
    ("anti_virus", "virus_check", "bool", None),
    ("tls", "tls", "level", None),
    ("verify_client_certificate", "tls_verify_client", "bool", None),
    ("smtp_auth", "smtpauth_allow", "level", None),
    ("require_tls_for_smtp_auth", "smtpauth_requiretls", "bool", None),
)
USER_NAMES = tuple(p[0] for p in PARAMETERS)
HAT_KEY = dict((p[0], p[1]) for p in PARAMETERS)
USER_NAME = dict((p[1], p[0]) for p in PARAMETERS)
KIND = dict((p[0], p[2]) for p in PARAMETERS)
RANGE = dict((p[0], p[3]) for p in PARAMETERS)
# the value that turns a limit off (the HAT's own convention)
LIMIT_OFF = {"max_recipients_per_hour": -1, "dhap_limit": 0}

Q_KIND = r"Choose the type of entry to (create|edit|delete)"
Q_NAME = r"Enter a name for this policy"
Q_BEHAVIOR = r"Select a behavior for this policy"
Q_CHANGE = r"change the parameters of this host access policy"
Q_COMMENT = r"Enter a comment for this policy"
Q_EDIT = r"Choose the policy to edit"
Q_DELETE = r"Choose the policy to delete"
WIZARD = {
    "max_message_size": r"Enter the maximum message size",
    "max_concurrency": r"maximum number of concurrent connections",
    "max_messages_per_connection": r"maximum number of messages per connection",
    "max_recipients_per_message": r"maximum number of recipients per message",
    "max_recipients_per_hour": (r"Do you want to enable rate limiting", r"maximum number of recipients per hour"),
    "dhap_limit": (r"Directory Harvest Attack Prevention", r"maximum number of invalid recipients per hour"),
    "senderbase_flow_control": r"use SenderBase for flow control",
    "anti_spam": r"enable anti-spam scanning",
    "anti_virus": r"enable anti-virus scanning",
    "tls": r"Do you want to allow encrypted TLS connections",
    "smtp_auth": r"Do you want to allow SMTP authentication",
    "require_tls_for_smtp_auth": r"Require TLS to offer SMTP authentication",
}
Q_DEMO_CERT = r"use the demo certificate"


class PolicyError(ValueError):
    """Invalid input; the message names the field and the rule."""


def parse_size(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    match = re.match(r"^\s*(\d+)\s*([kKmM]?)\s*$", str(value))
    if not match:
        return None
    return int(match.group(1)) * {"": 1, "k": 1024, "m": 1048576}[match.group(2).lower()]


def check_parameter(name, value, where):
    """A user-facing parameter value -> its canonical value (raises PolicyError naming field and rule)."""
    field = "%s.parameters.%s" % (where, name)
    kind = KIND[name]
    if kind == "bool":
        if not isinstance(value, bool):
            raise PolicyError("%s: %r must be true or false" % (field, value))
        return value
    if kind == "level":
        if value is True or value is False:
            value = "preferred" if value else "off"   # YAML on/off
        if value not in LEVELS:
            raise PolicyError("%s: %r must be one of %s" % (field, value, ", ".join(LEVELS)))
        return value
    low, high = RANGE[name]
    number = parse_size(value) if kind == "size" else value
    if kind != "size" and isinstance(value, str) and re.match(r"^-?\d+$", value.strip()):
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int):
        raise PolicyError("%s: %r must be an integer%s" % (field, value, " of bytes or a size such as 10M or 512K" if kind == "size" else ""))
    if kind == "limit" and number == LIMIT_OFF[name]:
        return number
    if not low <= number <= high:
        extra = " (or %d to turn it off)" % LIMIT_OFF[name] if kind == "limit" else ""
        raise PolicyError("%s: %r is out of range %d-%d%s" % (field, value, low, high, extra))
    return number


def normalise_entry(entry, index=None):
    where = "config[%s]" % index if index is not None else "config"
    name = str(entry.get("name") or "").strip().lstrip("$")
    if not NAME_RE.match(name):
        raise PolicyError("%s.name: %r is not a policy name (%s, without '$')" % (where, entry.get("name"), NAME_RULE))
    behavior = entry.get("behavior")
    if behavior is not None:
        behavior = str(behavior).lower().replace(" ", "").replace("_", "")
        if behavior not in BEHAVIORS:
            raise PolicyError("%s.behavior: %r is not one of %s" % (where, entry.get("behavior"), ", ".join(BEHAVIORS)))
    parameters = None
    if entry.get("parameters") is not None:
        raw = entry["parameters"]
        if not isinstance(raw, dict):
            raise PolicyError("%s.parameters: must be a dict" % where)
        unknown = sorted(k for k in raw if k not in USER_NAMES)
        if unknown:
            raise PolicyError("%s.parameters: unknown %s (known: %s)" % (where, ", ".join(unknown), ", ".join(USER_NAMES)))
        parameters = dict((k, check_parameter(k, v, where)) for k, v in raw.items() if v is not None)
        if parameters.get("verify_client_certificate") and parameters.get("tls") == "off":
            raise PolicyError("%s.parameters.verify_client_certificate: true needs tls preferred or required" % where)
    comment = entry.get("comment")
    if comment is not None:
        comment = str(comment).strip()
        if "\n" in comment or comment == "-":
            raise PolicyError("%s.comment: must be one line and not '-'" % where)
    return dict(name=name, behavior=behavior, parameters=parameters, comment=comment or None, _comment_set=comment is not None,
                _where=where)


def from_hat(policy):
    """A policy as read (HAT keys and text values) -> an entry."""
    params = {}
    for key, value in (policy.get("parameters") or {}).items():
        name = USER_NAME.get(key)
        if name is None:
            continue
        kind = KIND[name]
        if kind == "bool":
            value = str(value).lower() in ("on", "yes", "true", "1")
        elif kind == "level":
            value = {"on": "preferred", "yes": "preferred", "no": "off"}.get(str(value).lower(), str(value).lower())
        else:
            value = int(value)
        params[name] = value
    return dict(name=policy["name"], behavior=(policy.get("behavior") or "").lower(), parameters=params,
                comment=policy.get("comment") or None)


class MailFlowPolicies(HatTable):
    """The mail flow policies of one listener: the kind interface of resource.Table and table_module."""

    @staticmethod
    def key(entry):
        return entry["name"].lower()

    def protected(self, entry_key):
        return entry_key in self.used_policies()

    @staticmethod
    def sort_key(dummy_entry):
        return 0    # policies keep their order; new ones are appended

    @staticmethod
    def equal(have, want):
        return (have.get("behavior") == want.get("behavior") and (have.get("parameters") or {}) == (want.get("parameters") or {})
                and have.get("comment") == want.get("comment"))

    def used_policies(self):
        """{policy key: [sender group names]}."""
        used = {}
        for group in self.groups or []:
            if group.get("policy"):
                used.setdefault(group["policy"].lower(), []).append(group["name"])
        return used

    def default_value(self, name):
        """The listener's default for a parameter (None offline)."""
        if not self.defaults or HAT_KEY[name] not in self.defaults:
            return None
        return from_hat(dict(name="default", parameters={HAT_KEY[name]: self.defaults[HAT_KEY[name]]}))["parameters"].get(name)

    def _consistent(self, entry, where):
        params = entry["parameters"]
        if "tls" in params:
            params["verify_client_certificate"] = bool(params.get("verify_client_certificate")) and params["tls"] != "off"
        elif "verify_client_certificate" in params:
            raise PolicyError("%s.parameters.verify_client_certificate: set tls too (the appliance sets TLS and client "
                              "certificate verification with one answer)" % where)
        auth = params.get("smtp_auth", self.default_value("smtp_auth"))
        if "require_tls_for_smtp_auth" in params and auth == "off":
            raise PolicyError("%s.parameters.require_tls_for_smtp_auth: applies only when smtp_auth is preferred or required "
                              "(here it is off%s)" % (where, "" if "smtp_auth" in params else ": the listener default"))
        return entry

    def merge(self, have, want):
        params = dict(have.get("parameters") or {})
        params.update(want.get("parameters") or {})
        if "tls" in (want.get("parameters") or {}) and "verify_client_certificate" not in want["parameters"]:
            params["verify_client_certificate"] = (have.get("parameters") or {}).get("verify_client_certificate", False)
        entry = dict(name=have["name"], behavior=want.get("behavior") or have["behavior"], parameters=params,
                     comment=want["comment"] if want.get("_comment_set") else have.get("comment"))
        return self._consistent(entry, want.get("_where", "config"))

    def replace(self, have, want):
        entry = dict(name=have["name"], behavior=want.get("behavior") or have["behavior"],
                     parameters=dict(want.get("parameters") or {}), comment=want.get("comment"))
        return self._consistent(entry, want.get("_where", "config"))

    def complete(self, entry):
        out = dict(name=entry["name"], behavior=entry.get("behavior") or "accept", parameters=dict(entry.get("parameters") or {}),
                   comment=entry.get("comment"))
        return self._consistent(out, entry.get("_where", "config"))

    # -- read ------------------------------------------------------------------------
    def parse(self, text):
        self.read_hat(text)
        return [from_hat(p) for p in self.policies]

    # -- plan --------------------------------------------------------------------------
    def plan_order(self, have, want, state, ops):
        keys = [self.key(e) for e in want]
        duplicates = sorted(set(k for k in keys if keys.count(k) > 1))
        if duplicates:
            raise PolicyError("config: the policies %s are listed more than once" % ", ".join(duplicates))
        used = self.used_policies()
        if state == "overridden":
            missing = [e["name"] for e in have if self.key(e) in used and self.key(e) not in keys]
            if missing:
                raise PolicyError("state=overridden would delete %s, used by sender groups (%s) of listener %s; list them in "
                                  "config or move those groups to another policy first (esa_sender_groups)"
                                  % (", ".join("$" + m for m in missing),
                                     "; ".join("%s: %s" % (m, ", ".join(used[m.lower()])) for m in missing), self.listener))
        for verb, entry in ops:
            if verb == "delete" and self.key(entry) in used:
                raise PolicyError("policy $%s is used by the sender groups %s of listener %s and cannot be deleted; move "
                                  "those groups to another policy first (esa_sender_groups)"
                                  % (entry["name"], ", ".join(used[self.key(entry)]), self.listener))
        return []

    # -- render ------------------------------------------------------------------------
    def change_steps(self, operations):
        have = dict((p["name"].lower(), from_hat(p)) for p in self.policies or [])
        steps = []
        for verb, entry in operations:
            name = entry["name"]
            current = have.get(name.lower())
            if verb == "delete":
                steps += [("hat_menu", "DELETE"), ("q", (Q_KIND, "choose:Policy", False)),
                          ("q", (Q_DELETE, choose(name, "$"), False))]
                continue
            if verb == "create":
                steps += [("hat_menu", "NEW"), ("q", (Q_KIND, "choose:Policy", False)), ("q", (Q_NAME, name, False))]
                change = bool(entry["parameters"]) or bool(entry.get("comment"))
            else:
                steps += [("hat_menu", "EDIT"), ("q", (Q_KIND, "choose:Policy", False)),
                          ("q", (Q_EDIT, choose(current["name"] if current else name, "$"), False))]
                change = current is None or current.get("parameters") != entry["parameters"] or current.get("comment") != entry.get("comment")
            steps.append(("q", (Q_BEHAVIOR, choose(BEHAVIORS[entry["behavior"]]), False)))
            steps.append(("q", (Q_CHANGE, "Y" if change else "N", False)))
            if change:
                steps += wizard_steps(entry["parameters"])
                steps.append(("q", (Q_COMMENT, entry.get("comment") or ("-" if current and current.get("comment") else ""), False)))
        return self.wrap(steps)


def _yes_no(value):
    return "default" if value is None else ("Y" if value else "N")


def wizard_steps(params):
    """Answers for every question of the policy parameter wizard (``default`` = no override)."""
    steps = []
    for name in ("max_message_size", "max_concurrency", "max_messages_per_connection", "max_recipients_per_message"):
        value = params.get(name)
        steps.append(("q", (WIZARD[name], "default" if value is None else str(value), False)))
    for name in ("max_recipients_per_hour", "dhap_limit"):
        value = params.get(name)
        enable, number = WIZARD[name]
        if value is None:
            steps.append(("q", (enable, "default", False)))
        elif value == LIMIT_OFF[name]:
            steps.append(("q", (enable, "N", False)))
        else:
            steps += [("q", (enable, "Y", False)), ("q", (number, str(value), False))]
    for name in ("senderbase_flow_control", "anti_spam", "anti_virus"):
        steps.append(("q", (WIZARD[name], _yes_no(params.get(name)), False)))
    tls = params.get("tls")
    if tls is None:
        steps.append(("q", (WIZARD["tls"], "default", False)))
    else:
        label = {"off": "No", "preferred": "Preferred", "required": "Required"}[tls]
        if tls != "off" and params.get("verify_client_certificate"):
            label += " - Verify"
        steps.append(("q", (WIZARD["tls"], choose(label), False)))
        if tls != "off":
            steps.append(("q", (Q_DEMO_CERT, "Y", True)))
    auth = params.get("smtp_auth")
    steps.append(("q", (WIZARD["smtp_auth"], "default" if auth is None else
                        choose({"off": "No", "preferred": "Preferred", "required": "Required"}[auth]), False)))
    steps.append(("q", (WIZARD["require_tls_for_smtp_auth"], _yes_no(params.get("require_tls_for_smtp_auth")), True)))
    return steps


def to_diff(entries):
    return dict((e["name"], dict(behavior=e.get("behavior"), parameters=e.get("parameters") or {}, comment=e.get("comment")))
                for e in entries)


def guard_groups(groups):
    """Sender groups in the form relay_guard.check takes."""
    return [dict(name=g["name"], members=all_members(g), policy=g.get("policy")) for g in groups]
