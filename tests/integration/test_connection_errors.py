# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Failed logins against the lab, through real ansible-playbook runs: the message a user reads
(module_utils/_esa/connection_errors.py, docs/connecting-to-esa.md "When the connection fails").

libssh reads known_hosts only from the home directory in the password database (lab/README.md, "libssh caveat"),
which these tests must not write to: the unknown-key case runs with libssh (the lab's random port has no entry
there), the changed-key case with paramiko and a HOME holding a known_hosts with another key for the lab's port.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import json
import os
import socket
import subprocess

import pytest

from conftest import _runner

PLAYBOOK = "proxy_command.yml"   # one esa_command task: version


def _port(lab):
    return json.loads(lab.cli("status", "--json"))["esa"]["port"]


def _message(run):
    assert run.recap["failed"] == 1, run.output
    return run.task("Version")["result"]["msg"]


def _lab_key_sha256(lab):
    """The SHA256 fingerprints of the keys `lab up` wrote to its known_hosts."""
    found = set()
    with open(os.path.join(lab.state_dir, "known_hosts")) as handle:
        for line in handle:
            fields = line.split()
            if len(fields) >= 3:
                digest = hashlib.sha256(base64.b64decode(fields[2])).digest()
                found.add("SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("="))
    assert found
    return found


def _closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


@pytest.mark.parametrize("ssh_type", ["libssh", "paramiko"])
def test_a_wrong_password_says_the_password_was_refused(lab, playbook, tmp_path, ssh_type):
    port = _port(lab)
    run = playbook(PLAYBOOK, dict(ansible_password="not-the-password", ansible_network_cli_ssh_type=ssh_type),
                   expect_rc=2)
    message = _message(run)
    assert ("SSH authentication failed for user 'admin' at 127.0.0.1:%d: the password was refused. "
            "Check ansible_user and ansible_password" % port) in message
    assert "ssh -p %d admin@127.0.0.1" % port in message
    assert lab.counters()["logins"] == 0


def test_an_unknown_host_key_shows_its_sha256_fingerprint(lab, playbook):
    port = _port(lab)
    run = playbook(PLAYBOOK, dict(ansible_host_key_checking=True), expect_rc=2)
    message = _message(run)
    assert "The SSH host key of 127.0.0.1:%d is unknown: host key checking is on and " % port in message
    assert "has no entry for [127.0.0.1]:%d." % port in message
    presented = [fp for fp in _lab_key_sha256(lab) if "key %s." % fp in message]
    assert presented, message
    assert "ssh-keyscan -p %d 127.0.0.1 | ssh-keygen -lf -" % port in message
    assert lab.counters()["logins"] == 0


def test_a_changed_host_key_says_so_with_the_new_fingerprint(lab, tmp_path, monkeypatch):
    port = _port(lab)
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other")], check=True)
    other = (tmp_path / "other.pub").read_text().split()
    known_hosts = home / ".ssh" / "known_hosts"
    known_hosts.write_text("[127.0.0.1]:%d %s %s\n" % (port, other[0], other[1]))
    monkeypatch.setenv("HOME", str(home))   # paramiko reads ~/.ssh/known_hosts through $HOME
    run = _runner(lab, tmp_path)(PLAYBOOK, dict(ansible_host_key_checking=True, ansible_network_cli_ssh_type="paramiko"),
                                 expect_rc=2)
    message = _message(run)
    assert ("The SSH host key of 127.0.0.1:%d has CHANGED: it does not match the entry for [127.0.0.1]:%d in %s"
            % (port, port, known_hosts)) in message
    assert [fp for fp in _lab_key_sha256(lab) if "key %s." % fp in message], message
    assert "ssh-keygen -R '[127.0.0.1]:%d' -f %s" % (port, known_hosts) in message
    assert known_hosts.read_text().split()[2] == other[1]   # left as it was
    assert lab.counters()["logins"] == 0


def test_a_closed_port_names_host_port_and_the_timeout(lab, playbook):
    port = _closed_port()
    run = playbook(PLAYBOOK, dict(ansible_port=port, ansible_connect_timeout=15), expect_rc=2)
    message = _message(run)
    assert message.startswith("command failed: Could not reach the appliance at 127.0.0.1:%d: the connection was "
                              "refused" % port)
    assert "connect timeout 15 s (ansible_connect_timeout)" in message
    assert "nc -vz 127.0.0.1 %d" % port in message


def test_a_failing_proxy_command_names_the_proxy(lab, playbook, tmp_path):
    port = _port(lab)
    proxy = tmp_path / "proxy.sh"
    proxy.write_text("#!/bin/sh\necho 'ssh: connect to host proxy.example.invalid port 22: no route' >&2\nexit 255\n")
    proxy.chmod(0o755)
    command = "%s %%h:%%p" % proxy
    run = playbook(PLAYBOOK, dict(ansible_host="esa1.proxied.invalid", ansible_libssh_proxy_command=command),
                   expect_rc=2)
    message = _message(run)
    assert ("Could not connect to esa1.proxied.invalid:%d through the SSH proxy command %r "
            "(ansible_libssh_proxy_command)" % (port, command)) in message
    assert "Run the proxy command by hand to see its error: %s esa1.proxied.invalid:%d ;" % (proxy, port) in message
    assert lab.counters()["logins"] == 0
