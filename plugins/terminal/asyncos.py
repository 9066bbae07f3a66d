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
  - Recognises the main prompt (C(host> ), the hostname without its last label, C((Cluster X)> ), C((Group X)> ),
    C((Machine X)> ), C(host (SERVICE)> )), questions ending in C([default]> ), a bare C(>) line, a line containing
    C(:>), the prompt-less filter script and custom SMTP response questions, and the C(-Press Any Key For More-)
    pager, so that every one of them ends a receive.
version_added: 1.0.0
"""

import re
import uuid

from ansible.errors import AnsibleConnectionFailure
from ansible_collections.ansible.netcommon.plugins.plugin_utils.terminal_base import TerminalBase


class TerminalModule(TerminalBase):

    # Every prompt Cisco's CLI test library accepts (docs/asyncos-cli.md §1; sal/multiprompt.py and
    # ctor/clictorbase.py), plus the questions after which the CLI reads lines with no prompt at all.
    terminal_stdout_re = [
        # esa1.example.com>   esa1.example>   (Cluster X)>   (Group X)>   (Machine h)>   esa1 (SERVICE)>
        re.compile(rb"(?:^|[\r\n])(?:\((?:Cluster|Group|Machine) [^)\r\n]+\)|[A-Za-z0-9][\w.-]*(?: \([^)\r\n]+\))?)> ?$"),
        # []>  [Y]>  [500]>  and inline questions such as "...? [N]> "
        re.compile(rb"\[[^\]\r\n]*\]> ?$"),
        # a bare ">" at the start of a line (free-text input)
        re.compile(rb"(?:^|[\r\n])> ?$"),
        # from 12.0: any line containing ":>"
        re.compile(rb":> ?$"),
        # no prompt: the filter script (technote 118145) and a custom SMTP response text
        re.compile(rb"Enter '\.' on its own line to end\.?\s*$"),
        re.compile(rb"Enter your custom SMTP response[^\r\n]*\s*$"),
        # the pager, anywhere (inside dialogues too, from 12.0): it must end a receive, or the read hangs
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
        # Cisco's own CLI test library sends this right after every login, in every release, to stop pagination
        # (docs/asyncos-cli.md §1): long listings then arrive in one read instead of a pager key per 23 lines. The
        # command is undocumented, so nothing relies on it: an appliance that refuses it, or keeps paging, is
        # still read through the pager, which the dialogue engine handles anywhere.
        try:
            self._exec_cli_command(b"setttymode 0 1")
        except AnsibleConnectionFailure:
            pass
