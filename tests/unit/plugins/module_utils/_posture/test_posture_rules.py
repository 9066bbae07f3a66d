# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The posture rules (issue 16): for every rule a negative case (the converged facts: no finding) and a positive
case (one unsafe change: exactly that finding, with its object, evidence and fix). Secrets only as properties."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os
import re

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._posture import rules

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 5))
GATEWAY_IPS = ["198.51.100.105", "198.51.100.143", "203.0.113.98", "203.0.113.186"]
DOMAINS = ["example.test", "sales.example.test"]
SECRET = "Lab-Outbound-Secret-4711"
FILTER_BODY = ('if (sendergroup == "RELAY_O365") { if header("X-OUTBOUND-AUTH") == "^********$" '
               '{ strip-header("X-OUTBOUND-AUTH"); } else { drop(); } }')


def _dns(domain, dmarc=True, findings=None):
    return dict(domain=domain, findings=findings or [
        dict(code="mx_cisco_gateway", severity="info", message="MX of %s points at the Cisco gateway" % domain),
        dict(code="spf_gateway_present", severity="info", message="SPF contains exists:...")],
        mx={"values": ["10 mx1.hc4321-12.iphmx.com", "20 mx2.hc4321-12.iphmx.com"]},
        spf=dict(record="v=spf1 include:spf.protection.outlook.com exists:%{i}.spf.hc4321-12.iphmx.com -all",
                 lookups=2, gateway_mechanism="exists:%{i}.spf.hc4321-12.iphmx.com"),
        dmarc=dict(records_found=1, valid=True, policy="quarantine", subdomain_policy="quarantine") if dmarc
        else dict(records_found=0, valid=False, policy=None, subdomain_policy=None))


def converged():
    """Facts of the converged lab (playbooks/site.yml), as roles/posture keeps them."""
    esa = dict(
        hat={"IncomingMail": dict(policies=[dict(name="ACCEPTED", behavior="accept")], sender_groups=[
            dict(name="ALL", policy="ACCEPTED", members=[])]),
            "OutgoingMail": dict(policies=[dict(name="RELAYED", behavior="relay"), dict(name="BLOCKED", behavior="reject")],
                                 sender_groups=[dict(name="RELAYLIST", policy="RELAYED", members=[]),
                                                dict(name="RELAY_O365", policy="RELAYED",
                                                     members=[".protection.outlook.com"]),
                                                dict(name="ALL", policy="BLOCKED", members=[])])},
        message_filters=[dict(name="office365_outbound", active=True)],
        destination_controls=[dict(domain=d, tls="on") for d in DOMAINS] + [dict(domain="DEFAULT", tls="off")],
        smtp_routes=[dict(domain=d, destinations=[dict(host=d.replace(".", "-") + ".mail.protection.outlook.com")])
                     for d in DOMAINS],
        recipient_access={"IncomingMail": [dict(address=d, action="accept") for d in DOMAINS]
                          + [dict(address="ALL", action="reject")]},
        tls_ciphers=dict(ciphers=rules.RECOMMENDED_CIPHERS))
    gateways = {"esa1": dict(esa=esa, filters=[dict(name="office365_outbound", active=True, body=FILTER_BODY)],
                             domains=list(DOMAINS), expected=dict(sender_group="RELAY_O365",
                                                                  filter_name="office365_outbound"))}
    exo = dict(
        inbound_connectors=[dict(name="Inbound from Cisco CES", connector_type="Partner", enabled=True,
                                 require_tls=True, restrict_domains_to_ip_addresses=True,
                                 restrict_domains_to_certificate=False, sender_ip_addresses=list(GATEWAY_IPS),
                                 ef_skip_ips=list(GATEWAY_IPS), ef_skip_last_ip=False, sender_domains=["*"])],
        outbound_connectors=[dict(name="Outbound to Cisco CES", enabled=True, tls_settings="EncryptionOnly")],
        transport_rules=[dict(name="Outbound to Cisco CES", state="Enabled", enabled=True, set_scl=None,
                              set_header_value="********")])
    tenants = {"tenant1": dict(exo=exo, dns=[_dns("example.test"), _dns("sales.example.test", dmarc=False)],
                               domains=list(DOMAINS), gateways=["esa1"], gateway_ips=list(GATEWAY_IPS),
                               expected=dict(inbound_connector="Inbound from Cisco CES",
                                             outbound_connector="Outbound to Cisco CES",
                                             transport_rule="Outbound to Cisco CES"))}
    return gateways, tenants, {"gateway:esa1": SECRET, "tenant:tenant1": SECRET}


def _codes(found):
    return sorted(set(f["code"] for f in found))


def test_converged_has_no_finding():
    assert rules.evaluate(*converged()) == []


def _connector(g, t, s):
    return t["tenant1"]["exo"]["inbound_connectors"][0]


def _open_connector(g, t, s):
    _connector(g, t, s).update(restrict_domains_to_ip_addresses=False, sender_ip_addresses=[])


def _foreign_ips(g, t, s):
    _connector(g, t, s)["sender_ip_addresses"].append("192.0.2.99")


def _ef_off(g, t, s):
    _connector(g, t, s).update(ef_skip_ips=[], ef_skip_last_ip=False)


def _scl(g, t, s):
    t["tenant1"]["exo"]["transport_rules"].append(dict(name="Bypass", state="Enabled", enabled=True, set_scl=-1))


def _inbound_tls(g, t, s):
    _connector(g, t, s)["require_tls"] = False


def _outbound_tls(g, t, s):
    t["tenant1"]["exo"]["outbound_connectors"][0]["tls_settings"] = None


def _drop_filter(g, t, s):
    g["esa1"]["filters"] = []
    g["esa1"]["expected"]["filter_name"] = None


def _inactive_filter(g, t, s):
    g["esa1"]["filters"][0]["active"] = False
    g["esa1"]["expected"]["filter_name"] = None


def _guide_filter(g, t, s):
    g["esa1"]["filters"][0]["body"] = FILTER_BODY.replace("RELAY_O365", "RELAYLIST")
    groups = g["esa1"]["esa"]["hat"]["OutgoingMail"]["sender_groups"]
    groups[:] = [x for x in groups if x["name"] != "RELAYLIST"]


def _dest_tls(g, t, s):
    g["esa1"]["esa"]["destination_controls"][0]["tls"] = "off"


def _dest_missing(g, t, s):
    del g["esa1"]["esa"]["destination_controls"][1]


def _ciphers(g, t, s):
    g["esa1"]["esa"]["tls_ciphers"]["ciphers"] = "ALL:!aNULL"


def _secret(value):
    def change(g, t, s):
        s["gateway:esa1"] = s["tenant:tenant1"] = value
    return change


def _reused(g, t, s):
    g["esa2"] = copy.deepcopy(g["esa1"])
    g["esa2"]["domains"] = ["other.example"]
    g["esa2"]["esa"]["recipient_access"]["IncomingMail"].append(dict(address="other.example", action="accept"))
    g["esa2"]["esa"]["smtp_routes"].append(dict(domain="other.example", destinations=[]))
    g["esa2"]["esa"]["destination_controls"].append(dict(domain="other.example", tls="on"))
    t["tenant2"] = dict(copy.deepcopy(t["tenant1"]), domains=["other.example"], gateways=["esa2"], dns=[])
    s["gateway:esa2"] = SECRET


def _dns_finding(code, severity):
    def change(g, t, s):
        t["tenant1"]["dns"][0]["findings"].append(dict(code=code, severity=severity, message=code))
    return change


def _dmarc_none(g, t, s):
    t["tenant1"]["dns"][0]["dmarc"].update(policy="none", subdomain_policy="none")


def _dmarc_missing(g, t, s):
    t["tenant1"]["dns"][0]["dmarc"] = dict(records_found=0)


def _no_route(g, t, s):
    g["esa1"]["esa"]["smtp_routes"].pop()


def _no_rat(g, t, s):
    g["esa1"]["esa"]["recipient_access"]["IncomingMail"].pop(0)


def _no_group(g, t, s):
    groups = g["esa1"]["esa"]["hat"]["OutgoingMail"]["sender_groups"]
    groups[:] = [x for x in groups if x["name"] != "RELAY_O365"]


def _no_outbound_connector(g, t, s):
    t["tenant1"]["exo"]["outbound_connectors"] = []


def _no_esa(g, t, s):
    g["esa1"]["esa"] = {}


# (change, the codes it must cause, a text of the object, a text of the fix)
POSITIVE = {
    "open_connector": (_open_connector, ["inbound_connector_unrestricted"], "inbound connector Inbound from Cisco CES",
                       "sender_ip_addresses"),
    "foreign_ips": (_foreign_ips, ["inbound_connector_unrestricted"], "Inbound from Cisco CES", "restrict_domains"),
    "ef_off": (_ef_off, ["enhanced_filtering_missing"], "Inbound from Cisco CES", "inbound_enhanced_filtering"),
    "scl": (_scl, ["scl_bypass_with_enhanced_filtering"], "transport rule Bypass", "inbound_scl_bypass_rule"),
    "inbound_tls": (_inbound_tls, ["connector_tls_not_required"], "inbound connector", "require_tls"),
    "outbound_tls": (_outbound_tls, ["connector_tls_not_required"], "outbound connector", "tls_settings"),
    "drop_filter": (_drop_filter, ["relay_group_unguarded"], "sender group RELAY_O365", "esa_message_filters"),
    "inactive_filter": (_inactive_filter, ["relay_group_unguarded"], "RELAY_O365", "outbound_filter_name"),
    "guide_filter": (_guide_filter, ["filter_unknown_sender_group", "relay_group_unguarded"],
                     "message filter office365_outbound", "outbound_sender_group"),
    "dest_tls": (_dest_tls, ["destination_tls_missing"], "destination control example.test", "tls=on"),
    "dest_missing": (_dest_missing, ["destination_tls_missing"], "sales.example.test", "esa_destination_controls"),
    "ciphers": (_ciphers, ["tls_ciphers_differ"], "outbound TLS ciphers", "outbound_tls_ciphers"),
    "short_secret": (_secret("Ab3xYz9Q"), ["secret_weak"], "gateway esa1: outbound_secret", "outbound_secret"),
    "guessable_secret": (_secret("passwordpassword1234"), ["secret_weak"], "outbound_secret", "vault"),
    "meta_secret": (_secret("Lab.Outbound*Secret+4711"), ["secret_weak"], "outbound_secret", "letters and digits"),
    "reused_secret": (_reused, ["secret_reused"], "gateway esa1: outbound_secret", "per gateway"),
    "mx_mixed": (_dns_finding("mx_mixed", "warning"), ["mx_mixed_gateway_eop"], "tenant1: example.test", "dns_cutover"),
    "spf_missing": (_dns_finding("spf_gateway_missing", "warning"), ["spf_gateway_missing"], "example.test",
                    "dns_cutover_fix_spf"),
    "spf_unreachable": (_dns_finding("spf_gateway_unreachable", "error"), ["spf_gateway_unreachable"], "example.test",
                        "dns_record"),
    "spf_lookups": (_dns_finding("spf_too_many_lookups", "error"), ["spf_too_many_lookups"], "example.test",
                    "flatten"),
    "dns_other": (_dns_finding("spf_pass_all", "error"), ["dns_other"], "example.test", "docs/dns.md"),
    "dmarc_none": (_dmarc_none, ["dmarc_monitor_only"], "example.test", "p=quarantine"),
    "dmarc_missing": (_dmarc_missing, ["dmarc_missing"], "example.test", "_dmarc"),
    "no_route": (_no_route, ["drift_gateway_object_missing"], "SMTP route sales.example.test", "playbooks/inbound.yml"),
    "no_rat": (_no_rat, ["drift_gateway_object_missing"], "recipient access example.test", "roles inbound"),
    "no_group": (_no_group, ["drift_gateway_object_missing", "filter_unknown_sender_group"], "sender group RELAY_O365", "playbooks/outbound.yml"),
    "no_connector": (_no_outbound_connector, ["drift_tenant_object_missing"], "outbound connector Outbound",
                     "playbooks/outbound.yml"),
    "no_esa": (_no_esa, ["facts_missing"], "esa1: esa_info", "connection"),
}


@pytest.mark.parametrize("name", sorted(POSITIVE))
def test_rule_fires_with_object_and_fix(name):
    change, codes, obj, fix = POSITIVE[name]
    gateways, tenants, secrets = converged()
    change(gateways, tenants, secrets)
    found = rules.evaluate(gateways, tenants, secrets)
    assert _codes(found) == sorted(codes), json.dumps(found, indent=1)
    matching = [f for f in found if obj in f["object"]]
    assert matching and any(fix in f["fix"] for f in matching), json.dumps(found, indent=1)
    for item in found:
        assert set(item) == {"code", "severity", "side", "title", "tenants", "object", "message", "evidence", "fix"}
        assert item["severity"] in rules.SEVERITIES and item["side"] in rules.SIDES
        assert SECRET not in json.dumps(item)
        for value in secrets.values():
            assert value not in json.dumps(item)


def test_every_rule_has_a_positive_case():
    fired = set()
    for change, codes, _obj, _fix in POSITIVE.values():
        fired.update(codes)
    assert fired == set(rules.RULES)


def test_negative_cases_fire_nothing():
    # what a rule must not take for unsafe
    gateways, tenants, secrets = converged()
    # a relay group without Microsoft 365 members needs no filter; a certificate-restricted connector is restricted
    gateways["esa1"]["esa"]["hat"]["OutgoingMail"]["sender_groups"].append(
        dict(name="RELAY_APP", policy="RELAYED", members=["192.0.2.10"]))
    tenants["tenant1"]["exo"]["inbound_connectors"].append(dict(
        name="Cert partner", connector_type="Partner", enabled=True, require_tls=True,
        restrict_domains_to_ip_addresses=False, restrict_domains_to_certificate=True,
        tls_sender_certificate_name="*.partner.example"))
    # a disabled SCL rule, an OnPremises connector, the DEFAULT destination control without TLS, an info DNS finding
    tenants["tenant1"]["exo"]["transport_rules"].append(dict(name="Old", state="Disabled", set_scl=-1))
    tenants["tenant1"]["exo"]["inbound_connectors"].append(dict(
        name="On-prem", connector_type="OnPremises", enabled=True, require_tls=True))
    tenants["tenant1"]["dns"][0]["findings"].append(dict(code="mx_ttl_high", severity="info", message="ttl"))
    # subdomain without its own DMARC record: the parent's sp= applies (RFC 7489 6.6.3)
    assert rules.evaluate(gateways, tenants, secrets) == []


def test_gateways_of_one_tenant_share_its_secret():
    """A tenant behind two gateways stamps one secret: both gateways must accept it (not reuse)."""
    gateways, tenants, secrets = converged()
    _reused(gateways, tenants, secrets)
    tenants["tenant2"]["gateways"] = ["esa1", "esa2"]
    assert _codes(rules.evaluate(gateways, tenants, secrets)) == []


def test_scl_rule_without_enhanced_filtering_is_not_the_combination():
    gateways, tenants, secrets = converged()
    _ef_off(gateways, tenants, secrets)
    _scl(gateways, tenants, secrets)
    assert _codes(rules.evaluate(gateways, tenants, secrets)) == ["enhanced_filtering_missing"]


def test_shared_gateway_secret_is_not_reuse():
    """Tenants behind one gateway must share its secret (docs/msp.md): not a finding."""
    gateways, tenants, secrets = converged()
    tenants["tenant2"] = dict(copy.deepcopy(tenants["tenant1"]), domains=[], dns=[])
    secrets["tenant:tenant2"] = SECRET
    assert rules.evaluate(gateways, tenants, secrets) == []


@pytest.mark.parametrize("value,props", [
    ("Ab3xYz9Q", dict(short=True)),
    ("aaaaaaaaaaaaaaaaaaaa", dict(guessable=True, short=False)),
    ("12345678901234567890", dict(guessable=True)),
    ("Secret123", dict(guessable=True, short=True)),
    ("has space in it 12345", dict(regex_metacharacters=True)),
    ("K7qPz2LmW9xR4tNv8sYb", dict(short=False, guessable=False, regex_metacharacters=False)),
    (SECRET, dict(short=False, guessable=False, regex_metacharacters=False)),
])
def test_secret_properties(value, props):
    found = rules.secret_properties(value)
    for key, expected in props.items():
        assert found[key] is expected, (key, found)
    assert value not in json.dumps(found)


def test_gateway_finding_of_shared_gateway_lists_every_served_tenant():
    gateways, tenants, secrets = converged()
    tenants["tenant2"] = dict(copy.deepcopy(tenants["tenant1"]), domains=[], dns=[])
    _ciphers(gateways, tenants, secrets)
    _no_route(gateways, tenants, secrets)
    found = dict((f["code"], f) for f in rules.evaluate(gateways, tenants, secrets))
    assert found["tls_ciphers_differ"]["tenants"] == ["tenant1", "tenant2"]
    # a domain's object belongs to the tenant that declares the domain
    tenants["tenant2"]["domains"] = ["other.example"]
    found = dict((f["code"], f) for f in rules.evaluate(gateways, tenants, secrets))
    assert found["drift_gateway_object_missing"]["tenants"] == ["tenant1"]


def test_threshold_and_worst():
    gateways, tenants, secrets = converged()
    _ciphers(gateways, tenants, secrets)
    found = rules.evaluate(gateways, tenants, secrets)
    assert rules.worst(found) == "warning" and rules.worst([]) is None
    assert len(rules.at_or_above(found, "warning")) == 1
    assert rules.at_or_above(found, "error") == [] and rules.at_or_above(found, "none") == []


def test_every_rule_is_documented():
    with open(os.path.join(ROOT, "docs", "posture.md")) as handle:
        text = handle.read()
    for code, (severity, side, _title, _fix) in rules.RULES.items():
        row = re.search(r"^\| `%s` \| (\w+) \| (\w+) \|" % code, text, re.M)
        assert row, "docs/posture.md has no table row for %s" % code
        assert row.groups() == (severity, side), code
        assert re.search(r"^### `%s`" % code, text, re.M), "docs/posture.md has no section for %s" % code
