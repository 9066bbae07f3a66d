# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The contract of a gateway object kind: read -> Snapshot, plan -> Plan, render -> Script.

This module is PRIVATE to the collection. It can change at any time.

Every kind (SMTP routes, destination controls, the RAT, sender groups, ...)
is a class derived from ``TableResource`` (a table of keyed entries) or
``SettingsResource`` (one block of settings). The stages are pure and pass
values:

- ``read(reader)`` gives a ``Snapshot``: the entries plus the context other
  stages need (listeners, policies, order ...), from the session's
  configuration snapshot (``documents.Reader``);
- ``plan(snapshot, want, state)`` gives a ``Plan``: the operations, the
  predicted ``after``, warnings, and the new state of the document the kind
  lives in (which the pending-changes ledger keeps for later tasks);
- ``render(plan, snapshot)`` gives a ``Script`` (rules plus typed lines).

One runner (``runner.run``) drives every kind. ``docs/development.md``
explains how to add one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import abc
import copy

from ansible_collections.mailops.secure_email.plugins.module_utils._esa.release import Release

CONFIG_STATES = ("merged", "replaced", "overridden", "deleted")
OFFLINE_STATES = ("rendered", "parsed")
STATES = CONFIG_STATES + ("gathered",) + OFFLINE_STATES


class PlanError(ValueError):
    """The wanted state cannot be reached; the message names the field or object and the rule."""


class Snapshot(object):
    """What a kind read: ``entries`` and read-only ``context`` (a dict)."""

    def __init__(self, entries, **context):
        self.entries = entries
        self.context = context

    def get(self, name, default=None):
        return self.context.get(name, default)


class Plan(object):
    """The operations that turn ``before`` into ``after``.

    ``operations``: [(verb, entry)] with verb create, update, delete or move.
    ``document``: the new value of the document the kind lives in (None when nothing changes).
    """

    def __init__(self, operations, before, after, warnings=None, document=None):
        self.operations = operations
        self.before = before
        self.after = after
        self.warnings = list(warnings or [])
        self.document = document

    @property
    def changed(self):
        return bool(self.operations)


class Resource(abc.ABC):
    """What every kind has. Subclasses set the class attributes and implement the abstract methods."""

    #: registry name (``esa_info`` fact key, ``docs/development.md``)
    name = None
    #: human label used in messages, formatted with the scope (``"Sender groups (%s)"``)
    label = None
    #: the CLI command that changes the object
    command = None
    #: the prefix of the document (``documents.Document``) the entries live in (scoped kinds: ``<prefix>/<scope>``)
    stored_in = None
    #: True when state=overridden must be confirmed with confirm_overridden=true
    confirm_overridden = False
    #: the key of esa_info's facts (``gather``) that shows this kind
    info_key = None
    #: True when the kind exists once per listener (its scope)
    scoped = False

    def __init__(self, scope=None, params=None, check_mode=False, release=None):
        self.scope = scope
        self.params = params or {}
        self.check_mode = check_mode
        #: the appliance's release (``release.Release``); the runner sets it after connecting. Unknown (the
        #: most tolerant dialogue variant) until then, and in the offline states.
        self.release = release if release is not None else Release(None)

    @property
    def title(self):
        return self.label % self.scope if "%s" in self.label else self.label

    # -- required ----------------------------------------------------------------------------------------
    def document_name(self):
        """The document (``documents.py``) this kind's entries live in."""
        return "%s/%s" % (self.stored_in, self.scope) if self.scoped else self.stored_in

    @abc.abstractmethod
    def normalise(self, entry, index):
        """Validate one entry of ``config``; raise ValueError naming ``config[index].<field>`` and the rule."""

    def read(self, reader):
        """A ``Snapshot`` from ``reader`` (``documents.Reader``); default: the document's value as the entries."""
        return Snapshot(reader.get(self.document_name()))

    @abc.abstractmethod
    def plan(self, snapshot, want, state):
        """A ``Plan``; raise PlanError when ``want`` cannot be reached."""

    @abc.abstractmethod
    def render(self, plan, snapshot):
        """A ``Script`` that carries out ``plan`` (only called when the plan changes something)."""

    @abc.abstractmethod
    def to_diff(self, entries):
        """The before/after form shown in diff mode."""

    # -- optional ------------------------------------------------------------------------------------------
    @classmethod
    def gather(cls, reader):
        """esa_info's facts of this kind: the entries, or {listener: entries} for scoped kinds."""
        if not cls.scoped:
            return cls().read(reader).entries
        return dict((item["name"], cls(scope=item["name"]).info(reader)) for item in reader.get("listeners")
                    if cls.applies_to(item))

    @classmethod
    def applies_to(cls, listener):
        return True

    def info(self, reader):
        return self.read(reader).entries

    def want(self, params):
        """The wanted state from the module's options (default: ``config``, each entry normalised)."""
        return [self.normalise(entry, index) for index, entry in enumerate(params.get("config") or [])]

    def empty(self):
        """The snapshot of an appliance without entries (``state: rendered``)."""
        return Snapshot([])

    def describe(self, entry):
        """How an operation's entry is named in the pending-changes ledger."""
        return ""

    def level_document(self):
        """The document whose listing tells the cluster level the object lives at (default: its own)."""
        return self.document_name()

    def parse(self, text):
        """``state: parsed``: entries from the output of the kind's listing command."""
        raise PlanError("%s: state=parsed is not supported" % self.title)

    def check(self, snapshot):
        """After a read: raise ValueError when the object cannot be managed (unknown listener ...)."""

    def guard(self, reader, snapshot, plan, check_mode):
        """Reasons to refuse ``plan`` (a list of sentences); empty when it is safe."""
        return []

    def preflight(self, reader, plan):
        """Checks of referenced objects before any write; raise ValueError."""

    def secrets(self):
        """Values masked everywhere in the result."""
        return []

    def document(self, snapshot, after):
        """The new value of the document after the change (default: the entries)."""
        return after


class TableResource(Resource):
    """A table of entries identified by ``key``. ``plan`` is shared; kinds give the comparisons."""

    @abc.abstractmethod
    def key(self, entry):
        """The identity of an entry."""

    def describe(self, entry):
        return str(self.key(entry))

    def want(self, params):
        want = super(TableResource, self).want(params)
        keys = [self.key(e) for e in want]
        duplicates = sorted(set(str(k) for k in keys if keys.count(k) > 1))
        if duplicates:
            raise PlanError("config: %s listed more than once" % ", ".join(duplicates))
        return want

    def equal(self, have, want):
        return have == want

    def merge(self, have, want):
        """merged: the wanted fields win, the others stay."""
        merged = dict(have)
        merged.update((k, v) for k, v in want.items() if v is not None)
        return merged

    def replace(self, have, want):
        """replaced/overridden: exactly ``want`` (completed with the defaults of a new entry)."""
        return self.complete(want)

    def complete(self, entry):
        """A new entry: unset fields take the appliance's defaults."""
        return entry

    def protected(self, key, snapshot):
        """Entries that overridden and deleted-without-config never remove."""
        return False

    def sort_key(self, entry, order):
        """Position in the table; ``order`` is the list of keys after the change (or None)."""
        if order is not None and self.key(entry) in order:
            return order.index(self.key(entry))
        return len(order or [])

    def order(self, snapshot, want, state, operations):
        """Extra operations (moves) and the key order after the change; None when the kind sorts by itself."""
        return [], None

    def plan(self, snapshot, want, state):
        have = snapshot.entries
        have_by_key = dict((self.key(e), e) for e in have)
        want_keys = [self.key(e) for e in want]
        duplicates = sorted(set(k for k in want_keys if want_keys.count(k) > 1), key=str)
        if duplicates:
            raise PlanError("config: %s listed more than once" % ", ".join(str(d) for d in duplicates))
        ops = []
        if state in ("merged", "replaced", "overridden"):
            for entry in want:
                current = have_by_key.get(self.key(entry))
                if current is None:
                    ops.append(("create", self.complete(entry)))
                    continue
                target = self.merge(current, entry) if state == "merged" else self.replace(current, entry)
                if not self.equal(current, target):
                    ops.append(("update", target))
            if state == "overridden":
                ops = [("delete", e) for e in have
                       if self.key(e) not in want_keys and not self.protected(self.key(e), snapshot)] + ops
        elif state == "deleted":
            if want:
                ops = [("delete", have_by_key[k]) for k in want_keys if k in have_by_key]
            else:
                ops = [("delete", e) for e in have if not self.protected(self.key(e), snapshot)]
        else:
            raise PlanError("state %s does not change the appliance" % state)
        moves, order = self.order(snapshot, want, state, ops)
        ops = ops + moves
        after = self.apply(have, ops, order)
        return Plan(ops, have, after, document=self.document(snapshot, after) if ops else None)

    def apply(self, have, ops, order=None):
        result = dict((self.key(e), copy.deepcopy(e)) for e in have)
        for verb, entry in ops:
            if verb == "delete":
                result.pop(self.key(entry), None)
            elif verb != "move":
                result[self.key(entry)] = copy.deepcopy(entry)
        if order is None:
            order = [self.key(e) for e in have if self.key(e) in result]
            order += [k for k in result if k not in order]
        return sorted(result.values(), key=lambda e: self.sort_key(e, order))


class SettingsResource(Resource):
    """One block of settings (a dict). ``want`` is one dict; unset fields keep their value."""

    def plan(self, snapshot, want, state):
        if state not in ("merged", "replaced"):
            raise PlanError("%s: state %s is not supported for settings (use merged)" % (self.title, state))
        before = snapshot.entries
        after = dict(before)
        after.update((k, v) for k, v in (want or {}).items() if v is not None)
        ops = [("update", after)] if after != before else []
        return Plan(ops, before, after, document=after if ops else None)
