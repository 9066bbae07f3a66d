# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""esa_smtp_routes, esa_commit and esa_command against the lab, over SSH (network_cli, libssh)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

M365 = "example-com.mail.protection.outlook.com"
ROUTES = [
    dict(domain="example.com", destinations=[dict(host=M365, port=25)]),
    dict(domain=".example.net", destinations=[dict(host="relay1.example.net", priority=10),
                                              dict(host="relay2.example.net", port=2525, priority=20)]),
]
EXPECTED = {
    "example.com": [M365 + ":25"],
    ".example.net": ["relay1.example.net/pri=10", "relay2.example.net:2525/pri=20"],
}


def test_create_then_idempotent(lab, playbook):
    first = playbook("routes.yml", dict(routes=ROUTES))
    assert first.recap["changed"] == 1
    assert first.task("Routes")["result"]["committed"] is True
    assert lab.route_map() == EXPECTED
    after_first = lab.counters()
    assert after_first["commits"] == 1
    assert after_first["writes"] == 2

    second = playbook("routes.yml", dict(routes=ROUTES))
    assert second.recap["changed"] == 0
    assert second.task("Routes")["result"]["changed"] is False
    after_second = lab.counters()
    assert after_second["commits"] == 1, "a no-op run must not commit"
    assert after_second["writes"] == 2, "a no-op run must not write"
    assert after_second["logins"] == after_first["logins"] + 1


def test_check_mode_makes_no_write(lab, playbook):
    run = playbook("routes.yml", dict(routes=ROUTES), check=True, diff=True)
    result = run.task("Routes")["result"]
    assert result["changed"] is True
    assert result["commands"][:5] == ["smtproutes", "NEW", "example.com", M365 + ":25", "N"]
    counters = lab.counters()
    assert counters["writes"] == 0 and counters["commits"] == 0
    assert lab.routes() == []


def test_diff_shows_before_and_after(lab, playbook):
    playbook("routes.yml", dict(routes=ROUTES[:1]))
    changed = [dict(domain="example.com", destinations=[dict(host="backup.example.com", port=25)])]
    run = playbook("routes.yml", dict(routes=changed, route_state="replaced"), diff=True)
    diff = run.task("Routes")["result"]["diff"]
    assert diff["before"] == {"example.com": [M365 + ":25"]}
    assert diff["after"] == {"example.com": ["backup.example.com:25"]}
    assert "backup.example.com:25" in run.output
    assert lab.route_map() == {"example.com": ["backup.example.com:25"]}


def test_merged_adds_destinations_replaced_sets_them(lab, playbook):
    playbook("routes.yml", dict(routes=ROUTES[:1]))
    extra = [dict(domain="example.com", destinations=[dict(host="backup.example.com", priority=50)])]
    playbook("routes.yml", dict(routes=extra, route_state="merged"))
    assert lab.route_map() == {"example.com": sorted([M365 + ":25", "backup.example.com/pri=50"])}
    playbook("routes.yml", dict(routes=extra, route_state="replaced"))
    assert lab.route_map() == {"example.com": ["backup.example.com/pri=50"]}


def test_overridden_removes_undeclared_but_keeps_all(lab, playbook):
    default = [dict(domain="ALL", destinations=[dict(host="USEDNS")])]
    playbook("routes.yml", dict(routes=ROUTES + default))
    assert set(lab.route_map()) == {"example.com", ".example.net", "ALL"}
    run = playbook("routes.yml", dict(routes=ROUTES[:1], route_state="overridden"))
    assert run.recap["changed"] == 1
    assert lab.route_map() == {"example.com": [M365 + ":25"], "ALL": ["USEDNS"]}
    # ALL goes only when declared
    playbook("routes.yml", dict(routes=default, route_state="deleted"))
    assert lab.route_map() == {"example.com": [M365 + ":25"]}


def test_deleted_and_gathered(lab, playbook):
    playbook("routes.yml", dict(routes=ROUTES))
    playbook("routes.yml", dict(routes=[dict(domain="example.com", destinations=[dict(host="x.example")])], route_state="deleted"))
    assert set(lab.route_map()) == {".example.net"}
    gathered = playbook("routes.yml", dict(route_state="gathered")).task("Routes")["result"]["gathered"]
    assert [r["domain"] for r in gathered] == [".example.net"]
    assert gathered[0]["destinations"][1] == dict(host="relay2.example.net", port=2525, priority=20)


def test_bad_destination_fails_before_any_write(lab, playbook):
    bad = [dict(domain="example.com", destinations=[dict(host="bad host!", port=25)])]
    run = playbook("routes.yml", dict(routes=bad), expect_rc=2)
    msg = run.task("Routes")["result"]["msg"]
    assert "config[0].destinations[0].host" in msg and "not a valid hostname" in msg
    counters = lab.counters()
    assert counters["writes"] == 0 and counters["commits"] == 0
    assert counters["logins"] == 0, "validation happens before connecting"


def test_drop_mid_dialogue_leaves_nothing_committed(lab, playbook):
    # login, smtproutes, PRINT, leave, smtproutes, NEW, domain ... : drop inside the NEW wizard
    lab.cli("fault", "--drop-after-lines", "7", "--sessions", "1")
    run = playbook("routes.yml", dict(routes=ROUTES), expect_rc=2)
    assert run.recap["failed"] == 1
    counters = lab.counters()
    assert counters["commits"] == 0
    assert lab.routes() == []
    lab.cli("fault", "--clear")
    again = playbook("routes.yml", dict(routes=ROUTES))
    assert again.recap["changed"] == 1
    assert lab.route_map() == EXPECTED
    assert lab.counters()["commits"] == 1


def test_three_tasks_one_login_one_commit(lab, playbook):
    run = playbook("three_then_commit.yml")
    assert run.task("Commit")["result"]["committed"] is True
    assert len(run.task("Commit")["result"]["pending_changes"]) == 3
    counters = lab.counters()
    assert counters["logins"] == 1
    assert counters["commits"] == 1
    assert counters["writes"] == 3
    assert set(lab.route_map()) == {"one.example", "two.example", "three.example"}


def test_commit_fails_loudly_when_pending_changes_were_lost(lab, playbook):
    run = playbook("three_reset_commit.yml", expect_rc=2)
    result = run.task("Commit")["result"]
    assert "lost with the connection" in result["msg"]
    assert len(result["lost_changes"]) == 3
    assert lab.counters()["commits"] == 0
    assert lab.routes() == []


def test_command_read_only_by_default(lab, playbook):
    run = playbook("command.yml", dict(esa_commands=["version", dict(command="smtproutes", answers=[
        dict(prompt="Choose the operation", answer=["PRINT", ""])])]))
    stdout = run.task("Commands")["result"]["stdout"]
    assert "C100V" in stdout[0]
    refused = playbook("command.yml", dict(esa_commands=["commit"]), expect_rc=2)
    assert "not known to be read-only" in refused.task("Commands")["result"]["msg"]
    refused = playbook("command.yml", dict(esa_commands=[dict(command="smtproutes", answers=[
        dict(prompt="Choose the operation", answer=["CLEAR", ""])])]), expect_rc=2)
    assert "may change configuration" in refused.task("Commands")["result"]["msg"]
    assert lab.counters()["writes"] == 0


def test_long_listing_without_and_with_the_pager(lab, playbook):
    """The terminal plugin sends `setttymode 0 1` after login (as Cisco's CLI test library does), so 60 routes are
    read with no pager key; on an appliance that keeps paging (the lab fault) the same routes are read through the
    pager, with the same result: nothing relies on the undocumented command."""
    many = [dict(domain="d%02d.example.org" % index, destinations=[dict(host="relay.example.org", port=25)])
            for index in range(60)]
    lab.cli("seed", "--level", "local", "--table", "smtp_routes", "--json",
            json.dumps([dict(domain=item["domain"], destinations=["relay.example.org:25"]) for item in many]))
    before = lab.counters()
    quiet = playbook("routes.yml", dict(routes=many))
    assert quiet.recap["changed"] == 0
    after_quiet = lab.counters()
    assert after_quiet["pager_keys"] == before["pager_keys"]
    lab.cli("fault", "--ttymode-ignored")
    paged = playbook("routes.yml", dict(routes=many))
    assert paged.recap["changed"] == 0
    after_paged = lab.counters()
    assert after_paged["pager_keys"] - after_quiet["pager_keys"] >= 60 // 23
    assert after_paged["writes"] == before["writes"] and after_paged["commits"] == before["commits"]
    # a write through a paging session (from 12.0 the pager also interrupts dialogues)
    more = many + [dict(domain="new.example.org", destinations=[dict(host="relay.example.org", port=25)])]
    written = playbook("routes.yml", dict(routes=more))
    assert written.recap["changed"] == 1
    assert lab.route_map()["new.example.org"] == ["relay.example.org:25"] and len(lab.routes()) == 61
    assert lab.counters()["pager_keys"] > after_paged["pager_keys"]
    lab.cli("fault", "--no-ttymode-ignored")
