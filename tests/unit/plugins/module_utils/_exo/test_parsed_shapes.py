# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""state=parsed reads the REST records and PowerShell's ConvertTo-Json exports (issue 13; docs/exchange-online.md).

The shapes of ``Get-InboundConnector | ConvertTo-Json`` follow Microsoft's ConvertTo-Json reference and its
well-known Windows PowerShell 5.1 behaviour: a DateTime is written "\\/Date(<ms since 1970 UTC>)\\/", an array that
carries extended-type properties is written {"value": [...], "Count": n}, a date carrying them (Get-Date) is
{"value": ..., "DisplayHint": 2, "DateTime": "..."}, enums are numbers unless -EnumsAsStrings (PowerShell 7), and
PowerShell 7 writes dates as ISO 8601 with an offset. The values are our own (documentation addresses and domains).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import string

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import connector_module, connectors
from ansible_collections.mailops.secure_email.plugins.module_utils._exo import normalise as n
from ansible_collections.mailops.secure_email.plugins.module_utils._exo import transport_rules
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.errors import ExoValidationError

PROPERTY = settings(max_examples=int(os.environ.get("MAILOPS_PROPERTY_EXAMPLES", "150")), deadline=None,
                    database=None, derandomize=not os.environ.get("MAILOPS_PROPERTY_RANDOM"))

# Windows PowerShell 5.1: Get-InboundConnector "Inbound from the gateway" | ConvertTo-Json (enums made text with
# Select-Object, as the docs advise); note the JSON escapes "\/" and the ETS-wrapped array.
PS51_INBOUND = r'''{
    "Enabled":  true,
    "ConnectorType":  "Partner",
    "ConnectorSource":  "Default",
    "Comment":  null,
    "SenderIPAddresses":  {
                              "value":  [
                                            "198.51.100.0/24",
                                            "203.0.113.7"
                                        ],
                              "Count":  2
                          },
    "SenderDomains":  [
                          "smtp:*;1"
                      ],
    "AssociatedAcceptedDomains":  [

                                  ],
    "RequireTls":  true,
    "RestrictDomainsToIPAddresses":  true,
    "RestrictDomainsToCertificate":  false,
    "TlsSenderCertificateName":  null,
    "EFSkipLastIP":  false,
    "EFSkipIPs":  {
                      "value":  [
                                    "198.51.100.0-198.51.100.255",
                                    "203.0.113.7"
                                ],
                      "Count":  2
                  },
    "EFUsers":  [

                ],
    "AdminDisplayName":  "",
    "Name":  "Inbound from the gateway",
    "Identity":  "Inbound from the gateway",
    "WhenChanged":  "\/Date(1700000000000)\/",
    "WhenCreatedUTC":  "\/Date(1699990000000)\/",
    "Guid":  "00000000-0000-0000-0000-000000000013",
    "IsValid":  true
}'''

EXPECTED_INBOUND = {
    "name": "Inbound from the gateway", "enabled": True, "connector_type": "Partner", "comment": "",
    "sender_ip_addresses": ["198.51.100.0/24", "203.0.113.7"], "sender_domains": ["*"],
    "associated_accepted_domains": [], "require_tls": True, "restrict_domains_to_ip_addresses": True,
    "restrict_domains_to_certificate": False, "tls_sender_certificate_name": "", "ef_skip_last_ip": False,
    "ef_skip_ips": ["198.51.100.0-198.51.100.255", "203.0.113.7"], "ef_users": [],
}

# The REST gateway's answer (docs/exchange-rest.md section 5): records in "value", annotations beside the values.
REST_OUTBOUND = {
    "@odata.context": "https://outlook.office365.com/adminapi/beta/$metadata#Collection(Exchange.GenericHashTable)",
    "@adminapi.warnings": [],
    "value": [{
        "Enabled": True, "UseMXRecord": False, "Comment": "to the gateway", "ConnectorType": "Partner",
        "RecipientDomains@odata.type": "#Collection(String)", "RecipientDomains": ["*"],
        "SmartHosts@odata.type": "#Collection(String)", "SmartHosts": ["mx1.example.net", "192.0.2.10/31"],
        "TlsDomain": None, "TlsSettings": "EncryptionOnly", "IsTransportRuleScoped": True,
        "RouteAllMessagesViaOnPremises": False, "CloudServicesMailEnabled": False, "AllAcceptedDomains": False,
        "SenderRewritingEnabled": False, "MtaStsMode": "None", "SmtpDaneMode": "Opportunistic", "TestMode": False,
        "ValidationRecipients": ["postmaster@example.com"], "IsValidated": True,
        "LastValidationTimestamp": "2026-07-24T18:59:12.0000000", "Name": "Outbound to the gateway",
        "Identity": "Outbound to the gateway", "WhenChangedUTC": "2026-07-24T19:01:54.0000000Z"}],
}


def test_ps51_convertto_json_export_becomes_module_options():
    assert connectors.parse(connectors.INBOUND, PS51_INBOUND) == [EXPECTED_INBOUND]


def test_parsed_options_declared_against_the_same_connector_change_nothing():
    record = json.loads(PS51_INBOUND)
    record.update(SenderIPAddresses=["198.51.100.0/24", "203.0.113.7"], EFSkipIPs=["198.51.100.0/24", "203.0.113.7"])
    config = connectors.parse(connectors.INBOUND, PS51_INBOUND)[0]
    desired = dict((k, v) for k, v in config.items() if k != "name")
    changes, before, after = n.compare(connectors.INBOUND_FIELDS, desired, record)
    assert changes == {} and before == after


def test_rest_answer_becomes_module_options():
    assert connectors.parse(connectors.OUTBOUND, REST_OUTBOUND) == [{
        "name": "Outbound to the gateway", "enabled": True, "use_mx_record": False, "comment": "to the gateway",
        "connector_type": "Partner", "recipient_domains": ["*"], "smart_hosts": ["mx1.example.net", "192.0.2.10/31"],
        "tls_domain": "", "tls_settings": "EncryptionOnly", "is_transport_rule_scoped": True,
        "route_all_messages_via_on_premises": False, "cloud_services_mail_enabled": False,
        "all_accepted_domains": False, "sender_rewriting_enabled": False, "mta_sts_mode": "None",
        "smtp_dane_mode": "Opportunistic", "test_mode": False, "validation_recipients": ["postmaster@example.com"]}]
    # the same as JSON text, and a single record rather than the answer
    text = json.dumps(REST_OUTBOUND)
    assert connectors.parse(connectors.OUTBOUND, text) == connectors.parse(connectors.OUTBOUND, REST_OUTBOUND)
    assert connectors.parse(connectors.OUTBOUND, REST_OUTBOUND["value"][0]) == \
        connectors.parse(connectors.OUTBOUND, REST_OUTBOUND)


def test_ps_array_of_connectors_with_a_byte_order_mark_and_a_wrapped_top_level():
    second = dict(json.loads(PS51_INBOUND), Name="Second", SenderIPAddresses=[], EFSkipIPs=None)
    body = json.dumps([json.loads(PS51_INBOUND), second])
    parsed = connectors.parse(connectors.INBOUND, u"\ufeff" + body)
    assert [p["name"] for p in parsed] == ["Inbound from the gateway", "Second"]
    assert parsed[1]["sender_ip_addresses"] == [] and parsed[1]["ef_skip_ips"] == []
    wrapped = json.dumps({"value": [json.loads(PS51_INBOUND), second], "Count": 2})
    assert connectors.parse(connectors.INBOUND, wrapped) == parsed


@pytest.mark.parametrize("value, expected", [
    (r"\/Date(1700000000000)\/", "2023-11-14T22:13:20Z"),           # Windows PowerShell 5.1
    ("/Date(1700000000000)/", "2023-11-14T22:13:20Z"),              # the same, JSON-decoded
    ("/Date(1700000000000+0100)/", "2023-11-14T22:13:20Z"),         # DataContract zone: same instant
    ("/Date(-86400000)/", "1969-12-31T00:00:00Z"),
    ("2023-11-14T23:13:20.1234567+01:00", "2023-11-14T22:13:20Z"),  # PowerShell 7
    ("2023-11-14T22:13:20", "2023-11-14T22:13:20Z"),                # REST, no zone = UTC
])
def test_dates_in_every_export_form(value, expected):
    assert n.utc_datetime(value) == expected
    field = [f for f in transport_rules.FIELDS if f.option == "activation_date"][0]
    assert n.parse_value(field, value) == expected
    assert field.canon(value) == field.canon(expected)


def test_a_date_wrapped_with_its_ets_properties():
    field = [f for f in transport_rules.FIELDS if f.option == "expiry_date"][0]
    wrapped = {"value": "/Date(1700000000000)/", "DisplayHint": 2, "DateTime": "Tuesday, November 14, 2023 10:13:20 PM"}
    assert n.parse_value(field, wrapped) == "2023-11-14T22:13:20Z"


def test_transport_rule_record_with_ps_dates_parses_by_field():
    record = {"Name": "S1", "SenderIpRanges": {"value": ["198.51.100.105"], "Count": 1}, "SetSCL": -1,
              "ActivationDate": r"\/Date(1786627800000)\/", "ExpiryDate": None, "Mode": "Enforce", "Priority": 0}
    values, problems = n.parse_record(transport_rules.FIELDS, record, "running_config[0]")
    assert problems == []
    assert values == {"sender_ip_ranges": ["198.51.100.105"], "set_scl": -1, "activation_date": "2026-08-13T13:30:00Z",
                      "expiry_date": "", "mode": "Enforce"}


@pytest.mark.parametrize("prop, value, words", [
    ("ConnectorType", 1, ["ConnectorType", "connector_type", "enumeration number", "-EnumsAsStrings"]),
    ("ConnectorType", "Hybrid", ["ConnectorType", "connector_type", "Partner, OnPremises"]),
    ("RequireTls", "yes", ["RequireTls", "require_tls", "true or false"]),
    ("SenderIPAddresses", ["198.51.100.7", "198.51.100.300"],
     ["SenderIPAddresses[1]", "sender_ip_addresses", "'198.51.100.300'"]),
    ("EFSkipIPs", [{"LowerBound": "198.51.100.0", "UpperBound": "198.51.100.9"}],
     ["EFSkipIPs[0]", "ef_skip_ips", "not text", "ForEach-Object"]),
    ("Comment", ["a", "b"], ["Comment", "comment", "a list"]),
    ("Comment", 7, ["Comment", "comment", "not text"]),
])
def test_problems_name_the_record_the_property_and_the_option(prop, value, words):
    record = dict(json.loads(PS51_INBOUND))
    record[prop] = value
    with pytest.raises(ExoValidationError) as exc:
        connectors.parse(connectors.INBOUND, [record])
    for word in ["running_config[0] (Inbound from the gateway)"] + words:
        assert word in exc.value.message, (word, exc.value.message)


def test_outbound_enum_numbers_are_refused_not_guessed():
    record = dict(REST_OUTBOUND["value"][0], TlsSettings=0, SmtpDaneMode={"value": 2})
    with pytest.raises(ExoValidationError) as exc:
        connectors.parse(connectors.OUTBOUND, record)
    assert "TlsSettings (option tls_settings): the number 0 is an enumeration number" in exc.value.message
    assert "SmtpDaneMode (option smtp_dane_mode): the number 2" in exc.value.message


@pytest.mark.parametrize("running_config, words", [
    ("", ["running_config", "empty"]),
    ("Name : Inbound\nEnabled : True", ["running_config", "not JSON"]),
    ("42", ["running_config", "the number 42", "object"]),
    ("[1]", ["running_config[0]", "not a connector record"]),
    ('{"Enabled": true}', ["running_config[0].Name", "missing"]),
    ('{"Name": "X", "SmartHosts": ["mx.example.net"], "UseMXRecord": false}',
     ["running_config[0] (X)", "outbound connector record", "exo_outbound_connector"]),
    ('{"Name": "X", "Foo": 1}', ["running_config[0] (X)", "none of the properties", "Get-InboundConnector"]),
])
def test_unusable_exports_are_refused_naming_the_place(running_config, words):
    with pytest.raises(ExoValidationError) as exc:
        connectors.parse(connectors.INBOUND, running_config)
    for word in words:
        assert word in exc.value.message, (word, exc.value.message)


class _Exit(Exception):
    pass


class _FakeModule(object):
    def __init__(self, **params):
        self.params = dict(state="parsed", running_config=None, name=None)
        self.params.update(params)
        self.result = None

    def exit_json(self, **result):
        self.result = dict(result, failed=False)
        raise _Exit()

    def fail_json(self, **result):
        self.result = dict(result, failed=True)
        raise _Exit()


def test_module_state_parsed_needs_no_connection():
    module = _FakeModule(running_config=PS51_INBOUND)
    with pytest.raises(_Exit):
        connector_module.run_inbound(module)
    assert module.result == {"changed": False, "parsed": [EXPECTED_INBOUND], "failed": False}
    module = _FakeModule(running_config='{"Name": "X", "ConnectorType": 2, "SenderDomains": []}')
    with pytest.raises(_Exit):
        connector_module.run_inbound(module)
    assert module.result["failed"] and "ConnectorType (option connector_type)" in module.result["msg"]
    module = _FakeModule(state="present", name="X", running_config="{}")
    with pytest.raises(_Exit):
        connector_module.run_outbound(module)
    assert module.result["failed"] and module.result["msg"].startswith("running_config: used only with state=parsed")


# -- properties ---------------------------------------------------------------------------------------------------
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) |
    st.sampled_from(["", "/Date(1700000000000)/", "/Date(99999999999999999)/", "smtp:*;1", "192.0.2.0-192.0.2.9",
                     "10.0.0.0/8", "fe80::1%eth0", "2001:db8::/64", "Partner", "true", "$False",
                     "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["value", "Value", "Count", "DisplayHint", "DateTime", "Name", "x", "@odata.type"]),
        children, max_size=3),
    max_leaves=12)
ALL_PARAMS = sorted(set(f.param for f in
                        connectors.INBOUND_FIELDS + connectors.OUTBOUND_FIELDS + transport_rules.FIELDS))
RECORDS = st.dictionaries(st.sampled_from(ALL_PARAMS + ["Name", "Identity", "WhenChanged"]), JSONISH, max_size=8)


@PROPERTY
@given(data=st.one_of(JSONISH, RECORDS, st.lists(RECORDS, max_size=3), st.text(max_size=40),
                      RECORDS.map(json.dumps), st.lists(RECORDS, max_size=2).map(json.dumps)))
def test_property_parse_raises_only_the_modules_own_error(data):
    for kind in (connectors.INBOUND, connectors.OUTBOUND):
        try:
            parsed = connectors.parse(kind, data)
        except ExoValidationError as exc:
            assert exc.message.startswith("running_config")
        else:
            assert isinstance(parsed, list) and all(isinstance(p["name"], str) for p in parsed)


@PROPERTY
@given(record=RECORDS, desired=RECORDS)
def test_property_normalise_and_compare_never_raise(record, desired):
    for fields in (connectors.INBOUND_FIELDS, connectors.OUTBOUND_FIELDS, transport_rules.FIELDS):
        n.current_values(fields, record)
        wanted = dict((f.option, desired.get(f.param)) for f in fields)
        n.compare(fields, wanted, record)
        values, problems = n.parse_record(fields, record, "running_config[0]")
        assert all(p.startswith("running_config[0].") for p in problems)


LABEL = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=8)
DOMAIN = st.builds(lambda a, b: "%s.%s" % (a, b), LABEL, st.sampled_from(["com", "net", "example"]))
V4 = st.builds(lambda a, b: "198.51.%d.%d" % (a, b), st.integers(0, 255), st.integers(0, 255))
IP_FORM = st.one_of(
    V4, st.builds(lambda a: "203.0.113.%d/%d" % (a & 0xf0, 28), st.integers(0, 255)),
    st.builds(lambda a, b: "192.0.2.%d-192.0.2.%d" % (min(a, b), max(a, b)), st.integers(0, 255), st.integers(0, 255)),
    st.builds(lambda a: "2001:db8::%x/128" % a, st.integers(0, 65535)))
TEXT = st.text(alphabet=string.ascii_letters + string.digits + " -_.:", max_size=20)


def _value_strategy(field):
    if field.kind == "bool":
        return st.booleans()
    if field.kind == "int":
        return st.integers(-1, 9)
    if field.kind == "enum":
        return st.sampled_from(field.choices)
    if field.kind == "date":
        return st.sampled_from(["", "2026-08-13T13:30:00Z", "2031-01-01T00:00:00Z"])
    if field.kind in ("str", "str_ci", "secret"):
        return TEXT
    item = {"domains": st.one_of(st.just("*"), DOMAIN), "ips": IP_FORM, "hosts": st.one_of(DOMAIN, V4),
            "set_ci": st.one_of(DOMAIN, st.builds(lambda a, b: "%s@%s" % (a, b), LABEL, DOMAIN)),
            "set": TEXT.filter(lambda t: t.strip() == t and t)}[field.kind]
    return st.lists(item, max_size=4, unique=True)


@st.composite
def configs(draw, fields):
    config = {}
    for field in fields:
        if draw(st.booleans()):
            config[field.option] = draw(_value_strategy(field))
    return config


@settings(PROPERTY, max_examples=max(1, PROPERTY.max_examples // 3))  # each example draws three whole configurations
@given(data=st.data())
def test_property_render_then_parse_gives_the_same_options(data):
    for kind in (connectors.INBOUND, connectors.OUTBOUND):
        config = data.draw(configs(kind.fields), label=kind.name)
        config["name"] = data.draw(TEXT.filter(lambda t: t.strip()), label="name")
        record = connectors.render(kind, config)
        assert connectors.parse(kind, [record]) == [config]
        assert connectors.parse(kind, json.dumps({"value": [record]})) == [config]  # the REST answer, as text
        # and the rendered record is what the module would compare against: nothing to change
        changes, dummy, dummy2 = n.compare(kind.fields, config, record)
        assert changes == {}
    rule = data.draw(configs(transport_rules.FIELDS), label="rule")
    values, problems = n.parse_record(transport_rules.FIELDS, n.render(transport_rules.FIELDS, rule), "r")
    assert problems == [] and values == rule
