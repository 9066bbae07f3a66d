# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The diff logic on graph2otel's live Get-* records (docs/exchange-rest.md 9-13): declaring one gives no change."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import connectors, transport_rules
from ansible_collections.mailops.secure_email.plugins.module_utils._exo import normalise as n
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.errors import ExoValidationError

INBOUND_LIVE = {
    "Enabled": False, "ConnectorType": "OnPremises", "ConnectorSource": "AdminUI",
    "Comment": "test connector for poller",
    "SenderIPAddresses": [], "SenderDomains": ["smtp:*;1"], "TrustedOrganizations": [],
    "ClientHostNames": [], "AssociatedAcceptedDomains": [],
    "RequireTls": True, "RestrictDomainsToIPAddresses": False, "RestrictDomainsToCertificate": False,
    "CloudServicesMailEnabled": True, "TreatMessagesAsInternal": False,
    "TlsSenderCertificateName": "*.rob-knight.com",
    "EFTestMode": False, "ScanAndDropRecipients": [], "EFSkipLastIP": False, "EFSkipIPs": [],
    "EFSkipMailGateway": [], "EFUsers": [],
    "AdminDisplayName": "", "Name": "connectortest", "Identity": "connectortest",
    "WhenChangedUTC": "2026-07-23T22:55:13.0000000Z", "WhenCreatedUTC": "2026-07-23T22:55:04.0000000Z",
    "Guid": "ac4d5ab0-6637-4e91-8d47-f5c2e95c71d9", "IsValid": True,
}
INBOUND_LIVE_2 = dict(INBOUND_LIVE, SenderIPAddresses=["81.187.237.31"], RequireTls=False,
                      TlsSenderCertificateName=None, Comment="")
OUTBOUND_LIVE = {
    "Enabled": True, "UseMXRecord": False, "Comment": "for graph2otel test",
    "ConnectorType": "OnPremises", "ConnectorSource": "AdminUI",
    "RecipientDomains": [], "SmartHosts": ["smtp-relay.gmail.com"],
    "TlsDomain": None, "TlsSettings": "CertificateValidation",
    "IsTransportRuleScoped": True, "RouteAllMessagesViaOnPremises": False,
    "CloudServicesMailEnabled": True, "AllAcceptedDomains": False, "SenderRewritingEnabled": False,
    "MtaStsMode": "Opportunistic", "SmtpDaneMode": "Opportunistic", "TestMode": False,
    "ValidationRecipients": ["rob@m7kni.io"], "IsValidated": False,
    "LastValidationTimestamp": "2026-07-24T18:59:12.0000000",
    "AdminDisplayName": "", "Name": "outbourconnection", "Identity": "outbourconnection",
    "WhenChangedUTC": "2026-07-24T19:01:54.0000000Z", "WhenCreatedUTC": "2026-07-24T18:58:31.0000000Z",
    "Guid": "d0d71cb9-6105-410f-8193-3640e12852a5", "IsValid": True,
}
RULE_LIVE = {
    "Priority@data.type": "System.Int32", "Priority": 0,
    "DlpPolicy": None, "Comments": None,
    "CreatedBy": "Rob Knight", "LastModifiedBy": "Rob Knight", "ManuallyModified": False,
    "ActivationDate": None, "ExpiryDate": None,
    "Description": "If the message:\r\n\tIs received from 'Outside the organization'\r\n...",
    "Conditions@odata.type": "#Collection(String)",
    "Conditions": ["Microsoft.Exchange.MessagingPolicies.Rules.Tasks.FromScopePredicate"],
    "Exceptions": None,
    "Actions@odata.type": "#Collection(String)",
    "Actions": ["Microsoft.Exchange.MessagingPolicies.Rules.Tasks.PrependSubjectAction",
                "Microsoft.Exchange.MessagingPolicies.Rules.Tasks.SetAuditSeverityAction"],
    "State": "Enabled", "Mode": "Enforce", "RuleErrorAction": "Ignore",
    "SenderAddressLocation": "HeaderOrEnvelope", "FromScope": "NotInOrganization", "SentToScope": None,
    "BlindCopyTo": None, "CopyTo": None, "RedirectMessageTo": None, "AddToRecipients": None,
    "RouteMessageOutboundConnector": None, "DeleteMessage": False, "Quarantine": False,
    "StopRuleProcessing": False, "PrependSubject": "EXTERNAL: ", "SetAuditSeverity": "Medium",
    "ApplyRightsProtectionTemplate": None,
    "Identity": "g2o-test", "Guid": "0ab1e768-08b0-4768-81e2-64d6f990c552", "Name": "g2o-test",
    "IsValid": True, "WhenChanged@data.type": "System.DateTime", "WhenChanged": "2026-07-23T21:51:45.0000000+00:00",
}

INBOUND_DECLARED = dict(
    enabled=False, connector_type="OnPremises", comment="test connector for poller", sender_domains=["*"],
    sender_ip_addresses=[], associated_accepted_domains=[], require_tls=True, restrict_domains_to_ip_addresses=False,
    restrict_domains_to_certificate=False, tls_sender_certificate_name="*.rob-knight.com",
    treat_messages_as_internal=False, cloud_services_mail_enabled=True, trusted_organizations=[], ef_skip_ips=[],
    ef_skip_last_ip=False, ef_users=[])
OUTBOUND_DECLARED = dict(
    enabled=True, use_mx_record=False, comment="for graph2otel test", connector_type="OnPremises",
    recipient_domains=[], smart_hosts=["smtp-relay.gmail.com"], tls_domain=None, tls_settings="CertificateValidation",
    is_transport_rule_scoped=True, route_all_messages_via_on_premises=False, cloud_services_mail_enabled=True,
    all_accepted_domains=False, sender_rewriting_enabled=False, mta_sts_mode="Opportunistic",
    smtp_dane_mode="Opportunistic", test_mode=False, validation_recipients=["rob@m7kni.io"])
RULE_DECLARED = dict(comments=None, mode="Enforce", rule_error_action="Ignore",
                     sender_address_location="HeaderOrEnvelope", from_scope="NotInOrganization",
                     prepend_subject="EXTERNAL: ", set_audit_severity="Medium", delete_message=False,
                     quarantine=False, stop_rule_processing=False)


@pytest.mark.parametrize("kind, declared, record", [
    (connectors.INBOUND, INBOUND_DECLARED, INBOUND_LIVE),
    (connectors.OUTBOUND, OUTBOUND_DECLARED, OUTBOUND_LIVE),
])
def test_declaring_the_live_connector_gives_no_change(kind, declared, record):
    desired = connectors.check(kind, record["Name"], declared, record)
    changes, before, after = n.compare(kind.fields, desired, record)
    assert changes == {}
    assert before == after


def test_second_live_inbound_record_with_equivalent_spellings():
    declared = dict(sender_ip_addresses=["81.187.237.31/32"], sender_domains=["smtp:*;1"], require_tls=False,
                    comment="", tls_sender_certificate_name="")
    changes, _before, _after = n.compare(connectors.INBOUND_FIELDS, declared, INBOUND_LIVE_2)
    assert changes == {}


def test_declaring_the_live_rule_gives_no_change():
    changes, before, after = n.compare(transport_rules.FIELDS, RULE_DECLARED, RULE_LIVE)
    assert changes == {}
    assert before == after
    assert before["from_scope"] == "NotInOrganization" and before["sender_ip_ranges"] is None


def test_a_real_difference_is_reported_with_before_and_after():
    declared = dict(INBOUND_DECLARED, sender_ip_addresses=["198.51.100.7"], enabled=True)
    changes, before, after = n.compare(connectors.INBOUND_FIELDS, declared, INBOUND_LIVE)
    assert changes == {"sender_ip_addresses": ["198.51.100.7"], "enabled": True}
    assert before["sender_ip_addresses"] is None and after["sender_ip_addresses"] == ["198.51.100.7"]
    assert n.parameters(connectors.INBOUND_FIELDS, declared, changes, creating=False) == {
        "SenderIPAddresses": ["198.51.100.7"], "Enabled": True}


def test_unmanaged_options_are_not_compared():
    changes, _before, _after = n.compare(connectors.INBOUND_FIELDS, dict(comment=None), INBOUND_LIVE)
    assert changes == {}


def test_create_sends_only_declared_values_and_set_only_later():
    declared = dict(OUTBOUND_DECLARED, tls_domain=None)
    changes, before, _after = n.compare(connectors.OUTBOUND_FIELDS, declared, None)
    assert before == {}
    params = n.parameters(connectors.OUTBOUND_FIELDS, declared, changes, creating=True)
    assert "ValidationRecipients" not in params and params["SmartHosts"] == ["smtp-relay.gmail.com"]
    assert "TlsDomain" not in params


def test_secret_header_value_is_masked_in_the_diff():
    record = dict(RULE_LIVE, SetHeaderName="X-OUTBOUND-AUTH", SetHeaderValue="s3cret")
    same, before, after = n.compare(transport_rules.FIELDS, dict(set_header_value="s3cret"), record)
    assert same == {} and before["set_header_value"] == "********" and after["set_header_value"] == "********"
    changes, before, after = n.compare(transport_rules.FIELDS, dict(set_header_value="other"), record)
    assert list(changes) == ["set_header_value"]
    assert after["set_header_value"] == "******** (changed)"
    assert "s3cret" not in str(before) + str(after) and "other" not in str(after)


def test_partner_only_options_on_onpremises():
    desired = connectors.check(connectors.INBOUND, "x", dict(restrict_domains_to_ip_addresses=False), INBOUND_LIVE)
    assert desired["restrict_domains_to_ip_addresses"] is None  # false is the default: never sent to OnPremises
    with pytest.raises(ExoValidationError) as exc:
        connectors.check(connectors.INBOUND, "x", dict(restrict_domains_to_ip_addresses=True), INBOUND_LIVE)
    assert "restrict_domains_to_ip_addresses" in exc.value.message and "Partner" in exc.value.message


def test_inbound_validation_names_field_and_rule():
    with pytest.raises(ExoValidationError) as exc:
        declared = dict(sender_domains=["*"], sender_ip_addresses=["2001:db8::/64", "10.0.0.0/16"])
        connectors.check(connectors.INBOUND, "n" * 65, declared, None)
    text = exc.value.message
    assert "name: 65 characters" in text and "IPv6" in text and "/16" in text and "/24 to /32" in text


def test_rule_validation():
    with pytest.raises(ExoValidationError) as exc:
        transport_rules.check("r", dict(prepend_subject="x"), None, 3, False, False)
    assert "no condition" in exc.value.message and "allow_no_conditions" in exc.value.message
    transport_rules.check("r", dict(prepend_subject="x"), None, 3, False, True)
    with pytest.raises(ExoValidationError) as exc:
        transport_rules.check("r", dict(from_scope="InOrganization", set_scl=5, priority=3), None, 3, True, False)
    assert "priority: 3 is out of range" in exc.value.message and "0 to 2" in exc.value.message
    transport_rules.check("r", dict(from_scope="InOrganization", set_scl=5, priority=3), None, 3, False, False)
    with pytest.raises(ExoValidationError) as exc:
        transport_rules.check("r", dict(from_scope="InOrganization", set_header_name="X-A"), None, 0, False, False)
    assert "set_header_name and set_header_value" in exc.value.message


def test_outbound_validation_smart_hosts_and_tls_domain():
    with pytest.raises(ExoValidationError) as exc:
        connectors.check(connectors.OUTBOUND, "o", dict(smart_hosts=["relay.example.net"]), None)
    assert "use_mx_record" in exc.value.message and "smart_hosts" in exc.value.message
    with pytest.raises(ExoValidationError) as exc:
        connectors.check(connectors.OUTBOUND, "o", dict(use_mx_record=False), None)
    assert "smart_hosts: required when use_mx_record is false" in exc.value.message
    with pytest.raises(ExoValidationError) as exc:
        connectors.check(connectors.OUTBOUND, "o", dict(use_mx_record=False, smart_hosts=["a.example.net"],
                                                        tls_settings="EncryptionOnly", tls_domain="x.example.net"),
                         None)
    assert "tls_domain" in exc.value.message
    with pytest.raises(ExoValidationError) as exc:
        connectors.check(connectors.OUTBOUND, "o", dict(use_mx_record=False, smart_hosts=["a.example.net"],
                                                        sender_rewriting_enabled=True), None)
    assert "sender_rewriting_enabled" in exc.value.message and "OnPremises" in exc.value.message
