# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""esa_bounce_profiles through its main() against the lab: states, check mode, diff, idempotence, read-back, and
the bounce_profile check of esa_destination_controls with a profile this module created."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.modules import esa_bounce_profiles as BP
from ansible_collections.mailops.secure_email.plugins.modules import esa_commit as COMMIT
from ansible_collections.mailops.secure_email.plugins.modules import esa_destination_controls as DC
from ansible_collections.mailops.secure_email.tests.unit.plugins.modules.esa_lab import Lab
from ansible_collections.mailops.secure_email.tests.unit.plugins.modules.esa_runner_support import (
    delta, pending_records, snapshot)

E = "<Enter>"
M365 = dict(name="M365", max_retries=20, max_queue_lifetime=86400, send_warnings=False)
DEFAULT = dict(name="Default", max_retries=100, max_queue_lifetime=259200, initial_retry=60, max_retry_timeout=3600,
               send_bounces=True, use_dsn_bounce_format=True, send_warnings=False)
M365_AFTER = dict(name="M365", max_retries=20, max_queue_lifetime=86400, initial_retry=60, max_retry_timeout=3600,
                  send_bounces=None, use_dsn_bounce_format=None, send_warnings=False)
# NEW: name, the four numbers, hard bounces and DSN format ("Default": follow the Default profile), the DSN subject
# and status kept, delay warnings, alternate address (and its address, when asked) and signing kept, leave
NEW_M365 = ["bounceconfig", "NEW", "M365", "20", "86400", "60", "3600", "Default", "Default", E, E, "N", E, E, E, E]


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def gathered(lab, monkeypatch):
    lab.login()
    return ok(lab.run(monkeypatch, BP, state="gathered"))["gathered"]


@pytest.fixture(name="lab")
def lab_fixture():
    return Lab()


def test_create_commits_and_reads_back(lab, monkeypatch):
    before = snapshot(lab)
    result = ok(lab.run(monkeypatch, BP, config=[M365]))
    assert result["changed"] is True
    assert result["commands"] == NEW_M365
    assert result["before"] == [DEFAULT] and result["after"] == [DEFAULT, M365_AFTER]
    assert result["committed"] is True and result["verified"] == ["bounce_profiles"]
    change = delta(lab, before)
    assert (change["writes"], change["commits"], change["clears"]) == (1, 1, 0)
    assert gathered(lab, monkeypatch) == [DEFAULT, M365_AFTER]


def test_second_run_changes_nothing_and_reads_nothing(lab, monkeypatch):
    ok(lab.run(monkeypatch, BP, config=[M365]))
    before = snapshot(lab)
    second = ok(lab.run(monkeypatch, BP, config=[M365]))
    assert second["changed"] is False and second["commands"] == []
    assert second["before"] == second["after"] == [DEFAULT, M365_AFTER]
    change = delta(lab, before)
    assert (change["writes"], change["commits"], change["reads"]) == (0, 0, {})
    lab.login()
    third = ok(lab.run(monkeypatch, BP, config=[M365]))
    assert third["changed"] is False and delta(lab, before)["writes"] == 0


def test_commit_false_then_the_ledger(lab, monkeypatch):
    first = ok(lab.run(monkeypatch, BP, config=[M365], commit=False))
    assert "committed" not in first and pending_records(first)[0]["changes"] == ["Bounce profiles: create M365"]
    before = snapshot(lab)
    second = ok(lab.run(monkeypatch, BP, config=[M365], commit=False))
    assert second["changed"] is False
    change = delta(lab, before)
    assert (change["writes"], change["commits"], change["reads"]) == (0, 0, {})
    assert lab.app.committed["bounce_profiles"] == ["Default"]


def test_check_mode_with_diff_writes_nothing(lab, monkeypatch):
    committed = lab.app.committed
    before = snapshot(lab)
    result = ok(lab.run(monkeypatch, BP, check_mode=True, diff=True, config=[M365]))
    assert result["changed"] is True and result["commands"] == NEW_M365
    assert "committed" not in result
    assert result["diff"]["before"] == {"Default": dict((k, v) for k, v in DEFAULT.items() if k != "name")}
    assert result["diff"]["after"]["M365"]["max_retries"] == 20
    change = delta(lab, before)
    assert (change["writes"], change["commits"], change["clears"]) == (0, 0, 0)
    assert lab.app.committed == committed and not lab.session.has_pending


def test_edit_types_the_listing_number_and_keeps_the_name(lab, monkeypatch):
    ok(lab.run(monkeypatch, BP, config=[dict(name="slow"), M365]))
    before = snapshot(lab)
    result = ok(lab.run(monkeypatch, BP, config=[dict(name="M365", max_retries=5, send_warnings=True)]))
    assert result["commands"][:4] == ["bounceconfig", "EDIT", "3", E]
    assert result["commands"][4:6] == ["5", "86400"]
    assert delta(lab, before)["writes"] == 1 and result["verified"] == ["bounce_profiles"]
    assert gathered(lab, monkeypatch)[2] == dict(M365_AFTER, max_retries=5, send_warnings=True)


def test_edit_of_the_default_profile(lab, monkeypatch):
    result = ok(lab.run(monkeypatch, BP, config=[dict(name="default", initial_retry=120, send_bounces=False)]))
    # no name question for Default; with no hard bounce messages the DSN questions are not asked
    assert result["commands"] == ["bounceconfig", "EDIT", "1", E, "100", "259200", "120", "3600", "N", "N", E, E, E,
                                  E, E, E, E]
    assert gathered(lab, monkeypatch) == [dict(DEFAULT, initial_retry=120, send_bounces=False)]


def test_replaced_and_overridden(lab, monkeypatch):
    ok(lab.run(monkeypatch, BP, config=[M365, dict(name="old", max_retries=1, send_bounces=False)]))
    result = ok(lab.run(monkeypatch, BP, state="replaced", config=[dict(name="M365", max_retries=20)]))
    assert result["after"][1] == dict(M365_AFTER, max_queue_lifetime=259200, send_warnings=None)
    result = ok(lab.run(monkeypatch, BP, state="overridden", config=[dict(name="M365", max_retries=20)]))
    assert [e["name"] for e in result["after"]] == ["Default", "M365"]
    assert result["commands"][:4] == ["bounceconfig", "DELETE", "3", "Y"]
    assert [e["name"] for e in gathered(lab, monkeypatch)] == ["Default", "M365"]


def test_delete_and_the_default_profile_is_protected(lab, monkeypatch):
    ok(lab.run(monkeypatch, BP, config=[M365]))
    before = snapshot(lab)
    result = lab.run(monkeypatch, BP, state="deleted", config=[dict(name="Default")])
    assert result["failed"] and "The default profile may not be deleted" in result["msg"]
    assert "Nothing was written" in result["msg"] and delta(lab, before)["writes"] == 0
    result = ok(lab.run(monkeypatch, BP, state="deleted"))
    assert result["commands"] == ["bounceconfig", "DELETE", "2", "Y", E]
    assert result["after"] == [DEFAULT] and result["verified"] == ["bounce_profiles"]
    assert not ok(lab.run(monkeypatch, BP, state="deleted"))["changed"]
    assert not ok(lab.run(monkeypatch, BP, state="overridden", config=[]))["changed"]
    assert gathered(lab, monkeypatch) == [DEFAULT]


def test_invalid_input_fails_before_reading(lab, monkeypatch):
    before = snapshot(lab)
    result = lab.run(monkeypatch, BP, config=[dict(name="M365", initial_retry=10)])
    assert result["failed"] and result["msg"].startswith("config[0].initial_retry: 10 is out of range 60-86400")
    assert delta(lab, before)["reads"] == {} and lab.counters()["lines_received"] == 0


def test_offline_states(lab, monkeypatch):
    rendered = ok(lab.run(monkeypatch, BP, state="rendered", config=[M365]))
    assert rendered["rendered"] == NEW_M365
    lab.run(monkeypatch, BP, config=[M365])
    lab.session.set_terminal_height(0)     # no pager
    xml = lab.session.send_line("showconfig") + lab.session.send_line("1")   # passphrases masked
    assert ok(lab.run(monkeypatch, BP, state="parsed", running_config=xml))["parsed"] == [DEFAULT, M365_AFTER]
    assert lab.counters()["config_reads"]["bounceconfig"] == 0


def test_destination_controls_use_a_profile_created_in_the_same_play(lab, monkeypatch):
    # commit: false on both, one esa_commit: the check reads the profile from this login's pending changes
    profiles = ok(lab.run(monkeypatch, BP, config=[M365], commit=False))
    control = dict(domain="example.com", bounce_profile="M365")
    result = ok(lab.run(monkeypatch, DC, config=[control], commit=False))
    assert result["changed"] is True
    missing = lab.run(monkeypatch, DC, config=[dict(domain="example.net", bounce_profile="Other")], commit=False)
    assert missing["failed"] and "'Other' not configured on the appliance (known: Default, M365)" in missing["msg"]
    committed = ok(lab.run(monkeypatch, COMMIT, pending=pending_records(profiles) + pending_records(result)))
    assert committed["committed"] is True
    assert sorted(committed["verified"]) == ["bounce_profiles", "destination_controls"]
    # and after the commit, from a new login
    lab.login()
    assert ok(lab.run(monkeypatch, DC, config=[control]))["changed"] is False
    # a profile in use is not deleted
    refused = lab.run(monkeypatch, BP, state="deleted", config=[dict(name="M365")])
    assert refused["failed"] and "M365 (destination controls of example.com)" in refused["msg"]


def test_destination_control_after_a_committed_profile_in_the_same_login(lab, monkeypatch):
    # the check reads the profiles before the profile exists, then again after this login committed it
    assert lab.run(monkeypatch, DC, config=[dict(domain="example.com", bounce_profile="M365")])["failed"]
    ok(lab.run(monkeypatch, BP, config=[M365]))
    result = ok(lab.run(monkeypatch, DC, config=[dict(domain="example.com", bounce_profile="M365")]))
    assert result["changed"] is True and result["verified"] == ["destination_controls"]
