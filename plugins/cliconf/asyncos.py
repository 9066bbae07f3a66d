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
  - Keeps track of the changes left pending in the current SSH session, so that
    M(mailops.secure_email.esa_commit) can tell when they were lost with the connection.
version_added: 1.0.0
"""

import ast
import json
import re

from ansible.errors import AnsibleConnectionFailure
from ansible.module_utils.common.text.converters import to_text
from ansible_collections.ansible.netcommon.plugins.plugin_utils.cliconf_base import CliconfBase
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg

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
        self._pending = []
        self._pending_session = None
        self._needs_reset = False

    # -- transport helpers --------------------------------------------------

    def _session_id(self):
        return getattr(self._connection, "mailops_session_id", None)

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

    def set_cli_prompt_context(self):
        """Called by network_cli at the first send of every task."""
        if self._needs_reset or not self._at_main_prompt():
            self._recover()

    # -- RPC methods ------------------------------------------------------------

    def get_device_info(self):
        info = dict(network_os="asyncos")
        try:
            out = self.run_dialogue("version")
        except Exception:  # pylint: disable=broad-except
            return info
        for key, label in (("network_os_version", "Version"), ("network_os_model", "Model")):
            match = re.search(r"^\s*%s:\s*(\S.*)$" % label, out.get("output", ""), re.M)
            if match:
                info[key] = match.group(1).strip()
        return info

    def get_capabilities(self):
        result = super(Cliconf, self).get_capabilities()
        result["device_operations"] = dict(
            supports_commit=True, supports_commit_comment=True, supports_rollback=False, supports_defaults=False,
            supports_onbox_diff=False, supports_generate_diff=False, supports_multiline_delimiter=False,
            supports_diff_match=False, supports_diff_ignore_lines=False, supports_config_replace=False,
            supports_admin=False, supports_commit_label=False, supports_replace=False,
        )
        result["rpc"] += ["run_dialogue", "session_state", "clustermode", "commit", "discard_changes"]
        result["network_api"] = "cliconf"
        return json.dumps(result)

    def get(self, command=None, prompt=None, answer=None, sendonly=False, newline=True, output=None, check_all=False):
        if not command:
            raise ValueError("must provide value of command to execute")
        return self.run_dialogue(command)["output"]

    def get_config(self, source="running", flags=None, format=None):
        # showconfig, passphrases masked (option 1 of the passphrase menu)
        rules = [dlg.Rule(r"Choose the passphrase option", "1", optional=True, name="passphrase option").to_dict(),
                 dlg.Rule(r"Do you want to mask the passphrase\?", "Y", optional=True, name="mask passphrase").to_dict()]
        return self.run_dialogue("showconfig", rules)["output"]

    def edit_config(self, candidate=None, commit=True, replace=None, comment=None):
        """candidate: list of {command, rules}; each runs as one dialogue."""
        results = []
        for item in candidate or []:
            results.append(self.run_dialogue(item["command"], item.get("rules"), write=True, label=item.get("label")))
        if commit:
            results.append(self.commit(comment))
        return results

    def run_dialogue(self, command, rules=None, write=False, label=None):
        """Run one dialogue. Returns a dict; ``failed`` is set instead of raising.

        The dict always has ``session`` (this SSH session's id). On failure the
        appliance is brought back to the main prompt first.
        """
        session = self._session_id()
        try:
            result = dlg.run_dialogue(self._send, command, rules)
        except dlg.DialogueError as exc:
            self._recover()
            return dict(failed=True, msg=exc.message, question=exc.question, transcript=exc.transcript,
                        session=session, lost_session=False)
        except AnsibleConnectionFailure as exc:
            msg = _decode_failure(exc)
            recovered = self._recover()
            return dict(failed=True, msg=msg, question=None, transcript=[], session=session, lost_session=not recovered)
        result["session"] = self._session_id()
        if write:
            if self._pending_session != session:
                self._pending = []
                self._pending_session = session
            self._pending.append(label or command)
        return result

    def session_state(self):
        """This SSH session's id and the changes it holds uncommitted."""
        if not self._connection.connected:
            # a fresh (or reset) persistent connection: log in to learn the session
            self._connection._connect()
        session = self._session_id()
        pending = list(self._pending) if self._pending_session == session else []
        return dict(session=session, pending=pending, prompt=to_text(self._connection.get_prompt() or b""))

    def clustermode(self, mode):
        """Switch to ``cluster``, ``group:<name>`` or ``machine:<host>``."""
        level, dummy, name = mode.partition(":")
        prompt = to_text(self._connection.get_prompt() or b"").strip()
        wanted = {"cluster": "(Cluster ", "group": "(Group %s)" % name, "machine": "(Machine %s)" % name}[level]
        if prompt.startswith(wanted):
            return dict(changed=False, prompt=prompt, session=self._session_id())
        command = "clustermode %s %s" % (level, name) if name else "clustermode %s" % level
        result = self.run_dialogue(command)
        if not result.get("failed"):
            prompt = result.get("prompt") or ""
            if not prompt.startswith(wanted):
                return dict(failed=True, msg="after %r the prompt is %r, not %s...)" % (command, prompt, wanted),
                            session=self._session_id())
        return result

    def commit(self, comment=None):
        comment = comment or "committed by mailops.secure_email"
        rules = [
            dlg.Rule(r"enter some comments describing your changes", comment, optional=True, name="commit comment").to_dict(),
            dlg.Rule(r"save the current configuration for rollback", "Y", optional=True, name="rollback").to_dict(),
        ]
        result = self.run_dialogue("commit", rules)
        if result.get("failed"):
            return result
        output = result.get("output", "")
        result["committed"] = bool(re.search(r"Changes committed", output))
        result["no_data"] = bool(re.search(r"no data to commit", output, re.I))
        if not result["committed"] and not result["no_data"]:
            result.update(failed=True, msg="commit did not confirm: %s" % output.strip()[-300:])
            return result
        self._pending = []
        return result

    def discard_changes(self):
        rules = [dlg.Rule(r"(clear|discard|abandon).*changes|Are you sure", "Y", optional=True, name="confirm clear").to_dict()]
        result = self.run_dialogue("clearchanges", rules)
        if not result.get("failed"):
            self._pending = []
        return result
