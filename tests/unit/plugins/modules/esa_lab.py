# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run esa_* modules in-process against the lab's AsyncOS engine (no SSH, no ansible-playbook).

The module's ``main()`` runs with its real argument spec. Its one client talks to a
``session.CliSession`` (the same code the cliconf plugin runs in the persistent connection) whose
``send`` is the lab session's ``send_line``. The lab counts writes, commits and reads as it does over SSH.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import uuid

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.mailops.secure_email.lab.esa.engine import Appliance
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import client as esa_client
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.session import CliSession


class ModuleExit(Exception):
    def __init__(self, result):
        super(ModuleExit, self).__init__(result)
        self.result = result


class Lab(object):
    """One simulated appliance; ``login()`` opens a new CLI session (its pending changes belong to it)."""

    def __init__(self, hostname="esa1.lab", **kwargs):
        self.app = Appliance(hostname=hostname, **kwargs)
        self.session = None
        self.cli = None
        self.login()

    def login(self):
        if self.session is not None:
            self.session.close()
        self.session = self.app.open_session(user="admin")
        self.session.start()
        session_id = uuid.uuid4().hex
        self.cli = CliSession(self.session.send_line, lambda: session_id, lambda: self.session.prompt, self._recover)
        return self.cli

    def _recover(self):
        self.session.interrupt()
        return True

    def counters(self):
        return dict(self.app.counters)

    def run(self, monkeypatch, module, check_mode=False, diff=False, **params):
        """Run ``module`` (the plugins.modules.esa_* module object) with ``params``; returns its result dict.

        ``failed`` is set in the result when the module failed.
        """
        args = dict(params, _ansible_check_mode=check_mode, _ansible_diff=diff, _ansible_socket="lab-in-process",
                    _ansible_remote_tmp="/tmp", _ansible_keep_remote_files=False)
        monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps(dict(ANSIBLE_MODULE_ARGS=args))))
        monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
        monkeypatch.setattr(esa_client, "Connection", lambda socket_path: self.cli)

        def exit_json(self_module, **result):
            raise ModuleExit(result)

        def fail_json(self_module, msg, **result):
            result.update(failed=True, msg=msg)
            raise ModuleExit(result)

        monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
        monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
        try:
            module.main()
        except ModuleExit as exc:
            return exc.result
        raise AssertionError("the module returned without exit_json or fail_json")

    def delta(self, before, name):
        return self.counters().get(name, 0) - before.get(name, 0)
