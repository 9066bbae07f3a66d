# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Masking of secrets (esa_message_filters ``secrets``) in everything the runner returns, on success and failure.

The harness bypasses AnsibleModule's own no_log filtering (exit_json/fail_json are replaced), so these tests see
exactly what the runner masks itself.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg
from ansible_collections.mailops.secure_email.plugins.modules import esa_commit as COMMIT
from ansible_collections.mailops.secure_email.plugins.modules import esa_message_filters as MF
from ansible_collections.mailops.secure_email.plugins.modules import esa_sender_groups as SG
from ansible_collections.mailops.secure_email.tests.unit.plugins.modules.esa_lab import Lab
from ansible_collections.mailops.secure_email.tests.unit.plugins.modules.esa_runner_support import (
    delta, pending_records, snapshot, tamper_commit)

SECRET = "Zq7s3cr3tTok3nXY"
MASK = "********"


def guard(secret=SECRET, action="drop"):
    return 'if sendergroup == "RELAY_O365" and header("X-Tenant") != "%s" { %s(); }' % (secret, action)


def leaks(result, secret=SECRET):
    """Whether the secret, or either half of it, appears anywhere in the result."""
    text = json.dumps(result)
    half = len(secret) // 2
    return secret in text or secret[:half] in text or secret[half:] in text


def stored_bodies(lab):
    return [f["body"] for f in lab.app.committed["filters"]]


def test_success_masks_commands_after_and_diff_but_writes_the_secret(monkeypatch):
    lab = Lab()
    result = lab.run(monkeypatch, MF, diff=True, secrets=[SECRET], config=[dict(name="Guard", body=guard())])
    assert result["changed"] and result["committed"], result.get("msg")
    assert not leaks(result)
    assert result["commands"][2] == 'Guard: ' + guard(MASK)
    assert result["after"][0]["body"] == guard(MASK)
    assert result["diff"]["after"]["Guard"]["body"] == guard(MASK)
    assert stored_bodies(lab) == ["Guard: " + guard()]        # masked in the output only


def test_check_mode_masks_the_commands(monkeypatch):
    lab = Lab()
    result = lab.run(monkeypatch, MF, check_mode=True, diff=True, secrets=[SECRET],
                     config=[dict(name="Guard", body=guard())])
    assert result["changed"] and not leaks(result)
    assert MASK in result["commands"][2]
    assert lab.counters()["writes"] == 0


def test_gathered_and_idempotent_runs_mask_the_stored_body(monkeypatch):
    lab = Lab()
    lab.run(monkeypatch, MF, secrets=[SECRET], config=[dict(name="Guard", body=guard())])
    lab.login()
    gathered = lab.run(monkeypatch, MF, state="gathered", secrets=[SECRET])
    assert gathered["gathered"] == [dict(name="Guard", body=guard(MASK), active=True)]
    again = lab.run(monkeypatch, MF, diff=True, secrets=[SECRET], config=[dict(name="Guard", body=guard())])
    assert again["changed"] is False and not leaks(gathered) and not leaks(again)
    assert again["diff"]["before"]["Guard"]["body"] == guard(MASK)


def test_parsed_masks_the_listing(monkeypatch):
    lab = Lab()
    listing = "Num Active Valid Name\n=== ====== ===== ====\n  1 Y      Y     Guard\nGuard: %s\n" % guard()
    result = lab.run(monkeypatch, MF, state="parsed", secrets=[SECRET], running_config=listing)
    assert result["parsed"] == [dict(name="Guard", body=guard(MASK), active=True)]
    assert not leaks(result)


def test_validation_error_masks_the_secret(monkeypatch):
    lab = Lab()
    before = snapshot(lab)
    result = lab.run(monkeypatch, MF, secrets=[SECRET],
                     config=[dict(name="Guard", body='if header("X-Tenant") != %s { drop(); }' % SECRET)])
    assert result["failed"] and result["msg"].startswith("config[0].body: invalid filter syntax: ")
    assert MASK in result["msg"] and not leaks(result)
    assert delta(lab, before)["lines_received"] == 0


def test_refusal_by_the_relay_guard_masks_before_and_after(monkeypatch):
    lab = Lab()
    lab.run(monkeypatch, MF, secrets=[SECRET], config=[dict(name="Guard", body=guard())])
    group = lab.run(monkeypatch, SG, listener="OutgoingMail",
                    config=[dict(name="RELAY_O365", members=[".protection.outlook.com"], policy="RELAYED")])
    assert group["committed"], group.get("msg")
    before = snapshot(lab)
    result = lab.run(monkeypatch, MF, diff=True, state="deleted", secrets=[SECRET], config=[dict(name="Guard")])
    assert result["failed"] and "refused, nothing was written" in result["msg"]
    assert "sender group RELAY_O365 relays" in result["msg"]
    assert result["before"] == [dict(name="Guard", body=guard(MASK), active=True)]
    assert not leaks(result)
    assert delta(lab, before)["writes"] == 0


def test_refused_write_masks_the_transcript(monkeypatch):
    """The appliance refuses a NEW: another session created the filter after this login read the list (the
    login's snapshot still shows none). The refusal's transcript holds the body, masked."""
    lab = Lab()
    lab.run(monkeypatch, MF, secrets=[SECRET], config=[], state="gathered")
    other = lab.app.open_session(user="admin")
    other.start()
    # the script and its "." line are typed with no prompt between them (technote 118145)
    dlg.run_dialogue(other.send_line, "filters", [dlg.Rule(r"Choose the operation", ["NEW", ""], menu=True),
                                                  dlg.Rule(r"Enter filter script", ["Guard: " + guard(), "."], block=True)])
    dlg.run_dialogue(other.send_line, "commit", [dlg.Rule(r"comments", "other"), dlg.Rule(r"rollback", "Y", optional=True)])
    before = snapshot(lab)
    result = lab.run(monkeypatch, MF, secrets=[SECRET], config=[dict(name="Guard", body=guard(action="bounce"))])
    assert result["failed"] and 'Duplicate filter name' in result["msg"]
    answers = [step["answer"] for step in result["transcript"]]
    assert "Guard: " + guard(MASK, "bounce") in answers
    assert not leaks(result)
    assert delta(lab, before)["commits"] == 0 and stored_bodies(lab) == ["Guard: " + guard()]


def test_read_back_mismatch_in_the_module_masks_the_differences(monkeypatch):
    lab = Lab()
    tamper_commit(monkeypatch, "filters", lambda filters: [dict(f, body=f["body"].replace("drop", "bounce"))
                                                           for f in filters])
    result = lab.run(monkeypatch, MF, diff=True, secrets=[SECRET], config=[dict(name="Guard", body=guard())])
    assert result["failed"] and result["committed"] is True
    assert result["verify_differences"][0].startswith("message_filters: [Guard].body: differs from the plan")
    assert "value not shown" in result["msg"] and not leaks(result)


# -- found while writing these tests -------------------------------------------------------------------------


def test_esa_commit_read_back_mismatch_does_not_leak_the_secret(monkeypatch):
    lab = Lab()
    written = lab.run(monkeypatch, MF, commit=False, secrets=[SECRET], config=[dict(name="Guard", body=guard())])
    assert not leaks(written)
    tamper_commit(monkeypatch, "filters", lambda filters: [dict(f, body=f["body"].replace("drop", "bounce"))
                                                           for f in filters])
    result = lab.run(monkeypatch, COMMIT, pending=pending_records(written))
    assert result["failed"] and result["committed"] is True
    assert not leaks(result)


def test_secret_with_a_quote_is_masked_in_read_back_differences(monkeypatch):
    secret = "Zq7s3cr3t'Tok3nXY"
    lab = Lab()
    tamper_commit(monkeypatch, "filters", lambda filters: [dict(f, body=f["body"].replace("drop", "bounce"))
                                                           for f in filters])
    result = lab.run(monkeypatch, MF, secrets=[secret], config=[dict(name="Guard", body=guard(secret))])
    assert result["failed"] and result["committed"] is True
    assert not leaks(result, secret)
