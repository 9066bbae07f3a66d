# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""exo_transport_rule state=parsed: an export of the tenant's rules (REST records or Get-TransportRule |
ConvertTo-Json) as module options, with secrets left out (issue 13).

The records follow the shape of Get-TransportRule (Microsoft Learn; State Enabled|Disabled, Priority, Mode, and
the condition/action properties) and Windows PowerShell 5.1's ConvertTo-Json (ETS-wrapped arrays, /Date(ms)/);
the values are our own (documentation addresses and names).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import transport_rule_module, transport_rules
from ansible_collections.mailops.secure_email.plugins.module_utils._exo import normalise as n
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.errors import ExoValidationError
# the module double of the connectors' parsed tests: exit_json/fail_json record the result and stop
from ansible_collections.mailops.secure_email.tests.unit.plugins.module_utils._exo.test_parsed_shapes import (  # noqa: E501
    _Exit, _FakeModule)

PROPERTY = settings(max_examples=int(os.environ.get("MAILOPS_PROPERTY_EXAMPLES", "150")), deadline=None,
                    database=None, derandomize=not os.environ.get("MAILOPS_PROPERTY_RANDOM"))

SECRET = "Qv7-tenant-export-secret"
PS51_RULES = r'''[
    {
        "Name":  "Bypass spam filtering from the gateway",
        "State":  "Enabled",
        "Priority":  1,
        "Mode":  "Enforce",
        "SenderIpRanges":  {
                               "value":  [
                                             "198.51.100.105",
                                             "203.0.113.0/24"
                                         ],
                               "Count":  2
                           },
        "SetSCL":  -1,
        "ActivationDate":  null,
        "Comments":  "",
        "Conditions":  ["Microsoft.Exchange.MessagingPolicies.Rules.Tasks.SenderIpRangesPredicate"]
    },
    {
        "Name":  "Route outbound through the gateway",
        "State":  "Disabled",
        "Priority":  0,
        "Mode":  "Enforce",
        "FromScope":  "InOrganization",
        "SentToScope":  "NotInOrganization",
        "RouteMessageOutboundConnector":  "Outbound to the gateway",
        "SetHeaderName":  "X-OUTBOUND-AUTH",
        "SetHeaderValue":  "''' + SECRET + r'''",
        "ActivationDate":  "\/Date(1786627800000)\/"
    }
]'''


def test_ps51_export_of_rules_becomes_module_options_without_the_secret():
    parsed, omitted = transport_rules.parse(PS51_RULES)
    assert parsed == [
        {"name": "Bypass spam filtering from the gateway", "enabled": True, "priority": 1, "mode": "Enforce",
         "sender_ip_ranges": ["198.51.100.105", "203.0.113.0/24"], "set_scl": -1, "comments": "",
         "activation_date": ""},  # null: no activation date, managed as such
        {"name": "Route outbound through the gateway", "enabled": False, "priority": 0, "mode": "Enforce",
         "from_scope": "InOrganization", "sent_to_scope": "NotInOrganization",
         "route_message_outbound_connector": "Outbound to the gateway", "set_header_name": "X-OUTBOUND-AUTH",
         "activation_date": "2026-08-13T13:30:00Z"},
    ]
    assert omitted == ["running_config[1] (Route outbound through the gateway).set_header_value"]
    assert SECRET not in json.dumps(parsed)


def test_conditions_on_the_secret_header_are_left_out_too():
    record = {"Name": "Guard", "State": "Enabled", "Priority": 0, "HeaderMatchesMessageHeader": "x-outbound-auth",
              "HeaderMatchesPatterns": ["^%s$" % SECRET], "DeleteMessage": True}
    parsed, omitted = transport_rules.parse({"value": [record]})  # the REST answer, decoded
    assert parsed == [{"name": "Guard", "enabled": True, "priority": 0, "delete_message": True,
                       "header_matches_message_header": "x-outbound-auth"}]
    assert omitted == ["running_config[0] (Guard).header_matches_patterns"]
    other = dict(record, HeaderMatchesMessageHeader="X-Other", HeaderMatchesPatterns=["^a$"])
    assert transport_rules.parse([other])[0][0]["header_matches_patterns"] == ["^a$"]


@pytest.mark.parametrize("running_config, words", [
    ('{"Name": "R", "State": "On", "Priority": 0}', ["running_config[0] (R).State", "option enabled", "'On'"]),
    ('{"Name": "R", "State": "Enabled", "Priority": "first"}', ["R).Priority", "option priority", "whole number"]),
    ('{"Name": "R", "State": "Enabled", "Mode": 2}', ["R).Mode", "option mode", "enumeration number"]),
    ('{"Name": "R", "ConnectorType": "Partner"}', ["none of the properties of a transport rule", "Get-TransportRule"]),
    ('{"State": "Enabled"}', ["running_config[0].Name: missing"]),
    ('[7]', ["running_config[0]: the number 7, not a transport rule record"]),
    ('not json', ["running_config: not JSON"]),
])
def test_problems_name_the_record_the_property_and_the_option(running_config, words):
    with pytest.raises(ExoValidationError) as caught:
        transport_rules.parse(running_config)
    for word in words:
        assert word in caught.value.message


def test_module_state_parsed_needs_no_connection_and_running_config_only_with_parsed():
    module = _FakeModule(running_config=PS51_RULES)
    with pytest.raises(_Exit):
        transport_rule_module.run(module)
    assert module.result["failed"] is False and module.result["changed"] is False
    names = [rule["name"] for rule in module.result["parsed"]]
    assert names == ["Bypass spam filtering from the gateway", "Route outbound through the gateway"]
    assert SECRET not in json.dumps(module.result)
    module = _FakeModule(state="present", name="R", running_config="[]")
    with pytest.raises(_Exit):
        transport_rule_module.run(module)
    assert module.result["failed"] and module.result["msg"].startswith("running_config: used only with state=parsed")


def test_argument_spec_requires_a_name_except_for_parsed():
    dummy, extra = transport_rule_module.rule_spec()
    assert ("state", "present", ["name"]) in extra["required_if"]
    assert ("state", "parsed", ["running_config"]) in extra["required_if"]


NAMES = st.text(alphabet="abcdefghij -", min_size=1, max_size=12).filter(lambda t: t.strip())


@PROPERTY
@given(name=NAMES, enabled=st.booleans(), priority=st.integers(0, 20), scl=st.integers(-1, 9),
       ranges=st.lists(st.sampled_from(["198.51.100.7", "203.0.113.0/24", "192.0.2.1-192.0.2.9"]), unique=True,
                       max_size=3))
def test_property_render_then_parse_gives_the_same_rule(name, enabled, priority, scl, ranges):
    config = {"set_scl": scl, "sender_ip_ranges": ranges, "mode": "Enforce"}
    record = n.render(transport_rules.FIELDS, config)
    record.update(Name=name, State="Enabled" if enabled else "Disabled", Priority=priority)
    parsed, omitted = transport_rules.parse([record])
    assert parsed == [dict(config, name=name, enabled=enabled, priority=priority)] and omitted == []
