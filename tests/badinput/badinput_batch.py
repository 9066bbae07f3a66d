# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run many bad-input cases in one ansible-playbook run and check each against the contract.

Every case is one task named ``case:<id>`` (``ignore_errors``, ``ignore_unreachable``), or for a role one
``include_role`` task named so inside a block whose rescue lets the play go on. The recorder
(tests/faults/callback_plugins/lab_recorder.py) snapshots the lab when each case starts, so each case is judged
on its own results and on what changed in the lab while it ran.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import labkit  # pylint: disable=import-error

NAMESPACE = "mailops.secure_email."


def module_task(case_id, module, args):
    return {"name": "case:" + case_id, NAMESPACE + module: args, "ignore_errors": True, "ignore_unreachable": True}


def role_task(case_id, role, tasks_from, variables):
    include = {"name": NAMESPACE + role, "tasks_from": tasks_from}
    return {"name": "block " + case_id, "ignore_unreachable": True,
            "block": [{"name": "case:" + case_id, "ansible.builtin.include_role": include, "vars": variables}],
            "rescue": [{"name": "rescued " + case_id, "ansible.builtin.debug": {"msg": "the role stopped"}}]}


# esa_* modules that run on the controller (the appliance's HTTPS API, not its CLI): they go to the local play.
CONTROLLER_MODULES = ("esa_message_tracking",)


def plays_for(cases, role_cases=()):
    """The plays of a batch: ESA modules on the lab appliance, the others (Exchange, DNS) on the lab tenant."""
    esa = [module_task(c[0], c[1], c[2]) for c in cases if c[1].startswith("esa_") and c[1] not in CONTROLLER_MODULES]
    local = [module_task(c[0], c[1], c[2]) for c in cases if not c[1].startswith("esa_") or c[1] in CONTROLLER_MODULES]
    plays = []
    if esa:
        plays.append(labkit.esa_play("Bad input: ESA modules", esa))
    if local:
        plays.append(labkit.tenant_play("Bad input: Exchange and DNS modules", local))
    for hosts in ("esa_gateways", "m365_tenants"):
        tasks = []
        for role_case in (c for c in role_cases if c[3] == hosts):
            tasks.append(role_task(role_case[0], role_case[1], role_case[2], role_case[4]))
            if hosts == "esa_gateways":
                # a role stopped after writes leaves them pending in the login: the next case starts a new one
                tasks.append({"name": "new login after " + role_case[0], "ansible.builtin.meta": "reset_connection"})
        if tasks:
            plays.append(labkit.play("Bad input: role variables on %s" % hosts, hosts, tasks))
    return plays


def run_batch(lab, workdir, cases, role_cases=(), name="badinput"):
    """Run the cases from a reset lab; return (run, {case id: outcome})."""
    workdir = str(workdir)
    with open(os.path.join(workdir, "a-file"), "w") as handle:
        handle.write("not a directory\n")
    lab.reset()
    runner = labkit.Runner(lab, workdir)
    # A NUL in a module argument makes AnsibleModule's own syslog logging fail before the module runs ("Failed to
    # log to syslog (embedded null character)"); without syslog the cases reach the modules' own checks.
    run = runner.run(plays_for(cases, role_cases), name=name, extra_vars=dict(badinput_workdir=workdir),
                     env=dict(ANSIBLE_NO_TARGET_SYSLOG="1"))
    return run, run.cases()


def problems(outcome, expected):
    """What breaks the contract for one case (empty: the case passes)."""
    if outcome is None:
        return ["the case did not run"]
    found = []
    records = outcome["records"]
    failed = [r for r in records if r["status"] in ("failed", "unreachable")]
    text = "\n".join(labkit.failure_text(r) for r in failed)
    if not records:
        found.append("no result was recorded")
    elif not failed:
        last = records[-1]
        found.append("the task did not fail (status %s, changed=%s)" % (last["status"], last["result"].get("changed")))
    crashes = [marker for marker in labkit.CRASH_MARKERS if marker in text]
    if crashes:
        found.append("the failure is a crash (%s)" % ", ".join(crashes))
    if failed:
        missing = [fragment for fragment in expected if fragment not in text]
        if missing:
            found.append("the message does not name the field (missing %s)" % ", ".join(repr(m) for m in missing))
    if outcome["after"] is None:
        found.append("no snapshot after the case")
    else:
        wrote = labkit.describe_writes(outcome["before"], outcome["after"])
        if wrote:
            found.append("something was written: %s" % wrote)
    return found


def check(run, outcomes, case_id, expected):
    found = problems(outcomes.get(case_id), expected)
    if found:
        messages = "\n".join(labkit.failure_text(r) for r in (outcomes.get(case_id) or {}).get("records", [])
                             if r["status"] != "ok")
        raise AssertionError("%s: %s\nmessage: %s\n(playbook output: %s)" % (
            case_id, "; ".join(found), ascii(messages[:2000]) or "none", run.proc.args[3]))
