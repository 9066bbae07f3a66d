# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""dns_wait against the lab's primary and secondary BIND; the secondary lags for real (zone transfers held)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import socket
import threading
import time

GATEWAY_MX = ["10 mx1.hc4321-12.iphmx.com", "20 mx2.hc4321-12.iphmx.com"]
EOP_MX = "0 example-test.mail.protection.outlook.com."


def _release_when_polled(lab, rounds):
    """Release the held transfers once dns_wait has asked the secondary ``rounds`` times."""
    start = lab.counters()["secondary"]["queries"]
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if lab.counters()["secondary"]["queries"] - start >= rounds:
            break
        time.sleep(0.2)
    lab.cli("release")


def test_second_nameserver_lags_then_agrees(dns_lab, dns_playbook):
    zone = dns_lab.zone
    dns_lab.cli("hold")
    releaser = threading.Thread(target=_release_when_polled, args=(dns_lab, 3))
    releaser.start()
    try:
        run = dns_playbook("dns_wait.yml", dns_lab.vars(
            change=dict(name=zone, type="MX", values=GATEWAY_MX, ttl=300),
            wait_records=[dict(name=zone, type="MX", values=GATEWAY_MX)]))
    finally:
        releaser.join()
    result = run.task("Wait")["result"]
    assert result["completed"] is True and result["rounds"] >= 3
    (record,) = result["records"]
    servers = dict((ns["name"], ns) for ns in record["nameservers"])
    # Found from NS + glue: ns1 over IPv4 (primary), ns2 over IPv6 (secondary).
    assert set(servers) == {"ns1.example.test", "ns2.example.test"}
    assert servers["ns1.example.test"]["address"] == "127.0.0.1"
    assert all(ns["state"] == "ok" for ns in record["nameservers"])
    assert servers["ns2.example.test"]["checks"] == result["rounds"] >= 3
    # Progress was shown while waiting: the secondary served the old MX, then the new one.
    lines = [line for line in run.output.splitlines() if "dns_wait round" in line]
    assert len(lines) == result["rounds"]
    assert re.search(r"ns2\.example\.test \(\S+\) pending \['%s'\] ttl=3600" % re.escape(EOP_MX), lines[0]), lines[0]
    assert "ns1.example.test (127.0.0.1:%d) ok" % dns_lab.port in lines[0]
    assert "waiting" not in lines[-1]
    assert dns_lab.query(zone, "MX", which="secondary")[0] == ["10 mx1.hc4321-12.iphmx.com.",
                                                               "20 mx2.hc4321-12.iphmx.com."]


def test_unreachable_nameserver_times_out_with_clear_message(dns_lab, dns_playbook):
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    start = time.monotonic()
    run = dns_playbook("dns_wait.yml", dns_lab.vars(
        nameservers=["127.0.0.1:%d" % dns_lab.port, "127.0.0.1:%d" % dead], timeout=3,
        wait_records=[dict(name=dns_lab.zone, type="MX", values=[EOP_MX])]), expect_rc=2)
    assert time.monotonic() - start < 20
    result = run.task("Wait")["result"]
    assert result["completed"] is False
    message = result["msg"]
    assert message.startswith("dns_wait timed out after")
    assert "127.0.0.1:%d" % dead in message and "(unreachable)" in message
    assert "127.0.0.1:%d:" % dns_lab.port not in message  # the healthy server is not blamed
    states = dict((ns["port"], ns["state"]) for ns in result["records"][0]["nameservers"])
    assert states == {dns_lab.port: "ok", dead: "unreachable"}
    assert len([line for line in run.output.splitlines() if "dns_wait round" in line]) == result["rounds"] >= 2


def test_modes_absent_subset_and_explicit_nameservers(dns_lab, dns_playbook):
    zone = dns_lab.zone
    secondary_v4 = dns_lab.info()["servers"]["secondary"]["endpoints"][-1]
    run = dns_playbook("dns_wait.yml", dns_lab.vars(
        change=dict(name="gone." + zone, type="TXT", state="absent"),
        nameservers=["127.0.0.1:%d" % dns_lab.port, "127.0.0.1:%d" % secondary_v4["port"]],
        wait_records=[dict(name="gone." + zone, type="TXT", mode="absent"),
                      dict(name=zone, type="TXT", mode="subset",
                           values=["v=spf1 include:spf.protection.outlook.com -all"]),
                      dict(name=zone, type="MX", mode="superset", values=[EOP_MX, "10 backup.example.net"])]))
    result = run.task("Wait")["result"]
    assert result["completed"] and result["rounds"] == 1
    assert [r["done"] for r in result["records"]] == [True, True, True]
    assert len(result["records"][0]["nameservers"]) == 2


def test_bad_input_fails_before_anything_is_sent(dns_lab, dns_playbook):
    before = dns_lab.counters()
    run = dns_playbook("dns_wait.yml", dns_lab.vars(
        wait_records=[dict(name=dns_lab.zone, type="MX", values=["x"])]), expect_rc=2)
    assert "records[0].values[0]: 'x' is not a valid MX value" in run.task("Wait")["result"]["msg"]
    assert dns_lab.counters() == before
