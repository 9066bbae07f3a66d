# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The open-relay guard through whole modules against the lab (issue 15): the bad-input sweep's open relays are
refused before anything is written, and accepted with a warning when allow_open_relay=true."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest
from ansible.module_utils import basic

from ansible_collections.mailops.secure_email.plugins.modules import esa_mail_flow_policies as MFP
from ansible_collections.mailops.secure_email.plugins.modules import esa_message_filters as MF
from ansible_collections.mailops.secure_email.plugins.modules import esa_sender_groups as SG
from ansible_collections.mailops.secure_email.tests.unit.plugins.modules.esa_lab import Lab
from ansible_collections.mailops.secure_email.tests.unit.plugins.modules.esa_runner_support import delta, snapshot

IN = dict(listener="IncomingMail")
OUT = dict(listener="OutgoingMail")
S12 = ('if (sendergroup == "RELAY_O365") { if header("X-OUTBOUND-AUTH") == "^Jd82kLq0Zx7Rw4Pm$" '
       '{ strip-header("X-OUTBOUND-AUTH"); } else { drop(); } }')
RELAY_O365 = dict(name="RELAY_O365", members=[".protection.outlook.com"], policy="RELAYED", comment="Relay mail from Microsoft 365")


@pytest.fixture
def warnings(monkeypatch):
    found = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, text: found.append(text))
    return found


def hat_of(lab, listener):
    return [item for item in lab.app.committed["listeners"] if item["name"] == listener][0]["hat"]


def all_policy(lab, listener):
    return [g for g in hat_of(lab, listener)["sender_groups"] if g["name"] == "ALL"][0]["policy"]


def behavior(lab, listener, policy):
    return [p for p in hat_of(lab, listener)["policies"] if p["name"] == policy][0]["behavior"]


# The three open relays of the bad-input sweep: (id, setup runs, the run that opens the relay, listener, row, policy)
SCENARIOS = [
    ("accepted-policy-to-relay", [], (MFP, dict(IN, config=[dict(name="ACCEPTED", behavior="relay")])),
     "IncomingMail", "the ALL row", "$ACCEPTED"),
    ("private-ALL-to-relayed", [], (SG, dict(OUT, config=[dict(name="ALL", policy="RELAYED")])),
     "OutgoingMail", "the ALL row", "$RELAYED"),
    ("public-ALL-to-new-relay-policy", [(MFP, dict(IN, config=[dict(name="OPENRELAY", behavior="relay")]))],
     (SG, dict(IN, config=[dict(name="ALL", policy="OPENRELAY")])), "IncomingMail", "the ALL row", "$OPENRELAY"),
]
IDS = [s[0] for s in SCENARIOS]


def prepared(monkeypatch, setup):
    lab = Lab()
    for module, params in setup:
        result = lab.run(monkeypatch, module, **params)
        assert not result.get("failed") and result["committed"], result.get("msg")
    lab.login()
    return lab


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check"])
@pytest.mark.parametrize("case_id, setup, change, listener, row, policy", SCENARIOS, ids=IDS)
def test_open_relay_is_refused_before_anything_is_written(monkeypatch, warnings, case_id, setup, change, listener, row,
                                                          policy, check_mode):
    lab = prepared(monkeypatch, setup)
    committed = copy.deepcopy(lab.app.committed)
    before = snapshot(lab)
    module, params = change
    result = lab.run(monkeypatch, module, check_mode=check_mode, **params)
    assert result["failed"] and "refused, nothing was written" in result["msg"], result.get("msg")
    msg = result["msg"]
    assert "on listener %s, %s relays (policy %s, behaviour RELAY)" % (listener, row, policy) in msg
    assert "open relay" in msg and "allow_open_relay=true" in msg and "point ALL at a policy that does not relay" in msg
    assert result["changed"] is False
    change_ = delta(lab, before)
    assert (change_["writes"], change_["commits"], change_["clears"]) == (0, 0, 0)
    assert lab.app.committed == committed and not lab.session.has_pending
    assert warnings == []


@pytest.mark.parametrize("case_id, setup, change, listener, row, policy", SCENARIOS, ids=IDS)
def test_open_relay_is_accepted_with_a_warning_when_allowed(monkeypatch, warnings, case_id, setup, change, listener, row,
                                                            policy):
    lab = prepared(monkeypatch, setup)
    module, params = change
    result = lab.run(monkeypatch, module, allow_open_relay=True, **params)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] and result["committed"]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("allow_open_relay=true: on listener %s, %s relays (policy %s" % (listener, row, policy))
    if module is MFP:
        assert behavior(lab, listener, "ACCEPTED") == "RELAY"
    else:
        assert all_policy(lab, listener) == policy[1:]


def test_a_relay_policy_no_row_uses_is_not_refused(monkeypatch, warnings):
    lab = Lab()
    result = lab.run(monkeypatch, MFP, config=[dict(name="OPENRELAY", behavior="relay")], **IN)
    assert result["committed"], result.get("msg")
    assert warnings == []


def test_an_existing_open_relay_does_not_block_an_unrelated_group_but_blocks_a_change_to_its_row(monkeypatch, warnings):
    lab = prepared(monkeypatch, [(SG, dict(OUT, allow_open_relay=True, config=[dict(name="ALL", policy="RELAYED")]))])
    del warnings[:]
    result = lab.run(monkeypatch, SG, config=[dict(name="PRINTERS", members=["10.9.9.0/24"], policy="BLOCKED")], **OUT)
    assert result["committed"], result.get("msg")
    assert len(warnings) == 1 and warnings[0].startswith(
        "already on the appliance, not changed by this task: on listener OutgoingMail, the ALL row relays")
    # the same open relay, now on another RELAY policy: the change touches the open row, so it is refused
    lab.run(monkeypatch, MFP, config=[dict(name="RELAY2", behavior="relay")], **OUT)
    before = snapshot(lab)
    result = lab.run(monkeypatch, SG, config=[dict(name="ALL", policy="RELAY2")], **OUT)
    assert result["failed"] and "(already on the appliance, kept by this change) on listener OutgoingMail" in result["msg"]
    assert delta(lab, before)["writes"] == 0 and all_policy(lab, "OutgoingMail") == "RELAYED"


def test_the_outbound_sequence_needs_no_extra_variables(monkeypatch, warnings):
    """roles/outbound's order (S12, S8, S9, commit false) goes through without a refusal or a warning."""
    lab = Lab()
    runs = [(MF, dict(config=[dict(name="office365_outbound", body=S12)])),
            (SG, dict(OUT, config=[RELAY_O365])),
            (MFP, dict(OUT, config=[dict(name="RELAYED", behavior="relay", parameters=dict(tls="preferred"))]))]
    planned = []
    for module, params in runs:
        # in check mode the role passes S12's planned filter to the HAT tasks (planned_filters)
        extra = dict(planned_filters=planned) if module is not MF else {}
        result = lab.run(monkeypatch, module, check_mode=True, **dict(params, **extra))
        assert not result.get("failed"), result.get("msg")
        planned = planned or result["after"]
    for module, params in runs:
        result = lab.run(monkeypatch, module, **params)
        assert not result.get("failed") and result["committed"], result.get("msg")
    assert warnings == []
    # removing the S12 filter now opens the relay for every Microsoft 365 tenant: refused
    before = snapshot(lab)
    result = lab.run(monkeypatch, MF, state="deleted", config=[dict(name="office365_outbound")])
    assert result["failed"] and "on listener OutgoingMail, sender group RELAY_O365 relays (policy $RELAYED" in result["msg"]
    assert delta(lab, before)["writes"] == 0


def test_the_relay_group_of_s8_is_refused_without_its_filter(monkeypatch, warnings):
    lab = Lab()
    before = snapshot(lab)
    result = lab.run(monkeypatch, SG, config=[RELAY_O365], **OUT)
    assert result["failed"] and 'sendergroup == "RELAY_O365"' in result["msg"]
    assert delta(lab, before)["writes"] == 0


def test_relay_sources_restrict_the_relaying_groups(monkeypatch, warnings):
    lab = Lab()
    before = snapshot(lab)
    result = lab.run(monkeypatch, SG, relay_sources=["10.0.0.0/8"],
                     config=[dict(name="RELAYLIST", members=["10.1.", "192.0.2.7"])], **OUT)
    assert result["failed"] and "sender group RELAYLIST relays (policy $RELAYED, behaviour RELAY) for 192.0.2.7" in result["msg"]
    assert "which relay_sources (10.0.0.0/8) does not cover" in result["msg"]
    assert delta(lab, before)["writes"] == 0
    result = lab.run(monkeypatch, SG, relay_sources=["10.0.0.0/8", "192.0.2.0/24"],
                     config=[dict(name="RELAYLIST", members=["10.1.", "192.0.2.7"])], **OUT)
    assert result["committed"], result.get("msg")


def test_bad_relay_sources_fail_before_anything_is_read(monkeypatch, warnings):
    lab = Lab()
    before = snapshot(lab)
    result = lab.run(monkeypatch, MFP, relay_sources=["SBO:1"], config=[dict(name="ACCEPTED")], **IN)
    assert result["failed"] and "relay_sources[0]: 'SBO:1' is not a relay source" in result["msg"]
    assert delta(lab, before)["reads"] == {} and delta(lab, before)["writes"] == 0
