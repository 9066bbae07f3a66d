# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Recipient Access Table (``listenerconfig > edit <listener> > rcptaccess``): parse and render.

This module is PRIVATE to the collection. It can change at any time.

An entry: ``address``, ``action`` (accept, reject, tcprefuse, continue),
``smtp_response_code``, ``smtp_response_text``, ``bypass_receiving_control``,
``bypass_ldap_accept``, ``bypass_call_ahead``. The table is read from the
``showconfig`` XML (``<rat>``, esa.md section 3), which carries every field;
PRINT and the export file carry only address and action, and are accepted by
``parse`` too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import xml.etree.ElementTree as ET

from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import Rule

WRITE_COMMAND = "listenerconfig"
READ_COMMAND = "showconfig"
ALL = "ALL"
ACTIONS = {"accept": "Accept", "reject": "Reject", "tcprefuse": "TCP Refuse", "continue": "Continue"}
FLAGS = ("bypass_receiving_control", "bypass_ldap_accept", "bypass_call_ahead")
FIELDS = ("action", "smtp_response_code", "smtp_response_text") + FLAGS

_LABEL = r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)"
_DOMAIN = r"%s(?:\.%s)*" % (_LABEL, _LABEL)
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+"
_IP = r"\[[0-9A-Fa-f:.]+\]"
ADDRESS_RE = re.compile(r"^(?:ALL|\.?%s|%s@|@\.?%s|%s@(?:%s|%s)|%s|@%s)$" % (_DOMAIN, _LOCAL, _DOMAIN, _LOCAL, _DOMAIN, _IP, _IP, _IP))
ADDRESS_FORMS = ("example.com, .example.com, @example.com, @.example.com, user@, user@example.com, user@[192.0.2.1], "
                 "[192.0.2.1] or ALL")


class RatError(ValueError):
    """Invalid input; the message names the field and the rule."""


def normalise_entry(entry, index=None):
    where = "config[%s]" % index if index is not None else "config"
    address = str(entry.get("address") or "").strip()
    if not address:
        raise RatError("%s.address: is required" % where)
    if address.upper() == ALL:
        address = ALL
    elif not ADDRESS_RE.match(address) or ".." in address:
        raise RatError("%s.address: %r is not a Recipient Access Table address (one of the forms %s)" % (where, address, ADDRESS_FORMS))
    else:
        address = address.lower()
    action = entry.get("action")
    if action is not None and action not in ACTIONS:
        raise RatError("%s.action: %r is not one of %s" % (where, action, ", ".join(sorted(ACTIONS))))
    out = dict(address=address, action=action)
    response = entry.get("smtp_response")
    out["smtp_response_code"] = out["smtp_response_text"] = None
    if response:
        code = response.get("code")
        if code is None or not 200 <= int(code) <= 599:
            raise RatError("%s.smtp_response.code: %r must be an SMTP code from 200 to 599" % (where, code))
        if action == "tcprefuse":
            raise RatError("%s.smtp_response: tcprefuse closes the connection; it takes no SMTP response" % where)
        out["smtp_response_code"] = int(code)
        out["smtp_response_text"] = (response.get("text") or "").rstrip("\n")
    for flag in FLAGS:
        value = entry.get(flag)
        out[flag] = None if value is None else bool(value)
        if value and action not in (None, "accept"):
            raise RatError("%s.%s: applies only to action accept" % (where, flag))
    return out


def complete(entry):
    """Unset fields take the appliance's defaults (used for new entries and by replaced)."""
    out = dict(entry)
    out["action"] = out.get("action") or "accept"
    for flag in FLAGS:
        out[flag] = bool(out.get(flag)) if out["action"] == "accept" else False
    if out.get("smtp_response_code") is None:
        out["smtp_response_text"] = None
    return out


class RecipientAccess(object):
    """The RAT of one listener: the kind interface of resource.Table and table_module."""

    command = WRITE_COMMAND
    read_command = READ_COMMAND

    def __init__(self, listener):
        self.listener = listener
        self.listeners = None

    @staticmethod
    def key(entry):
        return entry["address"]

    @staticmethod
    def protected(entry_key):
        return entry_key == ALL

    @staticmethod
    def sort_key(entry):
        # keeps table order (stable sort); ALL is always last
        return entry["address"] == ALL

    @staticmethod
    def equal(have, want):
        return all(have.get(f) == want.get(f) for f in FIELDS)

    @staticmethod
    def merge(have, want):
        merged = dict(have)
        for field in FIELDS:
            if want.get(field) is not None:
                merged[field] = want[field]
        if want.get("action") not in (None, "accept"):
            for flag in FLAGS:
                merged[flag] = False
        return merged

    @staticmethod
    def replace(dummy_have, want):
        return complete(want)

    @staticmethod
    def complete(entry):
        return complete(entry)

    # -- parse -------------------------------------------------------------

    def parse(self, text):
        if "<rat" in text or "<listener" in text:
            return self.parse_xml(text)
        return parse_print(text)

    def parse_xml(self, text):
        start = text.find("<")
        root = ET.fromstring(text[start:] if text[start:].startswith("<config") or text[start:].startswith("<?xml")
                             else "<config>%s</config>" % text[start:])
        self.listeners = {}
        entries = None
        for listener in root.iter("listener"):
            name = (listener.findtext("listener_name") or "").strip()
            self.listeners[name] = (listener.findtext("type") or "").strip()
            if name != self.listener:
                continue
            entries = []
            rat = listener.find("rat")
            for item in (rat.findall("rat_entry") if rat is not None else []):
                params = item.find("rat_params")

                def param(tag, params=params):
                    return (params.findtext(tag) if params is not None else None)

                code = param("smtp_response_code")
                text_value = param("smtp_response_text")
                entries.append(dict(
                    address=(item.findtext("rat_address") or "").strip(),
                    action=(item.findtext("access") or "").strip().lower(),
                    smtp_response_code=int(code) if code and code.strip() else None,
                    smtp_response_text=text_value if code and code.strip() else None,
                    bypass_receiving_control=param("bypass_receiving_control") == "yes",
                    bypass_ldap_accept=param("bypass_ldap_accept") == "yes",
                    bypass_call_ahead=param("bypass_call_ahead") == "yes",
                ))
        return sorted(entries or [], key=self.sort_key)

    def check_listener(self):
        """After a read: fail (ValueError) when the listener is unknown or has no RAT."""
        if self.listeners is None:
            return
        if self.listener not in self.listeners:
            raise ValueError("listener: %r not found on the appliance (listeners: %s)"
                             % (self.listener, ", ".join(sorted(self.listeners)) or "none"))
        if self.listeners[self.listener] == "private":
            raise ValueError("listener: %r is a private listener; private listeners have no Recipient Access Table "
                             "(relaying is controlled by their HAT)" % self.listener)

    # -- render ------------------------------------------------------------

    @staticmethod
    def read_steps():
        return [("passphrase", "1")]

    def change_steps(self, operations):
        steps = []
        for verb, entry in operations:
            if verb == "delete":
                steps += [("rat_menu", "DELETE"), ("q", (r"Enter the address to delete", entry["address"], False))]
                continue
            entry = complete(entry)
            if verb == "create":
                steps += [("rat_menu", "NEW"), ("q", (r"recipient address for this entry", entry["address"], False)),
                          ("q", (r"Select the action to apply", "choose:^%s$" % ACTIONS[entry["action"]], False))]
            else:
                steps += [("rat_menu", "EDIT"), ("q", (r"Enter the address to edit", entry["address"], False)),
                          ("q", (r"What access for", "choose:^%s$" % ACTIONS[entry["action"]], False))]
            has_response = entry["smtp_response_code"] is not None
            steps.append(("q", (r"specify a custom SMTP response", "Y" if has_response else "N", entry["action"] == "tcprefuse")))
            if has_response:
                lines = (entry["smtp_response_text"] or "").split("\n")
                steps += [("q", (r"SMTP code to use in the response", str(entry["smtp_response_code"]), False)),
                          ("q", (r"Enter your custom SMTP response", lines[0], False))]
                if lines[0]:
                    steps.append(("more", lines[1:] + [""]))
            for flag, pattern in (("bypass_receiving_control", r"bypass receiving control"),
                                  ("bypass_ldap_accept", r"bypass LDAP ACCEPT"), ("bypass_call_ahead", r"bypass SMTP Call-Ahead")):
                steps.append(("q", (pattern, "Y" if entry[flag] else "N", entry["action"] != "accept")))
        if steps:
            steps = [("top", "EDIT"), ("listener", self.listener), ("listener_menu", "RCPTACCESS")] + steps + \
                    [("rat_menu", ""), ("listener_menu", ""), ("top", "")]
        return steps

    @staticmethod
    def rules_for(steps):
        if steps == [("passphrase", "1")]:
            return [Rule(r"Choose the passphrase option", "1", name="passphrase option"),
                    Rule(r"Do you want to mask the passphrase", "Y", optional=True, name="mask passphrase")]
        rules = [
            Rule(r"- NEW - Create a new listener", [a for n, a in steps if n == "top"], menu=True, name="listeners menu"),
            Rule(r"name or number of the listener you wish to edit", [a for n, a in steps if n == "listener"], name="listener"),
            Rule(r"- RCPTACCESS -", [a for n, a in steps if n == "listener_menu"], menu=True, name="listener menu"),
            Rule(r"- PRINT - Display the table", [a for n, a in steps if n == "rat_menu"], menu=True, phase=True, name="RAT menu"),
        ]
        group = -1
        for name, value in steps:
            if name == "rat_menu":
                group += 1
            elif name == "more":
                rules.append(Rule(r"^\[\]>$", value, menu=True, name="response text lines", group=group))
            elif name == "q":
                pattern, answer, optional = value
                rules.append(Rule(pattern, answer, optional=optional, name=pattern, group=group))
        return rules

    @staticmethod
    def dialogue_answers(steps):
        answers = []
        for name, value in steps:
            if name == "q":
                answers.append(value[1])
            elif name == "more":
                answers += value
            else:
                answers.append(value)
        return answers


def parse_print(text):
    """Entries (address and action only) from PRINT output or the export file."""
    entries = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 2 or parts[1].lower() not in ACTIONS or not (parts[0] == ALL or ADDRESS_RE.match(parts[0])):
            continue
        entries.append(dict(address=parts[0], action=parts[1].lower(), smtp_response_code=None, smtp_response_text=None,
                            bypass_receiving_control=False, bypass_ldap_accept=False, bypass_call_ahead=False))
    return sorted(entries, key=lambda e: e["address"] == ALL)
