# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An MSP inventory (docs/msp.md) against the MSP lab: two tenants of two domains each, two shared gateways.

``python -m lab msp up`` starts two ESA gateways, two Exchange Online tenants and BIND on free ports and writes
the inventory; ``playbooks/site.yml`` then runs over all of them with ``--forks 4``. The tests read every
gateway, tenant and the zone back through the lab (real SSH/HTTP/DNS underneath) to prove where each object went.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

from labkit import collections_path, dns_snapshot, read_json  # noqa: E402  pylint: disable=wrong-import-position,import-error

ROOT = os.path.dirname(TESTS)
TENANTS = {"tenant01": ["d1.t01.example.test", "d2.t01.example.test"],
           "tenant02": ["d1.t02.example.test", "d2.t02.example.test"]}
GATEWAYS = ("esa1", "esa2")


def lab(*args):
    proc = subprocess.run([sys.executable, "-m", "lab"] + list(args), cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert proc.returncode == 0, "python -m lab %s: %s%s" % (" ".join(args), proc.stdout, proc.stderr)
    return proc.stdout


@pytest.fixture(scope="module")
def msp(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("msp"))
    lab("msp", "up", "--state-dir", root, "--tenants", "2", "--gateways", "2", "--domains", "2")
    try:
        yield read_json(os.path.join(root, "msp.json"))
    finally:
        lab("msp", "down", "--state-dir", root)


def site(msp, *args):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path(), ANSIBLE_NOCOLOR="1",
               ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_PERSISTENT_COMMAND_TIMEOUT="60",
               MAILOPS_ESA_LOCK_DIR=os.path.join(msp["root"], "esa-locks"))
    proc = subprocess.run(["ansible-playbook", "-i", os.path.join(msp["root"], "inventory"), "--forks", "4",
                           os.path.join(ROOT, "playbooks", "site.yml")] + list(args), cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:]
    lines = proc.stdout.splitlines()
    start = max(index for index, line in enumerate(lines) if line.startswith("PLAY RECAP"))
    recap = {}
    for line in lines[start + 1:]:
        if ":" in line and "ok=" in line:
            host, _sep, rest = line.partition(":")
            recap[host.strip()] = dict((k, int(v)) for k, v in (item.split("=") for item in rest.split()))
    return proc.stdout, recap


def writes(msp):
    """Every write counter of the MSP lab: per gateway, per tenant, and the zone's updates."""
    out = {}
    for name, gateway in msp["gateways"].items():
        counters = read_json(os.path.join(gateway["state_dir"], "esa_counters.json"), {}) or {}
        out[name] = (counters.get("writes", 0), counters.get("commits", 0))
    for name, tenant in msp["tenants"].items():
        out[name] = (read_json(os.path.join(tenant["state_dir"], "exo_counters.json"), {}) or {}).get("writes", 0)
    out["dns"] = dns_snapshot(msp["gateways"]["esa1"]["state_dir"])["dns_update_done"]
    return out


def mx_of(msp, domain):
    import dns.message
    import dns.query
    import dns.rdatatype

    query = dns.message.make_query(domain, dns.rdatatype.MX)
    answer = dns.query.udp(query, msp["dns"]["server"], port=msp["dns"]["port"], timeout=5)
    return sorted(str(rdata.exchange).rstrip(".") for rrset in answer.answer for rdata in rrset)


def test_msp_plan_converge_and_noop(msp):
    all_domains = sorted(d for domains in TENANTS.values() for d in domains)

    before = writes(msp)
    assert before["dns"] == 1, "msp up seeds the zone in one update"
    _output, recap = site(msp, "--check")
    assert set(recap) == set(GATEWAYS) | set(TENANTS) and all(r["failed"] == 0 for r in recap.values())
    assert writes(msp) == before, "the plan of an MSP inventory writes nothing anywhere"

    _output, recap = site(msp)
    assert all(r["failed"] == 0 for r in recap.values())
    after = writes(msp)
    assert after["dns"] > before["dns"] and all(after[t] > 0 for t in TENANTS), after
    for name in GATEWAYS:
        assert after[name][1] == 2, "%s: one commit per role run (inbound, outbound), got %s" % (name, after[name])
        config = json.loads(lab("config", "--state-dir", msp["gateways"][name]["state_dir"]))["esa"]
        # Each shared gateway serves the domains of both tenants: routes and RAT hold all four.
        assert sorted(r["domain"] for r in config["smtp_routes"]) == all_domains
        inbound = [item for item in config["listeners"] if item["name"] == "IncomingMail"][0]
        assert set(all_domains) <= set(entry["address"] for entry in inbound["rat"])
    for tenant, domains in TENANTS.items():
        state = json.loads(lab("exo", "config", "--state-dir", msp["tenants"][tenant]["state_dir"]))["exo"]
        assert [c["Name"] for c in state["inbound_connectors"]], tenant
        assert [c["Name"] for c in state["outbound_connectors"]], tenant
        for domain in domains:
            # The cutover of each tenant moved only its own domains, to the gateway allocation of the letter.
            assert mx_of(msp, domain) == ["mx1.hc4321-12.iphmx.com", "mx2.hc4321-12.iphmx.com"], domain

    _output, recap = site(msp)
    assert all(r["changed"] == 0 and r["failed"] == 0 for r in recap.values()), recap
    assert writes(msp) == after, "a no-op MSP run writes nothing anywhere"
