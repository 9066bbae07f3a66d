"""Mail flow of the lab Exchange Online tenant over real SMTP (docs/mail-flow.md "Exchange side").

* **Inbound** (``TenantSMTPServer``): an SMTP listener on 127.0.0.1 standing for the tenant's
  ``<domain>.mail.protection.outlook.com`` hosts. The client IP is set with Postfix's XCLIENT (loopback clients
  only, as on the lab ESA). Each recipient must be in an accepted domain; then the tenant's **Partner inbound
  connectors** decide (Microsoft Learn, *Set-InboundConnector*: ``RestrictDomainsToIPAddresses`` "automatically
  reject mail from the domains specified by SenderDomains if the mail originates from an IP address that isn't
  specified by SenderIPAddresses"; ``RestrictDomainsToCertificate`` the same for ``TlsSenderCertificateName``). A
  message that passes is delivered to the mailbox store (``<state>/exo_mailbox.jsonl``) and gets one message trace
  row per recipient in the tenant's ``message_trace`` (what ``Get-MessageTraceV2`` / ``exo_message_trace`` read).
* **Outbound** (``send_outbound``, called by Microsoft Graph ``POST /v1.0/users/{id}/sendMail`` in server.py): the
  message goes through the tenant's **transport rules** (``FromScope``, ``SentToScope``; actions ``SetHeaderName``/
  ``SetHeaderValue``, ``RemoveHeader``, ``PrependSubject``, ``RouteMessageOutboundConnector``, ``DeleteMessage``,
  ``StopRuleProcessing``; enabled rules in ``Enforce`` mode, by priority), then leaves through the **outbound
  connector** that applies (the rule's connector, else an enabled connector that is not rule-scoped whose
  ``RecipientDomains`` match), by SMTP to its ``SmartHosts``. Without a connector it goes "by MX" to the lab's
  internet sink. Smart hosts and the sink are found in ``<state>/exo_next_hops.json`` (written by ``python -m lab
  up``). The tenant presents itself with ``XCLIENT ADDR=<M365_OUTBOUND_IP> NAME=<M365_OUTBOUND_NAME>`` and
  ``DESTADDR=`` the ESA listener's interface (when the hop names one), so that the gateway's relay sender group
  applies.

Every SMTP text names its source in a comment or is marked "reconstructed".
"""

import asyncio
import copy
import datetime
import ipaddress
import json
import logging
import os
import smtplib
import ssl
import threading
import uuid
from email import message_from_bytes, policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate

from aiosmtpd.smtp import SMTP

# XCLIENT: the same lab mechanism and texts as the lab ESA's
from ..esa.mailflow import (
    XCLIENT_ATTRS, XCLIENT_DENIED, XCLIENT_SYNTAX, _LoopServer, parse_xclient, xclient, xclient_address)
from .store import ExoStore
from .tenant import exo_time, utcnow
from ..esa.store import read_json, write_json_atomic

LOG = logging.getLogger("lab.exo.mailflow")

MAILBOX_FILE = "exo_mailbox.jsonl"
OUTBOX_FILE = "exo_outbound.jsonl"
NEXT_HOPS_FILE = "exo_next_hops.json"
DEFAULT_HOP_KEY = "*"

# Lab choice: the address and host name Microsoft 365 delivers from. 40.107.0.0/16 is in Microsoft's published
# Exchange Online ranges (Learn, "Microsoft 365 URLs and IP address ranges", Exchange Online ID 10) and in the O365
# relay sender group of the lab tests (tests/lab/test_mailflow.py); the name ends in ".protection.outlook.com",
# the member the outbound role's sender group uses (roles/outbound/defaults/main.yml).
M365_OUTBOUND_IP = "40.107.22.10"
M365_OUTBOUND_NAME = "mail-lab01.outbound.protection.outlook.com"
BANNER_HOST = "mailopslab.mail.protection.outlook.com"

# -- texts sent over SMTP --------------------------------------------------------------------------------------------
# Greeting "220 <host> Microsoft ESMTP MAIL Service ready at <date>": reconstructed (the form Exchange servers greet
# with; 220 = RFC 5321 section 4.2.3).
GREETING_IDENT = "Microsoft ESMTP MAIL Service ready"
# A recipient outside the accepted domains: "550 5.4.1 Recipient address rejected: Access denied" is the text
# Microsoft Learn documents for NDR 5.4.1 in Exchange Online ("Fix email delivery issues for error code 550 5.4.1");
# the AS(...) suffix is left out (reconstructed).
NOT_ACCEPTED = "550 5.4.1 Recipient address rejected: Access denied"
# A connector restriction: 550 (RFC 5321 section 4.2.3) with 5.7.1 "Delivery not authorized, message refused"
# (RFC 3463). The text is reconstructed; it names the connector and the restriction so that the lab's users see why.
RESTRICTED = "550 5.7.1 Message rejected: the sending IP address {ip} is not allowed by the connector '{name}' " \
             "(RestrictDomainsToIPAddresses)"
RESTRICTED_CERT = "550 5.7.1 Message rejected: the sender's TLS certificate is not allowed by the connector " \
                  "'{name}' (RestrictDomainsToCertificate)"
# RequireTls on the matched connector without STARTTLS: 451 (RFC 5321 section 4.2.3, local error) with 5.7.3
# "Security features not supported" (RFC 3463); text reconstructed.
TLS_REQUIRED = "451 5.7.3 STARTTLS is required to send mail"
RCPT_OK = "250 2.1.5 Recipient OK"          # 250 RFC 5321; 2.1.5 RFC 3463 "Destination address valid"; reconstructed
MAIL_OK = "250 2.1.0 Sender OK"             # 250 RFC 5321; 2.1.0 RFC 3463 "Other address status"; reconstructed
DATA_OK = "250 2.6.0 {message_id} [InternalId={internal}] Queued mail for delivery"   # reconstructed


def _trace_time(when=None):
    return exo_time(when or utcnow())


def _domain(address):
    return (address or "").rpartition("@")[2].lower().rstrip(">").strip()


def _accepted(tenant, domain):
    for item in tenant.get("accepted_domains") or []:
        name = str(item.get("DomainName") or "").lower()
        if domain == name or (item.get("MatchSubDomains") and domain.endswith("." + name)):
            return True
    return False


# public names for server.py (Graph sendMail checks the sender against the accepted domains)
is_accepted = _accepted
domain_of = _domain


def _sender_domain_matches(values, domain):
    """``SenderDomains`` (stored ``smtp:<d>;1``, docs/exchange-rest.md section 9) against a sender domain."""
    for value in values or []:
        text = str(value).lower()
        if text.startswith("smtp:"):
            text = text[5:]
        text = text.split(";", maxsplit=1)[0].strip()
        if text == "*" or text == domain or (text.startswith("*.") and domain.endswith(text[1:])):
            return True
    return False


def _ip_in(values, ip):
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for value in values or []:
        text = str(value).strip()
        try:
            if "-" in text:
                low, high = (ipaddress.ip_address(part.strip()) for part in text.split("-", 1))
                if low <= address <= high:
                    return True
            elif address in ipaddress.ip_network(text, strict=False):
                return True
        except ValueError:
            continue
    return False


def inbound_decision(tenant, client_ip, sender, tls=False, cert_name=None):
    """Which Partner inbound connector takes a connection, or why it is refused.

    Returns ``{"connector": name or None, "refused": reply or None, "require_tls": bool, "checked": [names]}``.
    Enabled Partner connectors whose SenderDomains match the sender's domain are considered. One that admits the
    connection (its SenderIPAddresses hold the IP, or its certificate name matches) takes it; when none does and
    at least one of them restricts (RestrictDomainsToIPAddresses / RestrictDomainsToCertificate), the mail is
    refused. Lab choice: the "certificate name" of a connection is its XCLIENT NAME (or EHLO name) when it used
    TLS: the lab's clients present no certificates."""
    domain = _domain(sender)
    checked, restricting, taker = [], [], None
    for connector in tenant.get("inbound_connectors") or []:
        if not connector.get("Enabled", True) or connector.get("ConnectorType", "Partner") != "Partner":
            continue
        if not _sender_domain_matches(connector.get("SenderDomains"), domain or "*"):
            continue
        checked.append(connector["Name"])
        by_ip = _ip_in(connector.get("SenderIPAddresses"), client_ip)
        cert = connector.get("TlsSenderCertificateName")
        by_cert = bool(tls and cert and cert_name and (cert_name.lower() == cert.lower() or (
            cert.startswith("*.") and cert_name.lower().endswith(cert[1:].lower()))))
        if by_ip or by_cert:
            taker = taker or connector
        elif connector.get("RestrictDomainsToIPAddresses") or connector.get("RestrictDomainsToCertificate"):
            restricting.append(connector)
    if taker is not None:
        return {"connector": taker["Name"], "refused": None, "require_tls": bool(taker.get("RequireTls")),
                "checked": checked}
    if restricting:
        first = restricting[0]
        text = RESTRICTED.format(ip=client_ip, name=first["Name"]) if first.get("RestrictDomainsToIPAddresses") \
            else RESTRICTED_CERT.format(name=first["Name"])
        return {"connector": None, "refused": text, "require_tls": False, "checked": checked}
    return {"connector": None, "refused": None, "require_tls": False, "checked": checked}


def _append_jsonl(path, record):
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, sort_keys=True) + "\n")


def read_jsonl(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError:
        return []


def add_trace(store, rows):
    """Append message trace rows (the shape Get-MessageTraceV2 returns, docs/exchange-rest.md section 12)."""
    with store.tenant_transaction() as tenant:
        tenant.setdefault("message_trace", []).extend(rows)


def trace_row(message_id, sender, recipient, subject, status, size, from_ip="", to_ip="", trace_id=None,
              **lab_fields):
    row = {"MessageTraceId": trace_id or str(uuid.uuid4()), "MessageId": message_id or "",
           "Received": _trace_time(), "SenderAddress": sender or "", "RecipientAddress": recipient,
           "Subject": subject or "", "Status": status, "Size": size, "FromIP": from_ip or "", "ToIP": to_ip or ""}
    # lab extensions (not in a live record): which connector, and why a row is Failed
    row.update({f"Lab{key}": value for key, value in lab_fields.items() if value is not None})
    return row


# -- inbound SMTP --------------------------------------------------------------------------------------------------
class _Conn:
    def __init__(self, ip):
        self.ip = ip
        self.name = None
        self.decision = None


class LabTenantSMTP(SMTP):
    """aiosmtpd's SMTP with XCLIENT (Postfix XCLIENT_README; lab mechanism, loopback clients only)."""

    async def smtp_XCLIENT(self, arg):
        conn = self.event_handler.connection(self.session)
        if self.session.peer[0] not in ("127.0.0.1", "::1") or self.envelope.mail_from is not None:
            await self.push(XCLIENT_DENIED)
            return
        attrs = parse_xclient(arg)
        if attrs is None:
            await self.push(XCLIENT_SYNTAX)
            return
        if "ADDR" in attrs:
            conn.ip = xclient_address(attrs["ADDR"])
        if "NAME" in attrs:
            conn.name = attrs["NAME"]
        self.session.host_name = None
        self._set_rset_state()
        await self.push(f"220 {self.hostname} {GREETING_IDENT}")


class TenantMailFlow:
    """The aiosmtpd handler of the tenant's inbound endpoint."""

    def __init__(self, state_dir):
        self.state_dir = os.path.abspath(state_dir)
        self.store = ExoStore(self.state_dir)
        self._lock = threading.Lock()

    def connection(self, session):
        conn = getattr(session, "lab", None)
        if conn is None:
            conn = _Conn(session.peer[0] if session.peer else "127.0.0.1")
            session.lab = conn
        return conn

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if session.peer and session.peer[0] in ("127.0.0.1", "::1"):
            responses.insert(-1, "250-XCLIENT " + " ".join(XCLIENT_ATTRS))
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        conn = self.connection(session)
        conn.decision = None
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return MAIL_OK

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        conn = self.connection(session)
        tenant = self.store.read_tenant()
        if not _accepted(tenant, _domain(address)):
            self._log_refusal(conn, envelope, address, NOT_ACCEPTED)
            return NOT_ACCEPTED
        tls = session.ssl is not None
        decision = inbound_decision(tenant, conn.ip, envelope.mail_from, tls=tls,
                                    cert_name=conn.name or session.host_name)
        if decision["refused"]:
            self._log_refusal(conn, envelope, address, decision["refused"])
            return decision["refused"]
        if decision["require_tls"] and not tls:
            self._log_refusal(conn, envelope, address, TLS_REQUIRED)
            return TLS_REQUIRED
        conn.decision = decision
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return RCPT_OK

    def _log_refusal(self, conn, envelope, rcpt, reply):
        # refused recipients get no message trace row (nothing was accepted); the lab keeps a line for them
        _append_jsonl(os.path.join(self.state_dir, MAILBOX_FILE), {
            "time": _trace_time(), "refused": True, "client_ip": conn.ip, "mail_from": envelope.mail_from,
            "rcpt": rcpt, "reply": reply})

    async def handle_DATA(self, server, session, envelope):
        conn = self.connection(session)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.deliver, conn, envelope, session.ssl is not None)

    def deliver(self, conn, envelope, tls):
        data = envelope.original_content or envelope.content
        message = message_from_bytes(data, policy=email_policy.compat32)
        message_id = message.get("Message-ID") or f"<{uuid.uuid4()}@{BANNER_HOST}>"
        connector = (conn.decision or {}).get("connector")
        record = {"time": _trace_time(), "client_ip": conn.ip, "tls": tls, "connector": connector,
                  "mail_from": envelope.mail_from, "rcpts": list(envelope.rcpt_tos), "subject": message.get("Subject"),
                  "message_id": message_id, "headers": [[name, str(value)] for name, value in message.items()],
                  "size": len(data)}
        rows = [trace_row(message_id, envelope.mail_from, rcpt, message.get("Subject"), "Delivered", len(data),
                          from_ip=conn.ip, Connector=connector) for rcpt in envelope.rcpt_tos]
        with self._lock:
            _append_jsonl(os.path.join(self.state_dir, MAILBOX_FILE), record)
            add_trace(self.store, rows)
            self.store.count(mail_received=1)
        return DATA_OK.format(message_id=message_id, internal=uuid.uuid4().int % 10 ** 12)


class TenantSMTPServer(_LoopServer):
    """The tenant's inbound SMTP endpoint on 127.0.0.1 (STARTTLS with the lab Exchange's server certificate)."""

    def __init__(self, state_dir, port=0, certfile=None, keyfile=None, hostname=BANNER_HOST):
        self.flow = TenantMailFlow(state_dir)
        context = None
        if certfile:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(certfile, keyfile)
        super().__init__(lambda: LabTenantSMTP(self.flow, hostname=hostname, ident=GREETING_IDENT, timeout=60,
                                               tls_context=context), port=port)


def mailbox(state_dir):
    """Messages delivered to the tenant's mailboxes (refusals left out)."""
    return [item for item in read_jsonl(os.path.join(state_dir, MAILBOX_FILE)) if not item.get("refused")]


# -- outbound --------------------------------------------------------------------------------------------------------
def read_next_hops(state_dir):
    try:
        return read_json(os.path.join(state_dir, NEXT_HOPS_FILE), {})
    except ValueError:
        return {}


def write_next_hops(state_dir, hops):
    """``{"smart host" or "*": "127.0.0.1:port" or {"address": ..., "destaddr": ..., "to_ip": ...}}``."""
    write_json_atomic(os.path.join(state_dir, NEXT_HOPS_FILE), hops)


def _hop(hops, name):
    value = hops.get(name.lower()) or hops.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        value = {"address": value}
    host, _sep, port = value["address"].rpartition(":")
    return {"host": host or "127.0.0.1", "port": int(port), "destaddr": value.get("destaddr"),
            "to_ip": value.get("to_ip") or ""}


def _scope(tenant, rcpts):
    return "InOrganization" if all(_accepted(tenant, _domain(r)) for r in rcpts) else "NotInOrganization"


_SIMULATED_CONDITIONS = ("FromScope", "SentToScope", "SenderDomainIs", "RecipientDomainIs")
_SIMULATED_ACTIONS = ("SetHeaderName", "SetHeaderValue", "RemoveHeader", "PrependSubject",
                      "RouteMessageOutboundConnector", "DeleteMessage", "StopRuleProcessing", "SetSCL",
                      "SetAuditSeverity", "RouteMessageOutboundRequireTls")


def _rule_matches(tenant, rule, sender, rcpts):
    """True/False, or a text naming a condition the lab does not simulate (then the rule does not apply)."""
    sender_internal = _accepted(tenant, _domain(sender))
    for key, value in rule.items():
        if value in (None, [], "", False) or key.startswith("ExceptIf"):
            continue
        if key in ("FromScope",):
            # submitted through Graph by a mailbox of the organisation: authenticated (New-TransportRule, FromScope)
            if value != ("InOrganization" if sender_internal else "NotInOrganization"):
                return False
        elif key == "SentToScope":
            if value != _scope(tenant, rcpts):
                return False
        elif key == "SenderDomainIs":
            if _domain(sender) not in [str(v).lower() for v in value]:
                return False
        elif key == "RecipientDomainIs":
            if not any(_domain(r) in [str(v).lower() for v in value] for r in rcpts):
                return False
    for key in rule:
        if rule[key] in (None, [], "", False):
            continue
        if key in _CONDITION_KEYS and key not in _SIMULATED_CONDITIONS:
            return f"condition {key} is not simulated by the lab"
        if key.startswith("ExceptIf") and key[len("ExceptIf"):] in _CONDITION_KEYS:
            return f"exception {key} is not simulated by the lab"
    return True


def _condition_keys():
    from .tenant import CONDITIONS
    return set(CONDITIONS)


_CONDITION_KEYS = _condition_keys()


def apply_rules(tenant, message, sender, rcpts):
    """Apply the enabled (Enforce) transport rules in priority order. Returns (records, connector name or None,
    deleted). Records name the rule and its actions, never header values (the S11 value is a secret)."""
    records, connector, deleted = [], None, False
    for rule in sorted(tenant.get("transport_rules") or [], key=lambda r: r.get("Priority", 0)):
        if rule.get("State", "Enabled") != "Enabled":
            records.append({"rule": rule["Name"], "skipped": "disabled"})
            continue
        if rule.get("Mode", "Enforce") != "Enforce":
            records.append({"rule": rule["Name"], "skipped": f"mode {rule.get('Mode')}"})
            continue
        matched = _rule_matches(tenant, rule, sender, rcpts)
        if matched is not True:
            records.append({"rule": rule["Name"], "matched": False,
                            **({"note": matched} if isinstance(matched, str) else {})})
            continue
        actions = []
        if rule.get("SetHeaderName"):
            del message[rule["SetHeaderName"]]
            message[rule["SetHeaderName"]] = str(rule.get("SetHeaderValue") or "")
            actions.append(f"SetHeader {rule['SetHeaderName']}")
        if rule.get("RemoveHeader"):
            del message[rule["RemoveHeader"]]
            actions.append(f"RemoveHeader {rule['RemoveHeader']}")
        if rule.get("PrependSubject"):
            subject = message.get("Subject") or ""
            del message["Subject"]
            message["Subject"] = str(rule["PrependSubject"]) + subject
            actions.append("PrependSubject")
        if rule.get("RouteMessageOutboundConnector"):
            connector = rule["RouteMessageOutboundConnector"]
            actions.append(f"RouteMessageOutboundConnector {connector}")
        if rule.get("DeleteMessage"):
            deleted = True
            actions.append("DeleteMessage")
        records.append({"rule": rule["Name"], "matched": True, "actions": actions})
        if deleted or rule.get("StopRuleProcessing"):
            break
    return records, connector, deleted


def _recipient_domain_matches(values, domain):
    for value in values or []:
        text = str(value).lower()
        if text == "*" or text == domain or (text.startswith("*.") and domain.endswith(text[1:])):
            return True
    return False


def pick_connector(tenant, rule_connector, domain):
    """The outbound connector for a recipient domain: the rule's (when enabled), else the first enabled connector
    that is not transport-rule scoped and whose RecipientDomains match. None: delivery by MX."""
    connectors = tenant.get("outbound_connectors") or []
    if rule_connector:
        for connector in connectors:
            if connector["Name"].lower() == rule_connector.lower() and connector.get("Enabled", True):
                return connector
    for connector in connectors:
        if connector.get("Enabled", True) and not connector.get("IsTransportRuleScoped") and \
                _recipient_domain_matches(connector.get("RecipientDomains"), domain):
            return connector
    return None


def _smtp_send(hop, mail_from, rcpts, data, require_tls):
    """Deliver once. Returns (ok, reply text, tls used)."""
    with smtplib.SMTP(hop["host"], hop["port"], local_hostname=M365_OUTBOUND_NAME, timeout=15) as client:
        client.ehlo()
        used = False
        if client.has_extn("starttls"):
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE   # the lab does not verify (TlsSettings is recorded)
            client.starttls(context=context)
            client.ehlo()
            used = True
        elif require_tls:
            client.quit()
            return False, "TLS is required by the connector (TlsSettings) but the smart host doesn't offer " \
                          "STARTTLS", False   # reconstructed
        reply = xclient(client, [("ADDR", M365_OUTBOUND_IP), ("NAME", M365_OUTBOUND_NAME),
                                 ("DESTADDR", hop.get("destaddr"))])
        if reply is not None and reply[0] != 220:
            client.quit()
            return False, f"{reply[0]} {reply[1]}", used
        refused = client.sendmail(mail_from, rcpts, data)
        if refused:
            return False, "; ".join(f"{code} {text.decode(errors='replace')}" for code, text in refused.values()), used
        return True, "250 delivered", used


def _deliver_group(hops, connector, _domain_name, mail_from, rcpts, data):
    """(status, detail, to_ip, tls_used) of one recipient domain's delivery."""
    if connector is not None and not connector.get("UseMXRecord", True):
        names = list(connector.get("SmartHosts") or [])
    else:
        names = [DEFAULT_HOP_KEY]            # by MX: in the lab, the internet sink
    errors = []
    for name in names:
        hop = _hop(hops, name)
        if hop is None:
            errors.append(f"{name}: no lab next hop (set it in {NEXT_HOPS_FILE})")
            continue
        try:
            ok, reply, used = _smtp_send(hop, mail_from, rcpts, data, bool(connector and connector.get("TlsSettings")))
        except (OSError, smtplib.SMTPException) as exc:
            errors.append(f"{name}: {exc}")
            continue
        if ok:
            return "Delivered", f"{name}: {reply}", hop.get("to_ip") or "", used
        errors.append(f"{name}: {reply}")
    return "Failed", "; ".join(errors) or "no smart host", "", False


def build_message(sender, recipients, subject, body, headers=(), content_type="Text", message_id=None):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject or ""
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@{_domain(sender) or 'lab'}.prod.outlook.lab>"
    for name, value in headers:
        message[name] = value
    if str(content_type).lower() == "html":
        message.set_content(body or "", subtype="html")
    else:
        message.set_content(body or "")
    return message


def send_outbound(state_dir, sender, recipients, subject, body, headers=(), content_type="Text"):
    """What Exchange Online does with a message submitted by ``sender``: rules, connector, delivery, trace rows.
    Returns a record (also one line in ``<state>/exo_outbound.jsonl``, without header values)."""
    store = ExoStore(state_dir)
    tenant = store.read_tenant()
    message = build_message(sender, recipients, subject, body, headers, content_type)
    records, rule_connector, deleted = apply_rules(tenant, message, sender, recipients)
    hops = read_next_hops(state_dir)
    groups = {}
    for rcpt in recipients:
        groups.setdefault(_domain(rcpt), []).append(rcpt)
    data = message.as_bytes()
    deliveries, rows = [], []
    for domain, rcpts in groups.items():
        if deleted:
            status, detail, to_ip, used, name = "Failed", "deleted by a transport rule (DeleteMessage)", "", False, None
        elif _accepted(tenant, domain):
            # a mailbox of the organisation: straight into the mailbox store (lab choice: every address exists)
            _append_jsonl(os.path.join(state_dir, MAILBOX_FILE), {
                "time": _trace_time(), "client_ip": None, "tls": False, "connector": None, "mail_from": sender,
                "rcpts": rcpts, "subject": message.get("Subject"), "message_id": message["Message-ID"],
                "headers": [[k, "…" if k.lower() not in ("from", "to", "subject", "message-id", "date") else str(v)]
                            for k, v in message.items()], "size": len(data), "internal": True})
            status, detail, to_ip, used, name = "Delivered", "mailbox", "", False, None
        else:
            connector = pick_connector(tenant, rule_connector, domain)
            name = connector["Name"] if connector else None
            status, detail, to_ip, used = _deliver_group(hops, connector, domain, sender, rcpts, data)
        deliveries.append({"domain": domain, "rcpts": rcpts, "connector": name, "status": status, "detail": detail,
                           "tls_used": used})
        rows.extend(trace_row(message["Message-ID"], sender, rcpt, message.get("Subject"), status, len(data),
                              to_ip=to_ip, Connector=name, Detail=None if status == "Delivered" else detail)
                    for rcpt in rcpts)
    add_trace(store, rows)
    store.count(mail_sent=1)
    record = {"time": _trace_time(), "sender": sender, "rcpts": list(recipients), "subject": message.get("Subject"),
              "message_id": message["Message-ID"], "rules": records, "deliveries": deliveries}
    _append_jsonl(os.path.join(state_dir, OUTBOX_FILE), record)
    return copy.deepcopy(record)


# -- wiring (python -m lab up) ---------------------------------------------------------------------------------------
def mx_host(domain):
    """example.test -> example-test.mail.protection.outlook.com (the form of plugins/filter/m365.py)."""
    return "-".join(domain.strip().rstrip(".").lower().split(".")) + ".mail.protection.outlook.com"


def wire(state_dir, esa_smtp_port=None, tenant_smtp_port=None, sink_port=None, relay_hosts=(),
         esa_outgoing_addr="198.51.100.10", relay_to_ip="198.51.100.25"):
    """Write the lab's next-hop maps so that mail flows end to end (docs/mail-flow.md "End to end"):

    * ``esa_next_hops.json``: every accepted domain's MX host -> the tenant SMTP port (kept: other entries);
      ``*`` (any other host or domain) -> the internet sink;
    * ``exo_next_hops.json``: each relay host (the outbound connectors' smart hosts and ``relay_hosts``) -> the ESA
      SMTP port with ``destaddr`` = the ESA outgoing listener's interface; ``*`` (delivery by MX) -> the sink.
    Returns (esa map, exo map)."""
    from ..esa.mailflow import read_next_hops as esa_read, write_next_hops as esa_write
    tenant = ExoStore(state_dir).read_tenant()
    esa_hops = esa_read(state_dir)
    if tenant_smtp_port:
        for item in tenant.get("accepted_domains") or []:
            esa_hops[mx_host(item["DomainName"])] = f"127.0.0.1:{tenant_smtp_port}"
    if sink_port:
        esa_hops[DEFAULT_HOP_KEY] = f"127.0.0.1:{sink_port}"
    esa_write(state_dir, esa_hops)
    exo_hops = read_next_hops(state_dir)
    if esa_smtp_port:
        names = set(h.lower() for h in relay_hosts)
        for connector in tenant.get("outbound_connectors") or []:
            names.update(str(h).lower() for h in connector.get("SmartHosts") or [])
        for name in sorted(names):
            exo_hops[name] = {"address": f"127.0.0.1:{esa_smtp_port}", "destaddr": esa_outgoing_addr,
                              "to_ip": relay_to_ip if name.startswith("ob1.") else ""}
    if sink_port:
        exo_hops[DEFAULT_HOP_KEY] = {"address": f"127.0.0.1:{sink_port}"}
    write_next_hops(state_dir, exo_hops)
    return esa_hops, exo_hops


def utc_iso(when=None):
    return (when or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
