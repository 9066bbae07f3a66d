# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""dns_record against the lab's real BIND: RFC 2136 updates with TSIG, checked with direct DNS queries and
BIND's own statistics (UPDATE opcode counter, zone serial)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

GATEWAY_MX = ["10 mx1.hc4321-12.iphmx.com", "20 mx2.hc4321-12.iphmx.com"]
SPF = "v=spf1 include:spf.protection.outlook.com -all"


def updates(lab):
    counters = lab.counters()["primary"]
    return counters["updates"], counters["update_done"]


def test_mx_and_txt_create_modify_delete_idempotent(dns_lab, dns_playbook):
    zone = dns_lab.zone
    assert dns_lab.query(zone, "MX") == (["0 example-test.mail.protection.outlook.com."], 3600)
    records = [dict(name=zone, type="MX", values=GATEWAY_MX, ttl=300),
               dict(name="_verify." + zone, type="TXT", values=["token=abc", SPF])]
    run = dns_playbook("dns_record.yml", dns_lab.vars(records=records))
    assert run.recap["changed"] == 1  # one task, looped: changed when any item changed
    results = run.task("Record")["result"]["results"]
    assert [r["changed"] for r in results] == [True, True]
    assert results[0]["before"] == dict(ttl=3600, values=["0 example-test.mail.protection.outlook.com."])
    assert dns_lab.query(zone, "MX") == (["10 mx1.hc4321-12.iphmx.com.", "20 mx2.hc4321-12.iphmx.com."], 300)
    assert dns_lab.query("_verify." + zone, "TXT") == (sorted(["token=abc", SPF]), 3600)
    assert dns_lab.serials()["primary"] == 3  # one UPDATE per RRset

    # The same again: nothing sent, changed=0.
    before = updates(dns_lab)
    again = dns_playbook("dns_record.yml", dns_lab.vars(records=records))
    assert again.recap["changed"] == 0
    assert updates(dns_lab) == before

    # Modify: one value less, other TTL; the whole RRset is replaced in one UPDATE.
    modify = [dict(name=zone, type="MX", values=GATEWAY_MX[:1], ttl=600),
              dict(name="_verify." + zone, type="TXT", values=[SPF], ttl=120)]
    dns_playbook("dns_record.yml", dns_lab.vars(records=modify))
    assert dns_lab.query(zone, "MX") == (["10 mx1.hc4321-12.iphmx.com."], 600)
    assert dns_lab.query("_verify." + zone, "TXT") == ([SPF], 120)
    assert updates(dns_lab)[1] == before[1] + 2

    # Delete one value, then the whole TXT RRset (sequential items of one run), then the same again.
    deletes = [dict(name=zone, type="MX", values=GATEWAY_MX, ttl=600),
               dict(name=zone, type="MX", values=GATEWAY_MX[1:], state="absent"),
               dict(name="_verify", zone=zone, type="TXT", state="absent")]
    run = dns_playbook("dns_record.yml", dns_lab.vars(records=deletes))
    results = run.task("Record")["result"]["results"]
    assert [r["changed"] for r in results] == [True, True, True]
    assert results[2]["after"] is None
    assert dns_lab.query(zone, "MX")[0] == ["10 mx1.hc4321-12.iphmx.com."]
    assert dns_lab.query("_verify." + zone, "TXT") == ([], None)
    assert dns_playbook("dns_record.yml", dns_lab.vars(records=deletes[1:])).recap["changed"] == 0


def test_check_mode_sends_no_update_and_diff(dns_lab, dns_playbook):
    zone = dns_lab.zone
    before_updates, before_serial = updates(dns_lab), dns_lab.serials()
    with open(dns_lab.info()["logs"]["primary"]["updates"]) as handle:
        update_log = handle.read()
    records = [dict(name=zone, type="MX", values=GATEWAY_MX, ttl=300)]
    run = dns_playbook("dns_record.yml", dns_lab.vars(records=records), check=True, diff=True)
    assert run.recap["changed"] == 1
    assert "-example.test.\t3600\tIN\tMX\t0 example-test.mail.protection.outlook.com." in run.output
    assert "+example.test.\t300\tIN\tMX\t10 mx1.hc4321-12.iphmx.com." in run.output
    result = run.task("Record")["result"]["results"][0]
    assert result["after"] == dict(ttl=300, values=["10 mx1.hc4321-12.iphmx.com.", "20 mx2.hc4321-12.iphmx.com."])
    # BIND's own evidence: no UPDATE message arrived, the serial did not move, nothing in its update log.
    assert updates(dns_lab) == before_updates
    assert dns_lab.serials() == before_serial == {"primary": 1, "secondary": 1}
    with open(dns_lab.info()["logs"]["primary"]["updates"]) as handle:
        assert handle.read() == update_log
    assert dns_lab.query(zone, "MX")[0] == ["0 example-test.mail.protection.outlook.com."]

    # Diff mode on a real run shows the same lines.
    run = dns_playbook("dns_record.yml", dns_lab.vars(records=records), diff=True)
    assert "+example.test.\t300\tIN\tMX\t20 mx2.hc4321-12.iphmx.com." in run.output
    assert dns_lab.serials()["primary"] == 2


def test_tsig_failures_are_clear_and_change_nothing(dns_lab, dns_playbook):
    zone = dns_lab.zone
    wrong = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="
    record = dict(name=zone, type="MX", values=GATEWAY_MX)
    records = [dict(record, alt_secret=True), dict(record, key_name="nobody"),
               dict(record, key_algorithm="hmac-sha512"), dict(record, key_name="", key_secret="")]
    run = dns_playbook("dns_record.yml", dns_lab.vars(records=records, alt_secret=wrong), expect_rc=2)
    messages = [r["msg"] for r in run.task("Record")["result"]["results"]]
    assert "BADSIG: the server rejected the TSIG signature of key lab-update (wrong key_secret or key_algorithm " \
           "hmac-sha256)" in messages[0]
    assert "BADKEY: the server does not know the TSIG key nobody" in messages[1]
    assert "BADSIG" in messages[2] or "BADKEY" in messages[2]
    assert "REFUSED: the server does not accept this update" in messages[3]  # unsigned: BIND refuses it
    assert wrong not in run.output
    assert dns_lab.serials()["primary"] == 1
    assert dns_lab.query(zone, "MX")[0] == ["0 example-test.mail.protection.outlook.com."]


def test_bad_input_fails_before_anything_is_sent(dns_lab, dns_playbook):
    before = dns_lab.counters()["primary"]
    zone = dns_lab.zone
    cases = [
        (dict(name=zone, type="MX", values=["ten mx1.example.net"]),
         "values[0]: 'ten mx1.example.net' is not a valid MX value"),
        (dict(name=zone, type="A", values=["192.0.2.300"]), "values[0]: '192.0.2.300' is not a valid A value"),
        (dict(name="www.other.example.", zone=zone, type="A", values=["192.0.2.1"]),
         "name: www.other.example is not inside zone example.test"),
        (dict(name="alias." + zone, type="CNAME", values=["a.example.net", "b.example.net"]),
         "values: a CNAME RRset holds exactly one value, got 2"),
        (dict(name=zone, type="MX", values=GATEWAY_MX, ttl=-5), "ttl: must be between 0 and 2147483647 seconds"),
        (dict(name=zone, type="MX", values=GATEWAY_MX, key_secret="not base64!"), "key_secret: must be base64"),
    ]
    run = dns_playbook("dns_record.yml", dns_lab.vars(records=[case[0] for case in cases]), expect_rc=2)
    results = run.task("Record")["result"]["results"]
    for (_record, message), result in zip(cases, results):
        assert message in result.get("msg", ""), result
    after = dns_lab.counters()["primary"]
    assert (after["queries"], after["updates"]) == (before["queries"], before["updates"])


def test_tsig_from_environment_never_in_output(dns_lab, dns_playbook_factory, monkeypatch):
    monkeypatch.setenv("DNS_TSIG_KEY_NAME", "lab-update")
    monkeypatch.setenv("DNS_TSIG_SECRET", dns_lab.secret)
    monkeypatch.setenv("DNS_TSIG_ALGORITHM", "hmac-sha256")
    run_playbook = dns_playbook_factory()
    variables = dns_lab.vars(records=[dict(name="env." + dns_lab.zone, type="A", values=["192.0.2.7"])])
    del variables["tsig_name"], variables["tsig_secret"]
    run = run_playbook("dns_record.yml", variables, args=("-vvv",))
    assert run.recap["changed"] == 1
    assert dns_lab.secret not in run.output
    assert dns_lab.query("env." + dns_lab.zone, "A") == (["192.0.2.7"], 3600)
