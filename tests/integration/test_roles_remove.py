# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Removal of what the inbound and outbound roles created (issue 14, build item 4): playbooks/remove.yml and the
roles' remove_gateway / remove_tenant entry points against the lab - the simulated ESA over SSH, the simulated
Exchange Online over HTTPS and the lab's BIND - with the repository's lab inventory (inventories/lab).

What is proven by reading the lab back (its counters and its configuration), not by the play's own report: check
mode writes nothing and shows a diff; the removal takes away exactly the roles' objects, in the safe order, with one
commit per appliance; a second removal changes and writes nothing; the removal is refused, with nothing written, while
a domain's MX still points at the gateway; unrelated objects survive.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from conftest import PLAYBOOKS, ROOT, _runner

dns = pytest.importorskip("dns")

import dns.query  # noqa: E402
import dns.tsigkeyring  # noqa: E402
import dns.update  # noqa: E402

INVENTORY = os.path.join(ROOT, "inventories", "lab")
REPO_PLAYBOOKS = os.path.join(ROOT, "playbooks")
DOMAINS = ["example.test", "sales.example.test"]
GATEWAY_MX = ["10 mx1.hc4321-12.iphmx.com.", "20 mx2.hc4321-12.iphmx.com."]


class Lab(object):
    """The session's lab (conftest's lab_server) seen through the repository's lab inventory."""

    def __init__(self, lab, tmp_path):
        self.lab = lab
        self.tmp_path = tmp_path
        self.inventory = INVENTORY      # for conftest's runner: the repository's inventory, not the lab's own
        with open(os.path.join(lab.state_dir, "lab_vars.json")) as handle:
            self.dns = json.load(handle)["dns"]
        self.runner = _runner(self, tmp_path)

    def run(self, playbook, extra_vars=None, **kwargs):
        """Run ``playbook`` (a path) with the lab's variables for these tests and ``extra_vars``."""
        variables = dict(
            inbound_remove_nameservers=["%s:%s" % (self.dns["server"], self.dns["port"])],
            secure_email_backup_dir=str(self.tmp_path / "backups"),
        )
        variables.update(extra_vars or {})
        return self.runner(playbook, variables, **kwargs)

    def converge(self):
        run = self.run(os.path.join(PLAYBOOKS, "remove_converge.yml"))
        assert run.recap["failed"] == 0
        return run

    def remove(self, **kwargs):
        return self.run(os.path.join(REPO_PLAYBOOKS, "remove.yml"), **kwargs)

    def writes(self):
        """(ESA writes, ESA commits, Exchange writes) counted by the lab."""
        esa = self.lab.counters()
        exo = json.loads(self.lab.cli("exo", "status", "--json"))["exo"]["counters"]
        return esa["writes"], esa["commits"], exo["writes"]

    def gateway(self):
        """What the appliance holds, in the terms of the roles' objects."""
        config = self.lab.config()
        listeners = dict((item["name"], item) for item in config["listeners"])
        outgoing = listeners["OutgoingMail"]["hat"]
        return dict(
            rat=[entry["address"] for entry in listeners["IncomingMail"]["rat"]],
            routes=sorted(route["domain"] for route in config["smtp_routes"]),
            controls=sorted(entry["domain"] for entry in config["destination_controls"]),
            groups=[group["name"] for group in outgoing["sender_groups"]],
            policies=[policy["name"] for policy in outgoing["policies"]],
            filters=[item["name"] for item in config["filters"]],
        )

    def tenant(self):
        tenant = json.loads(self.lab.cli("exo", "config"))["exo"]
        return dict((kind, sorted(item["Name"] for item in tenant[kind]))
                    for kind in ("inbound_connectors", "outbound_connectors", "transport_rules"))

    def set_mx(self, domain, values):
        keyring = dns.tsigkeyring.from_text({self.dns["key_name"]: self.dns["key_secret"]})
        update = dns.update.Update(self.dns["zone"], keyring=keyring, keyalgorithm=self.dns["key_algorithm"])
        update.replace(domain + ".", 300, "MX", *values)
        response = dns.query.tcp(update, self.dns["server"], port=int(self.dns["port"]), timeout=5)
        assert response.rcode() == 0, response


@pytest.fixture
def rig(lab, tmp_path, monkeypatch):
    lab.cli("dns", "reset")     # the zone as the lab starts it: every domain's MX on Exchange Online
    # inventories/lab reads the lab's endpoints from LAB_STATE_DIR; the write lock lives next to the lab
    monkeypatch.setenv("LAB_STATE_DIR", lab.state_dir)
    monkeypatch.setenv("MAILOPS_ESA_LOCK_DIR", os.path.join(lab.state_dir, "esa-locks"))
    yield Lab(lab, tmp_path)
    lab.cli("dns", "reset")     # later tests of this worker find the zone as the lab starts it


ROLE_GATEWAY = dict(rat=DOMAINS, routes=DOMAINS, controls=DOMAINS, groups=["RELAY_O365"], filters=["office365_outbound"])
ROLE_TENANT = dict(inbound_connectors=["Inbound from Cisco CES"], outbound_connectors=["Outbound to Cisco CES"],
                   transport_rules=["Outbound to Cisco CES"])


def _present(have, wanted):
    """The objects of ``wanted`` ({kind: [names]}) that ``have`` holds."""
    return dict((kind, sorted(set(names) & set(have[kind]))) for kind, names in wanted.items())


def _changed_tasks(run, host=None):
    return [r["task"].split(" : ", 1)[-1] for r in run.records
            if r["status"] == "ok" and r["result"].get("changed") and (host is None or r["host"] == host)]


def test_check_mode_then_remove_then_noop_and_unrelated_objects_survive(rig):
    rig.run(os.path.join(PLAYBOOKS, "remove_seed_others.yml"))
    rig.converge()
    gateway, tenant = rig.gateway(), rig.tenant()
    assert _present(gateway, ROLE_GATEWAY) == dict((k, sorted(v)) for k, v in ROLE_GATEWAY.items())
    assert _present(tenant, ROLE_TENANT) == ROLE_TENANT
    before = rig.writes()

    # Check mode: every removal planned, with a diff, and nothing written on either side.
    plan = rig.remove(check=True, diff=True)
    assert rig.writes() == before, "check mode wrote"
    assert rig.gateway() == gateway and rig.tenant() == tenant
    planned = _changed_tasks(plan)
    for step in ("S11 - ", "S10 - ", "S8 - ", "S12 - ", "S4 - ", "S5 - ", "S3 - ", "S2 - "):
        assert [t for t in planned if t.startswith(step)], (step, planned)
    assert '-    "RELAY_O365": {' in plan.output and '-    "example.test": [' in plan.output
    assert '"name": "Inbound from Cisco CES"' in plan.output           # the connector's diff
    assert "Lab-Outbound-Secret-4711" not in plan.output               # the secret stays masked in the diffs
    # No loops over the domains: every module ran once per host, whatever the number of domains.
    assert not [r["task"] for r in plan.records if isinstance(r["result"].get("results"), list)]

    # The removal: the roles' objects are gone on both sides, in one commit, in the safe order.
    first = rig.remove()
    esa_writes, commits, exo_writes = rig.writes()
    assert commits == before[1] + 1, "one commit for the appliance"
    assert esa_writes > before[0] and exo_writes == before[2] + 3       # S11, S10, S2 (no S1 rule was created)
    gateway_after, tenant_after = rig.gateway(), rig.tenant()
    assert _present(gateway_after, ROLE_GATEWAY) == dict((k, []) for k in ROLE_GATEWAY)
    assert _present(tenant_after, ROLE_TENANT) == dict((k, []) for k in ROLE_TENANT)
    order = _changed_tasks(first)
    steps = [name.split(" - ", 1)[0] for name in order if name[:1] == "S"]
    assert steps == ["S11", "S10", "S8", "S12", "S4", "S5", "S3", "S2"], order
    assert order.index("Commit once for the appliance") > order.index("S3 - remove the destination controls of the domains")

    # Unrelated objects: untouched.
    assert "other.example" in gateway_after["rat"] and ".other.example" in gateway_after["rat"]
    assert gateway_after["rat"][-1] == "ALL"
    assert gateway_after["routes"] == ["other.example"]
    assert "other.example" in gateway_after["controls"]
    assert gateway_after["groups"] == ["RELAYLIST", "OTHER_RELAY", "ALL"]
    assert gateway_after["policies"] == gateway["policies"]             # RELAYED stays (outbound_remove_policy false)
    assert gateway_after["filters"] == ["other_footer"]
    assert tenant_after == dict(inbound_connectors=["Inbound from a partner"],
                                outbound_connectors=["Outbound to a partner"],
                                transport_rules=["Tag mail to the partner"])

    # Again: nothing to remove, nothing changed, nothing written.
    after = rig.writes()
    second = rig.remove()
    assert second.recap["changed"] == 0, _changed_tasks(second)
    assert rig.writes() == after
    assert rig.gateway() == gateway_after and rig.tenant() == tenant_after


def test_refused_while_an_mx_points_at_the_gateway_nothing_written(rig):
    rig.converge()
    rig.set_mx("sales.example.test", GATEWAY_MX)
    gateway, tenant, before = rig.gateway(), rig.tenant(), rig.writes()

    refused = rig.remove(expect_rc=2)
    assert rig.writes() == before, "a refused removal wrote"
    assert rig.gateway() == gateway and rig.tenant() == tenant
    assert "Refused, nothing was written: the MX of sales.example.test still points at the gateway" in refused.output
    assert "the MX of example.test" not in refused.output and "example.test, sales" not in refused.output
    failed = sorted(set(r["host"] for r in refused.records if r["status"] == "failed"))
    assert failed == ["esa1", "tenant1"], failed    # both sides refuse: the RAT entry and the connector
    assert not _changed_tasks(refused)

    # Also in check mode, and for each entry point on its own.
    rig.remove(check=True, expect_rc=2)
    gate = rig.run(os.path.join(PLAYBOOKS, "remove_gateway_entry.yml"), expect_rc=2)
    assert "removing its RAT entry on IncomingMail would make the gateway reject" in gate.output
    assert rig.writes() == before

    # Forced by its clearly named variable, the removal goes ahead.
    rig.remove(extra_vars=dict(inbound_remove_while_mx_at_gateway=True))
    assert _present(rig.gateway(), ROLE_GATEWAY) == dict((k, []) for k in ROLE_GATEWAY)
    assert rig.tenant()["inbound_connectors"] == []


def test_gateway_removal_refuses_only_the_last_rat_entry_of_a_domain(rig):
    """A domain whose MX points at the gateway may lose the role's RAT entry when another accepting entry still
    covers it (here .example.test, the subdomains of the lab zone)."""
    rig.converge()
    rig.set_mx("sales.example.test", GATEWAY_MX)
    rig.run(os.path.join(PLAYBOOKS, "remove_seed_others.yml"), extra_vars=dict(rat_cover=".example.test"))
    before = rig.writes()

    run = rig.run(os.path.join(PLAYBOOKS, "remove_gateway_entry.yml"))
    assert rig.writes()[1] == before[1] + 1
    gateway = rig.gateway()
    assert "example.test" not in gateway["rat"] and "sales.example.test" not in gateway["rat"]
    assert ".example.test" in gateway["rat"]                          # still accepts sales.example.test
    assert gateway["routes"] == ["other.example"]
    assert [t for t in _changed_tasks(run) if t.startswith("S4 - ")]

    # A re-run is a no-op; the covering entry is not the role's and stays.
    after = rig.writes()
    again = rig.run(os.path.join(PLAYBOOKS, "remove_gateway_entry.yml"))
    assert again.recap["changed"] == 0 and rig.writes() == after
    assert ".example.test" in rig.gateway()["rat"]
