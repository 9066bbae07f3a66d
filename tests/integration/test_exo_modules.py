# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Exchange Online modules against the lab's HTTPS gateway (real msal tokens, real InvokeCommand calls)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json

SECRET = "Lab-S3cret-4711-do-not-print"
SEED_TASKS = ("S2 inbound connector", "S1 bypass spam filtering rule", "S10 outbound connector",
              "S11 outbound rule with the secret header")


def _seed_vars():
    return {"exo_outbound_secret": SECRET}


def test_exo_seed_converges_idempotent_check_mode_and_diff(exo_lab, exo_playbook):
    exo_lab.cli("smarthost", "ob1.hc1234.iphmx.com", "--listening")
    # check mode on an empty tenant: everything would change, nothing is written
    run = exo_playbook("exo_seed.yml", extra_vars=_seed_vars(), check=True, diff=True)
    assert run.recap["changed"] == 4, run.output
    assert exo_lab.counters()["writes"] == 0
    assert exo_lab.counters()["validations"] == 0
    assert run.task("S10 outbound connector")["result"]["validation"]["run"] is False
    # converge, with diff and -vvv: the header secret must appear nowhere
    run = exo_playbook("exo_seed.yml", extra_vars=_seed_vars(), diff=True, args=("-vvv",))
    assert run.recap["changed"] == 4 and run.recap["failed"] == 0, run.output
    assert SECRET not in run.output
    for task in SEED_TASKS:
        result = run.task(task)["result"]
        assert result["diff"]["before"] == {} and result["diff"]["after"]["name"]
        assert SECRET not in str(result)
    assert run.task("S11 outbound rule with the secret header")["result"]["diff"]["after"]["set_header_value"] \
        == "********"
    s10 = run.task("S10 outbound connector")["result"]
    assert s10["validation"]["succeeded"] and s10["connector"]["is_validated"] is True
    writes = exo_lab.counters()["writes"]
    assert writes > 0
    tenant = exo_lab.tenant()
    assert tenant["inbound_connectors"][0]["SenderDomains"] == ["smtp:*;1"]
    rules = dict((r["Name"], r) for r in tenant["transport_rules"])
    assert rules["Outbound to Cisco CES"]["Priority"] == 0
    assert rules["Bypass spam filtering - inbound email from Cisco CES"]["Priority"] == 1
    assert rules["Outbound to Cisco CES"]["SetHeaderValue"] == SECRET
    outbound = tenant["outbound_connectors"][0]
    assert outbound["IsValidated"] is True and outbound["SmartHosts"] == ["ob1.hc1234.iphmx.com"]
    # second run: nothing changes, nothing is written (smtp:*;1, /32 stripping, priority 0 etc. compare equal)
    run = exo_playbook("exo_seed.yml", extra_vars=_seed_vars(), diff=True)
    assert run.recap["changed"] == 0, run.output
    assert exo_lab.counters()["writes"] == writes
    # check mode with another secret: S11 changes, the secret stays masked
    run = exo_playbook("exo_seed.yml", extra_vars={"exo_outbound_secret": SECRET + "-2"}, check=True, diff=True,
                       args=("--start-at-task", "S11 outbound rule with the secret header"))
    assert run.recap["changed"] == 1, run.output
    s11 = run.task("S11 outbound rule with the secret header")["result"]
    assert s11["changed"] and s11["changes"] == ["set_header_value"]
    assert s11["diff"]["after"]["set_header_value"] == "******** (changed)"
    assert SECRET not in run.output and exo_lab.counters()["writes"] == writes


LIVE_SEED = {
    # graph2otel's live records, verbatim (annotation keys included); docs/exchange-rest.md sections 9-13
    "inbound_connectors": [
        {"Enabled": False, "ConnectorType": "OnPremises", "ConnectorSource": "AdminUI",
         "Comment": "test connector for poller", "SenderIPAddresses": [], "SenderDomains": ["smtp:*;1"],
         "TrustedOrganizations": [], "ClientHostNames": [], "AssociatedAcceptedDomains": [], "RequireTls": True,
         "RestrictDomainsToIPAddresses": False, "RestrictDomainsToCertificate": False,
         "CloudServicesMailEnabled": True, "TreatMessagesAsInternal": False,
         "TlsSenderCertificateName": "*.rob-knight.com", "EFTestMode": False, "ScanAndDropRecipients": [],
         "EFSkipLastIP": False, "EFSkipIPs": [], "EFSkipMailGateway": [], "EFUsers": [], "AdminDisplayName": "",
         "Name": "connectortest", "Identity": "connectortest", "WhenChangedUTC": "2026-07-23T22:55:13.0000000Z",
         "WhenCreatedUTC": "2026-07-23T22:55:04.0000000Z", "Guid": "ac4d5ab0-6637-4e91-8d47-f5c2e95c71d9",
         "IsValid": True},
        {"Enabled": False, "ConnectorType": "OnPremises", "ConnectorSource": "AdminUI", "Comment": "",
         "SenderIPAddresses": ["81.187.237.31"], "SenderDomains": ["smtp:*;1"], "RequireTls": False,
         "TlsSenderCertificateName": None, "Name": "connectortest2"},
    ],
    "outbound_connectors": [
        {"Enabled": True, "UseMXRecord": False, "Comment": "for graph2otel test", "ConnectorType": "OnPremises",
         "ConnectorSource": "AdminUI", "RecipientDomains": [], "SmartHosts": ["smtp-relay.gmail.com"],
         "TlsDomain": None, "TlsSettings": "CertificateValidation", "IsTransportRuleScoped": True,
         "RouteAllMessagesViaOnPremises": False, "CloudServicesMailEnabled": True, "AllAcceptedDomains": False,
         "SenderRewritingEnabled": False, "MtaStsMode": "Opportunistic", "SmtpDaneMode": "Opportunistic",
         "TestMode": False, "ValidationRecipients": ["rob@m7kni.io"], "IsValidated": False,
         "LastValidationTimestamp": "2026-07-24T18:59:12.0000000", "AdminDisplayName": "",
         "Name": "outbourconnection", "Identity": "outbourconnection",
         "WhenChangedUTC": "2026-07-24T19:01:54.0000000Z", "WhenCreatedUTC": "2026-07-24T18:58:31.0000000Z",
         "Guid": "d0d71cb9-6105-410f-8193-3640e12852a5", "IsValid": True},
    ],
    "transport_rules": [
        {"Priority@data.type": "System.Int32", "Priority": 0, "DlpPolicy": None, "Comments": None,
         "CreatedBy": "Rob Knight", "LastModifiedBy": "Rob Knight", "ManuallyModified": False,
         "ActivationDate": None, "ExpiryDate": None,
         "Description": "If the message:\r\n\tIs received from 'Outside the organization'\r\nTake the following "
                        "actions:\r\n\tPrepend the subject with 'EXTERNAL: '\r\n\tand Set audit severity level to "
                        "'Medium'\r\n",
         "Conditions@odata.type": "#Collection(String)",
         "Conditions": ["Microsoft.Exchange.MessagingPolicies.Rules.Tasks.FromScopePredicate"], "Exceptions": None,
         "Actions@odata.type": "#Collection(String)",
         "Actions": ["Microsoft.Exchange.MessagingPolicies.Rules.Tasks.PrependSubjectAction",
                     "Microsoft.Exchange.MessagingPolicies.Rules.Tasks.SetAuditSeverityAction"],
         "State": "Enabled", "Mode": "Enforce", "RuleErrorAction": "Ignore",
         "SenderAddressLocation": "HeaderOrEnvelope", "FromScope": "NotInOrganization", "SentToScope": None,
         "BlindCopyTo": None, "CopyTo": None, "RedirectMessageTo": None, "AddToRecipients": None,
         "RouteMessageOutboundConnector": None, "DeleteMessage": False, "Quarantine": False,
         "StopRuleProcessing": False, "PrependSubject": "EXTERNAL: ", "SetAuditSeverity": "Medium",
         "ApplyRightsProtectionTemplate": None, "Identity": "g2o-test",
         "Guid": "0ab1e768-08b0-4768-81e2-64d6f990c552", "Name": "g2o-test", "IsValid": True,
         "WhenChanged@data.type": "System.DateTime", "WhenChanged": "2026-07-23T21:51:45.0000000+00:00"},
    ],
}


def test_exo_live_records_give_no_spurious_change(exo_lab, exo_playbook, tmp_path):
    exo_lab.seed(LIVE_SEED, tmp_path)
    run = exo_playbook("exo_live_records.yml", diff=True)
    assert run.recap["changed"] == 0 and run.recap["failed"] == 0, run.output
    assert exo_lab.counters()["writes"] == 0
    info = run.task("Read everything back")["result"]
    inbound = dict((c["name"], c) for c in info["inbound_connectors"])
    assert inbound["connectortest"]["sender_domains"] == ["*"]
    assert info["transport_rules"][0]["prepend_subject"] == "EXTERNAL: "
    assert any(d["initial_domain"] for d in info["accepted_domains"])


def test_exo_429_and_503_storms_are_survived(exo_lab, exo_playbook):
    exo_lab.cli("fault", "--http-429", "2", "--retry-after", "1", "--http-503", "2", "--concurrency", "1")
    exo_lab.cli("reset", "--counters-only")
    run = exo_playbook("exo_faults_env.yml")
    assert run.recap["failed"] == 0 and run.recap["changed"] == 1, run.output
    assert exo_lab.counters()["faults_served"] == 5
    tasks = ("Read through the storm", "Write through the storm")
    retries = sum(run.task(t)["result"]["http_calls"]["retries"] for t in tasks)
    assert retries == 5
    assert exo_lab.status()["faults"] == {"retry_after": 1}


def test_exo_auth_errors_are_clear_and_certificates_work(exo_lab, exo_playbook):
    exo_lab.cli("fault", "--http-403-nul", "1")
    run = exo_playbook("exo_auth.yml")
    bad = run.task("Bad secret")["result"]
    assert "401" in bad["msg"] and "AADSTS7000215" in bad["msg"] and "client secret" in bad["msg"], bad["msg"]
    assert "not-the-secret" not in run.output
    forbidden = run.task("Directory role missing (403 with NUL bytes)")["result"]
    assert "403" in forbidden["msg"] and "directory role" in forbidden["msg"] and "NUL" in forbidden["msg"]
    assert run.task("Certificate from a PEM file (SHA-256 thumbprint from the certificate)")["status"] == "ok"
    assert run.task("Certificate content with its SHA-1 thumbprint")["status"] == "ok"
    tls = run.task("Without the lab CA, TLS verification fails")["result"]
    assert "TLS verification" in tls["msg"] and "CERTIFICATE_VERIFY_FAILED" in tls["msg"]


def test_exo_validation_listening_passes_closed_fails(exo_lab, exo_playbook):
    exo_lab.cli("smarthost", "good.lab.test", "--listening")
    exo_lab.cli("smarthost", "bad.lab.test", "--closed")
    run = exo_playbook("exo_validate.yml")
    good = run.task("Smart host that listens")["result"]
    assert good["changed"] and good["validation"]["succeeded"], run.output
    names = [t["TaskName"] for t in good["validation"]["tasks"]]
    assert names == ["Resolve", "Connect", "SMTP EHLO", "STARTTLS", "Send test email"]
    bad = run.task("Smart host that does not listen")["result"]
    assert "IsValidated left false" in bad["msg"] and "Connect bad.lab.test" in bad["msg"]
    assert bad["validation"]["succeeded"] is False
    assert run.task("Validated connector, second run")["result"]["changed"] is False
    connectors = dict((c["Name"], c) for c in exo_lab.tenant()["outbound_connectors"])
    assert connectors["Outbound good"]["IsValidated"] is True
    assert connectors["Outbound good"]["ValidationRecipients"] == ["postmaster@example.net"]
    assert connectors["Outbound bad"]["IsValidated"] is False
    assert exo_lab.counters()["smtp_messages"] == 1


def test_exo_validation_happens_before_any_write(exo_lab, exo_playbook):
    run = exo_playbook("exo_invalid.yml")
    assert run.recap["failed"] == 0 and run.recap.get("ok") == 6, run.output
    expect = {
        "IPv6 sender range": ("sender_ip_addresses", "IPv6", "/24 to /32"),
        "Sender range wider than /24": ("sender_ip_addresses", "/16", "/24 to /32"),
        "Partner-only option on an OnPremises connector": ("restrict_domains_to_ip_addresses", "Partner"),
        "Name longer than 64 characters": ("name", "64"),
        "Rule without conditions": ("no condition", "allow_no_conditions"),
        "Enhanced Filtering with a private address": ("ef_skip_ips", "RFC 1918"),
    }
    for task, words in expect.items():
        result = run.task(task)["result"]  # failed_when in the playbook: the task must have failed
        for word in words:
            assert word in result["msg"], (task, word, result["msg"])
    counters = exo_lab.counters()
    assert counters["writes"] == 0 and counters["cmdlet_errors"] == 0


def _trace_rows(now):
    rows = []
    for index in range(30):
        rows.append({"MessageTraceId": "00000000-0000-0000-0000-%012d" % index,
                     "MessageId": "<test-%d@example.net>" % index,
                     "Received": (now - datetime.timedelta(minutes=10 * index // 2)).strftime(
                         "%Y-%m-%dT%H:%M:%S.0000000Z"),
                     "SenderAddress": "sender@example.net", "RecipientAddress": "user@example.com",
                     "FromIP": "198.51.100.105", "ToIP": "", "Subject": "Inbound test %d" % index,
                     "Status": "Delivered", "Size": 1000 + index})
    for index in range(3):  # older, in the second 10-day window
        rows.append({"MessageTraceId": "10000000-0000-0000-0000-%012d" % index, "MessageId": "<old-%d@x>" % index,
                     "Received": (now - datetime.timedelta(days=11, hours=index)).strftime(
                         "%Y-%m-%dT%H:%M:%S.0000000Z"),
                     "SenderAddress": "old@example.net", "RecipientAddress": "user@example.com",
                     "FromIP": "", "ToIP": "", "Subject": "Old", "Status": "Delivered", "Size": 10})
    rows.append(dict(rows[0], MessageTraceId="20000000-0000-0000-0000-000000000000", Status="FilteredAsSpam",
                     Subject="Spam"))
    return rows


def test_exo_message_trace_follows_truncation_and_dedupes(exo_lab, exo_playbook, tmp_path):
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    exo_lab.seed({"message_trace": _trace_rows(now)}, tmp_path)
    start = (now - datetime.timedelta(days=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
    run = exo_playbook("exo_trace.yml", extra_vars={"trace_start": start})
    first = run.task("All test messages to the user, small pages")["result"]
    assert first["count"] == 30 and first["queries"] > 4 and first["truncated"] is False, first
    assert len(set(m["MessageTraceId"] for m in first["messages"])) == 30
    second = run.task("Over 12 days (two windows), delivered only")["result"]
    assert second["count"] == 33 and second["queries"] == 2, second


def test_exo_header_names_with_spaces_are_refused_before_any_write(exo_lab, exo_playbook):
    before = exo_lab.counters()
    run = exo_playbook("secrets_exo_header.yml", extra_vars={"secret": SECRET})
    assert run.recap["failed"] == 0, run.output
    msg = run.task("Set a header whose name holds spaces")["result"]["msg"]
    assert "set_header_name: 'X OUTBOUND AUTH' is not a header name: it contains a space at position 2" in msg
    assert "RFC 5322" in msg and "nothing was changed" in msg
    msg = run.task("Condition on a header whose name holds a space")["result"]["msg"]
    assert "header_contains_message_header: 'X Spam Flag' is not a header name" in msg
    role = run.task("The role failed")["result"]["ansible_facts"]["role_failure"]
    assert role.startswith('outbound_header_name: "X OUTBOUND AUTH" is not a header name') and "RFC 5322" in role
    counters = exo_lab.counters()
    assert counters["writes"] == before["writes"] == 0 and counters["cmdlet_errors"] == 0
    assert exo_lab.tenant()["transport_rules"] == [] and exo_lab.tenant()["outbound_connectors"] == []
    assert SECRET not in run.output


# -- issue 13: IP lists compare by coverage; state=parsed reads ConvertTo-Json exports ---------------------------
def test_exo_ip_lists_in_other_forms_are_no_change(exo_lab, exo_playbook):
    run = exo_playbook("exo_ip_forms.yml", extra_vars={"ip_form": "ranges"}, diff=True)
    assert run.recap["changed"] == 3 and run.recap["failed"] == 0, run.output
    writes = exo_lab.counters()["writes"]
    tenant = exo_lab.tenant()
    inbound = dict((c["Name"], c) for c in tenant["inbound_connectors"])["Inbound IP forms"]
    assert inbound["EFSkipIPs"] == ["198.51.100.0-198.51.100.255", "203.0.113.8-203.0.113.11"]  # the user's forms
    # the same addresses as CIDR ranges and single addresses: nothing to change, nothing written
    run = exo_playbook("exo_ip_forms.yml", extra_vars={"ip_form": "cidrs"}, diff=True)
    assert run.recap["changed"] == 0 and run.recap["failed"] == 0, run.output
    assert exo_lab.counters()["writes"] == writes
    connector = run.task("Inbound connector")["result"]["connector"]
    assert connector["ef_skip_ips"] == ["198.51.100.0/24", "203.0.113.8/30"]
    assert connector["sender_ip_addresses"] == ["198.51.100.0/24"]
    assert run.task("Transport rule")["result"]["rule"]["sender_ip_ranges"] == ["198.51.100.104/30", "2001:db8::/120"]
    assert run.task("Outbound connector")["result"]["connector"]["smart_hosts"] == ["192.0.2.10/31"]
    # one address more is a change (check mode: seen, not written)
    run = exo_playbook("exo_ip_forms.yml", extra_vars={"ip_form": "cidrs", "extra_skip": "203.0.113.12"}, check=True,
                       diff=True)
    assert run.recap["changed"] == 1, run.output
    result = run.task("Inbound connector")["result"]
    assert result["changes"] == ["ef_skip_ips"]
    assert result["diff"]["after"]["ef_skip_ips"] == ["198.51.100.0/24", "203.0.113.8/30", "203.0.113.12"]
    assert exo_lab.counters()["writes"] == writes


EXPORTED_INBOUND = {
    # the tenant's record as the REST gateway holds it (seeded) ...
    "Name": "Inbound from export", "Enabled": True, "ConnectorType": "Partner", "Comment": None,
    "SenderDomains": ["smtp:*;1"], "SenderIPAddresses": ["198.51.100.0/24", "203.0.113.7"], "RequireTls": True,
    "RestrictDomainsToIPAddresses": True, "RestrictDomainsToCertificate": False, "TlsSenderCertificateName": None,
    "EFSkipLastIP": False, "EFSkipIPs": ["198.51.100.0-198.51.100.255", "203.0.113.7"], "EFUsers": [],
    "AssociatedAcceptedDomains": [], "TrustedOrganizations": [],
}


def _convertto_json(record):
    """... and as Windows PowerShell 5.1's ConvertTo-Json writes it: arrays with ETS properties as {"value": [...],
    "Count": n}, DateTime as "\\/Date(ms)\\/" (enums made text before ConvertTo-Json, as exo_*_connector asks)."""
    shaped = {}
    for key, value in record.items():
        shaped[key] = {"value": value, "Count": len(value)} if isinstance(value, list) and value else value
    shaped.update(WhenChanged="/Date(1700000000000)/", WhenCreatedUTC="/Date(1699990000000)/",
                  Identity=record["Name"], Guid="00000000-0000-0000-0000-000000000013", IsValid=True)
    return json.dumps([shaped], indent=4).replace('"/Date(', '"\\/Date(').replace(')/"', ')\\/"')


def test_exo_parsed_convertto_json_export_declared_changes_nothing(exo_lab, exo_playbook, tmp_path):
    exo_lab.seed({"inbound_connectors": [EXPORTED_INBOUND]}, tmp_path)
    export = tmp_path / "inbound-export.json"
    export.write_text(u"\ufeff" + _convertto_json(EXPORTED_INBOUND), encoding="utf-8")  # Out-File writes a BOM
    assert "\\/Date(1700000000000)\\/" in export.read_text(encoding="utf-8")
    before = exo_lab.counters()
    run = exo_playbook("exo_ip_parsed.yml", extra_vars={"export_path": str(export)}, diff=True)
    assert run.recap["failed"] == 0 and run.recap["changed"] == 0, run.output
    parsed = run.task("Parse the ConvertTo-Json export")["result"]["parsed"]
    assert parsed == [{
        "name": "Inbound from export", "enabled": True, "connector_type": "Partner", "comment": "",
        "sender_domains": ["*"], "sender_ip_addresses": ["198.51.100.0/24", "203.0.113.7"], "require_tls": True,
        "restrict_domains_to_ip_addresses": True, "restrict_domains_to_certificate": False,
        "tls_sender_certificate_name": "", "ef_skip_last_ip": False,
        "ef_skip_ips": ["198.51.100.0-198.51.100.255", "203.0.113.7"], "ef_users": [],
        "associated_accepted_domains": [], "trusted_organizations": []}]
    declared = run.task("Declare what was parsed")["result"]["results"]
    assert [r["changed"] for r in declared] == [False]
    msg = run.task("An export with an enum number")["result"]["msg"]
    assert "running_config[0] (Outbound).TlsSettings (option tls_settings)" in msg and "-EnumsAsStrings" in msg
    after = exo_lab.counters()
    assert after["writes"] == before["writes"]
