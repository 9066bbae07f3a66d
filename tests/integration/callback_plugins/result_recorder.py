# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: result_recorder
type: aggregate
short_description: Write every task result to a JSON lines file (integration tests only)
description:
  - Appends one JSON object per task result to the file named by E(RESULT_RECORDER_FILE).
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "result_recorder"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, result, status):
        path = os.environ.get("RESULT_RECORDER_FILE")
        if not path:
            return
        record = dict(task=result._task.get_name(), action=result._task.action, host=result._host.get_name(), status=status,
                      result=self._clean(result._result))
        with open(path, "a") as handle:
            handle.write(json.dumps(record, default=str) + "\n")

    @staticmethod
    def _clean(data):
        return json.loads(json.dumps(data, default=str))

    def v2_runner_on_ok(self, result):
        self._write(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._write(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._write(result, "unreachable")
