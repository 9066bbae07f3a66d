# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.mailops.secure_email.plugins.module_utils._mailflow.probe import (
    ARGUMENT_SPEC,
    Probe,
    ProbeError,
    option_problems,
    skipped_result,
)
from ansible_collections.mailops.secure_email.plugins.module_utils._module import shape_problem

display = Display()


class ActionModule(ActionBase):
    """Runs the probe on the controller, so that every poll of a hop prints a progress line while the task waits.

    A module cannot stream output to the user (its result arrives only at the end), which is why mail_flow_test is
    an action plugin; plugins/modules/mail_flow_test.py holds only its documentation.
    """

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        problem = shape_problem(ARGUMENT_SPEC, self._task.args)
        if problem:
            raise AnsibleActionFail(problem)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if self._play_context.check_mode:
            # the options are checked in check mode too: a plan shows the mistake before the real run
            problems = option_problems(args)
            if problems:
                raise AnsibleActionFail("invalid options, nothing was sent: " + "; ".join(problems))
            result.update(skipped_result(args))
            return result
        host = task_vars.get("inventory_hostname", "localhost")

        def progress(text):
            display.display("%s: mail_flow_test %s: %s" % (host, args["probe"], text))

        try:
            result.update(Probe(args, display=progress, warn=display.warning).run())
        except ProbeError as exc:
            raise AnsibleActionFail(str(exc))
        return result
