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
    # Progress was shown while waiting, one line per nameserver and round: the secondary served the old MX, then
    # the new one.
    lines = [line for line in run.output.splitlines() if "dns_wait round" in line]
    assert len(lines) == 2 * result["rounds"]
    first = [line for line in lines if "dns_wait round 1 " in line]
    ns1 = [line for line in first if "ns1.example.test" in line]
    ns2 = [line for line in first if "ns2.example.test" in line]
    assert re.search(r"ns2\.example\.test \(\S+\): 0/1 ok; waiting for %s MX \[equals\] pending \['%s'\] ttl=3600"
                     % (re.escape(zone), re.escape(EOP_MX)), ns2[0]), ns2
    assert ns1[0].endswith("ns1.example.test (127.0.0.1:%d): 1/1 ok" % dns_lab.port), ns1
    assert not [line for line in lines if "dns_wait round %d " % result["rounds"] in line and "waiting" in line]
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
    lines = [line for line in run.output.splitlines() if "dns_wait round" in line]
    assert len(lines) == 2 * result["rounds"] and result["rounds"] >= 2  # one line per nameserver and round


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


# -- issue 15: name rules with zone, and errors that name the real field -----------------------------------------
def test_names_with_zone_follow_the_dns_record_rules(dns_lab, dns_playbook):
    zone = dns_lab.zone
    run = dns_playbook("dns_wait_zone.yml", dns_lab.vars(wait_zone=zone, wait_records=[
        dict(name=zone, type="MX", values=[EOP_MX]),  # equal to the zone: the apex, not example.test.example.test
        dict(name="@", type="TXT", mode="subset", values=["v=spf1 include:spf.protection.outlook.com -all"]),
        dict(name="www", type="A", values=["192.0.2.80"]),  # a single label: relative
        dict(name="sales." + zone + ".", type="MX", values=["0 sales-example-test.mail.protection.outlook.com."]),
        dict(name="_DMARC." + zone.upper(), type="TXT", mode="superset",
             values=["v=DMARC1; p=quarantine; pct=100; rua=mailto:dmarc-reports@" + zone]),
    ]))
    result = run.task("Wait")["result"]
    assert result["completed"] is True and result["rounds"] == 1
    names = [r["name"].lower() for r in result["records"]]
    assert names == [zone, zone, "www." + zone, "sales." + zone, "_dmarc." + zone]
    assert all(r["done"] and len(r["nameservers"]) == 2 for r in result["records"])


def test_bad_server_zone_or_name_fails_naming_the_field_before_any_query(dns_lab, dns_playbook):
    zone = dns_lab.zone
    record = dict(name=zone, type="MX", values=[EOP_MX])
    cases = [
        (dict(wait_server=""), "server: must not be empty"),
        (dict(wait_server="ns1..example.test"), "server: 'ns1..example.test' is not a valid DNS name"),
        (dict(nameservers=["127.0.0.1:%d" % dns_lab.port, "[::1"]), "nameservers[1]: '[::1' is not a nameserver"),
        (dict(nameservers=["127.0.0.1:%d" % dns_lab.port, "ns1..example.test"]),
         "nameservers[1]: 'ns1..example.test' is not a valid DNS name"),
        (dict(wait_zone=""), "zone: must not be empty"),
        (dict(wait_zone=zone, wait_records=[record, dict(name="mail.other.test", type="A", values=["192.0.2.1"])]),
         "records[1].name: 'mail.other.test' is ambiguous with zone example.test"),
    ]
    before = dns_lab.counters()
    for extra, message in cases:
        variables = dns_lab.vars(wait_records=[record])
        variables.update(extra)
        run = dns_playbook("dns_wait_zone.yml", variables, expect_rc=2)
        assert run.task("Wait")["result"]["msg"].startswith(message), (extra, run.task("Wait")["result"]["msg"])
        assert "Traceback" not in run.output
    assert dns_lab.counters() == before


# -- issue 14: one wait for many records, the old TTL settled once ------------------------------------------------
def test_many_records_one_wait_short_progress_lines_and_one_settle(dns_lab, dns_playbook):
    """Twelve RRsets changed in one UPDATE while the secondary lags; one dns_wait for all twelve: one progress line
    per nameserver and round (five lagging records named, the rest counted), then the settle waited ONCE."""
    zone = dns_lab.zone
    names = ["wait%02d.%s" % (index, zone) for index in range(12)]
    records = [dict(name=name, type="MX", values=GATEWAY_MX, ttl=300) for name in names]
    dns_lab.cli("hold")
    releaser = threading.Thread(target=_release_when_polled, args=(dns_lab, 24))  # two rounds of twelve queries
    releaser.start()
    try:
        run = dns_playbook("dns_batch_record.yml", dns_lab.vars(
            records=records, settle=3, progress_interval=1,
            wait_records=[dict(name=name, type="MX", values=GATEWAY_MX) for name in names]))
    finally:
        releaser.join()
    assert run.task("Records")["result"]["updates"][0]["rrsets"] == 12
    result = run.task("Wait")["result"]
    assert result["completed"] is True and result["rounds"] >= 2
    assert all(r["done"] and len(r["nameservers"]) == 2 for r in result["records"])
    lines = [line for line in run.output.splitlines() if "dns_wait round" in line]
    assert len(lines) == 2 * result["rounds"]
    lagging = [line for line in lines if "dns_wait round 1 " in line and "ns2.example.test" in line][0]
    assert "0/12 ok; waiting for wait00.%s MX [equals] pending []" % zone in lagging, lagging
    assert lagging.endswith("(and 7 more)") and lagging.count(" pending ") == 5, lagging
    assert max(len(line) for line in lines) < 600
    # The settle: waited once (3 s, not 12 x 3 s), with a line per progress_interval.
    assert result["settled"] == 3
    settle = [line for line in run.output.splitlines() if "dns_wait settle" in line or "(settle, once" in line]
    assert "waiting 3 s more (settle, once for all of them)" in settle[0], settle
    assert [line.split("dns_wait settle: ")[1] for line in settle[1:]] == [
        "1 of 3 s waited, 2 s to go", "2 of 3 s waited, 1 s to go", "done (3 s)"], settle
