# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Drive a gateway kind through the v2 contract (read -> plan -> render -> write -> commit) in-process.

The stages are the ones ``runner.run`` goes through, on one lab login (``esa_lab.Lab``: a
``session.CliSession`` whose ``send`` is the lab session's ``send_line``):

- ``reader()`` is the session's view, as the runner reads it (the pending-changes ledger first);
- ``appliance()`` is what the appliance's listings show now: no ledger, every source read again. ``showconfig``
  (listeners, RAT, HAT) shows the committed configuration only, so a test that reads back a RAT or HAT change
  commits first (``converge(..., commit=True)``);
- ``write`` hands the new document to the ledger, as the runner does; ``commit`` is the runner's commit and
  read-back (``runner.commit_and_verify``): a document that reads back differently from the plan fails it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import documents, registry, runner
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.client import EsaClient
from ansible_collections.mailops.secure_email.tests.unit.plugins.modules.esa_lab import Lab


class ApplianceReader(documents.Reader):
    """What the appliance's listings show now: no pending-changes ledger; each source is read again (once per reader)."""

    def ledger(self):
        return {}

    def prepared(self, source, fresh=False):
        return super(ApplianceReader, self).prepared(source, fresh or source.name not in self._prepared)


class Gateway(object):
    """One simulated appliance and one CLI login."""

    def __init__(self, **kwargs):
        self.lab = Lab(**kwargs)

    @property
    def app(self):
        return self.lab.app

    @property
    def session(self):
        """The lab's CLI session (``send_line``, ``interrupt``)."""
        return self.lab.session

    @property
    def cli(self):
        return self.lab.cli

    @property
    def client(self):
        return EsaClient(module=None, connection=self.lab.cli)

    def reader(self):
        return documents.Reader(self.client, registry.DOCUMENTS)

    def appliance(self):
        return ApplianceReader(self.client, registry.DOCUMENTS)

    def snapshot(self, kind):
        """The kind's snapshot as the appliance shows it now; ``kind.check`` as the runner does after a read."""
        snapshot = kind.read(self.appliance())
        kind.check(snapshot)
        return snapshot

    def read(self, kind):
        return self.snapshot(kind).entries

    def plan(self, kind, config, state="merged", snapshot=None):
        """(snapshot, plan) for ``config`` (raw entries, normalised by the kind as the runner does)."""
        if snapshot is None:
            snapshot = self.snapshot(kind)
        want = [kind.normalise(entry, index) for index, entry in enumerate(config)]
        return snapshot, kind.plan(snapshot, want, state)

    def write(self, kind, plan, snapshot):
        """Render and type the plan (raises DialogueError); the new document goes to the ledger. Returns the Script."""
        script = kind.render(plan, snapshot)
        self.client.dialogue(kind.command, script.rules(), write=True, label=kind.title,
                             documents={kind.document_name(): plan.document})
        return script

    def commit(self, comment="unit test", verify=True):
        """The runner's commit and read-back; ``verify=False``: the commit alone (the ledger keeps the documents)."""
        if not verify:
            return self.client.commit(comment)
        return runner.commit_and_verify(self.client, comment)

    def converge(self, kind, config, state="merged", commit=False, verify=True):
        """Plan against the appliance, write when something changes (and commit). Returns (plan, script or None)."""
        snapshot, plan = self.plan(kind, config, state)
        script = None
        if plan.changed:
            script = self.write(kind, plan, snapshot)
            if commit:
                self.commit(verify=verify)
        return plan, script
