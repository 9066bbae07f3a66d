"""SMTP in the lab ESA (lab/esa/mailflow.py): HAT, RAT, message filters, routes and destination controls' TLS of
the committed configuration, with XCLIENT for the connecting IP and sinks as next hops (docs/mail-flow.md)."""

import json
import os
from email.message import EmailMessage

import pytest

from lab.esa import hat as hat_model
from lab.esa import mailflow
from lab.esa.engine import Appliance
from lab.esa.listeners import rat_entry

O365 = "40.107.1.10"          # in the O365_RELAY sender group (RELAY)
UNLISTED = "203.0.113.50"     # in no group of the private listener: ALL -> BLOCKED (REJECT)
REFUSED = "203.0.113.99"      # in the REFUSE group: TCPREFUSE
INTERNET_HOST = "198.18.0.7"  # any sender on the public listener
PUBLIC_IP, PRIVATE_IP = "192.0.2.10", "198.51.100.10"   # Data 1 / Data 2 (lab/esa/listeners.py INTERFACES)
SECRET = "s3cr3t-Value"

S12 = (
    'outbound_auth:\n'
    'if (sendergroup == "O365_RELAY") {\n'
    '  if header("X-OUTBOUND-AUTH") == "^' + SECRET + '$" {\n'
    '    strip-header("X-OUTBOUND-AUTH");\n'
    '  } else {\n'
    '    drop();\n'
    '  }\n'
    '}'
)


def _private_hat():
    hat = hat_model.factory_hat("private")
    hat["policies"].append(hat_model.policy("REFUSE", "TCPREFUSE"))
    hat["sender_groups"][:0] = [hat_model.group("O365_RELAY", ["40.107.0.0/16", "52.100.0.0/14"], "RELAYED"),
                                hat_model.group("REFUSE", [REFUSED], "REFUSE")]
    return hat_model.renumber(hat)


def _public_hat():
    hat = hat_model.factory_hat("public")
    hat["sender_groups"][0]["members"] = ["203.0.113.66"]     # BLOCKED_LIST -> REJECT
    return hat


def configure(app, filters=True):
    with app.store.config_transaction() as data:
        tables = data["layers"]["local"]
        listeners = tables["listeners"]
        listeners[0]["hat"] = _public_hat()
        listeners[0]["rat"] = [rat_entry("example.com", "ACCEPT"), rat_entry("ALL", "REJECT")]
        listeners[1]["hat"] = _private_hat()
        tables["filters"] = [{"name": "outbound_auth", "active": True, "valid": True, "body": S12}] if filters else []
        tables["smtp_routes"] = [
            {"domain": "example.com", "destinations": ["mail.example.com"]},
            {"domain": "partner.example", "destinations": ["relay.partner.example:2525"]},
            {"domain": "ALL", "destinations": ["internet.lab"]},
        ]
        controls = tables["destination_controls"]
        entry = dict(controls[-1], domain="partner.example", tls="on")
        controls.insert(0, entry)


@pytest.fixture(name="lab")
def lab_fixture(tmp_path):
    app = Appliance(hostname="esa1.lab")
    configure(app)
    sinks = {name: mailflow.Sink(name, state_dir=str(tmp_path)).start() for name in ("internet", "exchange", "partner")}
    mailflow.write_next_hops(str(tmp_path), {
        "internet.lab": f"127.0.0.1:{sinks['internet'].port}",
        "mail.example.com": f"127.0.0.1:{sinks['exchange'].port}",
        "relay.partner.example:2525": f"127.0.0.1:{sinks['partner'].port}",
    })
    server = mailflow.ESASMTPServer(str(tmp_path), lambda: app.committed, hostname="esa1.lab").start()
    yield {"app": app, "server": server, "sinks": sinks, "state": str(tmp_path), "log": mailflow.MailLog(str(tmp_path))}
    server.stop()
    for sink in sinks.values():
        sink.stop()


def message(sender, rcpt, subject="probe", headers=None):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, rcpt, subject
    msg["Message-ID"] = f"<{subject}@lab.test>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content("hello\n")
    return msg


def outbound(lab, rcpt="someone@internet.example", subject="out", headers=None, ip=O365):
    return mailflow.send(lab["server"].port, "user@contoso.example", [rcpt],
                         message("user@contoso.example", rcpt, subject, headers), client_ip=ip, dest_addr=PRIVATE_IP)


def last_entry(lab):
    return lab["log"].entries()[-1]


def header_names(record):
    return [name.lower() for name, _value in record["headers"]]


def test_relay_allowed_for_relay_sender_group_and_header_stripped(lab):
    result = outbound(lab, headers={"X-OUTBOUND-AUTH": SECRET})
    assert result["hat"][0] == 220 and result["data"][0] == 250, result
    entry = last_entry(lab)
    assert entry["hat"] == {"sender_group": "O365_RELAY", "policy": "RELAYED", "behavior": "RELAY"}
    assert entry["listener"] == "OutgoingMail" and entry["remote_ip"] == O365
    assert entry["status"] == "delivered" and entry["verdict"] == "Delivered"
    assert f"Message {entry['mid']} accepted" in result["data"][1]
    assert entry["filters"][0]["actions"] == [{"action": "strip-header", "args": ["X-OUTBOUND-AUTH"]}]
    received = lab["sinks"]["internet"].received()
    assert len(received) == 1 and received[0]["subject"] == "out"
    assert "x-outbound-auth" not in header_names(received[0])
    assert entry["delivery"][0]["route"] == "ALL" and entry["delivery"][0]["next_hop"] == "internet.lab"


def test_s12_filter_drops_without_the_header_and_with_a_wrong_secret(lab):
    for headers in ({}, {"X-OUTBOUND-AUTH": "wrong"}, {"X-OUTBOUND-AUTH": SECRET + "x"}):
        result = outbound(lab, headers=headers)
        assert result["data"][0] == 250      # accepted, then dropped (no bounce)
        entry = last_entry(lab)
        assert entry["status"] == "dropped" and entry["verdict"] == "Dropped by filter outbound_auth"
        assert entry["delivery"] == []
    assert lab["sinks"]["internet"].received() == []
    counters = lab["log"].counters()
    assert counters["dropped"] == 3 and counters["messages"] == 3 and counters["delivered"] == 0


def test_filter_does_not_apply_to_other_sender_groups(lab):
    # inbound mail (public listener, sender group ALL) has no header and is not dropped
    result = mailflow.send(lab["server"].port, "a@internet.example", ["bob@example.com"],
                           message("a@internet.example", "bob@example.com", "in"), client_ip=INTERNET_HOST,
                           dest_addr=PUBLIC_IP)
    assert result["data"][0] == 250, result
    entry = last_entry(lab)
    assert entry["hat"]["sender_group"] == "ALL" and entry["hat"]["behavior"] == "ACCEPT"
    assert entry["filters"][0]["actions"] == [] and entry["status"] == "delivered"
    assert [item["subject"] for item in lab["sinks"]["exchange"].received()] == ["in"]


def test_unlisted_ip_refused_on_the_private_listener(lab):
    result = outbound(lab, headers={"X-OUTBOUND-AUTH": SECRET}, ip=UNLISTED)
    assert result["hat"][0] == 554 and "Access denied" in result["hat"][1]
    entry = last_entry(lab)
    assert entry["status"] == "rejected" and entry["verdict"] == "HAT REJECT"
    assert entry["hat"]["sender_group"] == "ALL" and entry["hat"]["policy"] == "BLOCKED"
    assert lab["sinks"]["internet"].received() == []
    assert lab["log"].counters()["rejected_connections"] == 1


def test_tcprefuse_closes_the_connection(lab):
    result = outbound(lab, ip=REFUSED)
    assert result["hat"] is None and result["error"], result
    assert last_entry(lab)["verdict"] == "HAT TCPREFUSE"


def test_public_blocked_list_rejects(lab):
    result = mailflow.send(lab["server"].port, "spam@bad.example", ["bob@example.com"],
                           message("spam@bad.example", "bob@example.com"), client_ip="203.0.113.66",
                           dest_addr=PUBLIC_IP)
    assert result["hat"][0] == 554
    assert last_entry(lab)["hat"]["sender_group"] == "BLOCKED_LIST"


def test_rat_accepts_listed_domain_and_rejects_others(lab):
    result = mailflow.send(lab["server"].port, "a@internet.example", ["bob@example.com", "eve@elsewhere.example"],
                           message("a@internet.example", "bob@example.com", "rat"), client_ip=INTERNET_HOST,
                           dest_addr=PUBLIC_IP)
    assert result["data"][0] == 250
    assert result["refused"]["eve@elsewhere.example"][0] == 550
    entry = last_entry(lab)
    assert entry["rcpts"] == ["bob@example.com"]
    assert entry["rejected_rcpts"][0]["rcpt"] == "eve@elsewhere.example"
    assert [item["action"] for item in entry["rat"]] == ["ACCEPT", "REJECT"]
    assert [item["rcpts"] for item in lab["sinks"]["exchange"].received()] == [["bob@example.com"]]


def test_rat_all_rejected_is_logged(lab):
    result = mailflow.send(lab["server"].port, "a@internet.example", ["eve@elsewhere.example"],
                           message("a@internet.example", "eve@elsewhere.example"), client_ip=INTERNET_HOST,
                           dest_addr=PUBLIC_IP)
    assert result["data"] is None and result["refused"]
    entry = last_entry(lab)
    assert entry["status"] == "rejected" and entry["verdict"] == "Rejected by RAT" and entry["mid"]
    assert lab["log"].counters()["rejected_recipients"] == 1


def test_route_to_the_right_next_hop_and_tls_recorded(lab):
    outbound(lab, rcpt="p@partner.example", subject="partner", headers={"X-OUTBOUND-AUTH": SECRET})
    entry = last_entry(lab)
    delivery = entry["delivery"][0]
    assert delivery["route"] == "partner.example" and delivery["next_hop"] == "relay.partner.example:2525"
    assert delivery["tls"] == {"setting": "on", "entry": "partner.example", "used": False}
    assert delivery["verdict"] == "delivered" and delivery["tls_used"] is False   # Preferred: no STARTTLS offered
    assert [item["subject"] for item in lab["sinks"]["partner"].received()] == ["partner"]
    assert lab["sinks"]["internet"].received() == []


def test_required_tls_fails_delivery_without_starttls(lab):
    with lab["app"].store.config_transaction() as data:
        data["layers"]["local"]["destination_controls"][0]["tls"] = "require"
    outbound(lab, rcpt="p@partner.example", headers={"X-OUTBOUND-AUTH": SECRET})
    entry = last_entry(lab)
    assert entry["status"] == "failed" and "TLS required" in entry["delivery"][0]["reply"]
    assert lab["sinks"]["partner"].received() == []


def test_route_without_lab_next_hop_fails(lab):
    mailflow.write_next_hops(lab["state"], {})
    outbound(lab, headers={"X-OUTBOUND-AUTH": SECRET})
    entry = last_entry(lab)
    assert entry["status"] == "failed" and "no lab next hop" in entry["delivery"][0]["reply"]


def test_committed_configuration_is_read_per_message(lab):
    # no filter committed: the message passes without the header (and keeps it)
    configure(lab["app"], filters=False)
    outbound(lab, subject="nofilter")
    assert last_entry(lab)["status"] == "delivered"
    assert lab["sinks"]["internet"].received()[0]["subject"] == "nofilter"


def test_xclient_syntax_sequence_and_ehlo(lab):
    import smtplib
    with smtplib.SMTP("127.0.0.1", lab["server"].port) as client:
        code, text = client.ehlo("c.lab")
        assert code == 250 and b"XCLIENT NAME ADDR" in text      # advertised to loopback clients (lab mechanism)
        assert client.docmd("XCLIENT", "BOGUS=1")[0] == 501
        assert client.docmd("XCLIENT", "ADDR=" + O365 + " DESTADDR=" + PRIVATE_IP)[0] == 220
        assert client.mail("a@b.example")[0] == 503         # EHLO again first (XCLIENT_README)
        client.ehlo_resp = None
        client.ehlo("c.lab")
        assert client.mail("a@b.example")[0] == 250
        assert client.docmd("XCLIENT", "ADDR=" + UNLISTED)[0] == 503   # not inside a transaction
    assert mailflow._xtext_decode("a+3Db") == "a=b"   # pylint: disable=protected-access


def test_log_lines_and_sink_file(lab):
    outbound(lab, headers={"X-OUTBOUND-AUTH": SECRET})
    with open(os.path.join(lab["state"], mailflow.MESSAGES_FILE), encoding="utf-8") as handle:
        lines = [json.loads(line) for line in handle]
    assert lines[-1]["mid"] >= 1 and lines[-1]["icid"] >= 1 and lines[-1]["time"].endswith("Z")
    with open(os.path.join(lab["state"], mailflow.SINK_FILE), encoding="utf-8") as handle:
        assert json.loads(handle.readline())["sink"] == "internet"


@pytest.mark.parametrize("member, ip, host, expected", [
    ("40.107.0.0/16", "40.107.3.4", None, True),
    ("40.107.0.0/16", "40.108.3.4", None, False),
    ("10.1.1.", "10.1.1.77", None, True),
    ("10.1.1.1-20", "10.1.1.15", None, True),
    ("10.1.1.1-20", "10.1.1.21", None, False),
    ("10.1.1.5", "10.1.1.5", None, True),
    (".outlook.com", "1.2.3.4", "mail.protection.outlook.com", True),
    ("mx.example.com", "1.2.3.4", "mx.example.com", True),
    ("SBRS[-10.0:-3.0]", "1.2.3.4", None, False),
    ("2001:db8::/32", "2001:db8::1", None, True),
])
def test_member_matching(member, ip, host, expected):
    assert mailflow.member_matches(member, ip, host) is expected


def test_filter_evaluator_conditions():
    from email import message_from_string
    msg = message_from_string("Subject: Hello world\nX-A: one\n\nbody\n")
    ctx = {"message": msg, "sender_group": "G", "mail_from": "a@b.example", "rcpts": ["c@d.example"],
           "remote_ip": "10.0.0.5", "size": 100}
    filters = [{"name": "f1", "active": True, "valid": True,
                "body": 'f1: if (subject == "^Hello" and remote-ip == "10.0.0.0/8" and not header("X-B")) '
                        '{ insert-header("X-Seen", "yes"); } else { drop(); }'},
               {"name": "f2", "active": True, "valid": True,
                "body": 'f2: if attachment-filename == "x" { drop(); }'}]
    records, final = mailflow.run_filters(filters, ctx)
    assert final is None and msg["X-Seen"] == "yes"
    assert "not simulated" in records[1]["error"]


def test_serve_starts_the_smtp_listener_on_the_committed_configuration(tmp_path):
    """``python -m lab serve --smtp-port 0``: the port is in the runtime info; a message goes through the
    committed configuration of the state dir (what ``python -m lab config`` prints) to a sink."""
    import signal
    import subprocess
    import sys
    import time

    from lab.state import REPO_ROOT, StateDir

    state = StateDir(str(tmp_path))
    sink = mailflow.Sink("internet").start()
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    process = subprocess.Popen([sys.executable, "-m", "lab", "serve", "--state-dir", state.path, "--esa-port", "0",
                                "--smtp-port", "0", "--password", "lab-pass-1"], cwd=REPO_ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        info = None
        while time.monotonic() < deadline:
            info = state.runtime()
            if info and info.get("pid") == process.pid and info.get("smtp_port"):
                break
            time.sleep(0.1)
        assert info and info["smtp_port"] and info["api_port"] and os.path.exists(info["api_ca_path"]), info
        # commit a route and a relay group like a converge would (the file store of the running server)
        app = Appliance(hostname="esa1.lab", store=state.path, password="lab-pass-1")
        configure(app)
        mailflow.write_next_hops(state.path, {"internet.lab": f"127.0.0.1:{sink.port}"})
        result = mailflow.send(info["smtp_port"], "user@contoso.example", ["x@internet.example"],
                               message("user@contoso.example", "x@internet.example", "served",
                                       {"X-OUTBOUND-AUTH": SECRET}), client_ip=O365, dest_addr=PRIVATE_IP)
        assert result["data"][0] == 250, result
        received = sink.received()
        assert [item["subject"] for item in received] == ["served"]
        assert "x-outbound-auth" not in header_names(received[0])
        assert mailflow.MailLog(state.path).entries()[-1]["status"] == "delivered"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(15)
        sink.stop()


# -- the AsyncOS API's message tracking (lab/esa/tracking_api.py) ---------------------------------------------------
def _api_get(api, path, user="admin", password="pw", token=None):
    import base64
    import ssl
    import urllib.error
    import urllib.request
    context = ssl.create_default_context(cafile=api.ca_path)
    request = urllib.request.Request(f"https://127.0.0.1:{api.port}{path}")
    if token:
        request.add_header("jwtToken", token)
    elif user:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_tracking_api_finds_messages(lab):
    import base64
    import ssl
    import time
    import urllib.request
    from lab.esa.tracking_api import TrackingAPI

    api = TrackingAPI(lab["state"], "pw").start()
    try:
        outbound(lab, subject="tracked-ok", headers={"X-OUTBOUND-AUTH": SECRET})
        outbound(lab, subject="tracked-drop")
        outbound(lab, ip=UNLISTED)
        start = time.strftime("%Y-%m-%dT%H:%M:00.000Z", time.gmtime(time.time() - 120))
        end = time.strftime("%Y-%m-%dT%H:%M:00.000Z", time.gmtime(time.time() + 120))
        window = f"startDate={start}&endDate={end}&searchOption=messages"
        code, body = _api_get(api, "/esa/api/v2.0/message-tracking/messages?" + window)
        assert code == 200 and body["meta"]["totalCount"] == 2
        statuses = {item["attributes"]["subject"]: list(item["attributes"]["messageStatus"].values())[0]
                    for item in body["data"]}
        assert statuses == {"tracked-ok": "Delivered", "tracked-drop": "Dropped"}
        code, body = _api_get(api, "/esa/api/v2.0/message-tracking/messages?" + window
                              + "&subjectfilterOperator=begins_with&subjectfilterValue=tracked-o")
        assert [item["attributes"]["subject"] for item in body["data"]] == ["tracked-ok"]
        mid = body["data"][0]["attributes"]["mid"][0]
        code, body = _api_get(api, f"/esa/api/v2.0/message-tracking/messages?{window}&ciscoMid={mid}"
                                   "&messageIdHeader=%3Ctracked-ok@lab.test%3E")
        assert body["meta"]["totalCount"] == 1
        code, body = _api_get(api, "/esa/api/v2.0/message-tracking/messages?" + window.replace("messages", "rejected_connections"))
        assert body["meta"]["totalCount"] == 1 and body["data"][0]["attributes"]["senderIp"] == UNLISTED
        # errors: auth, window, operator, offset without limit
        assert _api_get(api, "/esa/api/v2.0/message-tracking/messages?" + window, password="bad")[0] == 401
        assert _api_get(api, "/esa/api/v2.0/message-tracking/messages?searchOption=messages")[0] == 400
        assert _api_get(api, "/esa/api/v2.0/message-tracking/messages?" + window
                        + "&subjectfilterOperator=like&subjectfilterValue=x")[0] == 400
        assert _api_get(api, "/esa/api/v2.0/message-tracking/messages?" + window + "&offset=1")[0] == 400
        # JWT from /login
        context = ssl.create_default_context(cafile=api.ca_path)
        login = json.dumps({"data": {"userName": base64.b64encode(b"admin").decode(),
                                     "passphrase": base64.b64encode(b"pw").decode()}}).encode()
        request = urllib.request.Request(f"https://127.0.0.1:{api.port}/esa/api/v2.0/login", data=login,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            token = json.loads(response.read())["data"]["jwtToken"]
        code, body = _api_get(api, "/sma/api/v2.0/message-tracking/messages?" + window, token=token)
        assert code == 200 and body["meta"]["totalCount"] == 2
    finally:
        api.stop()


def test_required_tls_uses_starttls_when_the_next_hop_offers_it(lab, tmp_path):
    tls_sink = mailflow.Sink("partner-tls", tls_dir=str(tmp_path / "tls")).start()
    try:
        with lab["app"].store.config_transaction() as data:
            data["layers"]["local"]["destination_controls"][0]["tls"] = "require"
        mailflow.write_next_hops(lab["state"], {"relay.partner.example:2525": f"127.0.0.1:{tls_sink.port}"})
        outbound(lab, rcpt="p@partner.example", subject="tls", headers={"X-OUTBOUND-AUTH": SECRET})
        delivery = last_entry(lab)["delivery"][0]
        assert delivery["verdict"] == "delivered" and delivery["tls_used"] is True
        received = tls_sink.received()
        assert received[0]["subject"] == "tls" and received[0]["tls"] is True
    finally:
        tls_sink.stop()
