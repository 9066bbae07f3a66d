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

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import filter_language
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import Rule

COMMAND = "filters"
Q_MENU = r"Choose the operation you want to perform:[\s\S]*-\s*ROLLOVERNOW\s*-"
Q_RANGE = r"Enter the filter name, number, or range"
Q_SCRIPT = r"Enter filter script"
Q_MORE = r"^\[\]>$"
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
    return out


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


def read_filters(client):
    """The filters as the session sees them (committed plus pending): [{name, body, active}]."""
    out = client.dialogue(COMMAND, rules_for(read_steps()))
    return [dict(name=e["name"], body=e["body"], active=e["active"]) for e in parse(out["output"])]


def read_steps():
    # with no filters defined, DETAIL asks nothing
    return [("menu", "DETAIL"), ("q", (Q_RANGE, "all", True)), ("menu", "")]


def script_lines(entry):
    """The lines typed for NEW: the filter, then '.'."""
    return ["%s: %s" % (entry["name"], entry["body"]), "."]


class MessageFilters(object):
    """The filter list; the kind interface of resource.Table and table_module."""

    command = COMMAND

    def __init__(self):
        self.have = {}
        self.final_order = []

    @staticmethod
    def key(entry):
        return entry["name"]

    @staticmethod
    def protected(dummy_key):
        return False

    def sort_key(self, entry):
        return self.final_order.index(entry["name"]) if entry["name"] in self.final_order else len(self.final_order)

    @staticmethod
    def equal(have, want):
        return have.get("body") == want.get("body") and bool(have.get("active")) == bool(want.get("active"))

    @staticmethod
    def merge(have, want):
        merged = dict(have)
        for field in ("body", "active"):
            if want.get(field) is not None:
                merged[field] = want[field]
        return merged

    def replace(self, have, want):
        return self.merge(have, dict(want, active=True if want.get("active") is None else want["active"]))

    @staticmethod
    def complete(entry):
        if entry.get("body") is None:
            raise FilterError("config: filter %r does not exist yet, so it needs a body" % entry["name"])
        return dict(entry, active=True if entry.get("active") is None else entry["active"])

    def parse(self, text):
        entries = [dict(name=e["name"], body=e["body"], active=e["active"]) for e in parse(text)]
        self.have = dict((e["name"], e) for e in entries)
        self.final_order = [e["name"] for e in entries]
        return entries

    @staticmethod
    def read_steps():
        return read_steps()

    def plan_order(self, have, want, state, ops):
        """Work out the order after ``ops``; with overridden, add MOVEs so it equals config's order."""
        order = [e["name"] for e in have]
        for verb, entry in ops:
            name = entry["name"]
            if verb == "delete" or (verb == "update" and self.have.get(name, {}).get("body") != entry["body"]):
                order = [n for n in order if n != name]
            if verb == "create" or (verb == "update" and name not in order):
                order.append(name)
        moves = []
        if state == "overridden":
            desired = [e["name"] for e in want]
            if order != desired:
                # move each filter to the end, in the desired order, from the first one out of place
                first = next(i for i, (a, b) in enumerate(zip(order + [None] * len(desired), desired)) if a != b)
                moves = [("move", dict(name=n)) for n in desired[first:]]
                order = desired
        self.final_order = order
        return moves

    def change_steps(self, operations):
        steps = []
        for verb, entry in operations:
            name = entry["name"]
            old = self.have.get(name)
            if verb == "delete":
                steps += [("menu", "DELETE"), ("q", (Q_RANGE, name, False))]
            elif verb == "move":
                steps += [("menu", "MOVE"), ("q", (Q_MOVE, name, False)), ("q", (Q_BEFORE, "last", False))]
            elif verb == "update" and old is not None and old.get("body") == entry["body"]:
                steps += [("menu", "SET"), ("q", (Q_RANGE, name, False)),
                          ("q", (Q_ATTRIBUTE, "active" if entry["active"] else "inactive", False))]
            else:
                if verb == "update":
                    steps += [("menu", "DELETE"), ("q", (Q_RANGE, name, False))]
                lines = script_lines(entry)
                steps += [("menu", "NEW"), ("q", (Q_SCRIPT, lines[0], False)), ("more", lines[1:])]
                if not entry["active"]:
                    steps += [("menu", "SET"), ("q", (Q_RANGE, name, False)), ("q", (Q_ATTRIBUTE, "inactive", False))]
        if steps:
            steps.append(("menu", ""))
        return steps

    @staticmethod
    def rules_for(steps):
        return rules_for(steps)

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


def rules_for(steps):
    rules = [Rule(Q_MENU, [a for n, a in steps if n == "menu"], menu=True, phase=True, name="filters menu")]
    group = -1
    for name, value in steps:
        if name == "menu":
            group += 1
        elif name == "more":
            rules.append(Rule(Q_MORE, value, menu=True, name="filter script lines", group=group))
        elif name == "q":
            pattern, answer, optional = value
            rules.append(Rule(pattern, answer, optional=optional, name=pattern, group=group))
    return rules
