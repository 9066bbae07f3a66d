# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The drop sweep of test_esa_drops*.py: ``python -m lab fault --drop-after-lines N --sessions 1`` for each N.

One playbook per N: the write tasks in a block whose rescue stops them at the first failure (as a play stops at a
failed task), a new login and no facts of the faulted run (as in a new ansible-playbook run), then the same tasks
again. The recorder's snapshots give the committed configuration
before, after the faulted run and at the end.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import labkit  # pylint: disable=import-error


def play(name, tasks):
    """``tasks(phase)``: the write tasks, named '<label> (<phase>)'."""
    return [labkit.esa_play(name, [
        labkit.mark("faulted"),
        {"name": "Faulted run", "block": tasks("fault"),
         "rescue": [{"name": "Stopped by the fault", "ansible.builtin.debug": {"msg": "the run stopped"}}]},
        {"name": "New login", "ansible.builtin.meta": "reset_connection"},
        # a new ansible-playbook run would not know the pending-change facts of the faulted run either
        {"name": "Forget the faulted run's facts", "ansible.builtin.meta": "clear_facts"},
        labkit.mark("rerun"),
        {"name": "Re-run", "block": tasks("again")},
    ])]


def phase_records(run, phase):
    suffix = " (%s)" % phase
    return [r for r in run.records if r["task"].endswith(suffix)]


def check_run(run, number, total, old, new):
    """Contract violations of one faulted run (a list of texts)."""
    where = "drop at line %d of %d" % (number, total)
    problems = []
    after_fault, end = run.mark("rerun"), run.end()
    committed = after_fault["esa_config"] == new
    if after_fault["esa_config"] not in (old, new):
        problems.append("%s: after the faulted run the committed configuration is neither the old nor the new one"
                        % where)
    for record in phase_records(run, "fault"):
        text = labkit.failure_text(record) if record["status"] != "ok" else ""
        if any(marker in text for marker in labkit.CRASH_MARKERS):
            problems.append("%s: %s failed with a crash: %s" % (where, record["task"], text[:300]))
        if record["status"] == "unreachable":
            problems.append("%s: %s made the host unreachable (the play cannot go on): %s"
                            % (where, record["task"], text[:300]))
    again = phase_records(run, "again")
    if not again:
        problems.append("%s: the re-run did not run" % where)
    bad = [r for r in again if r["status"] != "ok"]
    if bad:
        problems.append("%s: the re-run failed: %s: %s" % (where, bad[0]["task"], labkit.failure_text(bad[0])[:300]))
    elif again:
        changed = any(r["result"].get("changed") for r in again)
        if changed == committed:
            problems.append("%s: the re-run reported changed=%s after the faulted run left the %s configuration"
                            % (where, changed, "new" if committed else "old"))
    if end["esa_config"] != new:
        problems.append("%s: the re-run did not converge to the new configuration" % where)
    if end["esa_commits"] - after_fault["esa_commits"] > 1 or end["esa_commits"] < 1:
        problems.append("%s: %d commits in all" % (where, end["esa_commits"]))
    return problems, "new" if committed else "old"


class Sweep(object):
    """The baseline of a sweep: a clean run of ``tasks`` (no fault) gives the old and the new configuration and the
    number of lines the first login types; ``drop(n)`` then runs with a drop at line n and returns the contract
    violations."""

    def __init__(self, lab, runner, name, tasks):
        self.lab, self.runner = lab, runner
        self.play = play(name, tasks)
        lab.reset()
        self.clean = runner.run(self.play, name="clean")
        assert self.clean.rc == 0 and not [r for r in self.clean.records if r["status"] != "ok"], \
            self.clean.output[-4000:]
        self.old = self.clean.mark("faulted")["esa_config"]
        self.new = self.clean.mark("rerun")["esa_config"]
        assert self.old != self.new, "the clean run changed nothing"
        # the lines of the first login (the write); the fault is used up by that login
        self.total = self.lines_at("rerun")

    def lines_at(self, label):
        """Lines the first login had typed when the task ``mark:<label>`` of the clean run started."""
        return self.clean.mark(label)["esa_lines"] - self.clean.mark("faulted")["esa_lines"]

    def drop(self, number):
        self.lab.reset()
        self.lab.cli("fault", "--drop-after-lines", str(number), "--sessions", "1")
        run = self.runner.run(self.play, name="drop-%d" % number)
        problems, state = check_run(run, number, self.total, self.old, self.new)
        return problems, state
