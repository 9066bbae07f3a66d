# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: lab_recorder
type: aggregate
short_description: Record task results and lab snapshots to a JSON lines file (fault and bad-input suites only)
description:
  - Appends one JSON object per task result to the file named by E(LAB_RECORDER_FILE).
  - When a task named C(case:<id>) or C(mark:<label>) starts, and when the playbook ends, also appends a snapshot of
    the lab in E(LAB_RECORDER_STATE) (tests/labkit.py C(snapshot), found through E(LAB_RECORDER_LABKIT)).
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
"""

import json
import os
import sys

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "lab_recorder"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._path = os.environ.get("LAB_RECORDER_FILE")
        self._state = os.environ.get("LAB_RECORDER_STATE")
        self._snapshot = None
        if self._state and os.environ.get("LAB_RECORDER_LABKIT"):
            sys.path.insert(0, os.environ["LAB_RECORDER_LABKIT"])
            import labkit  # pylint: disable=import-error,import-outside-toplevel
            self._snapshot = labkit.snapshot

    def _append(self, record):
        if not self._path:
            return
        with open(self._path, "a") as handle:
            handle.write(json.dumps(record, default=str) + "\n")

    def _take(self):
        return self._snapshot(self._state) if self._snapshot else None

    def v2_playbook_on_task_start(self, task, is_conditional):
        name = task.get_name()
        for prefix in ("case:", "mark:"):
            if name.startswith(prefix):
                self._append(dict(event="mark", label=name[len(prefix):], case=prefix == "case:", snapshot=self._take()))

    def v2_playbook_on_stats(self, stats):
        self._append(dict(event="end", snapshot=self._take()))

    def _write(self, result, status):
        self._append(dict(event="result", task=result._task.get_name(), action=result._task.action,
                          host=result._host.get_name(), status=status,
                          result=json.loads(json.dumps(result._result, default=str))))

    def v2_runner_on_ok(self, result):
        self._write(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._write(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._write(result, "unreachable")
