# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Destination controls, RAT, esa_info, esa_config_backup and cluster levels against the lab over SSH."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os

import pytest

DC = [dict(domain="example.com", concurrency_limit=10, messages_per_connection=20, tls="on")]
RAT = [dict(address="example.com", action="accept"),
       dict(address=".example.net", action="reject", smtp_response=dict(code=550, text="Not here"))]


def _dc(lab, domain):
    return [e for e in lab.config()["destination_controls"] if e["domain"] == domain]


def _rat(lab, listener="IncomingMail"):
    return [l for l in lab.config()["listeners"] if l["name"] == listener][0]["rat"]


def test_destination_controls_converge_idempotent_check_diff(lab, playbook):
    check = playbook("destination_controls.yml", dict(entries=DC), check=True, diff=True)
    assert check.task("Destination controls")["result"]["changed"] is True
    assert lab.counters()["writes"] == 0 and _dc(lab, "example.com") == []
    first = playbook("destination_controls.yml", dict(entries=DC), diff=True)
    diff = first.task("Destination controls")["result"]["diff"]
    assert "example.com" not in diff["before"]
    assert diff["after"]["example.com"]["concurrency_limit"] == 10
    entry = _dc(lab, "example.com")[0]
    assert (entry["concurrency_limit"], entry["max_messages_per_connection"], entry["tls"]) == (10, 20, "on")
    assert lab.counters()["commits"] == 1
    second = playbook("destination_controls.yml", dict(entries=DC))
    assert second.recap["changed"] == 0 and lab.counters()["commits"] == 1 and lab.counters()["writes"] == 1


def test_rat_converge_idempotent_check_diff(lab, playbook):
    playbook("recipient_access.yml", dict(entries=RAT), check=True)
    assert lab.counters()["writes"] == 0
    first = playbook("recipient_access.yml", dict(entries=RAT), diff=True)
    diff = first.task("RAT")["result"]["diff"]
    assert set(diff["after"]) == {"example.com", ".example.net", "ALL"} and set(diff["before"]) == {"ALL"}
    rat = _rat(lab)
    assert [(e["address"], e["action"].lower()) for e in rat] == [("example.com", "accept"), (".example.net", "reject"), ("ALL", "reject")]
    assert rat[1]["smtp_response_code"] == 550 and rat[1]["smtp_response_text"] == "Not here"
    assert playbook("recipient_access.yml", dict(entries=RAT)).recap["changed"] == 0
    assert lab.counters()["commits"] == 1


def test_rat_overridden_needs_confirmation(lab, playbook):
    run = playbook("recipient_access.yml", dict(entries=RAT[:1], rat_state="overridden"), expect_rc=2)
    assert "confirm_overridden" in run.task("RAT")["result"]["msg"]
    assert lab.counters()["logins"] == 0 and lab.counters()["writes"] == 0
    playbook("recipient_access.yml", dict(entries=RAT))
    playbook("recipient_access.yml", dict(entries=RAT[:1], rat_state="overridden", confirm=True))
    assert [e["address"] for e in _rat(lab)] == ["example.com", "ALL"]


@pytest.mark.parametrize("playbook_name,extra,message", [
    ("destination_controls.yml", dict(entries=[dict(domain="example.com", concurrency_limit=0)]),
     "config[0].concurrency_limit: 0 is out of range 1-1000"),
    ("destination_controls.yml", dict(entries=[dict(domain="example.com", concurrency_limit=1001)]),
     "config[0].concurrency_limit: 1001 is out of range 1-1000"),
    ("destination_controls.yml", dict(entries=[dict(domain="example.com", bounce_profile="NoSuchProfile")]),
     "'NoSuchProfile' not configured on the appliance"),
    ("recipient_access.yml", dict(listener="NoSuchListener", entries=RAT), "listener: 'NoSuchListener' not found"),
    ("recipient_access.yml", dict(entries=[dict(address="bad address@@")]), "config[0].address"),
])
def test_bad_input_fails_before_any_write(lab, playbook, playbook_name, extra, message):
    run = playbook(playbook_name, extra, expect_rc=2)
    result = run.records[-1]["result"]
    assert message in result["msg"], result["msg"]
    counters = lab.counters()
    assert counters["writes"] == 0 and counters["commits"] == 0


def test_info_matches_the_lab_and_backup_verifies(lab, playbook, tmp_path):
    playbook("inbound.yml", dict(domain="example.com"))
    backups = tmp_path / "backups"
    run = playbook("info_backup.yml", dict(backup_dir=str(backups)))
    facts = run.task("Facts")["result"]["esa"]
    config = lab.config()
    # the version the lab's release profile announces (python -m lab up --release, env LAB_RELEASE)
    announced = json.loads(lab.cli("status", "--json"))["esa"]["version"]
    assert facts["hostname"] == "esa1.lab" and facts["version"] == announced and facts["cluster"] is None
    assert [l["name"] for l in facts["listeners"]] == [l["name"] for l in config["listeners"]]
    routes = [(r["domain"], [d["host"] + ":" + str(d["port"]) for d in r["destinations"]]) for r in facts["smtp_routes"]]
    assert routes == [(r["domain"], r["destinations"]) for r in config["smtp_routes"]]
    assert [e["address"] for e in facts["recipient_access"]["IncomingMail"]] == [e["address"] for e in _rat(lab)]
    assert [e["domain"] for e in facts["destination_controls"]] == [e["domain"] for e in config["destination_controls"]]
    backup = run.task("Backup")["result"]
    assert backup["changed"] is True and os.path.dirname(backup["path"]) == str(backups)
    data = open(backup["path"], "rb").read()
    assert hashlib.sha256(data).hexdigest() == backup["checksum"]
    assert open(backup["path"] + ".sha256").read().split()[0] == backup["checksum"]
    assert b"<smtp_routes>" in data and b"<password>*****</password>" in data, "passphrases are masked"
    again = playbook("info_backup.yml", dict(backup_dir=str(backups)))
    assert again.task("Backup")["result"]["changed"] is False
    assert lab.counters()["writes"] == 3, "info and backup write nothing"


def test_inbound_s3_s5_one_commit_then_noop(lab, playbook):
    first = playbook("inbound.yml", dict(domain="example.com"))
    assert first.recap["changed"] == 4
    counters = lab.counters()
    assert counters["commits"] == 1 and counters["logins"] == 1 and counters["writes"] == 3
    assert lab.route_map() == {"example.com": ["example-com.mail.protection.outlook.com:25"]}
    second = playbook("inbound.yml", dict(domain="example.com"))
    assert second.recap["changed"] == 0
    assert lab.counters()["commits"] == 1 and lab.counters()["writes"] == 3


def test_inbound_on_a_cluster(cluster_lab, cluster_playbook):
    first = cluster_playbook("inbound.yml", dict(domain="example.com", cluster_mode="cluster"))
    assert first.recap["failed"] == 0
    assert cluster_lab.counters()["commits"] == 1
    levels = cluster_lab.layers()["table_levels"]
    assert levels["smtp_routes"] == ["cluster"] and levels["destination_controls"] == ["cluster"]
    assert cluster_playbook("inbound.yml", dict(domain="example.com", cluster_mode="cluster")).recap["changed"] == 0


def test_cluster_machine_override_only_when_asked(cluster_lab, cluster_playbook):
    entries = [dict(domain="example.com", concurrency_limit=5)]
    refused = cluster_playbook("destination_controls.yml", dict(entries=entries, cluster_mode="machine:esa1.lab"), expect_rc=2)
    msg = refused.task("Destination controls")["result"]["msg"]
    assert "inherited from Cluster ESA-CL" in msg and "create_override" in msg
    assert cluster_lab.counters()["writes"] == 0
    assert cluster_lab.layers()["table_levels"]["destination_controls"] == ["cluster"]

    # an existing cluster-level setting edited in cluster mode stays at cluster level
    cluster_playbook("destination_controls.yml", dict(entries=entries, cluster_mode="cluster"))
    assert cluster_lab.layers()["table_levels"]["destination_controls"] == ["cluster"]

    # a machine-level override, only when asked
    override = [dict(domain="example.com", concurrency_limit=7)]
    cluster_playbook("destination_controls.yml", dict(entries=override, cluster_mode="machine:esa1.lab", create_override=True))
    levels = cluster_lab.layers()["table_levels"]["destination_controls"]
    assert "machine:esa1.lab" in levels and "cluster" in levels
    again = cluster_playbook("destination_controls.yml", dict(entries=override, cluster_mode="machine:esa1.lab", create_override=True))
    assert again.recap["changed"] == 0
