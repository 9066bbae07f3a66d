# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Resource states (merged, replaced, overridden, deleted) for whole tables.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

CONFIG_STATES = ("merged", "replaced", "overridden", "deleted")
OFFLINE_STATES = ("rendered", "parsed")
STATES = CONFIG_STATES + ("gathered",) + OFFLINE_STATES


class Table(object):
    """How to compare the entries of one table. ``kind`` is a module of
    functions: key, equal, merge, protected, sort_key."""

    def __init__(self, kind):
        self.kind = kind

    def index(self, entries):
        return dict((self.kind.key(e), e) for e in entries)

    def plan(self, have, want, state):
        """Return (operations, after). operations: list of (verb, entry)."""
        have_by_key = self.index(have)
        want_by_key = self.index(want)
        ops = []
        if state in ("merged", "replaced", "overridden"):
            for entry in want:
                current = have_by_key.get(self.kind.key(entry))
                if current is None:
                    ops.append(("create", self.kind.complete(entry) if hasattr(self.kind, "complete") else entry))
                    continue
                if state == "merged":
                    target = self.kind.merge(current, entry)
                else:
                    target = self.kind.replace(current, entry) if hasattr(self.kind, "replace") else entry
                if not self.kind.equal(current, target):
                    ops.append(("update", target))
            if state == "overridden":
                for entry in have:
                    k = self.kind.key(entry)
                    if k not in want_by_key and not self.kind.protected(k):
                        ops.insert(0, ("delete", entry))
        elif state == "deleted":
            if want:
                targets = [have_by_key[k] for k in want_by_key if k in have_by_key]
            else:
                targets = [e for e in have if not self.kind.protected(self.kind.key(e))]
            ops = [("delete", e) for e in targets]
        else:
            raise ValueError("state %s does not change the appliance" % state)
        if hasattr(self.kind, "plan_order"):
            ops = ops + self.kind.plan_order(have, want, state, ops)
        return ops, self.apply(have, ops)

    def apply(self, have, ops):
        result = self.index(copy.deepcopy(have))
        for verb, entry in ops:
            if verb == "move":
                continue
            if verb == "delete":
                result.pop(self.kind.key(entry), None)
            else:
                result[self.kind.key(entry)] = copy.deepcopy(entry)
        return sorted(result.values(), key=self.kind.sort_key)
