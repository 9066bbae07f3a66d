# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers of the runner tests (test_esa_runner_*.py): counters, pending facts, fault injection."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.lab.esa import engine as lab_engine
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.runner import PENDING_FACT_PREFIX

COUNTED = ("writes", "commits", "clears", "lost_uncommitted")


def route(domain, *hosts, **port):
    """A route entry of esa_smtp_routes' config: ``route("example.com", "mx.example.net", port=25)``."""
    return dict(domain=domain, destinations=[dict(host=host, port=port.get("port")) for host in hosts])


def reads(lab):
    """{command: configuration reads so far} (the lab counts a config command that changed nothing)."""
    return dict(lab.counters()["config_reads"])


def new_reads(lab, before):
    """{command: reads since ``before``} for the commands read since then."""
    now = reads(lab)
    return dict((name, count - before.get(name, 0)) for name, count in now.items() if count != before.get(name, 0))


def snapshot(lab):
    """Counters and reads, to compare with ``delta`` later."""
    counters = lab.counters()
    return dict(counters=dict((name, counters.get(name, 0)) for name in COUNTED + ("lines_received", "pager_keys")), reads=reads(lab))


def delta(lab, before):
    """What changed since ``snapshot``: {writes, commits, clears, lost_uncommitted, lines_received, reads}."""
    counters = lab.counters()
    out = dict((name, counters.get(name, 0) - before["counters"][name]) for name in before["counters"])
    out["reads"] = new_reads(lab, before["reads"])
    return out


def pending_records(result):
    """esa_commit's ``pending`` option from a config module's result (what the action plugin passes)."""
    facts = result.get("ansible_facts") or {}
    return [dict(session=key[len(PENDING_FACT_PREFIX):], changes=list(value))
            for key, value in facts.items() if key.startswith(PENDING_FACT_PREFIX)]


def session_of(result):
    records = pending_records(result)
    assert len(records) == 1, result
    return records[0]["session"]


def tamper_commit(monkeypatch, table, change):
    """Make the lab's commit store ``change(value)`` instead of the pending value of ``table`` (fault injection).

    Only the commit is affected: the session's own view of its pending change stays as written.
    """
    original = lab_engine.Session.commit_pending
    calls = []

    def commit_pending(self, *args, **kwargs):
        if self._pending is not None:
            for layer, name in sorted(self._dirty):
                if name == table:
                    self._pending[layer][name] = change(self._pending[layer][name])
                    calls.append(layer)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(lab_engine.Session, "commit_pending", commit_pending)
    return calls
