# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 6 "done when": the lab zone's MX moves from Exchange Online to the gateway and back, confirmed on every
authoritative server, with mail_dns_info before/after and SPF gaining the gateway mechanism."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

GATEWAY = "exists:%{i}.spf.hc4321-12.iphmx.com"
M365 = "include:spf.protection.outlook.com"


def test_cutover_to_gateway_and_back(dns_lab, dns_playbook):
    variables = dns_lab.vars(gateway_alloc="hc4321-12")

    # Check mode first: the whole cutover is planned, no UPDATE reaches BIND.
    before = dns_lab.counters()["primary"]["updates"]
    run = dns_playbook("dns_cutover.yml", dict(variables, phase="gateway"), check=True)
    assert dns_lab.counters()["primary"]["updates"] == before
    assert dns_lab.serials() == {"primary": 1, "secondary": 1}

    run = dns_playbook("dns_cutover.yml", dict(variables, phase="gateway"))
    info = run.task("Mail DNS before")["result"]
    assert info["mx"]["points_to"] == "exchange_online"
    assert info["mx"]["records"] == [dict(preference=0, host="example-test.mail.protection.outlook.com",
                                          provider="exchange_online")]
    assert info["spf"]["gateway_mechanism_present"] is False
    assert info["dmarc"]["policy"] == "quarantine" and info["ttls"]["mx"] == 3600
    codes = dict((f["code"], f["severity"]) for f in info["findings"])
    assert codes["spf_gateway_missing"] == "warning" and codes["mx_exchange_online"] == "info"
    assert run.task("Lower the MX TTL (values kept)")["result"]["before"]["ttl"] == 3600
    waited = run.task("Every authoritative nameserver serves the new MX (and SPF)")["result"]
    assert waited["completed"] and all(len(r["nameservers"]) == 2 for r in waited["records"])
    after = run.task("Mail DNS after")["result"]
    assert after["mx"]["points_to"] == "cisco_gateway"
    assert [r["host"] for r in after["mx"]["records"]] == ["mx1.hc4321-12.iphmx.com", "mx2.hc4321-12.iphmx.com"]
    assert after["spf"]["gateway_mechanism_present"] is True
    assert after["spf"]["record"] == "v=spf1 %s %s -all" % (M365, GATEWAY)
    assert [t["text"] for t in after["spf"]["terms"]] == [M365, GATEWAY, "-all"]
    assert after["spf"]["lookups"] == 2 and after["spf"]["lookups_exact"] is False  # outlook.com is not in the lab
    assert dns_lab.query(dns_lab.zone, "MX", which="secondary") == (
        ["10 mx1.hc4321-12.iphmx.com.", "20 mx2.hc4321-12.iphmx.com."], 60)

    # Idempotent: the same cutover again changes nothing.
    serials = dns_lab.serials()
    assert dns_playbook("dns_cutover.yml", dict(variables, phase="gateway")).recap["changed"] == 0
    assert dns_lab.serials() == serials

    # And back (rollback / restore).
    run = dns_playbook("dns_cutover.yml", dict(variables, phase="restore"))
    after = run.task("Mail DNS after")["result"]
    assert after["mx"]["points_to"] == "exchange_online" and after["ttls"]["mx"] == 3600
    assert dns_lab.query(dns_lab.zone, "MX", which="secondary") == (
        ["0 example-test.mail.protection.outlook.com."], 3600)


def test_mail_dns_info_follows_nested_includes_in_the_lab_zone(dns_lab, dns_playbook):
    zone = dns_lab.zone
    spf = "v=spf1 include:_spf.%s mx %s -all" % (zone, GATEWAY)
    run = dns_playbook("dns_info.yml", dns_lab.vars(spf=spf, gateway_mechanism=GATEWAY))
    info = run.task("Info")["result"]
    # include:_spf (1) -> include:_spf2 (1) -> a: + mx (2); mx (1); exists (1) = 6, all resolved in the lab zone.
    assert info["spf"]["lookups"] == 6 and info["spf"]["lookups_exact"] is True
    assert info["spf"]["includes"][0]["domain"] == "_spf." + zone
    assert info["spf"]["includes"][0]["children"][0]["domain"] == "_spf2." + zone
    assert info["spf"]["gateway_mechanism_present"] is True
