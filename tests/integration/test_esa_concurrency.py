# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No silent loss: concurrent runs on one controller, and commits slower than the command timeout.

Real ansible-playbook runs over SSH against the lab. The lab models AsyncOS's sessions: each SSH login keeps its
own pending copy of a table, and a commit stores that copy (docs/concurrency.md). On 1.0, two runs adding routes
at the same time lost one route (3 of 3 times) and both reported success; a commit slower than the command timeout
was reported as failed and unchanged, and landed later.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys
import time

from conftest import PLAYBOOKS, playbook_env


def _env(tmp_path, name, **extra):
    # both runs share the controller's temporary directory (ANSIBLE_LOCAL_TEMP), and so the lock directory
    return playbook_env(tmp_path, RESULT_RECORDER_FILE=str(tmp_path / ("results-%s.jsonl" % name)), **extra)


def _start(lab, tmp_path, name, extra_vars, **env):
    vars_file = tmp_path / ("vars-%s.json" % name)
    vars_file.write_text(json.dumps(extra_vars))
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", lab.inventory,
           os.path.join(PLAYBOOKS, "concurrent_routes.yml"), "-e", "@%s" % vars_file]
    return subprocess.Popen(cmd, env=_env(tmp_path, name, **env), cwd=str(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, universal_newlines=True)


def _finish(proc, tmp_path, name):
    output = proc.communicate(timeout=300)[0]
    record_file = tmp_path / ("results-%s.jsonl" % name)
    records = [json.loads(line) for line in record_file.read_text().splitlines() if line.strip()] \
        if record_file.exists() else []
    return proc.returncode, output, records


def _result(records, task):
    found = [r for r in records if r["task"] == task]
    assert found, records
    return found[-1]["result"]


def _run_two_at_once(lab, tmp_path, split_commit):
    runs = []
    for index, domain in enumerate(("one.example", "two.example")):
        extra_vars = dict(domain=domain, split_commit=split_commit, pause_seconds=3)
        runs.append((domain, _start(lab, tmp_path, domain, extra_vars)))
        if index == 0:
            time.sleep(0.5)
    return [(domain,) + _finish(proc, tmp_path, domain) for domain, proc in runs]


def test_two_runs_adding_routes_at_once_both_land(lab, tmp_path):
    results = _run_two_at_once(lab, tmp_path, split_commit=False)
    for domain, rc, output, records in results:
        assert rc == 0, output
        assert _result(records, "Route")["committed"] is True
    routes = lab.route_map()
    assert routes.get("one.example") == ["mx.one.example:25"], routes
    assert routes.get("two.example") == ["mx.two.example:25"], routes
    # the second run waited for the first one's write lock, and said so when it waited a second or more
    assert lab.counters()["commits"] == 2


def test_a_pending_change_held_until_esa_commit_is_not_lost_to_another_run(lab, tmp_path):
    results = _run_two_at_once(lab, tmp_path, split_commit=True)
    for domain, rc, output, records in results:
        assert rc == 0, output
        assert _result(records, "Commit")["committed"] is True
    waited = [output for dummy, rc, output, records in results if "write lock" in output]
    assert waited, "the second run should have waited for the first one's lock (pending across the pause)"
    routes = lab.route_map()
    assert set(routes) >= {"one.example", "two.example"}, routes


def test_a_commit_slower_than_the_command_timeout_gets_its_own_timeout(lab, tmp_path):
    lab.cli("fault", "--commit-delay", "6")
    proc = _start(lab, tmp_path, "slow", dict(domain="slow.example", commit_timeout=30),
                  ANSIBLE_PERSISTENT_COMMAND_TIMEOUT="3")
    rc, output, records = _finish(proc, tmp_path, "slow")
    assert rc == 0, output
    result = _result(records, "Route")
    assert result["committed"] is True and result["commit_outcome"] == "committed"
    assert lab.route_map().get("slow.example") == ["mx.slow.example:25"]


def test_a_commit_that_outlasts_commit_timeout_is_read_back_and_never_reported_unchanged(lab, tmp_path):
    # the commit takes 12 s; the module gives up waiting after 3 s, logs in again and reads back for 3 s more
    lab.cli("fault", "--commit-delay", "12")
    proc = _start(lab, tmp_path, "late", dict(domain="late.example", commit_timeout=3),
                  ANSIBLE_PERSISTENT_COMMAND_TIMEOUT="2")
    rc, output, records = _finish(proc, tmp_path, "late")
    result = _result(records, "Route")
    assert rc != 0, output
    assert result["changed"] is True, result
    assert result["commit_outcome"] == "unknown"
    assert "may still land" in result["msg"]
    # the read-back itself worked (a new login): what differs is the route that had not landed yet
    assert result["verify_differences"] and not any("reading back failed" in d for d in result["verify_differences"])
    assert any("late.example" in d for d in result["verify_differences"]), result["verify_differences"]
    # and it did land, later: the report was right not to say "unchanged"
    deadline = time.time() + 20
    while time.time() < deadline and "late.example" not in lab.route_map():
        time.sleep(0.5)
    assert lab.route_map().get("late.example") == ["mx.late.example:25"]


def test_a_commit_that_lands_while_the_module_reads_back_is_reported_committed(lab, tmp_path):
    # the commit takes 5 s; the module gives up waiting after 3 s and reads back for up to 10 s: it sees it land
    lab.cli("fault", "--commit-delay", "5")
    proc = _start(lab, tmp_path, "landed", dict(domain="landed.example", commit_timeout=3),
                  ANSIBLE_PERSISTENT_COMMAND_TIMEOUT="2")
    rc, output, records = _finish(proc, tmp_path, "landed")
    result = _result(records, "Route")
    assert rc == 0, output
    assert result["changed"] is True and result["commit_outcome"] == "committed"
    assert "it was committed" in output
    assert lab.route_map().get("landed.example") == ["mx.landed.example:25"]
