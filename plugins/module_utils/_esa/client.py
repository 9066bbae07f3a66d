# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one client for the ESA command line, used by every esa_* module.

This module is PRIVATE to the collection. It can change at any time.

It talks to the cliconf plugin ``mailops.secure_email.asyncos`` through the
persistent network_cli connection, so every task of a play shares one SSH
login and one AsyncOS session.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible.module_utils.connection import Connection, ConnectionError

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import connection_errors
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import DialogueError, Rule

CLUSTER_MODE_RE = re.compile(r"^(cluster|group:\S+|machine:\S+)$")


def validate_cluster_mode(value):
    if value is None:
        return None
    if not CLUSTER_MODE_RE.match(value):
        raise ValueError("cluster_mode: %r must be 'cluster', 'group:<name>' or 'machine:<host>'" % value)
    return value


class EsaError(Exception):
    def __init__(self, message, **details):
        super(EsaError, self).__init__(message)
        self.message = message
        self.details = details


class EsaClient(object):

    def __init__(self, module, connection=None):
        self.module = module
        if connection is None:
            if not getattr(module, "_socket_path", None):
                raise EsaError("this module needs ansible_connection=ansible.netcommon.network_cli and "
                               "ansible_network_os=mailops.secure_email.asyncos")
            connection = Connection(module._socket_path)
        self.connection = connection
        self.session = None

    def _call(self, method, *args, **kwargs):
        try:
            result = getattr(self.connection, method)(*args, **kwargs)
        except ConnectionError as exc:
            explained = self._explain(exc)
            if explained:
                raise EsaError(explained, connection_failure=True)
            raise EsaError("connection to the appliance failed during %s: %s" % (method, exc))
        if isinstance(result, dict) and result.get("session"):
            self.session = result["session"]
        if isinstance(result, dict) and result.get("failed"):
            error = DialogueError(result.get("msg") or "the appliance reported an error", question=result.get("question"),
                                  transcript=result.get("transcript"))
            error.typed_nothing = bool(result.get("typed_nothing"))
            error.result = result
            raise error
        return result

    def _explain(self, exc):
        """A failed login told in the user's terms (connection_errors.py), or None for other failures."""
        text = "%s" % exc
        try:
            context = self.connection.connection_context()
        except Exception:  # pylint: disable=broad-except
            context = {}  # an older persistent connection, or none at all: explain with what the text says
        if not isinstance(context, dict):
            context = {}
        kind = connection_errors.classify(text, context)
        if kind in (connection_errors.HOST_KEY_UNKNOWN, connection_errors.HOST_KEY_CHANGED) and context.get("host"):
            proxy = context.get("proxy_command")
            if proxy:
                for find, replace in (("%h", context["host"]), ("%p", context.get("port") or 22),
                                      ("%r", context.get("user") or "")):
                    proxy = proxy.replace(find, str(replace))
            context["host_key"] = connection_errors.read_host_key(context["host"], context.get("port") or 22,
                                                                  timeout=10, proxy_command=proxy)
        return connection_errors.explain(text, context)

    def dialogue(self, command, rules=None, write=False, label=None, documents=None):
        rules = [r.to_dict() if isinstance(r, Rule) else r for r in (rules or [])]
        if documents is None:
            return self._call("run_dialogue", command, rules, write, label)
        return self._call("run_dialogue", command, rules, write, label, documents)

    def run(self, command):
        return self.dialogue(command)["output"]

    def read_source(self, source, command, rules=None, fresh=False):
        """A listing command's output, read at most once per login unless ``fresh`` (see session.CliSession)."""
        rules = [r.to_dict() if isinstance(r, Rule) else r for r in (rules or [])]
        return self._call("read_source", source, command, rules, fresh)

    def ledger(self, all_levels=False):
        return self._call("ledger", all_levels)

    def settle(self, names):
        return self._call("settle", list(names))

    def cluster_mode(self, mode):
        if mode:
            self._call("clustermode", mode)

    def commit(self, comment, timeout=None):
        if timeout:
            return self._call("commit", comment, timeout)
        return self._call("commit", comment)

    def lock(self, timeout, directory=None):
        """Take the appliance's write lock (lock.py); returns {locked, waited, reread}."""
        return self._call("acquire_lock", timeout, directory, "pid %d" % os.getpid())

    def release_lock(self):
        """Release the write lock unless changes are pending; never raises (used on every path out)."""
        try:
            return self._call("release_lock")
        except (EsaError, DialogueError):
            return None

    def commit_resolved(self, landed):
        try:
            return self._call("commit_resolved", landed)
        except (EsaError, DialogueError):
            return None

    def discard(self):
        """clearchanges; never raises (used on the error path)."""
        try:
            self._call("discard_changes")
            return True
        except (EsaError, DialogueError):
            return False

    def state(self):
        return self._call("session_state")
