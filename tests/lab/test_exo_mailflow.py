"""Mail flow of the lab Exchange tenant (lab/exo/mailflow.py, docs/mail-flow.md "Exchange side" and "End to end"):
the inbound endpoint with its Partner connector restriction, message trace rows, the lab ESA's delivery with XCLIENT,
Graph sendMail, transport rules, the outbound connector to the ESA and the internet sink. In-process, real SMTP and
HTTPS on loopback."""

import http.client
import json
import os
import ssl
import time
import urllib.parse
from email.message import EmailMessage

import pytest

from lab.esa import hat as hat_model
from lab.esa import mailflow as esa_mailflow
from lab.esa.engine import Appliance
from lab.esa.listeners import rat_entry
from lab.exo import mailflow, pki
from lab.exo.server import ExoHTTPServer, ExoLab
from lab.exo.store import LAB_RELAY_HOST, ExoStore

GATEWAY_IP = "198.51.100.105"     # the lab letter's first "Email Security" address (esa PUBLIC_ADDRESSES Data 1)
OTHER_IP = "203.0.113.50"
SECRET = "Lab-Secret-77"
CONNECTOR = {"Name": "Inbound from Cisco CES", "ConnectorType": "Partner", "SenderDomains": ["smtp:*;1"],
             "SenderIPAddresses": [GATEWAY_IP, "198.51.100.143", "203.0.113.186", "203.0.113.98"],
             "RestrictDomainsToIPAddresses": True, "RequireTls": True, "Enabled": True}


def seed(state, **lists):
    with ExoStore(state).tenant_transaction() as tenant:
        for key, value in lists.items():
            tenant[key] = value


@pytest.fixture(name="tenant")
def tenant_fixture(tmp_path):
    state = str(tmp_path)
    ExoStore(state).apps()
    paths = pki.ensure(state)
    server = mailflow.TenantSMTPServer(state, certfile=paths["exo_server.pem"], keyfile=paths["exo_server.key"]).start()
    yield {"state": state, "server": server, "store": ExoStore(state)}
    server.stop()


def message(sender, rcpt, subject="probe"):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, rcpt, subject
    msg["Message-ID"] = f"<{subject.replace(' ', '-')}@lab.test>"
    msg.set_content("hello\n")
    return msg


def send(tenant, ip, rcpt="bob@example.test", subject="probe", tls=False):
    if not tls:
        return esa_mailflow.send(tenant["server"].port, "alice@internet.example", [rcpt],
                                 message("alice@internet.example", rcpt, subject), client_ip=ip)
    import smtplib
    with smtplib.SMTP("127.0.0.1", tenant["server"].port, timeout=10) as client:
        client.ehlo()
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        client.starttls(context=context)
        client.ehlo()
        code, _text = esa_mailflow.xclient(client, [("ADDR", ip)])
        assert code == 220
        data = message("alice@internet.example", rcpt, subject).as_bytes()
        refused = client.sendmail("alice@internet.example", [rcpt], data)
        return {"refused": refused}


def trace(tenant):
    return tenant["store"].read_tenant()["message_trace"]


def test_gateway_ip_is_accepted_and_traced(tenant):
    seed(tenant["state"], inbound_connectors=[dict(CONNECTOR)])
    result = send(tenant, GATEWAY_IP, subject="from gateway", tls=True)
    assert result["refused"] == {}
    rows = trace(tenant)
    assert len(rows) == 1
    row = rows[0]
    assert row["Status"] == "Delivered" and row["FromIP"] == GATEWAY_IP
    assert row["RecipientAddress"] == "bob@example.test"
    assert row["Subject"] == "from gateway" and row["MessageId"] == "<from-gateway@lab.test>"
    assert row["LabConnector"] == CONNECTOR["Name"] and row["Received"].endswith("Z")
    assert [item["subject"] for item in mailflow.mailbox(tenant["state"])] == ["from gateway"]


def test_other_ip_is_refused_by_the_connector_restriction(tenant):
    seed(tenant["state"], inbound_connectors=[dict(CONNECTOR)])
    result = send(tenant, OTHER_IP)
    code, text = result["refused"]["bob@example.test"]
    assert code == 550 and "5.7.1" in text and CONNECTOR["Name"] in text and OTHER_IP in text
    assert "RestrictDomainsToIPAddresses" in text
    assert trace(tenant) == [] and mailflow.mailbox(tenant["state"]) == []


def test_unrestricted_connector_lets_anyone_in(tenant):
    seed(tenant["state"], inbound_connectors=[dict(CONNECTOR, RestrictDomainsToIPAddresses=False)])
    result = send(tenant, OTHER_IP, subject="bypass")
    assert result["refused"] == {} and result["data"][0] == 250
    row = trace(tenant)[0]
    assert row["FromIP"] == OTHER_IP and "LabConnector" not in row


def test_require_tls_refuses_plain_smtp_from_the_gateway(tenant):
    seed(tenant["state"], inbound_connectors=[dict(CONNECTOR)])
    result = send(tenant, GATEWAY_IP)
    code, text = result["refused"]["bob@example.test"]
    assert code == 451 and "STARTTLS" in text


def test_not_accepted_domain_is_refused(tenant):
    result = send(tenant, GATEWAY_IP, rcpt="bob@not-ours.example")
    assert result["refused"]["bob@not-ours.example"][0] == 550
    assert "5.4.1" in result["refused"]["bob@not-ours.example"][1]


def test_certificate_restriction(tenant):
    connector = dict(CONNECTOR, RestrictDomainsToIPAddresses=False, RestrictDomainsToCertificate=True,
                     TlsSenderCertificateName="*.iphmx.com", SenderIPAddresses=[])
    tenant_data = {"inbound_connectors": [connector]}
    decision = mailflow.inbound_decision(tenant_data, OTHER_IP, "a@x.example", tls=True, cert_name="mx1.iphmx.com")
    assert decision["connector"] == connector["Name"]
    decision = mailflow.inbound_decision(tenant_data, OTHER_IP, "a@x.example", tls=False, cert_name="mx1.iphmx.com")
    assert decision["refused"] and "RestrictDomainsToCertificate" in decision["refused"]


# -- end to end: the lab ESA in front of the tenant --------------------------------------------------------------
S12 = ('outbound_auth:\nif (sendergroup == "RELAY_O365") {\n  if header("X-OUTBOUND-AUTH") == "^' + SECRET + '$" {\n'
       '    strip-header("X-OUTBOUND-AUTH");\n  } else {\n    drop();\n  }\n}')


def configure_esa(app, rat=True):
    with app.store.config_transaction() as data:
        tables = data["layers"]["local"]
        listeners = tables["listeners"]
        if rat:
            listeners[0]["rat"] = [rat_entry("example.test", "ACCEPT"), rat_entry("ALL", "REJECT")]
        hat = hat_model.factory_hat("private")
        hat["sender_groups"][:0] = [hat_model.group("RELAY_O365", [".protection.outlook.com"], "RELAYED")]
        listeners[1]["hat"] = hat_model.renumber(hat)
        tables["filters"] = [{"name": "outbound_auth", "active": True, "valid": True, "body": S12}]
        tables["smtp_routes"] = [{"domain": "example.test",
                                  "destinations": ["example-test.mail.protection.outlook.com"]}]
        controls = tables["destination_controls"]
        controls.insert(0, dict(controls[-1], domain="example.test", tls="on"))


@pytest.fixture(name="e2e")
def e2e_fixture(tenant):
    state = tenant["state"]
    app = Appliance(hostname="esa1.lab")
    configure_esa(app)
    sink = esa_mailflow.Sink("internet", state_dir=state).start()
    esa = esa_mailflow.ESASMTPServer(state, lambda: app.committed, hostname="esa1.lab",
                                     default_next_hop=f"127.0.0.1:{sink.port}", tls_dir=state).start()
    mailflow.wire(state, esa_smtp_port=esa.port, tenant_smtp_port=tenant["server"].port, sink_port=sink.port,
                  relay_hosts=[LAB_RELAY_HOST])
    seed(state, inbound_connectors=[dict(CONNECTOR)])
    yield dict(tenant, app=app, esa=esa, sink=sink, log=esa_mailflow.MailLog(state))
    esa.stop()
    sink.stop()


def test_wire_writes_both_next_hop_maps(e2e):
    esa_hops = esa_mailflow.read_next_hops(e2e["state"])
    assert esa_hops["example-test.mail.protection.outlook.com"] == f"127.0.0.1:{e2e['server'].port}"
    assert esa_hops["*"] == f"127.0.0.1:{e2e['sink'].port}"
    exo_hops = mailflow.read_next_hops(e2e["state"])
    assert exo_hops[LAB_RELAY_HOST]["address"] == f"127.0.0.1:{e2e['esa'].port}"
    assert exo_hops[LAB_RELAY_HOST]["destaddr"] == "198.51.100.10"


def test_inbound_through_the_gateway_reaches_the_mailbox_with_the_gateway_ip(e2e):
    result = esa_mailflow.send(e2e["esa"].port, "alice@internet.example", ["bob@example.test"],
                               message("alice@internet.example", "bob@example.test", "S7 inbound"),
                               client_ip="198.18.0.7", dest_addr="192.0.2.10")
    assert result["data"][0] == 250, result
    entry = e2e["log"].entries()[-1]
    assert entry["status"] == "delivered", entry
    delivery = entry["delivery"][0]
    assert delivery["xclient"]["addr"] == GATEWAY_IP and delivery["tls_used"] is True
    row = trace(e2e)[-1]
    assert row["FromIP"] == GATEWAY_IP and row["Status"] == "Delivered" and row["Subject"] == "S7 inbound"


def test_unmapped_domains_go_to_the_internet_sink(e2e):
    with e2e["app"].store.config_transaction() as data:
        data["layers"]["local"]["smtp_routes"].append({"domain": "ALL", "destinations": ["USEDNS"]})
    msg = message("user@example.test", "x@internet.example", "to internet")
    msg["X-OUTBOUND-AUTH"] = SECRET
    result = esa_mailflow.send(e2e["esa"].port, "user@example.test", ["x@internet.example"], msg,
                               client_ip=mailflow.M365_OUTBOUND_IP, client_name=mailflow.M365_OUTBOUND_NAME,
                               dest_addr="198.51.100.10")
    assert result["data"][0] == 250, result
    assert [m["subject"] for m in e2e["sink"].received()] == ["to internet"]


def outbound_objects(state, enabled=True, secret=SECRET):
    seed(state, outbound_connectors=[{
        "Name": "Outbound to Cisco CES", "Enabled": True, "ConnectorType": "Partner", "IsTransportRuleScoped": True,
        "UseMXRecord": False, "SmartHosts": [LAB_RELAY_HOST], "RecipientDomains": [], "TlsSettings": "EncryptionOnly"}],
        transport_rules=[{"Name": "Outbound to Cisco CES", "Priority": 0, "State": "Enabled" if enabled else "Disabled",
                          "Mode": "Enforce", "FromScope": "InOrganization", "SentToScope": "NotInOrganization",
                          "RouteMessageOutboundConnector": "Outbound to Cisco CES",
                          "SetHeaderName": "X-OUTBOUND-AUTH", "SetHeaderValue": secret}])


def test_outbound_rule_stamps_the_header_and_the_gateway_relays_it(e2e):
    outbound_objects(e2e["state"])
    record = mailflow.send_outbound(e2e["state"], "user@example.test", ["x@internet.example"], "S13 outbound", "hi")
    assert record["deliveries"][0]["status"] == "Delivered", record
    assert record["deliveries"][0]["connector"] == "Outbound to Cisco CES"
    assert SECRET not in json.dumps(record)
    received = e2e["sink"].received()
    assert [m["subject"] for m in received] == ["S13 outbound"]
    assert "x-outbound-auth" not in [name.lower() for name, _v in received[0]["headers"]]
    entry = e2e["log"].entries()[-1]
    assert entry["listener"] == "OutgoingMail" and entry["hat"]["sender_group"] == "RELAY_O365"
    assert entry["remote_ip"] == mailflow.M365_OUTBOUND_IP and entry["status"] == "delivered"
    row = trace(e2e)[-1]
    assert row["Status"] == "Delivered" and row["LabConnector"] == "Outbound to Cisco CES"
    assert row["ToIP"] == "198.51.100.25"


def test_wrong_secret_is_dropped_by_the_gateway_filter(e2e):
    outbound_objects(e2e["state"], secret="wrong")
    record = mailflow.send_outbound(e2e["state"], "user@example.test", ["x@internet.example"], "bad secret", "hi")
    assert record["deliveries"][0]["status"] == "Delivered"
    assert e2e["sink"].received() == []
    assert e2e["log"].entries()[-1]["verdict"] == "Dropped by filter outbound_auth"


def test_disabled_rule_sends_by_mx_around_the_gateway(e2e):
    outbound_objects(e2e["state"], enabled=False)
    record = mailflow.send_outbound(e2e["state"], "user@example.test", ["x@internet.example"], "no rule", "hi")
    assert record["rules"][0]["skipped"] == "disabled"
    assert record["deliveries"][0]["connector"] is None
    assert [m["subject"] for m in e2e["sink"].received()] == ["no rule"]
    assert all(entry.get("subject") != "no rule" for entry in e2e["log"].entries())


def test_internal_recipient_goes_to_the_mailbox(e2e):
    outbound_objects(e2e["state"])
    record = mailflow.send_outbound(e2e["state"], "user@example.test", ["colleague@example.test"], "internal", "hi")
    assert record["deliveries"][0]["status"] == "Delivered" and record["deliveries"][0]["connector"] is None
    assert record["rules"][0]["matched"] is False


# -- Microsoft Graph sendMail over HTTPS --------------------------------------------------------------------------
@pytest.fixture(name="graph")
def graph_fixture(e2e):
    lab = ExoLab(e2e["state"])
    httpd = ExoHTTPServer(lab, 0)
    lab.base_url = f"https://127.0.0.1:{httpd.server_address[1]}"
    httpd.thread.start()
    yield dict(e2e, lab=lab, port=httpd.server_address[1])
    httpd.shutdown()
    httpd.server_close()


def _post(graph, path, body, headers, content_type="application/json"):
    context = ssl.create_default_context(cafile=os.path.join(graph["state"], "exo_ca.pem"))
    conn = http.client.HTTPSConnection("127.0.0.1", graph["port"], context=context, timeout=10)
    try:
        conn.request("POST", path, body=body, headers=dict({"Content-Type": content_type}, **headers))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _token(graph, scope):
    apps = graph["store"].apps()
    client_id = apps["default_client_id"]
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id,
                                   "client_secret": apps["apps"][client_id]["secret"], "scope": scope})
    status, data = _post(graph, f"/{apps['tenant']['id']}/oauth2/v2.0/token", body, {},
                         "application/x-www-form-urlencoded")
    assert status == 200, data
    return json.loads(data)["access_token"]


def _send_mail(graph, token, sender="user@example.test", headers=None):
    body = json.dumps({"message": {"subject": "graph probe", "body": {"contentType": "Text", "content": "hi"},
                                   "toRecipients": [{"emailAddress": {"address": "x@internet.example"}}],
                                   "internetMessageHeaders": headers or [{"name": "X-Mailops-Probe", "value": "1"}]},
                       "saveToSentItems": False})
    return _post(graph, f"/v1.0/users/{urllib.parse.quote(sender)}/sendMail", body,
                 {"Authorization": "Bearer " + token})


def _wait(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_graph_sendmail_accepts_and_the_message_leaves_through_the_gateway(graph):
    outbound_objects(graph["state"])
    status, body = _send_mail(graph, _token(graph, "https://graph.microsoft.com/.default"))
    assert status == 202 and body == b""
    assert _wait(graph["sink"].received)
    headers = dict((k.lower(), v) for k, v in graph["sink"].received()[0]["headers"])
    assert headers["x-mailops-probe"] == "1" and "x-outbound-auth" not in headers
    assert _wait(lambda: any(r["Subject"] == "graph probe" for r in trace(graph)))


def test_graph_sendmail_checks_the_token(graph):
    status, body = _send_mail(graph, _token(graph, "https://outlook.office365.com/.default"))
    assert status == 401 and json.loads(body)["error"]["code"] == "InvalidAuthenticationToken"
    graph["store"].update_app(mail_send=False)
    status, body = _send_mail(graph, _token(graph, "https://graph.microsoft.com/.default"))
    assert status == 403 and json.loads(body)["error"]["code"] == "ErrorAccessDenied"
    status, _body = _post(graph, "/v1.0/users/user@example.test/sendMail", "{}", {})
    assert status == 401


def test_graph_sendmail_refuses_unknown_users_and_headers(graph):
    token = _token(graph, "https://graph.microsoft.com/.default")
    status, body = _send_mail(graph, token, sender="user@not-ours.example")
    assert status == 404 and json.loads(body)["error"]["code"] == "ErrorInvalidUser"
    status, _body = _send_mail(graph, token, headers=[{"name": "Subject", "value": "x"}])
    assert status == 400


def test_connector_for_all_domains_without_a_rule(e2e):
    """A connector that is not rule-scoped, RecipientDomains *: taken without a rule (no header: the S12 filter
    drops the message at the gateway)."""
    outbound_objects(e2e["state"], enabled=False)
    with ExoStore(e2e["state"]).tenant_transaction() as tenant:
        tenant["outbound_connectors"][0].update(IsTransportRuleScoped=False, RecipientDomains=["*"])
    record = mailflow.send_outbound(e2e["state"], "user@example.test", ["x@internet.example"], "all domains", "hi")
    assert record["deliveries"][0]["connector"] == "Outbound to Cisco CES"
    assert e2e["log"].entries()[-1]["verdict"] == "Dropped by filter outbound_auth"


def test_rule_with_an_exception_is_not_simulated(e2e):
    outbound_objects(e2e["state"])
    with ExoStore(e2e["state"]).tenant_transaction() as tenant:
        tenant["transport_rules"][0]["ExceptIfSenderDomainIs"] = ["other.example"]
    record = mailflow.send_outbound(e2e["state"], "user@example.test", ["x@internet.example"], "exception", "hi")
    assert record["rules"][0] == {"rule": "Outbound to Cisco CES", "matched": False,
                                  "note": "exception ExceptIfSenderDomainIs is not simulated by the lab"}
    assert record["deliveries"][0]["connector"] is None


def test_no_next_hop_for_a_smart_host_fails_the_trace_row(e2e):
    outbound_objects(e2e["state"])
    with ExoStore(e2e["state"]).tenant_transaction() as tenant:
        tenant["outbound_connectors"][0]["SmartHosts"] = ["unknown.example"]
    record = mailflow.send_outbound(e2e["state"], "user@example.test", ["x@internet.example"], "no hop", "hi")
    assert record["deliveries"][0]["status"] == "Failed"
    row = trace(e2e)[-1]
    assert row["Status"] == "Failed" and "no lab next hop" in row["LabDetail"]
