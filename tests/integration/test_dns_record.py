# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""dns_record against the lab's real BIND: RFC 2136 updates with TSIG, checked with direct DNS queries and
BIND's own statistics (UPDATE opcode counter, zone serial)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

import pytest

GATEWAY_MX = ["10 mx1.hc4321-12.iphmx.com", "20 mx2.hc4321-12.iphmx.com"]
GATEWAY_MX_SERVED = ["10 mx1.hc4321-12.iphmx.com.", "20 mx2.hc4321-12.iphmx.com."]
SPF = "v=spf1 include:spf.protection.outlook.com -all"
# The IDN zone of the second lab: bücher.test, served by BIND as its A-label form.
IDN_ZONE = u"b\u00fccher.test"
IDN_ZONE_A = "xn--bcher-kva.test"


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


# -- issue 15: owner name and zone rules, checked in the zone BIND really serves ---------------------------------
def answer(lab, name, rdtype, which="primary"):
    """(rcode text, sorted values) of a direct TCP query to the lab (NXDOMAIN proves that a name does not exist)."""
    import dns.message  # pylint: disable=import-outside-toplevel
    import dns.query  # pylint: disable=import-outside-toplevel
    import dns.rcode  # pylint: disable=import-outside-toplevel

    address, port = lab.endpoint(which)
    response = dns.query.tcp(dns.message.make_query(name, rdtype), address, port=port, timeout=3)
    values = sorted(rdata.to_text() for rrset in response.answer for rdata in rrset)
    return dns.rcode.to_text(response.rcode()), values


def zone_names(lab):
    """Every owner name of the zone as the primary serves it now, fully qualified, lower case: a real zone
    transfer (AXFR) signed with the lab's transfer key. (``python -m lab dns zone`` reads the file that
    ``rndc sync`` writes, and rndc returns before BIND has written it.)"""
    import dns.query  # pylint: disable=import-outside-toplevel
    import dns.tsigkeyring  # pylint: disable=import-outside-toplevel
    import dns.zone  # pylint: disable=import-outside-toplevel

    with open(os.path.join(lab.state_dir, "dns", "settings.json")) as handle:
        keyring = dns.tsigkeyring.from_text({"lab-xfr": json.load(handle)["xfr_secret"]})
    address, port = lab.endpoint("primary")
    zone = dns.zone.from_xfr(dns.query.xfr(address, lab.zone, port=port, keyring=keyring, keyname="lab-xfr",
                                           keyalgorithm="hmac-sha256", relativize=False, timeout=5),
                             relativize=False)
    return set(name.to_text().lower() for name in zone.nodes)


def test_name_forms_with_zone_write_exactly_the_named_owner(dns_lab, dns_playbook):
    zone = dns_lab.zone
    before_names = zone_names(dns_lab)
    records = [
        dict(name=zone, zone=zone, type="MX", values=GATEWAY_MX, ttl=300),  # equal to the zone: the apex
        dict(name=zone + ".", zone=zone + ".", type="CAA", values=['0 issue "letsencrypt.org"']),
        dict(name="@", zone=zone, type="TXT", values=[SPF, "apex-token"]),
        dict(name="fqdn." + zone, zone=zone, type="A", values=["192.0.2.11"]),  # under the zone, no dot
        dict(name="dot." + zone + ".", zone=zone, type="A", values=["192.0.2.12"]),  # under the zone, dot
        dict(name="Upper." + zone.upper(), zone=zone, type="A", values=["192.0.2.13"]),  # any case
        dict(name="rel", zone=zone, type="A", values=["192.0.2.14"]),  # a single label: relative
        dict(name=u"b\u00fccher." + zone, zone=zone, type="A", values=["192.0.2.15"]),  # IDN under the zone
        dict(name=u"m\u00fcnchen", zone=zone, type="A", values=["192.0.2.16"]),  # IDN single label
    ]
    run = dns_playbook("dns_record.yml", dns_lab.vars(records=records))
    results = run.task("Record")["result"]["results"]
    assert [r["changed"] for r in results] == [True] * len(records), results
    assert [r["name"].lower() for r in results] == [
        zone, zone, zone, "fqdn." + zone, "dot." + zone, "upper." + zone, "rel." + zone,
        "xn--bcher-kva." + zone, "xn--mnchen-3ya." + zone]
    assert set(r["zone"] for r in results) == {zone}

    # What BIND serves now, by direct queries...
    assert dns_lab.query(zone, "MX") == (GATEWAY_MX_SERVED, 300)
    assert answer(dns_lab, zone, "CAA") == ("NOERROR", ['0 issue "letsencrypt.org"'])
    assert dns_lab.query(zone, "TXT") == (sorted([SPF, "apex-token"]), 3600)
    for owner, address in (("fqdn", "192.0.2.11"), ("dot", "192.0.2.12"), ("upper", "192.0.2.13"),
                           ("rel", "192.0.2.14"), ("xn--bcher-kva", "192.0.2.15"), ("xn--mnchen-3ya", "192.0.2.16")):
        assert dns_lab.query("%s.%s" % (owner, zone), "A") == ([address], 3600), owner
    # ...and in the whole zone: exactly these new names, nothing under the doubled zone name.
    doubled = "%s.%s." % (zone, zone)
    assert answer(dns_lab, doubled, "MX") == ("NXDOMAIN", [])
    assert answer(dns_lab, "www." + doubled, "A")[0] == "NXDOMAIN"
    names = zone_names(dns_lab)
    assert not [name for name in names if name.endswith(doubled) or name.count(zone) > 1], names
    assert names - before_names == set("%s.%s." % (owner, zone) for owner in (
        "fqdn", "dot", "upper", "rel", "xn--bcher-kva", "xn--mnchen-3ya"))

    # The same again: every form finds its RRset as it is, nothing is sent.
    updates_before = updates(dns_lab)
    assert dns_playbook("dns_record.yml", dns_lab.vars(records=records)).recap["changed"] == 0
    assert updates(dns_lab) == updates_before


def test_ambiguous_or_outside_names_are_refused_and_nothing_is_written(dns_lab, dns_playbook):
    zone = dns_lab.zone
    before_names = zone_names(dns_lab)  # (a zone transfer is a query: read the names before the counters)
    before_counters, before_serials = dns_lab.counters()["primary"], dns_lab.serials()
    cases = [
        (dict(name="mail.other.test", zone=zone, type="A", values=["192.0.2.20"]),
         "name: 'mail.other.test' is ambiguous with zone example.test: it is not the zone, does not end with "
         ".example.test, and has more than one label"),
        (dict(name="www.sales", zone=zone, type="A", values=["192.0.2.21"]),
         "name: 'www.sales' is ambiguous with zone example.test"),
        (dict(name="notexample.test", zone=zone, type="A", values=["192.0.2.22"]),
         "name: 'notexample.test' is ambiguous with zone example.test"),
        (dict(name=u"b\u00fccher.other.test", zone=zone, type="A", values=["192.0.2.23"]),
         "is ambiguous with zone example.test"),
        (dict(name="www.other.test.", zone=zone, type="A", values=["192.0.2.24"]),
         "name: www.other.test is not inside zone example.test (a name that ends with a dot is absolute"),
        (dict(name=u"stra\u00dfe", zone=zone, type="A", values=["192.0.2.25"]),
         "name: 'stra\u00dfe' contains the sharp s (U+00DF)"),
        (dict(name="", zone=zone, type="A", values=["192.0.2.26"]), "name: must not be empty"),
        (dict(name=zone, zone="", type="MX", values=GATEWAY_MX), "zone: must not be empty"),
        (dict(name="@", type="MX", values=GATEWAY_MX), "name: '@' stands for the zone apex and needs zone"),
    ]
    run = dns_playbook("dns_record.yml", dns_lab.vars(records=[case[0] for case in cases]), expect_rc=2)
    results = run.task("Record")["result"]["results"]
    assert len(results) == len(cases)
    for (_record, message), result in zip(cases, results):
        assert message in result.get("msg", "") and "before" not in result, (message, result)
    # BIND's evidence that nothing was sent: no query, no UPDATE, same serial, same names in the zone.
    after = dns_lab.counters()["primary"]
    assert (after["queries"], after["updates"]) == (before_counters["queries"], before_counters["updates"])
    assert dns_lab.serials() == before_serials == {"primary": 1, "secondary": 1}
    assert zone_names(dns_lab) == before_names
    for name in ("mail.other.test." + zone, "www.sales." + zone, "mail.other.test"):
        assert answer(dns_lab, name, "A")[1] == [], name
    assert answer(dns_lab, "mail.other.test." + zone, "A")[0] == "NXDOMAIN"


@pytest.fixture(scope="module")
def idn_lab_server(dns_lab_server, tmp_path_factory):
    """A second lab whose zone is the IDN bücher.test. The lab keeps the zone name of its settings.json across
    starts (lab/dns/bind.py), so the name is written there before the first start."""
    state_dir = str(tmp_path_factory.mktemp("dns-idn-lab"))
    os.makedirs(os.path.join(state_dir, "dns"), mode=0o700)
    settings = os.path.join(state_dir, "dns", "settings.json")
    with open(settings, "w") as handle:
        json.dump(dict(zone=IDN_ZONE_A), handle)
    os.chmod(settings, 0o600)
    lab = type(dns_lab_server)(state_dir)  # the conftest's DnsLab, for another state dir
    lab.cli("up", "--dns-port", "0")
    try:
        yield lab
    finally:
        lab.cli("down")


@pytest.fixture
def idn_lab(idn_lab_server):
    idn_lab_server.cli("reset")
    assert idn_lab_server.zone == IDN_ZONE_A
    return idn_lab_server


def test_idn_zone_and_names_in_unicode_or_a_labels(idn_lab, dns_playbook):
    zone = IDN_ZONE_A
    before_names = zone_names(idn_lab)
    records = [
        dict(name=IDN_ZONE, zone=IDN_ZONE, type="MX", values=GATEWAY_MX, ttl=300),  # apex, both in Unicode
        dict(name=u"shop." + IDN_ZONE, zone=IDN_ZONE_A, type="A", values=["192.0.2.31"]),  # Unicode name, A-label zone
        dict(name="smtp." + IDN_ZONE_A + ".", zone=u"B\u00dcCHER.test", type="A", values=["192.0.2.32"]),
        dict(name="mail", zone=IDN_ZONE, type="A", values=["192.0.2.33"]),  # relative in the IDN zone
        dict(name=u"m\u00fcnchen", zone=IDN_ZONE + ".", type="A", values=["192.0.2.34"]),  # IDN label in IDN zone
        dict(name=u"spf." + IDN_ZONE, type="TXT", values=["v=spf1 -all"]),  # no zone: SOA walk on the A-labels
    ]
    run = dns_playbook("dns_record.yml", idn_lab.vars(records=records))
    results = run.task("Record")["result"]["results"]
    assert [r["changed"] for r in results] == [True] * len(records), results
    assert set(r["zone"].lower() for r in results) == {zone}
    assert [r["name"].lower() for r in results] == [
        zone, "shop." + zone, "smtp." + zone, "mail." + zone, "xn--mnchen-3ya." + zone, "spf." + zone]

    assert idn_lab.query(zone, "MX") == (GATEWAY_MX_SERVED, 300)
    for owner, address in (("shop", "192.0.2.31"), ("smtp", "192.0.2.32"), ("mail", "192.0.2.33"),
                           ("xn--mnchen-3ya", "192.0.2.34")):
        assert idn_lab.query("%s.%s" % (owner, zone), "A") == ([address], 3600), owner
    assert idn_lab.query("spf." + zone, "TXT") == (["v=spf1 -all"], 3600)
    doubled = "%s.%s." % (zone, zone)
    assert answer(idn_lab, doubled, "MX") == ("NXDOMAIN", [])
    names = zone_names(idn_lab)
    assert not [name for name in names if name.count(zone) > 1], names
    assert names - before_names == set("%s.%s." % (owner, zone) for owner in (
        "shop", "smtp", "mail", "xn--mnchen-3ya", "spf"))
    assert all(name == name.encode("ascii").decode("ascii") for name in names)

    # Idempotent in every spelling.
    assert dns_playbook("dns_record.yml", idn_lab.vars(records=records)).recap["changed"] == 0

    # Ambiguous in the IDN zone: refused, nothing written.
    serials = idn_lab.serials()
    run = dns_playbook("dns_record.yml", idn_lab.vars(records=[
        dict(name=u"www." + IDN_ZONE + ".other", zone=IDN_ZONE, type="A", values=["192.0.2.35"])]), expect_rc=2)
    message = run.task("Record")["result"]["results"][0]["msg"]
    assert message.startswith(u"name: 'www.%s.other' is ambiguous with zone %s" % (IDN_ZONE, zone)), message
    assert idn_lab.serials() == serials
    assert zone_names(idn_lab) == names


def test_idn_domain_in_mail_dns_info_and_m365_mx_host(idn_lab, dns_playbook):
    run = dns_playbook("dns_idn_info.yml", idn_lab.vars(idn_domain=IDN_ZONE))
    info = run.task("Info")["result"]
    assert info["domain"] == IDN_ZONE_A
    host = run.task("Tenant MX host")["result"]["ansible_facts"]["tenant_mx_host"]
    # The filter's host is the one the lab zone really has as its MX (xn--bcher-kva-test.mail.protection...).
    assert host == idn_lab.info()["tenant_mx_host"] == "xn--bcher-kva-test.mail.protection.outlook.com"
    assert [r["host"] for r in info["mx"]["records"]] == [host]
    assert info["mx"]["points_to"] == "exchange_online"
    assert info["dmarc"]["policy"] == "quarantine"


def test_empty_domain_fails_naming_the_field(dns_lab, dns_playbook):
    before = dns_lab.counters()["primary"]["queries"]
    run = dns_playbook("dns_idn_info.yml", dns_lab.vars(idn_domain="  "), expect_rc=2)
    assert run.task("Info")["result"]["msg"].startswith("domain: must not be empty")
    assert dns_lab.counters()["primary"]["queries"] == before


# -- issue 14: many RRsets in one task, one UPDATE per zone -------------------------------------------------------
BATCH_DOMAINS = ["batch%d" % index for index in range(1, 6)]


def _batch_records(zone, values=None, ttl=300):
    """The MX of five names in the lab zone, the apex MX and a TXT: seven RRsets, all in one zone."""
    records = [dict(name="%s.%s" % (label, zone), type="MX", values=values or GATEWAY_MX, ttl=ttl)
               for label in BATCH_DOMAINS]
    records.append(dict(name=zone, type="MX", values=values or GATEWAY_MX, ttl=ttl))
    records.append(dict(name="_batch." + zone, type="TXT", values=["token=batch"]))
    return records


def test_batch_of_names_in_one_zone_is_one_update_check_mode_sends_none_and_a_rerun_is_a_noop(dns_lab, dns_playbook):
    zone = dns_lab.zone
    records = _batch_records(zone)
    base_updates, base_serials = updates(dns_lab), dns_lab.serials()

    # Check mode (with diff): every record planned, BIND receives no UPDATE message at all.
    run = dns_playbook("dns_batch_record.yml", dns_lab.vars(records=records), check=True, diff=True)
    result = run.task("Records")["result"]
    assert result["changed"] is True and "updates" not in result
    assert [r["changed"] for r in result["records"]] == [True] * 7
    assert result["records"][0]["before"] is None
    assert result["records"][5]["before"] == dict(ttl=3600, values=["0 example-test.mail.protection.outlook.com."])
    assert result["records"][5]["after"] == dict(ttl=300, values=GATEWAY_MX_SERVED)
    assert "+batch3.%s.\t300\tIN\tMX\t10 mx1.hc4321-12.iphmx.com." % zone in run.output
    assert "-%s.\t3600\tIN\tMX\t0 example-test.mail.protection.outlook.com." % zone in run.output
    assert updates(dns_lab) == base_updates and dns_lab.serials() == base_serials
    assert dns_lab.query("batch1." + zone, "MX") == ([], None)

    # For real: ONE UPDATE message for the seven RRsets (BIND's UPDATE opcode counter, one serial step).
    run = dns_playbook("dns_batch_record.yml", dns_lab.vars(records=records))
    result = run.task("Records")["result"]
    assert run.recap["changed"] == 1
    assert result["updates"] == [dict(zone=zone, rrsets=7, dns_rc=0, dns_rc_str="NOERROR")]
    assert updates(dns_lab) == (base_updates[0] + 1, base_updates[1] + 1)
    assert dns_lab.serials()["primary"] == base_serials["primary"] + 1
    for label in BATCH_DOMAINS:
        assert dns_lab.query("%s.%s" % (label, zone), "MX") == (GATEWAY_MX_SERVED, 300), label
    assert dns_lab.query(zone, "MX") == (GATEWAY_MX_SERVED, 300)
    assert dns_lab.query("_batch." + zone, "TXT") == (["token=batch"], 3600)

    # The same again: every RRset read, nothing to change, nothing sent.
    before = updates(dns_lab)
    again = dns_playbook("dns_batch_record.yml", dns_lab.vars(records=records), diff=True)
    assert again.recap["changed"] == 0
    assert [r["changed"] for r in again.task("Records")["result"]["records"]] == [False] * 7
    assert "updates" not in again.task("Records")["result"]
    assert updates(dns_lab) == before

    # Two of the seven differ (a lower TTL for two names, values kept): one UPDATE with just those two.
    lowered = [dict(r) for r in records]
    for entry in lowered[:2]:
        entry.pop("values")
        entry["ttl"] = 60
    run = dns_playbook("dns_batch_record.yml", dns_lab.vars(records=lowered))
    result = run.task("Records")["result"]
    assert [r["changed"] for r in result["records"]] == [True, True] + [False] * 5
    assert result["records"][0]["before"]["ttl"] == 300 and result["records"][0]["after"] == dict(
        ttl=60, values=GATEWAY_MX_SERVED)
    assert result["updates"] == [dict(zone=zone, rrsets=2, dns_rc=0, dns_rc_str="NOERROR")]
    assert updates(dns_lab) == (before[0] + 1, before[1] + 1)
    assert dns_lab.query("batch1." + zone, "MX") == (GATEWAY_MX_SERVED, 60)
    assert dns_lab.query("batch3." + zone, "MX") == (GATEWAY_MX_SERVED, 300)

    # Removed again in one UPDATE (state absent), confirmed on the secondary too.
    gone = [dict(name=r["name"], type=r["type"], state="absent") for r in records[:5]]
    run = dns_playbook("dns_batch_record.yml", dns_lab.vars(
        records=gone, wait_records=[dict(name=r["name"], type="MX", mode="absent") for r in gone]))
    assert run.task("Records")["result"]["updates"][0]["rrsets"] == 5
    assert run.task("Wait")["result"]["completed"] is True
    for label in BATCH_DOMAINS:
        assert dns_lab.query("%s.%s" % (label, zone), "MX", which="secondary") == ([], None), label


def test_batch_with_one_bad_record_sends_nothing_and_names_it(dns_lab, dns_playbook):
    zone = dns_lab.zone
    before_counters, before_serials = dns_lab.counters()["primary"], dns_lab.serials()
    cases = [
        (dict(index=3, values=["ten mx1.example.net"]),
         "records[3].values[0]: 'ten mx1.example.net' is not a valid MX value"),
        (dict(index=4, name="mail.other.test", zone=zone),
         "records[4].name: 'mail.other.test' is ambiguous with zone example.test"),
        (dict(index=1, type="SPF"), "records[1].type: SPF is not supported here"),
        (dict(index=2, ttl=-5), "records[2].ttl: must be between 0 and 2147483647 seconds"),
        (dict(index=6, name="batch1." + zone, type="MX", values=GATEWAY_MX),
         "records[6]: batch1.example.test MX is records[0] again"),
    ]
    for change, message in cases:
        records = _batch_records(zone)
        records[change.pop("index")].update(change)
        run = dns_playbook("dns_batch_record.yml", dns_lab.vars(records=records), expect_rc=2)
        result = run.task("Records")["result"]
        assert result["msg"].startswith(message), (message, result["msg"])
        assert "Traceback" not in run.output and dns_lab.secret not in run.output
    # Checked before anything was sent: not a single query, no UPDATE, the zone as it was.
    after = dns_lab.counters()["primary"]
    assert (after["queries"], after["updates"]) == (before_counters["queries"], before_counters["updates"])
    assert dns_lab.serials() == before_serials
    assert dns_lab.query("batch1." + zone, "MX") == ([], None)


def test_batch_with_zone_reads_relative_names_and_excludes_the_single_record_options(dns_lab, dns_playbook):
    zone = dns_lab.zone
    records = [dict(name=label, type="A", values=["192.0.2.%d" % (10 + index)])
               for index, label in enumerate(BATCH_DOMAINS)] + [dict(name="@", type="MX", values=GATEWAY_MX)]
    before = dns_lab.counters()["primary"]
    query_log = dns_lab.info()["logs"]["primary"]["queries"]
    with open(query_log) as handle:
        logged = len(handle.readlines())
    run = dns_playbook("dns_batch_record.yml", dns_lab.vars(records=records, batch_zone=zone))
    result = run.task("Records")["result"]
    assert [r["name"] for r in result["records"]] == ["%s.%s" % (label, zone) for label in BATCH_DOMAINS] + [zone]
    assert set(r["zone"] for r in result["records"]) == {zone}
    assert result["updates"] == [dict(zone=zone, rrsets=6, dns_rc=0, dns_rc_str="NOERROR")]
    after = dns_lab.counters()["primary"]
    assert after["updates"] == before["updates"] + 1
    # With zone given: no SOA walk; six reads and six read-backs, signed with the update key (BIND's query log; the
    # secondary's own SOA checks after the NOTIFY are signed with the transfer key).
    deadline = time.monotonic() + 5
    while True:
        with open(query_log) as handle:
            ours = [line for line in handle.readlines()[logged:] if "/key lab-update" in line]
        if len(ours) >= 12 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(ours) == 12 and not [line for line in ours if " IN SOA " in line], ours
    assert dns_lab.query("batch5." + zone, "A") == (["192.0.2.14"], 3600)

    run = dns_playbook("dns_batch_record.yml", dns_lab.vars(records=records, batch_zone=zone, batch_name=zone),
                       expect_rc=2)
    assert "parameters are mutually exclusive: records|name" in run.task("Records")["result"]["msg"]
    assert dns_lab.counters()["primary"]["updates"] == after["updates"]
