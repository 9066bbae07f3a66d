# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
author: mailops.secure_email maintainers (@mailops)
name: asyncos
short_description: Terminal plugin for the Cisco AsyncOS (ESA/CES) menu CLI
description:
  - Prompt and error patterns for the AsyncOS command line of Cisco Secure Email Gateway (ESA) and Cloud Gateway (CES).
  - Recognises the main prompt (C(host> ), C((Cluster X)> ), C((Group X)> ), C((Machine X)> )), menu questions ending in
    C([default]> ) and the C(-Press Any Key For More-) pager, so that every one of them ends a receive.
version_added: 1.0.0
"""

import re
import uuid

from ansible.errors import AnsibleConnectionFailure
from ansible_collections.ansible.netcommon.plugins.plugin_utils.terminal_base import TerminalBase


class TerminalModule(TerminalBase):

    terminal_stdout_re = [
        # esa1.example.com>   (Cluster X)>   (Group X)>   (Machine h)>
        re.compile(rb"(?:^|[\r\n])(?:\((?:Cluster|Group|Machine) [^)\r\n]+\)|[\w.-]+)> ?$"),
        # []>  [Y]>  [500]>  and inline questions such as "...? [N]> "
        re.compile(rb"\[[^\]\r\n]*\]> ?$"),
        # the pager must end a receive, or the read hangs until the timeout
        re.compile(rb"-Press Any Key For More-\s*$"),
    ]

    # Hard errors only. Value errors inside a dialogue are printed before a
    # re-ask; the dialogue engine in module_utils/_esa recognises those.
    terminal_stderr_re = [
        re.compile(rb"(?:^|[\r\n])Unknown command or missing feature key"),
        re.compile(rb"(?:^|[\r\n])Unknown command:"),
        re.compile(rb"(?:^|[\r\n])Invalid arguments when processing:"),
        re.compile(rb"(?:^|[\r\n])You are not in the correct access group to use"),
    ]

    terminal_length = 0

    def on_open_shell(self):
        # A new SSH login is a new AsyncOS session: pending changes of any
        # earlier session are gone. The cliconf reads this id to tell.
        self._connection.mailops_session_id = uuid.uuid4().hex
        prompt = self._get_prompt()
        if prompt is None:
            raise AnsibleConnectionFailure("no AsyncOS prompt was recognised after login")
