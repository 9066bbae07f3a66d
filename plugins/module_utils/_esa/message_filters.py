# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Message filters (``filters``): read, compare and change an ordered list.

This module is PRIVATE to the collection. It can change at any time.

An entry: ``name``, ``body`` (the filter after ``name:``, in the normal form
of filter_language) and ``active``. AsyncOS has no edit for a filter's body:
a changed body is deleted and added again; a changed active flag alone is one
SET; the order is fixed with MOVE.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import cluster, filter_language, redact, relay_guard
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.documents import Document, Source, check_count
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import TableResource
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.script import Script

COMMAND = "filters"
# The filters menu; on an appliance without filters it offers only NEW and IMPORT (technote 118145).
Q_MENU = r"Choose the operation you want to perform:[\s\S]*-\s*NEW\s*-"
Q_MENU_FULL = r"Choose the operation you want to perform:[\s\S]*-\s*DETAIL\s*-"
Q_MENU_EMPTY = r"Choose the operation you want to perform:(?![\s\S]*-\s*DETAIL\s*-)"
Q_RANGE = r"Enter the filter name, number, or range"
# NEW: the script is typed with no prompt per line, ended by a line holding only "." (technote 118145;
# Cisco's CLI test library, ctor/filters.py, sends the script and the "." in one write).
Q_SCRIPT = r"Enter filter script|on its own line to end"
Q_ATTRIBUTE = r"attribute to set"
Q_MOVE = r"filter name, number, or range to move"
Q_BEFORE = r"filter to insert before"

_ROW_RE = re.compile(r"^\s*(\d+)\s+([YN])\s+([YN])\s+(\S+)\s*$")


class FilterError(ValueError):
    """Invalid input; the message names the field and the rule."""


def normalise_entry(entry, index=None):
    where = "config[%s]" % index if index is not None else "config"
    name = (entry.get("name") or "").strip()
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_-]{0,79}$", name):
        raise FilterError("%s.name: %r is not a filter name (a letter or '_', then up to 79 letters, digits, '_' or '-')"
                          % (where, name))
    if name.lower() in filter_language.RESERVED_NAMES:
        raise FilterError("%s.name: %r is a reserved word" % (where, name))
    body = entry.get("body")
    out = dict(name=name, body=None, active=entry.get("active"))
    if body is not None:
        text = body.strip()
        if re.match(r"^%s\s*:" % re.escape(name), text):
            text = text.split(":", 1)[1]
        try:
            out["body"] = filter_language.normalise(text)
        except filter_language.FilterSyntaxError as exc:
            raise FilterError("%s.body: invalid filter syntax: %s" % (where, exc))
        for used_in, header, line, column in filter_language.header_names(text):
            problem = filter_language.header_name_problem(header)
            if problem:
                raise FilterError("%s.body: the header name %r of %s() (line %d, column %d) is not allowed: %s; %s"
                                  % (where, header, used_in, line, column, problem, filter_language.HEADER_NAME_RULE))
    return out


def check_secret_headers(headers, field="secret_headers"):
    """Raise FilterError unless every entry of ``headers`` is a header field name."""
    for index, header in enumerate(headers or []):
        problem = filter_language.header_name_problem(header)
        if problem:
            raise FilterError("%s[%d]: %r is not a header name: %s; %s"
                              % (field, index, header, problem, filter_language.HEADER_NAME_RULE))


def parse(text):
    """Filters from ``filters > DETAIL > all`` (row, then the stored ``name: body`` until an empty line)."""
    entries = []
    current = None
    lines = []
    for raw in text.replace("\r\n", "\n").split("\n") + [""]:
        row = _ROW_RE.match(raw)
        if row and current is None:
            current = dict(name=row.group(4), active=row.group(2) == "Y", valid=row.group(3) == "Y")
            lines = []
            continue
        if current is not None:
            if raw.strip():
                lines.append(raw)
                continue
            script = "\n".join(lines)
            try:
                checked = filter_language.check(script)
                current["body"] = checked[0][1] if checked else ""
            except filter_language.FilterSyntaxError:
                body = script.split(":", 1)[1] if ":" in script else script
                current["body"] = " ".join(body.split())
            entries.append(current)
            current = None
    return entries


def _read_script():
    # Without filters the menu offers only NEW and IMPORT (technote 118145): leave it, nothing to read.
    return Script(COMMAND).menu("filters menu", Q_MENU_FULL, "DETAIL", operation=True, optional=True) \
        .ask(Q_RANGE, "all", optional=True).menu("filters menu", Q_MENU_FULL, "", optional=True) \
        .menu("empty filters menu", Q_MENU_EMPTY, "", optional=True).extend_rules(cluster.read_rules("Message filters"))


def _prepare(output):
    entries = [dict(name=e["name"], body=e["body"], active=e["active"]) for e in parse(output)]
    check_count(output, r"There are currently (\d+) filters? defined", len(entries), "message filters")
    return entries


SOURCE = Source("filters", _read_script, _prepare)
DOCUMENT = Document("message_filters", SOURCE, lambda entries, scope: entries)


def script_lines(entry):
    """The lines typed for NEW: the filter, then '.'."""
    return ["%s: %s" % (entry["name"], entry["body"]), "."]


class MessageFilters(TableResource):
    """The message filter list (guide step S12). Bodies can hold the outbound secret: ``secrets`` masks it, and
    the values tested or set for the secret headers are masked without it (redact.Secrets)."""

    name = "message_filters"
    label = "Message filters"
    info_key = "message_filters"

    @classmethod
    def gather(cls, reader):
        # names and flags only: bodies can embed secrets (the outbound header secret)
        return [dict(name=f["name"], active=f["active"]) for f in cls().read(reader).entries]
    command = COMMAND
    stored_in = DOCUMENT.prefix

    def secrets(self):
        """The ``secrets`` option, the secret headers (X-OUTBOUND-AUTH and ``secret_headers``) and the values the
        bodies seen so far test or set for them. One object per task: the runner takes it before the read, and
        the bodies read later still add their values (redact.Secrets)."""
        if getattr(self, "_secrets", None) is None:
            self._secrets = redact.Secrets(self.params.get("secrets") or [], self.params.get("secret_headers") or [])
        return self._secrets

    def want(self, params):
        check_secret_headers(params.get("secret_headers"))
        return super(MessageFilters, self).want(params)

    def read(self, reader):
        snapshot = super(MessageFilters, self).read(reader)
        for entry in snapshot.entries:
            self.secrets().learn(entry.get("body"))
        return snapshot

    def normalise(self, entry, index):
        self.secrets().learn(entry.get("body"))
        return normalise_entry(entry, index)

    def parse(self, text):
        self.secrets().learn(text)
        return [dict(name=e["name"], body=e["body"], active=e["active"]) for e in parse(text)]

    def key(self, entry):
        # the appliance refuses a second filter whose name differs only in case ("Duplicate filter name")
        return entry["name"].lower()

    def describe(self, entry):
        return entry["name"]

    def equal(self, have, want):
        return have.get("body") == want.get("body") and bool(have.get("active")) == bool(want.get("active"))

    def merge(self, have, want):
        merged = dict(have)   # keeps the name as the appliance spells it
        for field in ("body", "active"):
            if want.get(field) is not None:
                merged[field] = want[field]
        return merged

    def replace(self, have, want):
        return self.merge(have, dict(want, active=True if want.get("active") is None else want["active"]))

    def complete(self, entry):
        if entry.get("body") is None:
            raise FilterError("config: filter %r does not exist yet, so it needs a body" % entry["name"])
        return dict(entry, active=True if entry.get("active") is None else entry["active"])

    def order(self, snapshot, want, state, operations):
        """The order after ``operations``; with overridden, MOVEs so that it equals config's order."""
        have = dict((self.key(e), e) for e in snapshot.entries)
        names = dict((self.key(e), e["name"]) for e in list(want) + list(snapshot.entries))
        order = [self.key(e) for e in snapshot.entries]
        for verb, entry in operations:
            key = self.key(entry)
            if verb == "delete" or (verb == "update" and have.get(key, {}).get("body") != entry["body"]):
                order = [k for k in order if k != key]
            if verb == "create" or (verb == "update" and key not in order):
                order.append(key)
        moves = []
        if state == "overridden":
            desired = [self.key(e) for e in want]
            if order != desired:
                # move each filter to the end, in the desired order, from the first one out of place
                first = next(i for i, (a, b) in enumerate(zip(order + [None] * len(desired), desired)) if a != b)
                moves = [("move", dict(name=names[k])) for k in desired[first:]]
                order = desired
        return moves, order

    def guard(self, reader, snapshot, plan, check_mode):
        """Removing, deactivating or changing a filter that guards a relaying sender group re-opens the relay
        (refused): the same effective-HAT reasoning as the HAT modules (relay_guard.filter_change)."""
        problems, warnings = relay_guard.filter_change(reader, snapshot.entries, plan.after, self.params)
        plan.warnings += warnings
        return problems

    def render(self, plan, snapshot):
        have = dict((self.key(e), e) for e in snapshot.entries)
        script = Script(COMMAND)
        for verb, entry in plan.operations:
            name = entry["name"]
            old = have.get(name.lower())
            if verb == "delete":
                script.menu("filters menu", Q_MENU, "DELETE", operation=True).ask(Q_RANGE, name)
            elif verb == "move":
                script.menu("filters menu", Q_MENU, "MOVE", operation=True).ask(Q_MOVE, name).ask(Q_BEFORE, "last")
            elif verb == "update" and old is not None and old.get("body") == entry["body"]:
                script.menu("filters menu", Q_MENU, "SET", operation=True).ask(Q_RANGE, name) \
                    .ask(Q_ATTRIBUTE, "active" if entry["active"] else "inactive")
            else:
                if verb == "update":
                    script.menu("filters menu", Q_MENU, "DELETE", operation=True).ask(Q_RANGE, name)
                lines = script_lines(entry)
                script.menu("filters menu", Q_MENU, "NEW", operation=True).block(Q_SCRIPT, lines, name="filter script")
                if not entry["active"]:
                    script.menu("filters menu", Q_MENU, "SET", operation=True).ask(Q_RANGE, name).ask(Q_ATTRIBUTE, "inactive")
        return script.menu("filters menu", Q_MENU, "")

    def to_diff(self, entries):
        return dict((e["name"], dict(body=e.get("body"), active=e.get("active"))) for e in entries)
