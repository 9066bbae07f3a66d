# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
author: mailops.secure_email maintainers (@mailops)
name: asyncos
short_description: Cliconf plugin for the Cisco AsyncOS (ESA/CES) menu CLI
description:
  - Drives the menu-driven AsyncOS command line over C(ansible.netcommon.network_cli).
  - Runs whole question-and-answer dialogues in one call, follows the pager, recovers with Ctrl-C after an error
    or a timeout, commits and clears pending changes, and switches the cluster mode.
  - Keeps, per SSH login, the configuration sources read so far (each read at most once) and the pending-changes
    ledger (the documents changed and not yet committed), so that later tasks plan against the session's view and
    M(mailops.secure_email.esa_commit) can tell when changes were lost with the connection.
version_added: 1.0.0
"""

import ast
import json
import os
import signal

from ansible import constants as C
from ansible.errors import AnsibleConnectionFailure
from ansible.module_utils.common.text.converters import to_text
from ansible_collections.ansible.netcommon.plugins.plugin_utils.cliconf_base import CliconfBase
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import config_xml
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import lock as esa_lock
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.session import CliSession

_CTRL_C = "\x03"


def _decode_failure(exc):
    """network_cli raises AnsibleConnectionFailure(<bytes>); make it readable."""
    text = to_text(getattr(exc, "message", None) or exc)
    if text[:2] in ("b'", 'b"'):
        try:
            text = to_text(ast.literal_eval(text), errors="surrogate_then_replace")
        except (ValueError, SyntaxError):
            pass
    return dlg.find_error(text) or dlg.normalise(text).strip().splitlines()[-1] if text.strip() else "connection failure"


class Cliconf(CliconfBase):

    def __init__(self, *args, **kwargs):
        super(Cliconf, self).__init__(*args, **kwargs)
        self._needs_reset = False
        self._lock = esa_lock.ApplianceLock(None)
        self._cli = CliSession(self._send, self._session_id, self._prompt, self._recover,
                               transport_errors=(AnsibleConnectionFailure,), describe=_decode_failure,
                               lock=self._lock, abandon=self._abandon)

    # -- transport helpers --------------------------------------------------

    def _session_id(self):
        return getattr(self._connection, "mailops_session_id", None)

    def _prompt(self):
        return to_text(self._connection.get_prompt() or b"", errors="surrogate_then_replace")

    def _send(self, line):
        try:
            out = self.send_command(command=line, strip_prompt=False)
        except BaseException:
            self._needs_reset = True
            raise
        if out is None or self._connection.get_prompt() is None:
            # receive() ends without a prompt only when the channel closed
            self._needs_reset = True
            raise AnsibleConnectionFailure("the SSH session to the appliance was closed while waiting for a prompt")
        return to_text(out, errors="surrogate_then_replace")

    # the dialogue engine may write a prompt-less block (a filter script and its "." line) in one write
    _send.multiline = True

    def _at_main_prompt(self):
        prompt = self._connection.get_prompt()
        if prompt is None:
            return False
        kind, dummy = dlg.classify(to_text(prompt, errors="surrogate_then_replace"))
        return kind == "main"

    def _recover(self):
        """Ctrl-C until the main prompt; close the session if that fails."""
        for dummy in range(3):
            try:
                out = to_text(self.send_command(command=_CTRL_C, strip_prompt=False), errors="surrogate_then_replace")
            except Exception:  # pylint: disable=broad-except
                break
            if dlg.classify(out)[0] == "main":
                self._needs_reset = False
                return True
        # The session is unusable. Close it so that the next task logs in again
        # (a new session, which the pending-change ledger notices).
        try:
            self._connection.close()
        except Exception:  # pylint: disable=broad-except
            pass
        self._needs_reset = False
        return False

    def _abandon(self):
        """Give up the login without typing anything (after a commit whose reply did not come in time), but keep
        the persistent connection serving: the task's next request (the read-back) logs in again."""
        connection = self._connection
        transport = getattr(connection, "_ssh_type_conn", None)
        try:
            connection.close()
        except Exception:  # pylint: disable=broad-except
            pass
        # close() also marks the persistent connection closed, which would end ansible-connection after this request,
        # and drops the SSH transport plugin, whose options (host, port, keys) a new one would lack: keep both
        connection._conn_closed = False
        if transport is not None and getattr(connection, "_ssh_type_conn", None) is None:
            connection._ssh_type_conn = transport
        self._needs_reset = False

    def _option(self, name, default=None):
        try:
            value = self._connection.get_option(name)
        except Exception:  # pylint: disable=broad-except
            value = None
        return default if value is None else value

    def connection_context(self):
        """What module_utils/_esa/connection_errors.py needs to explain a failed login: host, port, user, the SSH
        library, its proxy command, the known_hosts files it reads, the connect timeout. Never logs in."""
        connection = self._connection
        ssh_type = self._option("ssh_type")
        try:
            ssh_type = connection.ssh_type
        except Exception:  # pylint: disable=broad-except
            pass
        proxy_command, proxy_variable = self._option("proxy_command"), "ansible_paramiko_proxy_command"
        transport = getattr(connection, "_ssh_type_conn", None)
        if ssh_type == "libssh" and transport is not None:
            try:
                proxy_command, proxy_variable = transport.get_option("proxy_command"), "ansible_libssh_proxy_command"
            except Exception:  # pylint: disable=broad-except
                proxy_command = None
        if ssh_type == "libssh":
            # libssh reads the login user's home from the password database, not $HOME (lab/README.md)
            import pwd  # pylint: disable=import-outside-toplevel
            home = pwd.getpwuid(os.getuid()).pw_dir
        else:
            home = os.path.expanduser("~")
        return dict(
            host=self._option("host") or getattr(getattr(connection, "_play_context", None), "remote_addr", None),
            port=self._option("port", 22), user=self._option("remote_user"), ssh_type=ssh_type,
            password_set=bool(self._option("password")), private_key_file=self._option("private_key_file"),
            proxy_command=proxy_command or None, proxy_variable=proxy_variable,
            host_key_checking=self._option("host_key_checking"),
            known_hosts=[os.path.join(home, ".ssh", "known_hosts"), "/etc/ssh/ssh_known_hosts"],
            connect_timeout=self._option("persistent_connect_timeout"), connected=bool(connection.connected))

    def set_cli_prompt_context(self):
        """Called by network_cli at the first send of every task."""
        if self._needs_reset or not self._at_main_prompt():
            self._recover()

    # -- RPC methods ------------------------------------------------------------

    def get_device_info(self):
        """From ``version``, read once per login by the session (docs/asyncos-cli.md §1)."""
        info = dict(network_os="asyncos")
        try:
            release = self._cli.release()
        except Exception:  # pylint: disable=broad-except
            return info
        if release.get("version"):
            info["network_os_version"] = release["version"]
        if release.get("model"):
            info["network_os_model"] = release["model"]
        return info

    def get_capabilities(self):
        result = super(Cliconf, self).get_capabilities()
        result["device_operations"] = dict(
            supports_commit=True, supports_commit_comment=True, supports_rollback=False, supports_defaults=False,
            supports_onbox_diff=False, supports_generate_diff=False, supports_multiline_delimiter=False,
            supports_diff_match=False, supports_diff_ignore_lines=False, supports_config_replace=False,
            supports_admin=False, supports_commit_label=False, supports_replace=False,
        )
        result["rpc"] += ["run_dialogue", "read_source", "ledger", "settle", "session_state", "clustermode", "commit",
                          "discard_changes", "acquire_lock", "release_lock", "commit_resolved"]
        result["network_api"] = "cliconf"
        return json.dumps(result)

    def get(self, command=None, prompt=None, answer=None, sendonly=False, newline=True, output=None, check_all=False):
        if not command:
            raise ValueError("must provide value of command to execute")
        return self.run_dialogue(command)["output"]

    def get_config(self, source="running", flags=None, format=None):
        """The committed configuration XML (showconfig, passphrases masked)."""
        result = self.run_dialogue("showconfig", [r.to_dict() for r in config_xml.rules("mask")])
        if result.get("failed"):
            raise AnsibleConnectionFailure(result.get("msg"))
        return config_xml.extract(result["output"])

    def edit_config(self, candidate=None, commit=True, replace=None, comment=None):
        """candidate: list of {command, rules}; each runs as one dialogue."""
        results = []
        for item in candidate or []:
            results.append(self.run_dialogue(item["command"], item.get("rules"), write=True, label=item.get("label")))
        if commit:
            results.append(self.commit(comment))
        return results

    def run_dialogue(self, command, rules=None, write=False, label=None, documents=None):
        """Run one dialogue (see CliSession.run_dialogue); failures are returned, not raised."""
        return self._cli.run_dialogue(command, rules, write=write, label=label, documents=documents)

    def read_source(self, source, command, rules=None, fresh=False):
        """A listing command's output, read at most once per login and cluster level unless ``fresh``."""
        return self._cli.read_source(source, command, rules, fresh=fresh)

    def ledger(self, all_levels=False):
        """The documents written in this login (the pending-changes ledger)."""
        return self._cli.ledger(all_levels)

    def settle(self, names):
        """Forget documents that were read back after their commit."""
        return self._cli.settle(names)

    def session_state(self):
        """This SSH session's id and the changes it holds uncommitted."""
        if not self._connection.connected:
            # a fresh (or reset) persistent connection: log in to learn the session
            self._connection._connect()
        return self._cli.session_state()

    def clustermode(self, mode):
        """Switch to ``cluster``, ``group:<name>`` or ``machine:<host>``."""
        return self._cli.clustermode(mode)

    def acquire_lock(self, timeout=esa_lock.DEFAULT_TIMEOUT, directory=None, holder=""):
        """Take the appliance's write lock (lock.py) in ``directory`` (default: env MAILOPS_ESA_LOCK_DIR, else
        ``mailops_secure_email_locks`` beside Ansible's local temporary directories)."""
        if not self._lock.held:
            directory = directory or os.environ.get(esa_lock.ENV_DIR) or os.path.join(
                os.path.dirname(os.path.expanduser(C.DEFAULT_LOCAL_TMP)), "mailops_secure_email_locks")
            host = self._option("host") or getattr(getattr(self._connection, "_play_context", None), "remote_addr", None)
            self._lock.path = esa_lock.lock_path(os.path.expanduser(directory), host, self._option("port", 22))
        # the lock may be waited for longer than one command may take
        signal.alarm(int(timeout) + int(self._option("persistent_command_timeout", 30)))
        if not self._connection.connected:
            # log in first: the lock belongs to this login (a new login is a new session, see CliSession._reset)
            self._connection._connect()
        return self._cli.acquire_lock(timeout, holder=holder)

    def release_lock(self):
        return self._cli.release_lock()

    def commit_resolved(self, landed):
        return self._cli.commit_resolved(landed)

    def commit(self, comment=None, timeout=None):
        """Commit; ``timeout`` (seconds, default the command timeout) is how long the appliance may take.

        The wait is timed here, not by the transport: network_cli's libssh transport has no read timeout of its
        own, and ansible-connection's alarm for the request would end it with an error that leaves the login
        mid-dialogue. When the time is up, the failure is a transport error, so that the session gives the login up
        and reports the commit as sent (CliSession.run_dialogue).
        """
        usual = int(self._option("persistent_command_timeout", 30))
        timeout = int(timeout or usual)

        def expired(signum, frame):
            raise AnsibleConnectionFailure("the appliance did not confirm the commit within %ds" % timeout)

        previous = signal.signal(signal.SIGALRM, expired)
        # paramiko's receive sets its own alarm from the command timeout: make it the commit's
        self._connection.set_option("persistent_command_timeout", max(timeout, usual))
        signal.alarm(timeout)
        try:
            return self._cli.commit(comment)
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
            self._connection.set_option("persistent_command_timeout", usual)

    def discard_changes(self):
        return self._cli.discard_changes()
