# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The runner across tasks of one login: one read per source, the pending-changes ledger, esa_commit and its
read-back, lost sessions, bad input and failed dialogues (whole modules against the lab)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils import basic

from ansible_collections.mailops.secure_email.lab.esa.commands import smtproutes as lab_smtproutes
from ansible_collections.mailops.secure_email.plugins.modules import esa_commit as COMMIT
from ansible_collections.mailops.secure_email.plugins.modules import esa_destination_controls as DC
from ansible_collections.mailops.secure_email.plugins.modules import esa_mail_flow_policies as MFP
from ansible_collections.mailops.secure_email.plugins.modules import esa_message_filters as MF
from ansible_collections.mailops.secure_email.plugins.modules import esa_recipient_access as RAT
from ansible_collections.mailops.secure_email.plugins.modules import esa_sender_groups as SG
from ansible_collections.mailops.secure_email.plugins.modules import esa_smtp_routes as ROUTES
from ansible_collections.mailops.secure_email.plugins.modules import esa_tls_ciphers as TLS
from ansible_collections.mailops.secure_email.tests.unit.plugins.modules.esa_lab import Lab
from ansible_collections.mailops.secure_email.tests.unit.plugins.modules.esa_runner_support import (
    delta, pending_records, route, session_of, snapshot, tamper_commit)

IN = dict(listener="IncomingMail")
NOTHING = dict(writes=0, commits=0, clears=0, lost_uncommitted=0, lines_received=0, pager_keys=0, reads={})


def hat_of(app, listener):
    return next(item for item in app.committed["listeners"] if item["name"] == listener)["hat"]


def group_names(app, listener):
    return [group["name"] for group in hat_of(app, listener)["sender_groups"]]


# -- one read per source per login, one commit ---------------------------------------------------------------


def test_several_modules_read_showconfig_once_and_esa_commit_commits_once_and_reads_back(monkeypatch):
    lab = Lab()
    before = snapshot(lab)
    results = [
        lab.run(monkeypatch, RAT, commit=False, config=[dict(address="example.com", action="accept")], **IN),
        lab.run(monkeypatch, MFP, commit=False, config=[dict(name="PARTNER", behavior="accept",
                                                             parameters=dict(max_concurrency=5))], **IN),
        lab.run(monkeypatch, SG, commit=False, config=[dict(name="PARTNERS", members=["192.0.2.0/24"],
                                                            policy="PARTNER")], **IN),
        lab.run(monkeypatch, SG, commit=False, listener="OutgoingMail",
                config=[dict(name="RELAYLIST", members=["10.0.0.0/8"])]),
    ]
    assert [r["changed"] for r in results] == [True] * 4 and not any(r.get("failed") for r in results)
    change = delta(lab, before)
    # planning: showconfig once for all four tasks (the HAT guard reads the filters once; the listener list
    # once, which tells the cluster level the listeners live at)
    assert change["reads"] == {"showconfig": 1, "filters": 1, "listenerconfig": 1}
    assert lab.counters()["config_reads_max_per_login"]["showconfig"] == 1
    assert change["writes"] == 4 and change["commits"] == 0
    assert "PARTNERS" not in group_names(lab.app, "IncomingMail")     # nothing committed yet
    session = session_of(results[-1])
    assert pending_records(results[-1]) == [dict(session=session, changes=[
        "Recipient access (IncomingMail): create example.com",
        "Mail flow policies (IncomingMail): create $PARTNER",
        "Sender groups (IncomingMail): create PARTNERS",
        "Sender groups (OutgoingMail): update RELAYLIST"])]

    before = snapshot(lab)
    result = lab.run(monkeypatch, COMMIT, pending=pending_records(results[-1]), comment="four changes")
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True and result["committed"] is True and result["session"] == session
    assert result["verified"] == ["hat/IncomingMail", "hat/OutgoingMail", "rat/IncomingMail"]
    assert result["pending_changes"] == pending_records(results[-1])[0]["changes"]
    change = delta(lab, before)
    assert change["commits"] == 1 and change["writes"] == 0
    assert change["reads"] == {"showconfig": 1}          # one read back for the three documents
    assert lab.app.last_commit["comment"] == "four changes"
    assert group_names(lab.app, "IncomingMail") == ["BLOCKED_LIST", "SUSPECTLIST", "UNKNOWNLIST", "PARTNERS", "ALL"]
    assert [e["address"] for e in next(i for i in lab.app.committed["listeners"] if i["name"] == "IncomingMail")["rat"]] \
        == ["example.com", "ALL"]

    # after the commit the same login plans on what it read back: no new read, nothing to do
    before = snapshot(lab)
    again = lab.run(monkeypatch, SG, config=[dict(name="PARTNERS", members=["192.0.2.0/24"], policy="PARTNER")], **IN)
    assert again["changed"] is False and delta(lab, before)["reads"] == {}


def test_one_read_per_source_across_kinds(monkeypatch):
    lab = Lab()
    before = snapshot(lab)
    for module, params in [(ROUTES, dict(config=[route("example.com", "a.example.net")])),
                           (ROUTES, dict(config=[route("example.org", "a.example.net")])),
                           (DC, dict(config=[dict(domain="example.com", tls="on")])),
                           (DC, dict(config=[dict(domain="example.org", tls="on")])),
                           (MF, dict(config=[dict(name="f1", body='if subject == "x" { drop(); }')])),
                           (TLS, dict(ciphers="HIGH:!aNULL"))]:
        result = lab.run(monkeypatch, module, commit=False, **params)
        assert result["changed"] and not result.get("failed"), result.get("msg")
    assert delta(lab, before)["reads"] == {"smtproutes": 1, "destconfig": 1, "filters": 1, "sslconfig": 1}
    result = lab.run(monkeypatch, COMMIT, pending=pending_records(result))
    assert result["verified"] == ["destination_controls", "message_filters", "smtp_routes", "tls"]
    assert [r["domain"] for r in lab.app.committed["smtp_routes"]] == ["example.com", "example.org"]


def test_esa_commit_check_mode_commits_nothing(monkeypatch):
    lab = Lab()
    first = lab.run(monkeypatch, ROUTES, commit=False, config=[route("example.com", "a.example.net")])
    before = snapshot(lab)
    result = lab.run(monkeypatch, COMMIT, check_mode=True, pending=pending_records(first))
    assert result["changed"] is True and result["committed"] is False
    assert result["pending_changes"] == ["SMTP routes: create example.com"]
    assert delta(lab, before)["commits"] == 0 and lab.app.committed["smtp_routes"] == []
    assert lab.session.has_pending


def test_esa_commit_without_pending_changes_is_not_changed(monkeypatch):
    lab = Lab()
    result = lab.run(monkeypatch, COMMIT)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False and result["committed"] is False and result["verified"] == []
    assert lab.counters()["commits"] == 0


# -- the pending-changes ledger ------------------------------------------------------------------------------


def test_ledger_a_new_sender_group_protects_its_policy_in_the_same_login(monkeypatch):
    lab = Lab()
    created = lab.run(monkeypatch, SG, commit=False,
                      config=[dict(name="PARTNERS", members=["192.0.2.0/24"], policy="TRUSTED")], **IN)
    assert created["changed"] and not created.get("failed"), created.get("msg")
    # showconfig shows the committed configuration only: the group is pending in this session
    assert "PARTNERS" not in group_names(lab.app, "IncomingMail")
    assert lab.session.has_pending
    before = snapshot(lab)
    refused = lab.run(monkeypatch, MFP, state="deleted", config=[dict(name="TRUSTED")], **IN)
    assert refused["failed"]
    assert "policy $TRUSTED is used by the sender groups PARTNERS of listener IncomingMail" in refused["msg"]
    assert delta(lab, before)["writes"] == 0
    assert delta(lab, before)["reads"] == {}           # planned on the ledger and the snapshot of this login
    # the same task in a login without the pending group is allowed: the refusal came from the ledger
    lab.login()
    allowed = lab.run(monkeypatch, MFP, check_mode=True, state="deleted", config=[dict(name="TRUSTED")], **IN)
    assert not allowed.get("failed") and allowed["changed"] is True


def test_ledger_a_new_policy_is_usable_by_a_sender_group_in_the_same_login(monkeypatch):
    lab = Lab()
    policy = lab.run(monkeypatch, MFP, commit=False, config=[dict(name="PARTNER", behavior="accept")], **IN)
    assert policy["changed"] and not policy.get("failed")
    group = lab.run(monkeypatch, SG, commit=False,
                    config=[dict(name="PARTNERS", members=["192.0.2.0/24"], policy="PARTNER")], **IN)
    assert not group.get("failed"), group.get("msg")
    assert "choose:^\\$PARTNER$" in group["commands"]
    # the group's write kept the policy the earlier task wrote (one HAT document)
    gathered = lab.run(monkeypatch, MFP, state="gathered", **IN)["gathered"]
    assert [p["name"] for p in gathered][-1] == "PARTNER"
    result = lab.run(monkeypatch, COMMIT, pending=pending_records(group))
    assert result["verified"] == ["hat/IncomingMail"]
    assert [p["name"] for p in hat_of(lab.app, "IncomingMail")["policies"]][-1] == "PARTNER"


# -- lost pending changes ------------------------------------------------------------------------------------


def test_lost_session_esa_commit_fails_loudly_and_commits_nothing(monkeypatch):
    lab = Lab()
    first = lab.run(monkeypatch, ROUTES, commit=False, config=[route("example.com", "a.example.net")])
    old_session = session_of(first)
    assert first["ansible_facts"] == {"mailops_esa_pending_" + old_session: ["SMTP routes: create example.com"]}
    before = snapshot(lab)
    lab.login()                                   # the SSH connection dropped: the pending change is gone
    assert delta(lab, before)["lost_uncommitted"] == 1
    result = lab.run(monkeypatch, COMMIT, pending=[dict(session=old_session, changes=["SMTP routes: create example.com"])])
    assert result["failed"]
    assert "lost with the connection" in result["msg"] and "SMTP routes: create example.com" in result["msg"]
    assert result["lost_changes"] == ["SMTP routes: create example.com"]
    assert result["session"] != old_session
    change = delta(lab, before)
    assert change["commits"] == 0 and change["writes"] == 0
    assert lab.app.committed["smtp_routes"] == []


def test_lost_session_also_clears_what_the_new_session_holds(monkeypatch):
    lab = Lab()
    first = lab.run(monkeypatch, ROUTES, commit=False, config=[route("example.com", "a.example.net")])
    lab.login()
    second = lab.run(monkeypatch, ROUTES, commit=False, config=[route("example.org", "a.example.net")])
    assert second["changed"] and session_of(second) != session_of(first)
    # the new session planned on the appliance, not on the lost ledger
    assert second["before"] == []
    before = snapshot(lab)
    result = lab.run(monkeypatch, COMMIT, pending=pending_records(first) + pending_records(second))
    assert result["failed"] and result["lost_changes"] == ["SMTP routes: create example.com"]
    change = delta(lab, before)
    assert change["commits"] == 0 and change["clears"] == 1
    assert not lab.session.has_pending and lab.app.committed["smtp_routes"] == []


# -- read-back after the commit --------------------------------------------------------------------------------


@pytest.mark.parametrize("alter, expected", [
    (lambda routes: [dict(r, destinations=["a.example.net:2525"]) for r in routes],
     "smtp_routes: [example.com].destinations: expected [{'host': 'a.example.net', 'port': None, 'priority': None}], "
     "read [{'host': 'a.example.net', 'port': 2525, 'priority': None}]"),
    (lambda routes: [],
     "smtp_routes: [example.com]: expected {'domain': 'example.com', 'destinations': "
     "[{'host': 'a.example.net', 'port': None, 'priority': None}]}, read None"),
], ids=["altered", "dropped"])
def test_read_back_mismatch_fails_and_names_document_and_field(monkeypatch, alter, expected):
    lab = Lab()
    tampered = tamper_commit(monkeypatch, "smtp_routes", alter)
    before = snapshot(lab)
    result = lab.run(monkeypatch, ROUTES, config=[route("example.com", "a.example.net")])
    assert tampered == ["local"]
    assert result["failed"] is True
    assert "the commit went through, but reading the configuration back shows something other" in result["msg"]
    assert expected in result["msg"]
    assert result["verify_differences"] == [expected]
    assert result["committed"] is True and "verified" not in result and "changed" not in result
    change = delta(lab, before)
    assert change["commits"] == 1 and change["reads"] == {"smtproutes": 2}    # the plan's read and the read-back


def test_read_back_through_esa_commit_names_only_the_differing_document(monkeypatch):
    lab = Lab()
    lab.run(monkeypatch, RAT, commit=False, config=[dict(address="example.com", action="accept")], **IN)
    last = lab.run(monkeypatch, ROUTES, commit=False, config=[route("example.com", "a.example.net")])
    tamper_commit(monkeypatch, "smtp_routes", lambda routes: [dict(r, destinations=["b.example.net"]) for r in routes])
    result = lab.run(monkeypatch, COMMIT, pending=pending_records(last))
    assert result["failed"] and result["committed"] is True
    assert len(result["verify_differences"]) == 1
    assert result["verify_differences"][0].startswith("smtp_routes: [example.com].destinations: ")
    assert "rat/" not in result["msg"]
    assert result["pending_changes"] == ["Recipient access (IncomingMail): create example.com",
                                         "SMTP routes: create example.com"]
    assert lab.counters()["commits"] == 1


# Regression (fixed in 3d045f8): the ledger kept the planned document after a failed read-back.
def test_after_read_back_mismatch_the_same_login_plans_on_the_appliance(monkeypatch):
    lab = Lab()
    with monkeypatch.context() as patch:
        tamper_commit(patch, "smtp_routes", lambda routes: [dict(r, destinations=["a.example.net:2525"]) for r in routes])
        failed = lab.run(monkeypatch, ROUTES, config=[route("example.com", "a.example.net")])
    assert failed["failed"]
    assert lab.app.committed["smtp_routes"] == [dict(domain="example.com", destinations=["a.example.net:2525"])]
    again = lab.run(monkeypatch, ROUTES, config=[route("example.com", "a.example.net")])
    assert again["changed"] is True, "the appliance holds port 2525; the wanted route is not there"
    assert lab.app.committed["smtp_routes"] == [dict(domain="example.com", destinations=["a.example.net"])]


# -- bad input -------------------------------------------------------------------------------------------------


BAD_INPUT = [
    ("route-domain", ROUTES, dict(config=[route("exa mple.com", "a.example.net")]),
     "config[0].domain: 'exa mple.com' is not a domain"),
    ("route-port", ROUTES, dict(config=[route("example.com", "a.example.net"),
                                        dict(domain="example.org", destinations=[dict(host="b.example.net", port=70000)])]),
     "config[1].destinations[0].port: 70000 is out of range 1-65535"),
    ("sender-group-member", SG, dict(IN, config=[dict(name="PARTNERS", members=["192.0.2.1", "not a host"],
                                                      policy="TRUSTED")]),
     "config[0].members[1]: 'not a host' is not a sender group member"),
    ("rat-address", RAT, dict(IN, config=[dict(address="a..b@example.com", action="accept")]),
     "config[0].address: 'a..b@example.com' is not a Recipient Access Table address"),
    ("policy-parameter", MFP, dict(IN, config=[dict(name="PARTNER", parameters=dict(max_concurrency=5000))]),
     "config[0].parameters.max_concurrency: 5000 is out of range 1-1000"),
    ("filter-body", MF, dict(config=[dict(name="f1", body='if subject == "x" { drop() }')]),
     "config[0].body: invalid filter syntax"),
    ("destination-controls", DC, dict(config=[dict(domain="example.com", recipient_minutes=10)]),
     "config[0].recipient_minutes: needs recipient_limit"),
    ("tls-ciphers", TLS, dict(ciphers="HIGH MEDIUM"), "TLS ciphers: ciphers: 'HIGH MEDIUM' is not an OpenSSL cipher string"),
    ("cluster-mode", ROUTES, dict(config=[route("example.com", "a.example.net")], cluster_mode="galaxy"),
     "cluster_mode: 'galaxy' must be 'cluster', 'group:<name>' or 'machine:<host>'"),
]


@pytest.mark.parametrize("name, module, params, message", BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_names_the_field_and_nothing_is_read_or_written(monkeypatch, name, module, params, message):
    lab = Lab()
    before = snapshot(lab)
    result = lab.run(monkeypatch, module, **params)
    assert result["failed"] is True
    assert result["msg"].startswith(message) or (": " + message) in result["msg"], result["msg"]
    assert delta(lab, before) == NOTHING


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check"])
def test_duplicate_keys_are_refused_before_any_write(monkeypatch, check_mode):
    lab = Lab()
    result = lab.run(monkeypatch, ROUTES, check_mode=check_mode,
                     config=[route("example.com", "a.example.net"), route("EXAMPLE.com", "b.example.net")])
    assert result["failed"] and "config: example.com listed more than once" in result["msg"]
    assert lab.counters()["writes"] == 0


# -- a dialogue that fails during the write ------------------------------------------------------------------


def test_appliance_refusal_mid_write_runs_clearchanges_and_commits_nothing(monkeypatch):
    lab = Lab()
    before = snapshot(lab)
    too_many = dict(domain="example.org", destinations=[dict(host="mx%d.example.net" % i) for i in range(65)])
    result = lab.run(monkeypatch, ROUTES, config=[route("example.com", "a.example.net"), too_many])
    assert result["failed"]
    assert result["msg"] == ("SMTP routes: the appliance refused the change: Routes may not contain more than 64 "
                             "destinations.; pending changes were cleared with clearchanges, nothing was committed")
    assert result["transcript"][-1]["answer"].startswith("mx0.example.net, mx1.example.net")
    change = delta(lab, before)
    assert change["writes"] == 1                       # example.com was written, then example.org refused
    assert change["clears"] == 1 and change["commits"] == 0
    assert not lab.session.has_pending and lab.app.committed["smtp_routes"] == []
    # the ledger forgot the cleared change: the same login plans example.com again
    again = lab.run(monkeypatch, ROUTES, check_mode=True, config=[route("example.com", "a.example.net")])
    assert again["changed"] is True and again["before"] == []


def test_lab_fault_mid_write_runs_clearchanges_and_loses_earlier_pending_changes(monkeypatch):
    lab = Lab()
    earlier = lab.run(monkeypatch, DC, commit=False, config=[dict(domain="example.com", tls="on")])
    assert earlier["changed"] and lab.session.has_pending
    original = lab_smtproutes.parse_destination_list

    def faulty(text, existing=()):
        if "b.example.net" in text:
            raise RuntimeError("simulated fault")
        return original(text, existing)

    monkeypatch.setattr(lab_smtproutes, "parse_destination_list", faulty)
    before = snapshot(lab)
    result = lab.run(monkeypatch, ROUTES, config=[route("example.com", "a.example.net"), route("example.org", "b.example.net")])
    assert result["failed"]
    assert result["msg"].startswith("SMTP routes: the appliance refused the change: ")
    assert result["msg"].endswith("; pending changes were cleared with clearchanges, nothing was committed")
    change = delta(lab, before)
    assert change["writes"] == 1 and change["clears"] == 1 and change["commits"] == 0
    assert not lab.session.has_pending
    # the destination control of the earlier task was cleared too: esa_commit says so and commits nothing
    result = lab.run(monkeypatch, COMMIT, pending=pending_records(earlier))
    assert result["failed"] and result["lost_changes"] == ["Destination controls: create example.com"]
    assert "nothing to commit" in result["msg"]
    assert lab.counters()["commits"] == 0
    assert [e["domain"] for e in lab.app.committed["destination_controls"]] == ["DEFAULT"]


def test_failed_read_does_not_clear(monkeypatch):
    lab = Lab()
    earlier = lab.run(monkeypatch, DC, commit=False, config=[dict(domain="example.com", tls="on")])

    def broken_print(ctx):
        raise RuntimeError("simulated fault")

    monkeypatch.setitem(lab_smtproutes.OPERATIONS, "PRINT", broken_print)
    before = snapshot(lab)
    result = lab.run(monkeypatch, ROUTES, config=[route("example.com", "a.example.net")])
    assert result["failed"] and result["msg"].startswith("SMTP routes: the dialogue failed: ")
    assert "clearchanges" not in result["msg"]
    change = delta(lab, before)
    assert change["writes"] == 0 and change["clears"] == 0
    assert lab.session.has_pending                          # the earlier task's change is still pending
    monkeypatch.undo()
    assert lab.run(monkeypatch, COMMIT, pending=pending_records(earlier))["verified"] == ["destination_controls"]


# -- the release -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("release", ["11.0", "13.5", "14.1", "16.0"])
def test_every_kind_converges_on_each_lab_release_profile(monkeypatch, release):
    """The session reads ``version`` once per login and the kinds follow that release's dialogues
    (docs/asyncos-cli.md §1): DANE from 12.0, the policy questions of 13.8.7, the sslconfig method lists."""
    lab = Lab(release=release)
    lines = []
    real_send = lab.cli._send

    def counting_send(line):
        lines.append(line)
        return real_send(line)

    lab.cli._send = counting_send
    runs = [
        (ROUTES, dict(config=[dict(domain="example.com", destinations=[dict(host="mx.example.net")])])),
        (DC, dict(config=[dict(domain="example.com", tls="on")])),
        (MF, dict(config=[dict(name="f1", body='if subject == "x" { drop(); }')])),
        (TLS, dict(ciphers="HIGH:!aNULL", methods=["TLSv1.2"])),
        (MFP, dict(IN, config=[dict(name="PARTNER", behavior="relay", parameters=dict(max_concurrency=5))])),
        (SG, dict(IN, config=[dict(name="PARTNERS", members=["192.0.2.0/24"], policy="PARTNER", comment="partners")])),
        (SG, dict(IN, config=[dict(name="PARTNERS", members=["192.0.2.0/24", "192.0.2.99"], policy="TRUSTED")])),
        (RAT, dict(IN, config=[dict(address="bad.example", action="reject",
                                    smtp_response=dict(code=550, text="No such domain\nTry later"))])),
    ]
    for module, params in runs:
        result = lab.run(monkeypatch, module, **params)
        assert not result.get("failed"), (module.__name__, result.get("msg"))
        assert result["changed"] and result["committed"], module.__name__
        assert lab.run(monkeypatch, module, **params)["changed"] is False, module.__name__
    assert lines.count("version") == 1
    assert lab.cli.session_state()["release"] == lab.app.version.split("-")[0]


def test_an_unknown_release_warns_and_uses_the_tolerant_dialogues(monkeypatch):
    lab = Lab()
    lab.app.version = "garbled"
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, text: warnings.append(text))
    policy = dict(name="PARTNER", behavior="relay", parameters=dict(max_concurrency=5))
    result = lab.run(monkeypatch, MFP, **dict(IN, config=[policy]))
    assert result["committed"], result.get("msg")
    assert any("not one this collection knows" in w for w in warnings)
