# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The jump-host path (ansible_libssh_proxy_command) against the lab.

CES appliances are reached through Cisco's SSH proxy with a ProxyCommand such as
``ssh -W %h:%p user@proxy``. Here a small relay (proxy_relay.py) stands in for
``ssh -W``: it connects to the lab's port. The inventory host name is replaced with
one that cannot resolve, so the session can only come up through the relay.
Cisco's proxy itself is not tested.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RELAY = os.path.join(HERE, "proxy_relay.py")
UNRESOLVABLE = "esa1.proxied.invalid"


def test_version_through_proxy_command(lab, playbook, tmp_path):
    port = json.loads(lab.cli("status", "--json"))["esa"]["port"]
    log = tmp_path / "relay.log"
    proxy_command = "%s %s 127.0.0.1 %d %s %%h:%%p" % (sys.executable, RELAY, port, log)

    run = playbook("proxy_command.yml", dict(ansible_host=UNRESOLVABLE, ansible_libssh_proxy_command=proxy_command))

    result = run.task("Version")["result"]
    assert not result.get("failed"), run.output
    assert "C100V" in "\n".join(result["stdout"])
    # The relay ran once, with %h and %p substituted by netcommon's libssh plugin.
    assert log.read_text().splitlines() == ["%s:%d" % (UNRESOLVABLE, port)]
    assert lab.counters()["logins"] == 1
