# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""esa_commit: one commit for the changes of several tasks.

This module is PRIVATE to the collection. It can change at any time.

Config modules run with ``commit: false`` record what they left pending in a
host fact named ``mailops_esa_pending_<session id>``. The action plugin of
esa_commit hands those records to this code as ``pending``. A record of a
session other than the current one means the connection was lost between
tasks, and its changes with it: then nothing is committed and the task fails.
After the commit, every document the session changed is read back and compared
with what the tasks planned (``runner.commit_and_verify``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import inputs, runner
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.client import EsaClient, EsaError
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import DialogueError

ARGUMENT_SPEC = dict(
    comment=dict(type="str", default="Changed by mailops.secure_email"),
    commit_timeout=dict(type="int", default=180),
    pending=dict(type="list", elements="dict", default=[], options=dict(
        session=dict(type="str", required=True),
        changes=dict(type="list", elements="str", default=[]),
    )),
)


def run(module):
    try:
        inputs.check_params(dict(comment=module.params["comment"]))
        runner.check_timeouts(module.params)
    except ValueError as exc:
        module.fail_json(msg="esa_commit: %s" % exc)
    try:
        client = EsaClient(module)
        state = client.state()
        session = state["session"]
        records = [r for r in module.params["pending"] if r.get("changes")]
        lost = [r for r in records if r["session"] != session]
        expected = [c for r in records if r["session"] == session for c in r["changes"]] or list(state["pending"])
        if lost:
            client.discard()
            changes = [c for r in lost for c in r["changes"]]
            module.fail_json(
                msg="pending changes were lost with the connection to the appliance before they were committed: %s. "
                    "Nothing was committed and the changes still pending in the new session were cleared. "
                    "Re-run the play (and keep the tasks within ansible_connect_timeout of each other)." % "; ".join(changes),
                lost_changes=changes, session=session)
        if module.check_mode:
            module.exit_json(changed=bool(expected), committed=False, pending_changes=expected, session=session)
        try:
            result = runner.commit_and_verify(client, module.params["comment"], module.params["commit_timeout"])
        except runner.Failure as exc:
            module.fail_json(msg=exc.msg, pending_changes=expected, session=session, **exc.result)
        if result.get("warning"):
            module.warn(result["warning"])
        if result.get("no_data") and expected:
            module.fail_json(
                msg="the appliance had nothing to commit, but these changes were made in this session: %s. "
                    "They were lost; nothing was committed." % "; ".join(expected),
                lost_changes=expected, session=session)
        module.exit_json(changed=bool(result.get("committed")), committed=bool(result.get("committed")),
                         commit_outcome=result.get("commit_outcome"), pending_changes=expected, session=session,
                         verified=result.get("verified", []))
    except (EsaError, DialogueError) as exc:
        module.fail_json(msg="commit failed: %s" % exc.message)
