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

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import hat
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Snapshot
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.release import POLICY_SCANNERS
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.script import choose
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.sender_groups import (
    NAME_RE, NAME_RULE, Q_KIND, HatKind)

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

Q_NAME = r"Enter a name for this policy"
Q_BEHAVIOR = r"Select a behavior for this policy"
Q_CHANGE = r"change the parameters of this host access policy"
Q_COMMENT = r"Enter a comment for this policy"
Q_EDIT = r"Choose the policy to edit"
Q_DELETE = r"Choose the policy to delete"
WIZARD = {
    "max_message_size": r"maximum message size",
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
# From 13.8.7 the parameter questions add these after anti-virus and before TLS (Cisco's CLI test library,
# phoebe1387-1411 ctor/listenerconfig.py, segment C; docs/asyncos-cli.md §8). The driver manages none of them:
# each is answered with Enter, which keeps the policy's current value (the listener default for a new one).
SCANNER_QUESTIONS = (
    r"enable Sender Domain Reputation scanning",
    r"enable (?:Virus )?Outbreak Filters\?",
    r"enable Advanced Phishing Protection scanning",
    r"enable Graymail scanning",
    r"enable Content Filters\?",
    r"enable Message Filters\?",
)


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
    # comment: None = leave as it is, "" = remove it
    return dict(name=name, behavior=behavior, parameters=parameters, comment=comment)


def from_hat(policy):
    """A policy as read (HAT keys and text values) -> an entry.

    ``hat.parse`` refuses values of these keys that are not in one of the forms read here (naming the line), so a
    value is never taken as off or 0 by mistake; a value that still cannot be read raises PolicyError."""
    params = {}
    for key, value in (policy.get("parameters") or {}).items():
        name = USER_NAME.get(key)
        if name is None:
            continue
        kind = KIND[name]
        text = str(value).strip().lower()
        if kind == "bool":
            value = text in ("on", "yes", "true", "1")
        elif kind == "level":
            value = {"on": "preferred", "yes": "preferred", "no": "off"}.get(text, text)
        else:
            number = parse_size(value) if kind == "size" else (int(text) if re.match(r"^-?[0-9]+$", text) else None)
            if number is None:
                raise PolicyError("policy $%s: %s = %r is not %s" % (policy.get("name"), key, value, "a size in bytes (or "
                                  "with K or M)" if kind == "size" else "an integer"))
            value = number
        params[name] = value
    return dict(name=policy["name"], behavior=(policy.get("behavior") or "").lower(), parameters=params,
                comment=policy.get("comment") or None)


def policies_from_hat(table):
    """Policies in entry form from a parsed HAT (``hat.parse``)."""
    return [from_hat(p) for p in table["policies"]]


class MailFlowPolicies(HatKind):
    """The mail flow policies of one listener (guide step S9)."""

    name = "mail_flow_policies"
    label = "Mail flow policies (%s)"
    _defaults = None
    _where = None

    def snapshot(self, document, listeners):
        policies = document["policies"]
        return Snapshot(policies, listeners=listeners, groups=document["sender_groups"], policies=policies,
                        defaults=document.get("defaults") or {})

    def halves(self, snapshot, after):
        return snapshot.get("groups"), after

    def empty(self):
        return self.snapshot(dict(sender_groups=[], policies=[], defaults={}), None)

    def info(self, reader):
        return dict(policies=[dict(name=p["name"], behavior=p["behavior"]) for p in self.read(reader).entries or []])

    def document(self, snapshot, after):
        return dict(sender_groups=snapshot.get("groups"), policies=after, defaults=snapshot.get("defaults"))

    def normalise(self, entry, index):
        return normalise_entry(entry, index)

    def parse(self, text):
        document = self.xml_document(text)
        return document["policies"] if document is not None else policies_from_hat(hat.parse(text))

    def key(self, entry):
        return entry["name"].lower()

    def describe(self, entry):
        return "$" + entry["name"]

    def protected(self, key, snapshot):
        return key in used_policies(snapshot.get("groups"))

    def sort_key(self, entry, order):
        return 0    # policies keep their order; new ones are appended

    def equal(self, have, want):
        return (have.get("behavior") == want.get("behavior") and (have.get("parameters") or {}) == (want.get("parameters") or {})
                and have.get("comment") == want.get("comment"))

    def default_value(self, name):
        """The listener's default for a parameter (None offline)."""
        defaults = self._defaults or {}
        if HAT_KEY[name] not in defaults:
            return None
        return from_hat(dict(name="default", parameters={HAT_KEY[name]: defaults[HAT_KEY[name]]}))["parameters"].get(name)

    def _consistent(self, entry):
        """verify_client_certificate follows tls (one answer sets both); SMTP-auth TLS needs SMTP auth."""
        where = (self._where or {}).get(self.key(entry), "config")
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
        return self._consistent(dict(name=have["name"], behavior=want.get("behavior") or have["behavior"], parameters=params,
                                     comment=(want["comment"] or None) if want.get("comment") is not None else have.get("comment")))

    def replace(self, have, want):
        return self._consistent(dict(name=have["name"], behavior=want.get("behavior") or have["behavior"],
                                     parameters=dict(want.get("parameters") or {}), comment=want.get("comment") or None))

    def complete(self, entry):
        return self._consistent(dict(name=entry["name"], behavior=entry.get("behavior") or "accept",
                                     parameters=dict(entry.get("parameters") or {}), comment=entry.get("comment") or None))

    def plan(self, snapshot, want, state):
        self._defaults = snapshot.get("defaults")
        used = used_policies(snapshot.get("groups"))
        keys = [self.key(e) for e in want]
        if state == "overridden":
            missing = [e["name"] for e in snapshot.entries if self.key(e) in used and self.key(e) not in keys]
            if missing:
                raise PolicyError("state=overridden would delete %s, used by sender groups (%s) of listener %s; list them in "
                                  "config or move those groups to another policy first (esa_sender_groups)"
                                  % (", ".join("$" + m for m in missing),
                                     "; ".join("%s: %s" % (m, ", ".join(used[m.lower()])) for m in missing), self.listener))
        # the field path of each wanted policy, for the errors of _consistent (called by merge/replace/complete)
        self._where = dict((k, "config[%d]" % i) for i, k in enumerate(keys))
        result = super(MailFlowPolicies, self).plan(snapshot, want, state)
        for verb, entry in result.operations:
            if verb == "delete" and self.key(entry) in used:
                raise PolicyError("policy $%s is used by the sender groups %s of listener %s and cannot be deleted; move "
                                  "those groups to another policy first (esa_sender_groups)"
                                  % (entry["name"], ", ".join(used[self.key(entry)]), self.listener))
        return result

    def render(self, plan, snapshot):
        have = dict((p["name"].lower(), p) for p in snapshot.entries or [])
        script = self.open_script()
        for verb, entry in plan.operations:
            name = entry["name"]
            current = have.get(name.lower())
            if verb == "delete":
                self.hat_menu(script, "DELETE").ask(Q_KIND, "choose:Policy", optional=True).ask(Q_DELETE, choose(name, "$"))
                continue
            if verb == "create":
                self.hat_menu(script, "NEW").ask(Q_KIND, "choose:Policy").ask(Q_NAME, name)
                change = bool(entry["parameters"]) or bool(entry.get("comment"))
            else:
                self.hat_menu(script, "EDIT").ask(Q_KIND, "choose:Policy", optional=True).ask(Q_EDIT, choose(current["name"] if current else name, "$"))
                change = current is None or current.get("parameters") != entry["parameters"] or current.get("comment") != entry.get("comment")
            script.ask(Q_BEHAVIOR, choose(BEHAVIORS[entry["behavior"]])).ask(Q_CHANGE, "Y" if change else "N")
            if change:
                wizard(script, entry["parameters"], self.release)
                script.ask(Q_COMMENT, entry.get("comment") or ("-" if current and current.get("comment") else ""))
        return self.close_script(script)

    def to_diff(self, entries):
        return to_diff(entries)


def used_policies(groups):
    """{policy key: [sender group names]}."""
    used = {}
    for group in groups or []:
        if group.get("policy"):
            used.setdefault(group["policy"].lower(), []).append(group["name"])
    return used


def _yes_no(value):
    return "default" if value is None else ("Y" if value else "N")


def wizard(script, params, release=None):
    """Answer every question of the policy parameter wizard (``default`` = no override); ``release`` (a
    ``release.Release``) adds the questions of 13.8.7 and later."""
    for name in ("max_message_size", "max_concurrency", "max_messages_per_connection", "max_recipients_per_message"):
        value = params.get(name)
        script.ask(WIZARD[name], "default" if value is None else str(value))
    for name in ("max_recipients_per_hour", "dhap_limit"):
        value = params.get(name)
        enable, number = WIZARD[name]
        if value is None:
            script.ask(enable, "default")
        elif value == LIMIT_OFF[name]:
            script.ask(enable, "N")
        else:
            script.ask(enable, "Y").ask(number, str(value))
    for name in ("senderbase_flow_control", "anti_spam", "anti_virus"):
        script.ask(WIZARD[name], _yes_no(params.get(name)))
    if release is None or release.asks(POLICY_SCANNERS):
        for pattern in SCANNER_QUESTIONS:
            script.ask(pattern, "", optional=True)
    tls = params.get("tls")
    if tls is None:
        script.ask(WIZARD["tls"], "default")
    else:
        label = {"off": "No", "preferred": "Preferred", "required": "Required"}[tls]
        if tls != "off" and params.get("verify_client_certificate"):
            label += " - Verify"
        script.ask(WIZARD["tls"], choose(label))
        if tls != "off":
            script.ask(Q_DEMO_CERT, "Y", optional=True)
    auth = params.get("smtp_auth")
    script.ask(WIZARD["smtp_auth"], "default" if auth is None else
               choose({"off": "No", "preferred": "Preferred", "required": "Required"}[auth]))
    script.ask(WIZARD["require_tls_for_smtp_auth"], _yes_no(params.get("require_tls_for_smtp_auth")), optional=True)
    return script


def to_diff(entries):
    return dict((e["name"], dict(behavior=e.get("behavior"), parameters=e.get("parameters") or {}, comment=e.get("comment")))
                for e in entries)
