# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mail_flow_test's probe logic (plugins/module_utils/_mailflow/probe.py) with fake SMTP, tracking, trace and Graph
clients: the hops, where a probe stops and why, timeouts, and that no secret reaches a message."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._mailflow import probe as mod

SECRET = "Api-Pass-Not-Shown"
CLIENT_SECRET = "Client-Secret-Not-Shown"


class Clock(object):
    def __init__(self):
        self.now = 1000.0

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class FakeSMTP(object):
    """Replies: dict of verb -> (code, text); records what was sent."""
    sent = []

    def __init__(self, replies, xclient=False):
        self.replies = replies
        self.xclient = xclient
        self.ehlo_resp = None
        self.does_esmtp = True

    def __call__(self, host, port, timeout=30):
        if self.replies.get("connect"):
            raise OSError(self.replies["connect"])
        self.host, self.port = host, port
        return self

    def ehlo(self):
        return 250, b"ok"

    def has_extn(self, name):
        return self.xclient and name == "xclient"

    def docmd(self, verb, arg):
        FakeSMTP.sent.append((verb, arg))
        return self.replies.get("xclient", (220, b"ok"))

    def mail(self, sender):
        return self.replies.get("mail", (250, b"sender ok"))

    def rcpt(self, rcpt):
        return self.replies.get("rcpt", (250, b"recipient ok"))

    def data(self, data):
        FakeSMTP.sent.append(("DATA", data))
        return self.replies.get("data", (250, b"ok:  Message 12 accepted"))

    def quit(self):
        pass


class FakeTracking(object):
    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = 0

    def messages(self, start, end, **filters):
        self.calls += 1
        rows = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return rows, len(rows), False


class Result(object):
    def __init__(self, value):
        self.value = value
        self.warnings = []


class FakeExo(object):
    def __init__(self, answers, connectors=None):
        self.answers = list(answers)
        self.connectors = connectors or []
        self.params = []

    def invoke(self, cmdlet, params):
        self.params.append(params)
        rows = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return Result(rows)

    def list_all(self, cmdlet):
        return self.connectors


def args(**extra):
    base = dict(probe="inbound", recipient="bob@example.test", sender=None, probe_id="p-1", timeout=30, interval=5,
                smtp_client_ip=None, header_name="X-OUTBOUND-AUTH",
                gateway=dict(smtp_host="127.0.0.1", smtp_port=2525, api_host="127.0.0.1", api_port=6443,
                             api_username="admin", api_password=SECRET, api_ca_path=None, validate_certs=True),
                tenant=dict(tenant_id="t", client_id="c", client_secret=CLIENT_SECRET, graph_url="https://g",
                            smtp_host=None, smtp_port=25))
    base.update(extra)
    return base


def run(arguments, smtp=None, tracking=None, exo=None, graph=None):
    clock = Clock()
    lines = []
    probe = mod.Probe(arguments, display=lines.append, clock=clock.time, sleep=clock.sleep,
                      smtp_factory=smtp or FakeSMTP({}), tracking_factory=lambda gateway: tracking,
                      tenant_factory=lambda params: (exo, "graph-client"),
                      graph_sender=graph or (lambda *a: "202 Accepted"))
    result = probe.run()
    text = json.dumps(result) + "\n".join(lines)
    assert SECRET not in text and CLIENT_SECRET not in text
    return result, lines


def delivered(mid=12, status="Delivered"):
    return [{"mid": mid, "status": status}]


def trace(status="Delivered", **extra):
    row = {"MessageTraceId": "tr-1", "RecipientAddress": "bob@example.test", "Status": status,
           "FromIP": "198.51.100.105"}
    row.update(extra)
    return [row]


def test_inbound_passes_through_all_hops():
    result, lines = run(args(), tracking=FakeTracking([[], delivered()]), exo=FakeExo([[], trace()]))
    assert result["passed"] is True and result["failed_hop"] is None and result["changed"] is False
    assert [h["name"] for h in result["hops"]] == ["gateway-accept", "gateway-tracking", "tenant-trace"]
    assert all(h["status"] == "passed" for h in result["hops"])
    assert result["hops"][1]["detail"] == "message 12 Delivered"
    assert "from 198.51.100.105" in result["hops"][2]["detail"]
    assert any("gateway-tracking: poll 1" in line for line in lines), lines


def test_inbound_refused_at_the_gateway_names_the_hop_and_reply():
    result, _lines = run(args(), smtp=FakeSMTP({"rcpt": (550, b"#5.1.0 Address rejected")}),
                         tracking=FakeTracking([[]]), exo=FakeExo([[]]))
    assert result["failed"] is True and result["failed_hop"] == "gateway-accept"
    assert result["msg"] == "hop gateway-accept: refused 550 #5.1.0 Address rejected"
    assert len(result["hops"]) == 1


def test_dropped_at_the_gateway_stops_with_the_lab_verdict():
    probe_args = args(probe="outbound", sender="user@example.test", recipient="x@internet.example")
    tracking = FakeTracking([delivered(status="Dropped")])
    clock = Clock()
    probe = mod.Probe(probe_args, clock=clock.time, sleep=clock.sleep, tracking_factory=lambda g: tracking,
                      tenant_factory=lambda p: (FakeExo([trace(RecipientAddress="x@internet.example")]), "g"),
                      graph_sender=lambda *a: "202 Accepted")
    probe._opener = type("O", (), {"last": {"data": [{"attributes": {
        "mid": [12], "labVerdict": "Dropped by filter outbound_auth"}}]}})()
    result = probe.run()
    assert result["failed_hop"] == "gateway-tracking"
    assert result["msg"] == "hop gateway-tracking: message 12 Dropped by filter outbound_auth"
    assert [h["name"] for h in result["hops"]] == ["tenant-submit", "tenant-trace", "gateway-tracking"]


def test_pending_at_the_timeout():
    result, lines = run(args(timeout=12), tracking=FakeTracking([[]]), exo=FakeExo([[]]))
    assert result["failed_hop"] == "gateway-tracking"
    hop = result["hops"][-1]
    assert hop["status"] == "pending" and "still pending after" in hop["detail"]
    assert len([line for line in lines if "poll" in line]) >= 3


def test_tenant_trace_failed_status_fails():
    result, _lines = run(args(), tracking=FakeTracking([delivered()]),
                         exo=FakeExo([trace("Failed", LabDetail="ob1: 554 rejected")]))
    assert result["failed_hop"] == "tenant-trace" and "Failed: ob1: 554 rejected" in result["msg"]


def test_trace_query_filters_on_the_probe():
    exo = FakeExo([trace()])
    run(args(), tracking=FakeTracking([delivered()]), exo=exo)
    params = exo.params[0]
    assert params["Subject"] == "p-1" and params["RecipientAddress"] == ["bob@example.test"]
    assert params["SubjectFilterType"] == "Contains"


def test_outbound_submit_failure():
    def graph(*a):
        raise mod.HopFailed("Graph sendMail as user@example.test answered 403 ErrorAccessDenied: denied")

    result, _lines = run(args(probe="outbound", sender="user@example.test"), graph=graph,
                         tracking=FakeTracking([[]]), exo=FakeExo([[]]))
    assert result["failed_hop"] == "tenant-submit" and "403" in result["msg"]


def test_bypass_refused_passes():
    FakeSMTP.sent = []
    smtp = FakeSMTP({"rcpt": (550, b"5.7.1 Message rejected ... (RestrictDomainsToIPAddresses)")}, xclient=True)
    result, _lines = run(args(probe="bypass", smtp_client_ip="203.0.113.50"), smtp=smtp, exo=FakeExo([[]]))
    assert result["passed"] is True and result["hops"][0]["name"] == "tenant-refuse"
    assert result["hops"][0]["detail"].startswith("refused 550")
    assert ("XCLIENT", "ADDR=203.0.113.50") in FakeSMTP.sent
    assert smtp.host == "example-test.mail.protection.outlook.com" and smtp.port == 25


def test_bypass_accepted_fails_naming_the_connector():
    connectors = [{"Name": "Inbound from Cisco CES", "ConnectorType": "Partner", "Enabled": True,
                   "RestrictDomainsToIPAddresses": False, "RestrictDomainsToCertificate": False}]
    result, _lines = run(args(probe="bypass"), exo=FakeExo([[]], connectors))
    assert result["failed_hop"] == "tenant-refuse"
    assert "the tenant accepted the probe" in result["msg"]
    assert "'Inbound from Cisco CES' has no connector restriction" in result["msg"]


def test_bypass_temporary_refusal_is_not_a_pass():
    result, _lines = run(args(probe="bypass"), smtp=FakeSMTP({"rcpt": (451, b"4.7.0 try later")}), exo=FakeExo([[]]))
    assert result["failed_hop"] == "tenant-refuse" and "451" in result["msg"]


def test_bypass_unreachable():
    result, _lines = run(args(probe="bypass"), smtp=FakeSMTP({"connect": "connection refused"}), exo=FakeExo([[]]))
    assert "could not test the restriction" in result["msg"]


@pytest.mark.parametrize("changes, text", [
    (dict(recipient="nobody"), "recipient"),
    (dict(probe="outbound", sender=None), "sender"),
    (dict(gateway=None), "gateway.smtp_host"),
    (dict(tenant=None), "tenant"),
])
def test_option_checks_before_sending(changes, text):
    with pytest.raises(mod.ProbeError) as err:
        mod.Probe(args(**changes)).run()
    assert text in str(err.value) and SECRET not in str(err.value)


def test_message_carries_the_probe_id():
    message = mod.build_message("p-9", "a@x.example", "b@y.example", "inbound")
    assert message[mod.PROBE_HEADER] == "p-9" and "p-9" in message["Subject"]


def test_skipped_result():
    result = mod.skipped_result(dict(probe="bypass", probe_id=None))
    assert result["skipped"] is True and result["changed"] is False and result["hops"] == []


def test_mx_host():
    assert mod.mx_host("Sales.Example.test.") == "sales-example-test.mail.protection.outlook.com"


def test_graph_scope_follows_the_cloud():
    exo, graph = mod.tenant_clients(dict(tenant_id="t", client_id="c", client_secret="s", cloud="gcc_high"))
    assert graph.scope == "https://graph.microsoft.us/.default"
    assert exo.scope == "https://outlook.office365.us/.default"


# -- option checks: nothing that reaches an SMTP command line or a header can carry a line break ------------
@pytest.mark.parametrize("update,field", [
    (dict(recipient="user@example.com\r\nRCPT TO:<x@evil.test>"), "recipient"),
    (dict(recipient="user@example.com>"), "recipient"),
    (dict(recipient="two words@example.com"), "recipient"),
    (dict(recipient="user@-bad.example"), "recipient"),
    (dict(sender="a@b"), "sender"),
    (dict(probe_id="id\r\nBcc: x@evil.test"), "probe_id"),
    (dict(probe_id="-starts-with-hyphen"), "probe_id"),
    (dict(header_name="X-Bad: header"), "header_name"),
    (dict(smtp_client_ip="198.51.100.300"), "smtp_client_ip"),
    (dict(gateway=dict(smtp_host="esa1.example.com\r\n", smtp_port=25)), "gateway.smtp_host"),
    (dict(gateway=dict(api_host="esa 1", api_port=6443)), "gateway.api_host"),
    (dict(gateway=dict(smtp_host="esa1.example.com", smtp_port=0)), "gateway.smtp_port"),
    (dict(tenant=dict(smtp_host="tenant.example.com", smtp_port=70000)), "tenant.smtp_port"),
])
def test_option_problems_name_the_field(update, field):
    args = dict(recipient="user@example.com", sender=None, probe_id=None, header_name="X-OUTBOUND-AUTH",
                smtp_client_ip=None, gateway=None, tenant=None)
    args.update(update)
    problems = mod.option_problems(args)
    assert len(problems) == 1 and problems[0].startswith(field + ": "), problems


def test_option_problems_accept_good_values():
    args = dict(recipient="first.last+tag@sub.example.com", sender="o365.sender@example.com",
                probe_id="mf-20261205.1_a", header_name="X-OUTBOUND-AUTH", smtp_client_ip="2001:db8::7",
                gateway=dict(smtp_host="192.0.2.10", smtp_port=25, api_host="esa1.example.com", api_port=6443),
                tenant=dict(smtp_host="example-com.mail.protection.outlook.com", smtp_port=25))
    assert mod.option_problems(args) == []
