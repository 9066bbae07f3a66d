# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's playbooks (playbooks/inbound.yml, outbound.yml, restore.yml) with the lab inventory
(inventories/lab) against the lab: step tags, the backup before the commit, the restore with loadconfig and the
tenant's accepted-domains gate. Each test reads the lab's own counters and configuration."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import stat
from types import SimpleNamespace

import pytest

from conftest import ROOT, ExoLab, _runner

INVENTORY = os.path.join(ROOT, "inventories", "lab")
DOMAINS = ["example.test", "sales.example.test"]       # secure_email_domains of inventories/lab
ACCEPTED = dict(accepted_domains=[dict(DomainName=name, DomainType="Authoritative") for name in DOMAINS])


@pytest.fixture
def site(lab, tmp_path, monkeypatch):
    """Run a playbook of the collection's playbooks/ directory with the lab inventory (inventories/lab, which
    finds the session's lab through LAB_STATE_DIR)."""
    monkeypatch.setenv("LAB_STATE_DIR", lab.state_dir)
    monkeypatch.setenv("MAILOPS_ESA_LOCK_DIR", os.path.join(lab.state_dir, "esa-locks"))
    runner = _runner(SimpleNamespace(inventory=INVENTORY), tmp_path)

    def run(name, extra_vars=None, args=(), expect_rc=0):
        return runner(os.path.join(ROOT, "playbooks", name), extra_vars, args=args, expect_rc=expect_rc)

    return run


@pytest.fixture
def backups(tmp_path):
    return str(tmp_path / "backups")


def _listener(config, name):
    return [item for item in config["listeners"] if item["name"] == name][0]


def _files(directory):
    return sorted(name for name in os.listdir(directory) if name.endswith(".xml")) if os.path.isdir(directory) else []


# -- tags -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("playbook_name,tag,shown,hidden", [
    ("inbound.yml", "S5", "S5 - route each domain to its Microsoft 365 MX host",
     ("S3 - destination controls", "S4 - accept each domain", "S2 - inbound connector")),
    ("outbound.yml", "S9", "S9 - mail flow policy relays with TLS preferred",
     ("S12 - outbound filter", "S8 - sender group", "S15 - check", "S10 - outbound connector")),
    ("inbound.yml", "S2", "S2 - inbound connector from the gateway, restricted to its IPs",
     ("S5 - route", "Commit once for the appliance", "Back up the configuration")),
])
def test_list_tasks_shows_the_step_and_what_it_needs(site, playbook_name, tag, shown, hidden):
    listing = site(playbook_name, args=("--tags", tag, "--list-tasks")).output
    assert shown in listing
    for name in hidden:
        assert name not in listing, "%s is listed for --tags %s:\n%s" % (name, tag, listing)
    if tag != "S2":
        for name in ("Commit once for the appliance", "Back up the configuration to the controller",
                     "Validate"):
            assert name in listing, "%s missing for --tags %s:\n%s" % (name, tag, listing)
    else:
        assert "Preflight - every domain of secure_email_domains is an accepted domain" in listing


def test_tag_s5_writes_only_the_route_and_commits_once(lab, site, backups):
    run = site("inbound.yml", dict(secure_email_backup_dir=backups), args=("--tags", "S5"))
    counters = lab.counters()
    assert counters["logins"] == 1 and counters["commits"] == 1
    assert counters["writes"] == len(DOMAINS), "one smtproutes NEW per domain, nothing else"
    assert counters["config_reads"]["destconfig"] == 0 and counters["config_reads"]["listenerconfig"] == 0
    config = lab.config()
    assert sorted(route["domain"] for route in config["smtp_routes"]) == DOMAINS
    assert not [entry for entry in config["destination_controls"] if entry["domain"] in DOMAINS]
    assert [entry["address"] for entry in _listener(config, "IncomingMail")["rat"]] == ["ALL"]
    assert run.task("S5 - route each domain to its Microsoft 365 MX host")["status"] == "ok"
    assert len(_files(backups)) == 1, "the step's run takes its backup"


def test_tag_tenant_touches_no_gateway(lab, site, tmp_path):
    exo = ExoLab(lab)
    exo.cli("reset")
    exo.seed(ACCEPTED, tmp_path)
    site("inbound.yml", args=("--tags", "tenant"))
    site("outbound.yml", args=("--tags", "tenant"))
    counters = lab.counters()
    assert counters["logins"] == 0 and counters["writes"] == 0 and counters["commits"] == 0
    tenant = exo.tenant()
    assert [c["Name"] for c in tenant["inbound_connectors"]] == ["Inbound from Cisco CES"]
    assert [c["Name"] for c in tenant["outbound_connectors"]] == ["Outbound to Cisco CES"]


# -- backup before change ---------------------------------------------------------------------------------------
def test_backup_costs_no_login_and_no_read(lab, site, backups):
    """The same converge with and without the backup: the same logins, commits and configuration reads."""
    site("inbound.yml", dict(secure_email_backup=False, secure_email_backup_dir=backups), args=("--tags", "gateway"))
    without = lab.counters()
    assert _files(backups) == []
    lab.cli("reset")
    site("inbound.yml", dict(secure_email_backup_dir=backups), args=("--tags", "gateway"))
    with_backup = lab.counters()
    for key in ("logins", "sessions", "commits", "writes", "config_reads"):
        assert with_backup[key] == without[key], (key, without[key], with_backup[key])
    assert with_backup["logins"] == 1 and with_backup["commits"] == 1
    assert len(_files(backups)) == 1


def test_backup_file_before_change_masked_0600_in_facts_and_output(lab, site, backups):
    run = site("inbound.yml", dict(secure_email_backup_dir=backups), args=("--tags", "gateway"))
    facts = run.task("Set the backup facts (inbound_backup_path, secure_email_last_backup)")["result"]["ansible_facts"]
    path = facts["inbound_backup_path"]
    assert facts["secure_email_last_backup"] == path and os.path.dirname(path) == backups
    assert _files(backups) == [os.path.basename(path)]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and stat.S_IMODE(os.stat(backups).st_mode) == 0o700
    text = open(path).read()
    assert "<password>*****</password>" in text, "passphrases are masked by default"
    assert "example.test" not in text, "the file holds the configuration from before the change"
    assert "Backup: %s (passphrases mask" % path in run.output, "the summary names the file"
    assert sorted(route["domain"] for route in lab.config()["smtp_routes"]) == DOMAINS


def test_outbound_backup_and_one_commit(lab, site, backups):
    run = site("outbound.yml", dict(outbound_backup_dir=backups), args=("--tags", "gateway"))   # the role's own name
    counters = lab.counters()
    assert counters["logins"] == 1 and counters["commits"] == 1
    path = run.task("Set the backup facts (outbound_backup_path, secure_email_last_backup)")["result"][
        "ansible_facts"]["outbound_backup_path"]
    assert "office365_outbound" not in open(path).read(), "taken before the S12 filter was committed"
    assert [f["name"] for f in lab.config()["filters"]] == ["office365_outbound"]


def test_noop_rerun_writes_nothing_and_takes_no_backup(lab, site, backups):
    site("inbound.yml", dict(secure_email_backup_dir=backups), args=("--tags", "gateway"))
    first = lab.counters()
    files = _files(backups)
    again = site("inbound.yml", dict(secure_email_backup_dir=backups), args=("--tags", "gateway"))
    assert again.recap["changed"] == 0
    counters = lab.counters()
    assert counters["writes"] == first["writes"] and counters["commits"] == first["commits"]
    assert _files(backups) == files, "no new backup on a run that changes nothing"
    assert "Backup: none - no step staged a change" in again.output
    # check mode: reports the file it would write, writes none
    lab.cli("reset")
    check = site("inbound.yml", dict(secure_email_backup_dir=backups), args=("--tags", "gateway", "--check"))
    assert "Backup: check mode - would save" in check.output
    assert _files(backups) == files and lab.counters()["writes"] == 0


def test_a_failed_backup_commits_nothing(lab, site, tmp_path):
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("x\n")
    run = site("inbound.yml", dict(secure_email_backup_dir=str(not_a_directory)), args=("--tags", "gateway"),
               expect_rc=2)
    assert "failed, so nothing was committed" in run.output
    counters = lab.counters()
    assert counters["commits"] == 0 and counters["lost_uncommitted"] == 1
    assert lab.config()["smtp_routes"] == []


# -- restore --------------------------------------------------------------------------------------------------------
def test_restore_with_loadconfig_brings_the_configuration_back(lab, site, backups):
    factory = lab.config()
    run = site("inbound.yml", dict(secure_email_backup_dir=backups, secure_email_backup_passphrases="encrypt"),
               args=("--tags", "gateway"))
    encrypted = run.task("Set the backup facts (inbound_backup_path, secure_email_last_backup)")["result"][
        "ansible_facts"]["inbound_backup_path"]
    changed = lab.config()
    assert changed["smtp_routes"] != factory["smtp_routes"]
    # the file goes to the appliance's /configuration (the lab's <state>/configuration; scp/ftp on an appliance)
    shutil.copy(encrypted, os.path.join(lab.state_dir, "configuration", "esa1-before.xml"))
    commits = lab.counters()["commits"]
    restore = site("restore.yml", dict(restore_file="esa1-before.xml", secure_email_backup_dir=backups))
    assert "Restored from /configuration/esa1-before.xml and committed." in restore.output
    restored = lab.config()
    for table in ("smtp_routes", "destination_controls", "listeners", "filters", "ssl"):
        assert restored[table] == factory[table], table
    assert lab.counters()["commits"] == commits + 1
    # the configuration before the restore was backed up too
    assert len(_files(backups)) == 2

    # a masked backup is refused by loadconfig, and nothing changes
    run = site("inbound.yml", dict(secure_email_backup_dir=backups), args=("--tags", "gateway"))
    masked = run.task("Set the backup facts (inbound_backup_path, secure_email_last_backup)")["result"][
        "ansible_facts"]["inbound_backup_path"]
    shutil.copy(masked, os.path.join(lab.state_dir, "configuration", "esa1-masked.xml"))
    before = lab.config()
    commits = lab.counters()["commits"]
    refused = site("restore.yml", dict(restore_file="esa1-masked.xml", secure_email_backup=False), expect_rc=2)
    assert "Parsing failed: the file has masked passphrases" in refused.output
    assert lab.config() == before and lab.counters()["commits"] == commits


def test_restore_refuses_a_bad_file_name_before_login(lab, site):
    run = site("restore.yml", dict(restore_file="../etc/passwd"), expect_rc=2)
    assert "restore_file:" in run.output and lab.counters()["logins"] == 0


# -- accepted domains ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("check", [False, True], ids=["converge", "check"])
def test_accepted_domains_gate_names_the_missing_domain_before_any_write(lab, site, tmp_path, check):
    exo = ExoLab(lab)
    exo.cli("reset")
    # the tenant accepts example.test only (the lab's factory tenant accepts both domains of the lab inventory)
    exo.seed(dict(accepted_domains=ACCEPTED["accepted_domains"][:1]), tmp_path, replace=True)
    args = ("--tags", "tenant") + (("--check",) if check else ())
    run = site("inbound.yml", args=args, expect_rc=2)
    message = run.task("Preflight - every domain of secure_email_domains is an accepted domain of the tenant")[
        "result"]["msg"]
    assert message.startswith("Not accepted domains of the tenant: sales.example.test."), message
    assert exo.counters()["writes"] == 0 and exo.tenant()["inbound_connectors"] == []
    # accepted: the gate passes and S2 runs
    exo.seed(ACCEPTED, tmp_path)
    site("inbound.yml", args=args)
    assert (exo.tenant()["inbound_connectors"] == []) is check
    # the gate can be turned off
    exo.cli("reset")
    site("inbound.yml", dict(inbound_check_accepted_domains=False), args=("--tags", "tenant", "--check"))
