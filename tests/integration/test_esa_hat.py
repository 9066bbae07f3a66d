# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""esa_sender_groups and esa_mail_flow_policies against the lab over SSH, with the open-relay guard (guide step S8)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

GROUPS = [dict(name="PARTNERS", members=["192.0.2.10", "10.1.1.1-20", "Mail.Example.COM", "2001:DB8::/32"],
               sbrs=dict(min=-2, max=10), policy="SLOW", comment="Partner relays")]
POLICIES = [dict(name="SLOW", behavior="accept", comment="Throttle",
                 parameters=dict(max_concurrency=5, max_recipients_per_hour=100, max_message_size="5M", dhap_limit=20,
                                 anti_spam=True, tls="required", smtp_auth="preferred", require_tls_for_smtp_auth=True))]
GUARD_FILTER = ('office365_outbound:\nif (sendergroup == "RELAY_O365") {\n  if header("X-OUTBOUND-AUTH") == "^s3cr3t$" {\n'
                '    strip-header("X-OUTBOUND-AUTH");\n  } else {\n    drop();\n  }\n}')


def _hat(lab, listener="OutgoingMail"):
    return [l for l in lab.config()["listeners"] if l["name"] == listener][0]["hat"]


def _group(hat, name):
    found = [g for g in hat["sender_groups"] if g["name"] == name]
    return found[0] if found else None


def _policy(hat, name):
    found = [p for p in hat["policies"] if p["name"] == name]
    return found[0] if found else None


def test_policies_and_groups_converge_idempotent_check_diff(lab, playbook):
    vars_ = dict(hat_policies=POLICIES, hat_groups=GROUPS)
    check = playbook("hat_objects.yml", vars_, check=True, diff=True)
    assert check.task("Mail flow policies")["result"]["changed"] is True
    assert check.task("Sender groups")["result"]["changed"] is True
    assert "policy 'SLOW' does not exist on listener OutgoingMail yet" in check.output, "check mode warns"
    assert lab.counters()["writes"] == 0 and _policy(_hat(lab), "SLOW") is None
    first = playbook("hat_objects.yml", vars_, diff=True)
    diff = first.task("Mail flow policies")["result"]["diff"]
    assert "SLOW" not in diff["before"] and diff["after"]["SLOW"]["parameters"]["max_message_size"] == 5242880
    diff = first.task("Sender groups")["result"]["diff"]
    assert "PARTNERS" not in diff["before"] and diff["after"]["PARTNERS"]["policy"] == "SLOW"
    hat = _hat(lab)
    assert _policy(hat, "SLOW") == dict(name="SLOW", behavior="ACCEPT", comment="Throttle", parameters=dict(
        max_concurrency=5, max_rcpts_per_hour=100, max_message_size=5242880, dhap_limit=20, spam_check=True, tls="required",
        tls_verify_client=False, smtpauth_allow="preferred", smtpauth_requiretls=True))
    group = _group(hat, "PARTNERS")
    assert group["members"] == ["192.0.2.10", "10.1.1.1-20", "mail.example.com", "2001:db8::/32", "SBRS[-2.0:10.0]"]
    assert (group["policy"], group["comment"], group["dns_verification"], group["order"]) == (
        "SLOW", "Partner relays", [], 2)
    assert lab.counters()["commits"] == 1, "both modules, one commit"
    second = playbook("hat_objects.yml", vars_)
    assert second.recap["changed"] == 0 and lab.counters()["commits"] == 1


def test_bad_input_fails_before_any_write(lab, playbook):
    run = playbook("hat_invalid.yml")
    for task, message in (
            ("Bad member", "config[0].members[0]: '10.1.1.300' is not a sender group member"),
            ("Unknown policy", "policy 'NOPE' does not exist on listener OutgoingMail"),
            ("Bad parameter", "config[0].parameters.max_concurrency: 5000 is out of range 1-1000"),
            ("Policy in use", "policy $RELAYED is used by the sender groups RELAYLIST"),
            ("Overridden without confirmation", "confirm_overridden")):
        record = run.task(task)
        assert record["status"] == "failed" and message in record["result"]["msg"], (task, record["result"].get("msg"))
    assert lab.counters()["writes"] == 0 and lab.counters()["commits"] == 0


def test_guard_refuses_s8_without_filter_and_allows_it_when_asked(lab, playbook):
    refused = playbook("hat_s8.yml", check=True, expect_rc=2)
    assert refused.task("S8 policy - RELAYED relays with TLS preferred")["result"]["changed"] is True
    msg = refused.task("S8 sender group - RELAY_O365")["result"]["msg"]
    assert "refused" in msg and "allow_open_relay" in msg and 'sendergroup == "RELAY_O365"' in msg
    assert lab.counters()["writes"] == 0 and _group(_hat(lab), "RELAY_O365") is None
    allowed = playbook("hat_s8.yml", dict(allow_open_relay=True))
    assert "allow_open_relay=true" in allowed.output
    hat = _hat(lab)
    assert _group(hat, "RELAY_O365")["members"] == [".protection.outlook.com"]
    assert _policy(hat, "RELAYED")["parameters"] == dict(tls="preferred", tls_verify_client=False)
    assert lab.counters()["commits"] == 1, "S8's policy and group in one commit"


def test_guard_lets_s8_through_with_the_s12_filter(lab, playbook):
    lab.cli("seed", "--level", "local", "--table", "filters",
            "--json", json.dumps([dict(name="office365_outbound", body=GUARD_FILTER)]))
    run = playbook("hat_s8.yml", check=True)
    assert run.task("S8 sender group - RELAY_O365")["result"]["changed"] is True
    assert "allow_open_relay" not in run.output and lab.counters()["writes"] == 0


# -- the open relays of the bad-input sweep (issue 15): refused with nothing written, accepted when allowed ----------
RELAY_SCENARIOS = [
    # id, setup playbook and vars (committed first), the playbook that opens the relay, its vars, task, listener, policy
    ("accepted-policy-to-relay", None, "relay_policy.yml",
     dict(listener="IncomingMail", policy_name="ACCEPTED", policy_behavior="relay"),
     "Relay policy - set the behaviour", "IncomingMail", "ACCEPTED"),
    ("private-ALL-to-relayed", None, "relay_all.yml", dict(listener="OutgoingMail", policy_name="RELAYED"),
     "Relay ALL - point ALL at the policy", "OutgoingMail", "RELAYED"),
    ("public-ALL-to-new-relay-policy",
     ("relay_policy.yml", dict(listener="IncomingMail", policy_name="OPENRELAY", policy_behavior="relay")),
     "relay_all.yml", dict(listener="IncomingMail", policy_name="OPENRELAY"),
     "Relay ALL - point ALL at the policy", "IncomingMail", "OPENRELAY"),
]


def _setup(playbook, setup):
    if setup:
        run = playbook(setup[0], setup[1])
        assert "allow_open_relay" not in run.output, "a RELAY policy no row uses relays for nobody"


RELAY_PARAMETERS = pytest.mark.parametrize("case_id, setup, name, vars_, task, listener, policy", RELAY_SCENARIOS,
                                           ids=[s[0] for s in RELAY_SCENARIOS])


@RELAY_PARAMETERS
def test_guard_refuses_the_open_relays_of_the_sweep(lab, playbook, case_id, setup, name, vars_, task, listener, policy):
    _setup(playbook, setup)
    config, counters = lab.config(), lab.counters()
    for check in (True, False):
        run = playbook(name, vars_, check=check, expect_rc=2)
        result = run.task(task)
        assert result["status"] == "failed"
        msg = result["result"]["msg"]
        assert "refused, nothing was written" in msg and "open relay" in msg
        assert "on listener %s, the ALL row relays (policy $%s, behaviour RELAY)" % (listener, policy) in msg
        assert "allow_open_relay=true" in msg and "point ALL at a policy that does not relay" in msg
    after = lab.counters()
    assert after["writes"] == counters["writes"] and after["commits"] == counters["commits"]
    assert lab.config() == config, "the configuration is intact"


@RELAY_PARAMETERS
def test_guard_accepts_the_open_relays_with_a_warning_when_allowed(lab, playbook, case_id, setup, name, vars_, task,
                                                                   listener, policy):
    _setup(playbook, setup)
    run = playbook(name, dict(vars_, allow_open_relay=True))
    assert run.task(task)["result"]["changed"] is True
    assert "allow_open_relay=true: on listener %s, the ALL row relays" % listener in run.output
    hat = _hat(lab, listener)
    if name == "relay_policy.yml":
        assert _policy(hat, policy)["behavior"] == "RELAY"
    else:
        assert _group(hat, "ALL")["policy"] == policy
