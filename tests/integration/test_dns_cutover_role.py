# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The dns_cutover role against the lab's BIND: the "gateway MX hosts resolve" gate and manual mode."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time

import pytest

dns = pytest.importorskip("dns")

import dns.query  # noqa: E402
import dns.tsigkeyring  # noqa: E402
import dns.update  # noqa: E402

MX_HOSTS = ["mx1.hc4321-12.iphmx.com", "mx2.hc4321-12.iphmx.com"]
M365_MX = (["0 example-test.mail.protection.outlook.com."], 3600)


def _role_vars(dns_lab, tmp_path, **extra):
    values = dict(mx_hosts=MX_HOSTS, dns_cutover_state_dir=str(tmp_path / "state"))
    values.update(extra)
    return dns_lab.vars(**values)


def test_mx_host_that_does_not_resolve_stops_the_cutover_before_any_update(dns_lab, dns_playbook, tmp_path):
    updates = dns_lab.counters()["primary"]["updates"]
    run = dns_playbook("dns_cutover_role.yml",
                       _role_vars(dns_lab, tmp_path, mx_hosts=["mx1.hc4321-12.iphmx.com", "mx3.hc4321-12.iphmx.com"]),
                       expect_rc=2)
    assert "mx3.hc4321-12.iphmx.com does not resolve" in run.output
    assert "mx1.hc4321-12.iphmx.com does not resolve" not in run.output
    resolved = run.task("Preflight - resolve the gateway MX hosts")["result"]["hosts"]
    assert resolved[0]["addresses"] == ["198.51.100.105", "198.51.100.143"] and resolved[1]["error"]
    assert dns_lab.counters()["primary"]["updates"] == updates
    assert dns_lab.query(dns_lab.zone, "MX") == M365_MX


def test_manual_mode_prints_the_records_and_waits_until_dns_serves_them(dns_lab, dns_playbook, tmp_path):
    """Nothing is sent by the play: a 'person' (a thread here) changes the MX at the 'provider' while it waits."""
    zone = dns_lab.zone
    keyring = dns.tsigkeyring.from_text({dns_lab.info()["tsig"]["key_name"]: dns_lab.secret})
    address, port = dns_lab.endpoint("primary")
    errors, acted = [], []

    recorded = tmp_path / "state" / ("%s.mx.json" % zone)

    def person():
        # The role records the previous MX set, prints the records, then waits: act only once it has recorded.
        deadline = time.monotonic() + 90
        while not recorded.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        acted.append(time.monotonic())
        time.sleep(2)
        try:
            update = dns.update.Update(zone, keyring=keyring, keyalgorithm="hmac-sha256")
            update.replace("@", 300, "MX", "10 %s." % MX_HOSTS[0], "20 %s." % MX_HOSTS[1])
            response = dns.query.tcp(update, address, port=port, timeout=5)
            if response.rcode() != 0:
                errors.append("UPDATE rcode %s" % response.rcode())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(repr(exc))

    updates = dns_lab.counters()["primary"]["updates"]
    helper = threading.Thread(target=person)
    helper.start()
    run = dns_playbook("dns_cutover_role.yml", _role_vars(dns_lab, tmp_path, dns_cutover_mode="manual",
                                                          dns_cutover_manual_timeout=120))
    finished = time.monotonic()
    helper.join()
    assert not errors, errors
    assert acted and finished - acted[0] > 2  # the play was still waiting when the person acted
    # The records to set were printed, then the play waited for them on every authoritative server.
    assert "Set the MX RRset of %s to 10 %s / 20 %s" % (zone, MX_HOSTS[0], MX_HOSTS[1]) in run.output
    waited = run.task("Every authoritative nameserver serves the new MX")["result"]
    assert waited["results"][0]["completed"] if "results" in waited else waited["completed"]
    # Only the person's UPDATE reached BIND; the play sent none (no TTL lowering, no switch).
    assert dns_lab.counters()["primary"]["updates"] == updates + 1
    assert dns_lab.query(zone, "MX", which="secondary")[0] == ["10 %s." % MX_HOSTS[0], "20 %s." % MX_HOSTS[1]]
    assert run.task("Verify - the MX points at the gateway")["result"]
    # The previous set was recorded for the rollback.
    assert json.loads(recorded.read_text()) == dict(domain=zone, ttl=3600, values=["0 example-test.mail.protection.outlook.com"])


# -- issue 14: the role's cost does not grow with the number of domains -------------------------------------------
def _seed(dns_lab, domains):
    """Each domain (a name in the lab zone) starts on Exchange Online: MX 0 <tenant host>, Microsoft's SPF."""
    keyring = dns.tsigkeyring.from_text({dns_lab.info()["tsig"]["key_name"]: dns_lab.secret})
    update = dns.update.Update(dns_lab.zone, keyring=keyring, keyalgorithm="hmac-sha256")
    for domain in domains:
        update.replace(domain + ".", 3600, "MX", "0 %s.mail.protection.outlook.com." % domain.replace(".", "-"))
        update.replace(domain + ".", 3600, "TXT", '"v=spf1 include:spf.protection.outlook.com -all"')
    address, port = dns_lab.endpoint("primary")
    assert dns.query.tcp(update, address, port=port, timeout=5).rcode() == 0


def _profile(run):
    """(task, status) of every task result the callback recorded, and how many module runs they were (a loop
    counts one per item)."""
    tasks = [(r["task"], r["status"]) for r in run.records]
    calls = 0
    for record in run.records:
        if record["status"] == "skipped":
            continue
        items = record["result"].get("results")
        calls += len([item for item in items if not item.get("skipped")]) if isinstance(items, list) else 1
    return tasks, calls


def _batch_vars(dns_lab, tmp_path, domains, name, **extra):
    values = dict(mx_hosts=MX_HOSTS, secure_email_domains=[dict(name=domain) for domain in domains],
                  dns_cutover_state_dir=str(tmp_path / ("state-" + name)))
    values.update(extra)
    return dns_lab.vars(**values)


def test_task_count_module_calls_and_updates_do_not_grow_with_the_domains(dns_lab, dns_playbook, tmp_path):
    sizes = {"one": ["solo.%s" % dns_lab.zone], "five": ["d%d.%s" % (index, dns_lab.zone) for index in range(1, 6)]}
    _seed(dns_lab, sizes["one"] + sizes["five"])
    profiles, runs = {}, []
    for name, domains in sorted(sizes.items()):
        variables = _batch_vars(dns_lab, tmp_path, domains, name)
        counters = dns_lab.counters()["primary"]["updates"]
        plan = dns_playbook("dns_batch_role.yml", variables, check=True)
        assert dns_lab.counters()["primary"]["updates"] == counters  # check mode: no UPDATE
        assert not (tmp_path / ("state-" + name)).exists()  # and no state file written
        assert plan.task("Record the previous MX set for rollback")["status"] == "ok"
        converge = dns_playbook("dns_batch_role.yml", variables)
        converge_updates = dns_lab.counters()["primary"]["updates"] - counters
        noop = dns_playbook("dns_batch_role.yml", variables)
        assert noop.recap["changed"] == 0
        assert dns_lab.counters()["primary"]["updates"] - counters == converge_updates  # the re-run sent nothing
        rollback = dns_playbook("dns_batch_role.yml", dict(variables, entry="rollback"))
        rollback_updates = dns_lab.counters()["primary"]["updates"] - counters - converge_updates
        runs += [plan, converge, noop, rollback]
        profiles[name] = dict(plan=_profile(plan), converge=_profile(converge), noop=_profile(noop),
                              rollback=_profile(rollback), updates=(converge_updates, rollback_updates))

        # What the runs did, for every domain.
        lowered = converge.task("Every nameserver serves the lowered TTL, then wait out the old TTL")["result"]
        assert lowered["settled"] == 1 and len(lowered["records"]) == len(domains)  # the old TTL waited ONCE
        assert len(converge.task("Every authoritative nameserver serves the new MX")["result"]["records"]) == len(domains)
        for domain in domains:
            recorded = json.loads((tmp_path / ("state-" + name) / ("%s.mx.json" % domain)).read_text())
            assert recorded == dict(domain=domain, ttl=3600, values=["0 %s.mail.protection.outlook.com"
                                                                     % domain.replace(".", "-")])
            assert dns_lab.query(domain, "MX", which="secondary")[0] == ["0 %s.mail.protection.outlook.com."
                                                                         % domain.replace(".", "-")]
        # The rollback restores every MX set with its recorded TTL and puts back the SPF string the cutover's
        # dns_cutover_fix_spf replaced, in the same call (MX and TXT of every domain, one UPDATE).
        restored = rollback.task("Restore the previous MX set and SPF string")["result"]["records"]
        assert sorted((r["type"], r["name"]) for r in restored) == sorted(
            [("MX", domain) for domain in domains] + [("TXT", domain) for domain in domains])
        for domain in domains:
            assert dns_lab.query(domain, "MX") == (["0 %s.mail.protection.outlook.com." % domain.replace(".", "-")],
                                                   3600)
            assert dns_lab.query(domain, "TXT") == (["v=spf1 include:spf.protection.outlook.com -all"], 3600)

    # 1 domain or 5: the same tasks with the same outcomes, the same number of module runs, the same UPDATEs
    # (lower the TTL, switch the MX, fix SPF: one UPDATE each for the whole zone; the rollback, MX and SPF, one more).
    for phase in ("plan", "converge", "noop", "rollback"):
        assert profiles["one"][phase] == profiles["five"][phase], phase
    assert profiles["one"]["updates"] == profiles["five"]["updates"] == (3, 1)
    # No task of the role loops (over the domains or anything else).
    assert not [r["task"] for run in runs for r in run.records if isinstance(r["result"].get("results"), list)]


def test_rollback_refuses_unknown_domains_in_one_message(dns_lab, dns_playbook, tmp_path):
    domains = ["d%d.%s" % (index, dns_lab.zone) for index in range(1, 4)]
    _seed(dns_lab, domains)
    before = dns_lab.counters()["primary"]["updates"]
    run = dns_playbook("dns_batch_role.yml", dict(_batch_vars(dns_lab, tmp_path, domains, "none"), entry="rollback"),
                       expect_rc=2)
    message = run.task("Refuse a rollback without a known previous MX set")["result"]["msg"]
    assert message.startswith("No recorded previous MX set for %s under " % ", ".join(domains)), message
    assert dns_lab.counters()["primary"]["updates"] == before
    # With dns_cutover_rollback_to_m365 the tenant's Exchange Online host is the fallback, for every domain at once.
    run = dns_playbook("dns_batch_role.yml", dict(_batch_vars(dns_lab, tmp_path, domains, "none"), entry="rollback",
                                                  dns_cutover_rollback_to_m365=True))
    result = run.task("Restore the previous MX set and SPF string")["result"]
    assert [r["after"]["values"] for r in result["records"]] == [
        ["0 %s.mail.protection.outlook.com." % domain.replace(".", "-")] for domain in domains]
    assert dns_lab.counters()["primary"]["updates"] == before + 1
