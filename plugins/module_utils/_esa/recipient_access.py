# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Recipient Access Table (``listenerconfig > edit <listener> > rcptaccess``): parse and render.

This module is PRIVATE to the collection. It can change at any time.

An entry: ``address``, ``action`` (accept, reject, tcprefuse, continue),
``smtp_response_code``, ``smtp_response_text``, ``bypass_receiving_control``,
``bypass_ldap_accept``, ``bypass_call_ahead``. The table is read from the
``showconfig`` XML (``<rat>``, docs/asyncos-cli.md "showconfig and saveconfig"), which carries every field;
PRINT and the export file carry only address and action, and are accepted by
``parse`` too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Snapshot, TableResource
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.script import Script

WRITE_COMMAND = "listenerconfig"
Q_RAT_MENU = r"- PRINT - Display the table"
ALL = "ALL"
ACTIONS = {"accept": "Accept", "reject": "Reject", "tcprefuse": "TCP Refuse", "continue": "Continue"}
FLAGS = ("bypass_receiving_control", "bypass_ldap_accept", "bypass_call_ahead")
FIELDS = ("action", "smtp_response_code", "smtp_response_text") + FLAGS

_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"  # letters, digits, hyphens (RFC 1123); no underscore in a mail domain
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
    elif "[" not in address and address.rsplit("@", 1)[-1].rsplit(".", 1)[-1].isdigit():
        # the appliance's help text: an IP address is given as a literal (docs/asyncos-cli.md §8)
        raise RatError("%s.address: %r ends in a number: a host name's last label is not numeric, and an IP address is "
                       "written as a literal, [192.0.2.1] or user@[192.0.2.1]" % (where, address))
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
        if not out["smtp_response_text"].strip():
            out["smtp_response_text"] = ""     # blank: typing it would end the response text at once
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


def entries_from_xml(listener):
    """The RAT entries of one ``<listener>`` element of the configuration XML (every field)."""
    entries = []
    rat = listener.find("rat")
    for item in (rat.findall("rat_entry") if rat is not None else []):
        params = item.find("rat_params")

        def param(tag, params=params):
            return params.findtext(tag) if params is not None else None

        code = param("smtp_response_code")
        entries.append(dict(
            address=(item.findtext("rat_address") or "").strip(),
            action=(item.findtext("access") or "").strip().lower(),
            smtp_response_code=int(code) if code and code.strip() else None,
            smtp_response_text=param("smtp_response_text") if code and code.strip() else None,
            bypass_receiving_control=param("bypass_receiving_control") == "yes",
            bypass_ldap_accept=param("bypass_ldap_accept") == "yes",
            bypass_call_ahead=param("bypass_call_ahead") == "yes",
        ))
    return sorted(entries, key=lambda e: e["address"] == ALL)


class RecipientAccess(TableResource):
    """The RAT of one listener (guide step S4)."""

    name = "recipient_access"
    label = "Recipient access (%s)"
    command = WRITE_COMMAND
    confirm_overridden = True
    info_key = "recipient_access"
    scoped = True
    stored_in = "rat"     # listener_documents.RAT

    @classmethod
    def applies_to(cls, listener):
        return listener["type"] == "public"

    @property
    def listener(self):
        return self.scope

    def level_document(self):
        return "listener_level"

    def normalise(self, entry, index):
        return normalise_entry(entry, index)

    def read(self, reader):
        return Snapshot(reader.get(self.document_name()), listeners=reader.get("listeners"))

    def check(self, snapshot):
        listeners = dict((item["name"], item["type"]) for item in snapshot.get("listeners") or [])
        if self.listener not in listeners:
            raise ValueError("listener: %r not found on the appliance (listeners: %s)"
                             % (self.listener, ", ".join(sorted(listeners)) or "none"))
        if listeners[self.listener] == "private":
            raise ValueError("listener: %r is a private listener; private listeners have no Recipient Access Table "
                             "(relaying is controlled by their HAT)" % self.listener)

    def parse(self, text):
        return parse_print(text)

    def key(self, entry):
        return entry["address"]

    def protected(self, key, snapshot):
        return key == ALL

    def sort_key(self, entry, order):
        # table order; ALL is always last
        return (entry["address"] == ALL, order.index(entry["address"]) if order and entry["address"] in order else 0)

    def equal(self, have, want):
        return all(have.get(f) == want.get(f) for f in FIELDS)

    def merge(self, have, want):
        merged = dict(have)
        for field in FIELDS:
            if want.get(field) is not None:
                merged[field] = want[field]
        if want.get("action") not in (None, "accept"):
            for flag in FLAGS:
                merged[flag] = False
        return merged

    def complete(self, entry):
        return complete(entry)

    def render(self, plan, snapshot):
        script = Script(self.command).enter_listener(self.listener, "RCPTACCESS")
        for verb, entry in plan.operations:
            if verb == "delete":
                script.menu("RAT menu", Q_RAT_MENU, "DELETE", operation=True).ask(r"Enter the address to delete", entry["address"])
                continue
            entry = complete(entry)
            if verb == "create":
                script.menu("RAT menu", Q_RAT_MENU, "NEW", operation=True) \
                    .ask(r"recipient address for this entry", entry["address"]) \
                    .ask(r"action to apply to this address", "choose:^%s$" % ACTIONS[entry["action"]])
            else:
                script.menu("RAT menu", Q_RAT_MENU, "EDIT", operation=True) \
                    .ask(r"Enter the address to edit", entry["address"]) \
                    .ask(r"What access for", "choose:^%s$" % ACTIONS[entry["action"]])
            has_response = entry["smtp_response_code"] is not None
            script.ask(r"specify a custom SMTP response", "Y" if has_response else "N", optional=entry["action"] == "tcprefuse")
            if has_response:
                lines = (entry["smtp_response_text"] or "").split("\n")
                # the text is typed line by line and ended by an empty line, with no prompt per line implied
                # (Cisco's CLI test library, ctor/listenerconfig.py; docs/asyncos-cli.md §8): one block
                script.ask(r"SMTP code to use in the response", str(entry["smtp_response_code"])) \
                    .block(r"Enter your custom SMTP response", (lines + [""]) if lines[0] else [""], name="response text")
            for flag, pattern in (("bypass_receiving_control", r"receiving control for this entry"),
                                  ("bypass_ldap_accept", r"bypass LDAP ACCEPT"), ("bypass_call_ahead", r"bypass SMTP Call-Ahead")):
                script.ask(pattern, "Y" if entry[flag] else "N", optional=entry["action"] != "accept")
        return script.leave_listener("RAT menu", Q_RAT_MENU)

    def to_diff(self, entries):
        return dict((e["address"], dict((f, e.get(f)) for f in FIELDS if e.get(f) not in (None, False))) for e in entries)


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
