# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 15: header names of transport rules, and the secret header value in every output (docs/secrets.md).

``transport_rules.ensure`` runs against a fake client (a list of Get-TransportRule records); its result and its
errors are what the module would print before AnsibleModule's own no_log filter, which only knows the values of
the task's no_log options - not the value the rule already holds in Exchange.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import errors, transport_rules
from ansible_collections.mailops.secure_email.plugins.module_utils._exo import normalise as n

OLD = "0ld-S3cret-4711-xyz"
NEW = "N3w-S3cret-0815-abc"
MASK = "********"


class FakeModule(object):

    def __init__(self, check_mode=False, **params):
        self.params = dict((f.option, None) for f in transport_rules.FIELDS)
        self.params.update(state="present", enabled=None, priority=None, allow_no_conditions=False)
        self.params.update(params)
        self.check_mode = check_mode
        self.warnings = []
        self.no_log_values = set()

    def warn(self, text):
        self.warnings.append(text)


class FakeClient(object):
    """Get-/New-/Set-TransportRule on a list of records; ``fail_set`` makes Set-TransportRule fail the way
    Exchange does, quoting the rule's description (which holds the header value)."""

    def __init__(self, records=(), fail_set=False):
        self.records = [dict(r) for r in records]
        self.fail_set = fail_set
        self.writes = []

    def list_all(self, cmdlet):
        assert cmdlet == "Get-TransportRule"
        return [dict(r) for r in self.records]

    def invoke(self, cmdlet, params, write=False):
        self.writes.append((cmdlet, params))
        if cmdlet == "New-TransportRule":
            self.records.append(dict(params, State="Enabled", Priority=len(self.records), Identity=params["Name"]))
        elif cmdlet == "Set-TransportRule":
            record = [r for r in self.records if r["Name"] == params["Identity"]][0]
            if self.fail_set:
                raise errors.ExoCmdletError("Set-TransportRule: the rule '%s' (Set message header '%s' with the value "
                                            "'%s') conflicts with another rule" % (
                                                record["Name"], record["SetHeaderName"], record["SetHeaderValue"]),
                                            status=400, cmdlet=cmdlet)
            record.update((k, v) for k, v in params.items() if k != "Identity")


class FakeExo(object):

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.result = None

    def exit(self, **result):
        self.result = result


def rule(**values):
    record = dict(Name="Outbound to Cisco CES", Identity="Outbound to Cisco CES", State="Enabled", Priority=0,
                  FromScope="InOrganization", SentToScope="NotInOrganization", SetHeaderName="X-OUTBOUND-AUTH",
                  SetHeaderValue=OLD, Description="Take the following actions: Set message header 'X-OUTBOUND-AUTH' "
                                                  "with the value '%s'" % OLD)
    record.update(values)
    return record


def run(client, **params):
    module = FakeModule(name="Outbound to Cisco CES", **params)
    exo = FakeExo(module, client)
    transport_rules.ensure(exo)
    return exo.result, module


HEADER_OPTIONS = ("set_header_name", "remove_header", "header_matches_message_header", "header_contains_message_header",
                  "except_if_header_matches_message_header")


def test_every_header_option_is_checked():
    assert sorted(transport_rules.HEADER_OPTIONS) == sorted(HEADER_OPTIONS)


@pytest.mark.parametrize("option", HEADER_OPTIONS)
def test_a_header_name_with_a_space_is_refused_before_any_write(option):
    params = dict(from_scope="InOrganization", set_scl=5)
    params[option] = "X Outbound Auth"
    for other in ("set_header_value", "header_matches_patterns", "header_contains_words",
                  "except_if_header_matches_patterns"):
        params[other] = ["x"] if other.endswith(("patterns", "words")) else "x"
    client = FakeClient()
    with pytest.raises(errors.ExoValidationError) as exc:
        run(client, **params)
    message = str(exc.value.message)
    assert message.startswith("invalid options, nothing was changed: ")
    assert "%s: 'X Outbound Auth' is not a header name: it contains a space at position 2" % option in message
    assert "RFC 5322" in message
    assert client.writes == []


@pytest.mark.parametrize("name,problem", [("X-A:B", "':' at position 4"), (u"X-\u00e4", "U+00E4"), ("\tX", "a tab")])
def test_check_names_the_character(name, problem):
    with pytest.raises(errors.ExoValidationError) as exc:
        transport_rules.check("r", dict(from_scope="InOrganization", set_header_name=name, set_header_value="v"),
                              None, 0, False, False)
    assert problem in exc.value.message


def test_valid_and_cleared_header_names_pass():
    transport_rules.check("r", dict(from_scope="InOrganization", set_header_name="X-OUTBOUND-AUTH",
                                    set_header_value="v", remove_header=""), None, 0, False, False)


def test_the_value_the_rule_holds_is_masked_in_an_exchange_error():
    client = FakeClient([rule()], fail_set=True)
    with pytest.raises(errors.ExoCmdletError) as exc:
        run(client, set_header_name="X-OUTBOUND-AUTH", set_header_value=NEW, from_scope="InOrganization")
    assert OLD not in exc.value.message and OLD not in str(exc.value) and MASK in exc.value.message


def test_the_old_and_new_values_are_handed_to_ansibles_output_filter():
    client = FakeClient([rule()])
    result, module = run(client, set_header_name="X-OUTBOUND-AUTH", set_header_value=NEW, from_scope="InOrganization")
    assert result["changes"] == ["set_header_value"] and client.records[0]["SetHeaderValue"] == NEW
    assert OLD not in json.dumps(result) and NEW not in json.dumps(result)
    assert set([OLD, NEW]) <= module.no_log_values


def test_conditions_on_the_secret_header_are_masked():
    """An inbound rule that checks X-OUTBOUND-AUTH (or the header the rule sets) holds the secret in its words or
    patterns: before, after and the rule show them masked; the plan compares the real values."""
    client = FakeClient([rule(HeaderContainsMessageHeader="X-OUTBOUND-AUTH", HeaderContainsWords=[OLD],
                              HeaderMatchesMessageHeader="x-outbound-auth", HeaderMatchesPatterns=["^%s$" % OLD])])
    result, module = run(client, header_contains_message_header="X-OUTBOUND-AUTH", header_contains_words=[OLD],
                         header_matches_message_header="X-OUTBOUND-AUTH", header_matches_patterns=["^%s$" % OLD],
                         from_scope="InOrganization")
    assert result["changed"] is False and client.writes == []
    assert result["rule"]["header_contains_words"] == [MASK]
    assert result["rule"]["header_matches_patterns"] == [MASK]
    assert result["diff"]["after"]["header_contains_words"] == [MASK]
    assert OLD not in json.dumps(result)
    changed, dummy = run(client, header_contains_message_header="X-OUTBOUND-AUTH", header_contains_words=[NEW],
                         from_scope="InOrganization")
    assert changed["changes"] == ["header_contains_words"] and client.records[0]["HeaderContainsWords"] == [NEW]
    assert NEW not in json.dumps(changed) and OLD not in json.dumps(changed)
    assert changed["diff"]["before"]["header_contains_words"] == [MASK]


def test_conditions_on_other_headers_are_shown():
    client = FakeClient([rule(HeaderContainsMessageHeader="X-Spam-Flag", HeaderContainsWords=["YES"])])
    result, dummy = run(client, from_scope="InOrganization")
    assert result["rule"]["header_contains_words"] == ["YES"]


def test_absent_masks_the_removed_rule():
    client = FakeClient([rule(HeaderContainsMessageHeader="X-OUTBOUND-AUTH", HeaderContainsWords=[OLD])])
    result, dummy = run(client, state="absent")
    assert result["changed"] and result["diff"]["before"]["set_header_value"] == MASK
    assert OLD not in json.dumps(result)


def test_mask_values_and_header_name_check():
    assert n.mask_values({"a": ["x %s y" % OLD, 3]}, [OLD]) == {"a": ["x %s y" % MASK, 3]}
    n.check_header_name("f", None)
    with pytest.raises(ValueError):
        n.check_header_name("f", "a b")
