# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

PREFIX = "mailops_esa_pending_"


class ActionModule(ActionBase):
    """Hands the pending-change records (host facts) to the esa_commit module."""

    _VALID_ARGS = frozenset(("comment", "commit_timeout", "pending"))

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        facts = dict(task_vars.get("ansible_facts") or {})
        for name, value in task_vars.items():
            if name.startswith(PREFIX):
                facts.setdefault(name, value)
        records = [dict(session=name[len(PREFIX):], changes=list(value or []))
                   for name, value in sorted(facts.items()) if name.startswith(PREFIX)]
        args = dict(self._task.args)
        if "pending" not in args:
            args["pending"] = [r for r in records if r["changes"]]
        result.update(self._execute_module(module_name="mailops.secure_email.esa_commit", module_args=args,
                                           task_vars=task_vars))
        if not result.get("failed") and not self._play_context.check_mode:
            # Committed: the records are settled.
            result["ansible_facts"] = dict((PREFIX + r["session"], []) for r in records)
        return result
