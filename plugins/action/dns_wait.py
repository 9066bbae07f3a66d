# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import common
from ansible_collections.mailops.secure_email.plugins.module_utils._dns.wait import ARGUMENT_SPEC, Waiter
from ansible_collections.mailops.secure_email.plugins.module_utils._module import shape_problem

display = Display()


class ActionModule(ActionBase):
    """Runs the wait on the controller, so that every round prints a progress line while the task waits.

    A module cannot stream output to the user (its result arrives only at the end), which is why dns_wait is an
    action plugin; plugins/modules/dns_wait.py holds only its documentation.
    """

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        # A value of the wrong shape (records given as a string) is reported naming the option, before Ansible's
        # own check answers "dictionary requested, could not parse JSON or key=value".
        problem = shape_problem(ARGUMENT_SPEC, self._task.args)
        if problem:
            raise AnsibleActionFail(problem)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)

        def fail(msg, exception=None):
            raise AnsibleActionFail(msg, orig_exc=None if exception is None else ImportError(exception))

        common.require_dnspython(fail)
        host = task_vars.get("inventory_hostname", "localhost")

        def progress(text):
            display.display("%s: %s" % (host, text))

        try:
            waiter = Waiter(args, display=progress)
            result.update(waiter.run())
        except common.DNSError as exc:
            raise AnsibleActionFail(str(exc))
        return result
