# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A slow appliance: ``python -m lab fault --commit-delay S`` and ``--prompt-delay S``.

Slower than usual but within the timeouts: the write and its commit succeed, once. Slower than the command
timeout: the task fails cleanly; a commit that lands after the client gave up leaves the new configuration (never a
mix) and a re-run converges without a second commit; a prompt delay beyond the timeout writes nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

import labkit  # pylint: disable=import-error

ROUTES = [dict(domain="slow-a.example.com", destinations=[dict(host="relay1.example.net", port=25)]),
          dict(domain="slow-b.example.com", destinations=[dict(host="relay2.example.net")])]


def write_task(label, **options):
    args = dict(config=ROUTES, comment="slow appliance", commit_timeout=20)
    args.update(options)
    return {"name": label, "mailops.secure_email.esa_smtp_routes": args, "ignore_errors": True,
            "ignore_unreachable": True}


def routes(snapshot):
    return sorted(r["domain"] for layer in (snapshot["esa_config"] or {}).values()
                  for r in layer.get("smtp_routes") or [])


def wait_for(lab, predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        snap = lab.snapshot()
        if predicate(snap):
            return snap
        time.sleep(0.5)
    return lab.snapshot()


def test_slow_commit_within_the_timeouts_commits_once(lab, runner):
    lab.cli("fault", "--commit-delay", "3")
    run = runner.run([labkit.esa_play("Slow commit", [write_task("Write")])])
    result = run.task("Write")
    assert result["status"] == "ok" and result["result"]["changed"] is True, run.output[-3000:]
    end = run.end()
    assert end["esa_commits"] == 1 and routes(end) == ["slow-a.example.com", "slow-b.example.com"]


def test_commit_slower_than_the_command_timeout(lab, runner):
    lab.cli("fault", "--commit-delay", "8")
    run = runner.run([labkit.esa_play("Commit beyond the command timeout", [
        labkit.mark("before"), write_task("Write", commit_timeout=2)], vars=dict(ansible_command_timeout=3))])
    faulted = run.task("Write")
    assert faulted["status"] in ("failed", "unreachable"), run.output[-3000:]
    text = labkit.failure_text(faulted)
    assert not [m for m in labkit.CRASH_MARKERS if m in text], text
    old = run.mark("before")["esa_config"]
    # the appliance finishes the commit after the client gave up
    landed = wait_for(lab, lambda snap: snap["esa_commits"] >= 1, 15)
    assert landed["esa_config"] == old or routes(landed) == ["slow-a.example.com", "slow-b.example.com"], \
        "a mix of the old and the new configuration: %s" % routes(landed)
    lab.cli("fault", "--clear")
    again = runner.run([labkit.esa_play("Re-run", [write_task("Again")])])
    result = again.task("Again")
    assert result["status"] == "ok", again.output[-3000:]
    assert result["result"]["changed"] is (landed["esa_config"] == old)
    end = again.end()
    assert routes(end) == ["slow-a.example.com", "slow-b.example.com"] and end["esa_commits"] == 1


def test_slow_prompts_within_the_timeout(lab, runner):
    lab.cli("fault", "--prompt-delay", "0.2")
    run = runner.run([labkit.esa_play("Slow prompts", [write_task("Write")])])
    assert run.task("Write")["result"].get("changed") is True, run.output[-3000:]
    assert run.end()["esa_commits"] == 1


def test_prompts_slower_than_the_command_timeout_write_nothing(lab, runner):
    lab.cli("fault", "--prompt-delay", "5")
    run = runner.run([labkit.esa_play("Prompts beyond the command timeout", [
        labkit.mark("before"), write_task("Write")], vars=dict(ansible_command_timeout=2))])
    faulted = run.task("Write")
    assert faulted["status"] in ("failed", "unreachable"), run.output[-3000:]
    text = labkit.failure_text(faulted)
    assert not [m for m in labkit.CRASH_MARKERS if m in text], text
    before, end = run.mark("before"), run.end()
    assert not labkit.written(before, end), labkit.describe_writes(before, end)
