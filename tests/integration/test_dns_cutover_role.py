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
