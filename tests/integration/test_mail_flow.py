# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mail_flow_test against the lab (issue 17, guide steps S7 and S13): real ansible-playbook runs after the inbound
and outbound roles converged a lab of its own (the simulated ESA, Exchange Online and BIND, with the lab's mail flow:
docs/mail-flow.md "Exchange side" and "End to end").

The lab is converged once for the module; each fault test seeds one fault, runs the probe and restores the object:

* the probes pass after the converge, and the bypass probe is refused by the inbound connector's restriction;
* no RAT entry for the domain: the inbound probe stops at the gateway (gateway-accept, 550);
* a wrong secret in the Exchange rule: the outbound probe stops at the gateway (gateway-tracking, dropped by the
  S12 filter);
* the connector without its restriction: the bypass probe is accepted and the task fails naming the connector.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from conftest import PLAYBOOKS, ROOT, Lab, _runner

INVENTORY = os.path.join(ROOT, "inventories", "lab")
RECIPIENT = "bob@example.test"
SENDER = "alice@example.test"
OUTSIDE = "someone@internet.example"
NOT_GATEWAY = "203.0.113.50"
SECRET_VALUE_KEYS = ("exo_client_secret", "password")


def _probe_task(name, probe, **extra):
    args = dict(probe=probe, recipient=extra.pop("recipient", RECIPIENT), timeout=30, interval=1,
                gateway="{{ probe_gateway }}", tenant="{{ probe_tenant }}")
    args.update(extra)
    return {"name": name, "mailops.secure_email.mail_flow_test": args, "register": "result", "ignore_errors": True}


PLAY_VARS = {
    "probe_gateway": {"smtp_host": "127.0.0.1", "smtp_port": "{{ lab.esa.smtp_port }}", "api_host": "127.0.0.1",
                      "api_port": "{{ lab.esa.api_port }}", "api_password": "{{ lab.esa.password }}",
                      "api_ca_path": "{{ lab.esa.api_ca_path }}"},
    "probe_tenant": {"tenant_id": "{{ exo_tenant_id }}", "client_id": "{{ exo_client_id }}",
                     "client_secret": "{{ exo_client_secret }}", "base_url": "{{ exo_base_url }}",
                     "authority": "{{ exo_authority }}", "ca_path": "{{ exo_ca_path }}",
                     "graph_url": "{{ lab.exo.exo_graph_url }}", "smtp_host": "127.0.0.1",
                     "smtp_port": "{{ lab.exo.exo_smtp_port }}"},
}

TASKS = {
    "inbound": _probe_task("probe inbound", "inbound", smtp_client_ip="198.18.0.7"),
    "outbound": _probe_task("probe outbound", "outbound", sender=SENDER, recipient=OUTSIDE),
    "bypass": _probe_task("probe bypass", "bypass", smtp_client_ip=NOT_GATEWAY),
}


class MailLab(object):
    def __init__(self, lab, tmp_path):
        self.lab = lab
        self.state_dir = lab.state_dir
        self.tmp_path = tmp_path
        self.inventory = INVENTORY
        self.runner = _runner(self, tmp_path)
        self.count = 0

    def probe(self, *kinds, **options):
        """Run the probes in one play; returns ({kind: result}, the run)."""
        self.count += 1
        path = self.tmp_path / ("probes-%d.yml" % self.count)
        path.write_text(json.dumps([{"hosts": "tenant1", "gather_facts": False, "vars": PLAY_VARS,
                                     "tasks": [TASKS[kind] for kind in kinds]}]))
        run = self.runner(str(path), check=options.get("check", False))
        results = {}
        for kind in kinds:
            record = run.task("probe " + kind)
            results[kind] = dict(record["result"], task_status=record["status"])
        for value in self.secrets():
            assert value not in run.output, "a secret reached the output"
        return results, run

    def secrets(self):
        with open(os.path.join(self.state_dir, "lab_vars.json")) as handle:
            data = json.load(handle)
        return [data["esa"]["password"], data["exo"]["exo_client_secret"]]

    def exo_config(self):
        return json.loads(self.lab.cli("exo", "config"))["exo"]

    def exo_seed(self, data):
        self.lab.cli("exo", "seed", "--json", json.dumps(data))


@pytest.fixture(scope="module")
def mail_lab(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("mail-flow")
    lab = Lab(str(tmp_path / "state"))
    lab.cli("up", "--esa-port", "0", "--dns-port", "0")
    old = os.environ.get("LAB_STATE_DIR")
    os.environ["LAB_STATE_DIR"] = lab.state_dir   # inventories/lab reads the lab's endpoints from it
    try:
        mail = MailLab(lab, tmp_path)
        run = mail.runner(os.path.join(PLAYBOOKS, "remove_converge.yml"),
                          {"secure_email_backup_dir": str(tmp_path / "backups")})
        assert run.recap["failed"] == 0
        yield mail
    finally:
        if old is None:
            os.environ.pop("LAB_STATE_DIR", None)
        else:
            os.environ["LAB_STATE_DIR"] = old
        lab.cli("down")


def test_probes_pass_after_converge_and_the_bypass_is_refused(mail_lab):
    results, run = mail_lab.probe("inbound", "outbound", "bypass")
    for kind in ("inbound", "outbound", "bypass"):
        result = results[kind]
        assert result["passed"] is True and result["failed_hop"] is None, (kind, result)
        assert result["task_status"] == "ok"
        assert result["changed"] is False and result["probe_id"]
    assert [h["name"] for h in results["inbound"]["hops"]] == ["gateway-accept", "gateway-tracking", "tenant-trace"]
    assert "from 198.51.100.105" in results["inbound"]["hops"][2]["detail"]
    assert [h["name"] for h in results["outbound"]["hops"]] == ["tenant-submit", "tenant-trace", "gateway-tracking"]
    assert "via connector Outbound to Cisco CES" in results["outbound"]["hops"][1]["detail"]
    refused = results["bypass"]["hops"][0]["detail"]
    assert refused.startswith("refused 550") and "Inbound from Cisco CES" in refused
    assert "mail_flow_test inbound: gateway-tracking: passed" in run.output     # progress lines
    # the outbound probe reached the internet sink, without the secret header
    with open(os.path.join(mail_lab.state_dir, "sink_messages.jsonl")) as handle:
        sunk = [json.loads(line) for line in handle if line.strip()]
    mine = [m for m in sunk if results["outbound"]["probe_id"] in (m.get("subject") or "")]
    assert len(mine) == 1
    assert "x-outbound-auth" not in [name.lower() for name, _value in mine[0]["headers"]]


def test_missing_rat_entry_stops_inbound_at_the_gateway(mail_lab):
    listeners = mail_lab.lab.config()["listeners"]
    saved = json.loads(json.dumps(listeners))
    incoming = [item for item in listeners if item["name"] == "IncomingMail"][0]
    incoming["rat"] = [entry for entry in incoming["rat"] if entry["address"] != "example.test"]
    mail_lab.lab.cli("seed", "--level", "local", "--table", "listeners", "--json", json.dumps(listeners))
    try:
        results, _run = mail_lab.probe("inbound")
    finally:
        mail_lab.lab.cli("seed", "--level", "local", "--table", "listeners", "--json", json.dumps(saved))
    result = results["inbound"]
    assert result["task_status"] == "failed" and result["passed"] is False, result
    assert result["failed_hop"] == "gateway-accept"
    assert result["msg"].startswith("hop gateway-accept: refused 550"), result["msg"]


def test_wrong_secret_in_the_exchange_rule_stops_outbound_at_the_gateway(mail_lab):
    rule = [r for r in mail_lab.exo_config()["transport_rules"] if r["Name"] == "Outbound to Cisco CES"][0]
    wrong = dict(rule, SetHeaderValue="not-the-secret")
    mail_lab.exo_seed({"transport_rules": [wrong]})
    try:
        results, _run = mail_lab.probe("outbound")
    finally:
        mail_lab.exo_seed({"transport_rules": [rule]})
    result = results["outbound"]
    assert result["task_status"] == "failed" and result["failed_hop"] == "gateway-tracking", result
    assert result["msg"].startswith("hop gateway-tracking: message ")
    assert result["msg"].endswith("Dropped by filter office365_outbound"), result["msg"]
    assert [h["status"] for h in result["hops"]] == ["passed", "passed", "failed"]


def test_unrestricted_connector_lets_the_bypass_in_and_fails_naming_it(mail_lab):
    connector = [c for c in mail_lab.exo_config()["inbound_connectors"] if c["Name"] == "Inbound from Cisco CES"][0]
    mail_lab.exo_seed({"inbound_connectors": [dict(connector, RestrictDomainsToIPAddresses=False)]})
    try:
        results, _run = mail_lab.probe("bypass")
    finally:
        mail_lab.exo_seed({"inbound_connectors": [connector]})
    result = results["bypass"]
    assert result["task_status"] == "failed" and result["failed_hop"] == "tenant-refuse"
    assert "the tenant accepted the probe from %s" % NOT_GATEWAY in result["msg"]
    assert "'Inbound from Cisco CES' has no connector restriction" in result["msg"], result["msg"]


def test_check_mode_sends_nothing(mail_lab):
    before = len(mail_lab.exo_config()["message_trace"])
    results, _run = mail_lab.probe("inbound", "bypass", check=True)
    for result in results.values():
        assert result["task_status"] == "skipped" and result["changed"] is False and result["hops"] == []
    assert len(mail_lab.exo_config()["message_trace"]) == before
