# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mail_flow_test: send a probe message and follow it hop by hop (guide steps S7 and S13; docs/mail-flow.md).

This module is PRIVATE to the collection. It can change at any time.

Probes:

* ``inbound``: SMTP to the gateway's public listener (hop ``gateway-accept``), the gateway's message tracking until
  the message is Delivered (``gateway-tracking``), then Exchange Online's message trace until Delivered
  (``tenant-trace``).
* ``outbound``: Microsoft Graph ``sendMail`` as the sender (``tenant-submit``), the message trace until the message
  is Delivered to the connector's smart host (``tenant-trace``), then the gateway's tracking until Delivered
  (``gateway-tracking``).
* ``bypass``: SMTP straight to the tenant's inbound endpoint from an address that is not the gateway's
  (``tenant-refuse``): passes when it is refused with a 5xx reply, fails when it is accepted.

Every hop records ``{name, status: passed|failed|pending, seconds, detail}``. Nothing secret (client secret, API
password) is put in a detail or a message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import ipaddress
import json
import re
import smtplib
import socket
import time
import uuid
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import tracking
from ansible_collections.mailops.secure_email.plugins.module_utils._exo import client as exo_client
from ansible_collections.mailops.secure_email.plugins.module_utils._exo import errors as exo_errors

PROBES = ("inbound", "outbound", "bypass")
PROBE_HEADER = "X-Mailops-Probe"
DEFAULT_SENDER = "mail-flow-test@mailops.invalid"
# Microsoft Graph resource per cloud (Learn, "Microsoft Graph national cloud deployments"); the token scope is
# "<resource>/.default" whatever graph_url says (graph_url may point at the lab).
GRAPH_RESOURCES = {
    "commercial": "https://graph.microsoft.com", "gcc": "https://graph.microsoft.com",
    "gcc_high": "https://graph.microsoft.us", "dod": "https://dod-graph.microsoft.us",
    "china": "https://microsoftgraph.chinacloudapi.cn",
}
M365_MX_SUFFIX = ".mail.protection.outlook.com"
# Gateway tracking states that end a probe; the first is success.
GATEWAY_DONE = "delivered"
GATEWAY_FINAL_BAD = ("dropped", "hard bounced", "soft bounced", "rejected", "bounced", "quarantined", "aborted")
TENANT_FINAL_BAD = ("failed", "filteredasspam", "quarantined")

TENANT_OPTIONS = dict(
    tenant_id=dict(type="str", aliases=["tenant"]),
    client_id=dict(type="str"),
    client_secret=dict(type="str", no_log=True),
    certificate_path=dict(type="path"),
    certificate_content=dict(type="str", no_log=True),
    certificate_password=dict(type="str", no_log=True),
    certificate_thumbprint=dict(type="str"),
    cloud=dict(type="str", default="commercial", choices=sorted(exo_client.CLOUDS)),
    base_url=dict(type="str"),
    authority=dict(type="str"),
    ca_path=dict(type="path"),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="int", default=120),
    max_retries=dict(type="int", default=6),
    retry_max_delay=dict(type="float", default=30.0),
    graph_url=dict(type="str", default="https://graph.microsoft.com"),
    smtp_host=dict(type="str"),
    smtp_port=dict(type="int", default=25),
)

ARGUMENT_SPEC = dict(
    probe=dict(type="str", required=True, choices=list(PROBES)),
    recipient=dict(type="str", required=True),
    sender=dict(type="str"),
    gateway=dict(type="dict", options=dict(
        smtp_host=dict(type="str"),
        smtp_port=dict(type="int", default=25),
        api_host=dict(type="str"),
        api_port=dict(type="int", default=6443),
        api_username=dict(type="str", default="admin"),
        api_password=dict(type="str", no_log=True),
        api_ca_path=dict(type="path"),
        validate_certs=dict(type="bool", default=True),
    )),
    tenant=dict(type="dict", options=TENANT_OPTIONS),
    header_name=dict(type="str", default="X-OUTBOUND-AUTH"),
    timeout=dict(type="int", default=300),
    interval=dict(type="int", default=5),
    probe_id=dict(type="str"),
    smtp_client_ip=dict(type="str"),
)


class ProbeError(Exception):
    """A problem with the options (before anything is sent)."""


# An address as the probe sends it in MAIL FROM / RCPT TO and in the headers: a dot-atom local part (RFC 5321
# §4.1.2; no quoted strings) and a host name of letters, digits and hyphens. Nothing else reaches an SMTP command
# line or a header, so no CR, LF, space or angle bracket can add a command or a header.
ADDRESS = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                     r"@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                     r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?"
                  r"(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$")
PROBE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# RFC 5322 §2.2: a field name is printable US-ASCII except the colon
HEADER_NAME = re.compile(r"^[!-9;-~]{1,76}$")


def _is_ip(text):
    try:
        ipaddress.ip_address(u"%s" % text)
    except ValueError:
        return False
    return True


def option_problems(args):
    """Every option whose value the probe would put on the wire, checked before anything is sent: [message]."""
    problems = []
    for name in ("recipient", "sender"):
        value = args.get(name)
        if value is not None and not ADDRESS.match(value):
            problems.append("%s: %r is not an e-mail address (local@domain, no spaces, quotes or control "
                            "characters)" % (name, value))
    if args.get("probe_id") is not None and not PROBE_ID.match(args["probe_id"]):
        problems.append("probe_id: %r must be 1-64 letters, digits, dots, hyphens or underscores, starting with a "
                        "letter or digit" % (args["probe_id"],))
    if args.get("header_name") is not None and not HEADER_NAME.match(args["header_name"]):
        problems.append("header_name: %r is not a header field name (printable ASCII, no colon or space)"
                        % (args["header_name"],))
    if args.get("smtp_client_ip") is not None and not _is_ip(args["smtp_client_ip"]):
        problems.append("smtp_client_ip: %r is not an IP address" % (args["smtp_client_ip"],))
    for part, keys in (("gateway", ("smtp_host", "api_host")), ("tenant", ("smtp_host",))):
        options = args.get(part) or {}
        for key in keys:
            value = options.get(key)
            if value is not None and not (HOST.match(value) or _is_ip(value)):
                problems.append("%s.%s: %r is not a host name or IP address" % (part, key, value))
        for key in ("smtp_port", "api_port"):
            value = options.get(key)
            if value is not None and not 0 < value < 65536:
                problems.append("%s.%s: %d is not a port (1-65535)" % (part, key, value))
    return problems


class HopFailed(Exception):
    def __init__(self, detail, status="failed"):
        super(HopFailed, self).__init__(detail)
        self.detail = detail
        self.status = status


def _domain(address):
    return (address or "").rpartition("@")[2].strip().lower()


def mx_host(domain):
    """example.com -> example-com.mail.protection.outlook.com (the tenant's own MX host)."""
    return "-".join(domain.strip().rstrip(".").lower().split(".")) + M365_MX_SUFFIX


def build_message(probe_id, sender, recipient, kind):
    """The probe: subject and header ``X-Mailops-Probe`` carry the probe id."""
    text = ("mailops.secure_email mail_flow_test probe %s (%s).\nThis message tests mail flow and can be deleted.\n"
            % (probe_id, kind))
    message = MIMEText(text)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject(probe_id, kind)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid("mailflow")
    message[PROBE_HEADER] = probe_id
    return message


def subject(probe_id, kind):
    return "mailops mail_flow_test %s %s" % (kind, probe_id)


def smtp_submit(host, port, sender, recipient, message, client_ip=None, timeout=30, smtp_factory=smtplib.SMTP):
    """Send one message. Returns (accepted, "code text" of the decisive reply). XCLIENT ADDR= (a lab mechanism,
    Postfix XCLIENT_README) is sent only when ``client_ip`` is given and the server offers it."""
    try:
        client = smtp_factory(host, port, timeout=timeout)
    except (socket.error, smtplib.SMTPException) as exc:
        raise HopFailed("cannot connect to %s:%s: %s" % (host, port, exc))
    try:
        client.ehlo()
        if client_ip:
            if not client.has_extn("xclient"):
                raise HopFailed("smtp_client_ip is set but %s:%s does not offer XCLIENT (a lab mechanism)"
                                % (host, port))
            code, text = client.docmd("XCLIENT", "ADDR=%s" % client_ip)
            if code != 220:
                return False, _reply(code, text)
            client.ehlo_resp = None
            client.does_esmtp = False
            client.ehlo()
        code, text = client.mail(sender)
        if code != 250:
            return False, _reply(code, text)
        code, text = client.rcpt(recipient)
        if code not in (250, 251):
            return False, _reply(code, text)
        code, text = client.data(message.as_string())
        return code == 250, _reply(code, text)
    except smtplib.SMTPServerDisconnected as exc:
        return False, "connection closed by %s:%s: %s" % (host, port, exc)
    except (socket.error, smtplib.SMTPException) as exc:
        return False, "SMTP dialogue with %s:%s failed: %s" % (host, port, exc)
    finally:
        try:
            client.quit()
        except Exception:  # pylint: disable=broad-except
            pass


def _reply(code, text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return "%s %s" % (code, " ".join(str(text).split()))


def tenant_clients(params, warn=None):
    """(Exchange client, Graph client) from the ``tenant`` options: the exo_* modules' client, one per resource."""
    params = params or {}
    if not exo_client.HAS_REQUESTS or not exo_client.HAS_MSAL:
        raise ProbeError("tenant: the Python libraries requests and msal are required on the controller")
    missing = [name for name in ("tenant_id", "client_id") if not params.get(name)]
    if missing:
        raise ProbeError("tenant: %s required" % " and ".join(missing))
    try:
        pem = exo_client.certificate_pem(params)
    except ValueError as exc:
        raise ProbeError("tenant.%s" % exc)
    if not (pem or params.get("client_secret")):
        raise ProbeError("tenant: a credential is required: client_secret, certificate_path or certificate_content")
    if pem:
        try:
            exo_client.check_certificate(pem, warn or (lambda msg: None))
        except exo_errors.ExoError as exc:
            raise ProbeError("tenant: %s" % exc.message)

    def make():
        return exo_client.ExoClient(
            tenant_id=params["tenant_id"], client_id=params["client_id"],
            client_secret=None if pem else params.get("client_secret"), certificate_pem=pem,
            certificate_password=params.get("certificate_password"),
            certificate_thumbprint=params.get("certificate_thumbprint"), cloud=params.get("cloud") or "commercial",
            base_url=params.get("base_url"), authority=params.get("authority"), ca_path=params.get("ca_path"),
            validate_certs=params.get("validate_certs", True), timeout=params.get("timeout") or 120,
            max_retries=params.get("max_retries", 6), retry_max_delay=params.get("retry_max_delay", 30.0), warn=warn)

    exo, graph = make(), make()
    graph.scope = GRAPH_RESOURCES.get(params.get("cloud") or "commercial", GRAPH_RESOURCES["commercial"]) + \
        "/.default"
    return exo, graph


def graph_send_mail(graph, graph_url, sender, recipient, message, probe_id):
    """Microsoft Graph ``POST /users/{userPrincipalName}/sendMail`` (Learn, "user: sendMail"; application
    permission Mail.Send); 202 Accepted is success. Returns "202 Accepted"; raises HopFailed otherwise."""
    url = "%s/v1.0/users/%s/sendMail" % (graph_url.rstrip("/"), sender)
    body = {"message": {
        "subject": message["Subject"],
        "body": {"contentType": "Text", "content": message.get_payload()},
        "toRecipients": [{"emailAddress": {"address": recipient}}],
        # Graph allows only custom "x-" headers here (Learn, internetMessageHeader)
        "internetMessageHeaders": [{"name": PROBE_HEADER, "value": probe_id}],
    }, "saveToSentItems": False}
    try:
        token = graph.token()
    except exo_errors.ExoError as exc:
        raise HopFailed("no Microsoft Graph token: %s" % exc.message)
    try:
        response = graph.session.post(url, data=json.dumps(body).encode("utf-8"), verify=graph.verify,
                                      timeout=graph.timeout, headers={
                                          "Authorization": "Bearer %s" % token, "Content-Type": "application/json",
                                          "User-Agent": exo_client.USER_AGENT})
    except Exception as exc:  # pylint: disable=broad-except
        raise HopFailed("cannot reach Microsoft Graph at %s: %s" % (graph_url, exc))
    if response.status_code == 202:
        return "202 Accepted"
    detail = ""
    try:
        error = response.json().get("error") or {}
        detail = "%s: %s" % (error.get("code"), error.get("message"))
    except Exception:  # pylint: disable=broad-except
        detail = exo_errors.describe_body(response.content)
    hint = ""
    if response.status_code in (401, 403):
        hint = " (the app needs the Microsoft Graph application permission Mail.Send with admin consent)"
    raise HopFailed("Graph sendMail as %s answered %s %s%s" % (sender, response.status_code, detail, hint))


def _fmt(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def trace_rows(exo, start, end, recipient, probe_id, sender=None):
    """Get-MessageTraceV2 rows of the probe (subject contains the probe id), deduplicated like exo_message_trace."""
    params = dict(StartDate=_fmt(start), EndDate=_fmt(end), RecipientAddress=[recipient], Subject=probe_id,
                  SubjectFilterType="Contains", ResultSize=100)
    if sender:
        params["SenderAddress"] = [sender]
    result = exo.invoke("Get-MessageTraceV2", params)
    seen, rows = set(), []
    for row in result.value:
        key = (str(row.get("MessageTraceId")).lower(), str(row.get("RecipientAddress")).lower())
        if key not in seen:
            seen.add(key)
            rows.append(row)
    return rows


class _RawOpener(object):
    """Wraps open_url for TrackingClient and keeps the last JSON body, for attributes normalise() leaves out (the
    lab's ``labVerdict``)."""

    def __init__(self, opener=None):
        self.opener = opener or tracking.open_url
        self.last = None

    def __call__(self, url, **kwargs):
        response = self.opener(url, **kwargs)
        body = response.read()
        try:
            self.last = json.loads(body)
        except ValueError:
            self.last = None
        return _Body(body)


class _Body(object):
    def __init__(self, body):
        self.body = body

    def read(self):
        return self.body


class Probe(object):
    """One probe run. ``display(text)`` prints a progress line (the action plugin's Display)."""

    def __init__(self, args, display=None, clock=time.time, sleep=time.sleep, smtp_factory=smtplib.SMTP,
                 tracking_factory=None, tenant_factory=None, graph_sender=None, now=None, warn=None):
        self.args = args
        self.display = display or (lambda text: None)
        self.clock = clock
        self.sleep = sleep
        self.smtp_factory = smtp_factory
        self.tracking_factory = tracking_factory or self._tracking
        self.tenant_factory = tenant_factory or (lambda params: tenant_clients(params, warn))
        self.graph_sender = graph_sender or graph_send_mail
        self.now = now or (lambda: datetime.datetime.now(tracking.UTC))
        self.probe_id = args.get("probe_id") or str(uuid.uuid4())
        self.hops = []
        self.started = None
        self.deadline = None
        self._exo = None
        self._graph = None
        self._opener = None
        self.start_moment = None

    # -- clients ------------------------------------------------------------------------------------
    def _tracking(self, gateway):
        self._opener = _RawOpener()
        return tracking.TrackingClient(gateway["api_host"], gateway.get("api_username") or "admin",
                                       gateway.get("api_password") or "", port=gateway.get("api_port") or 6443,
                                       validate_certs=gateway.get("validate_certs", True),
                                       ca_path=gateway.get("api_ca_path"), opener=self._opener)

    def _tenant(self):
        if self._exo is None:
            self._exo, self._graph = self.tenant_factory(self.args.get("tenant"))
        return self._exo, self._graph

    # -- checks -------------------------------------------------------------------------------------
    def check(self):
        args = self.args
        probe = args["probe"]
        gateway = args.get("gateway") or {}
        problems = option_problems(args)
        if not args.get("recipient"):
            problems.append("recipient: an e-mail address is required")
        if probe == "outbound" and not args.get("sender"):
            problems.append("sender: the mailbox that sends the outbound probe is required")
        if probe == "inbound" and not gateway.get("smtp_host"):
            problems.append("gateway.smtp_host: required for the inbound probe")
        if probe in ("inbound", "outbound") and not gateway.get("api_host"):
            problems.append("gateway.api_host: required to follow the probe in the gateway's message tracking")
        if probe in ("inbound", "outbound") and not gateway.get("api_password"):
            problems.append("gateway.api_password: required for the gateway's message tracking")
        if probe in ("inbound", "outbound") and not args.get("tenant"):
            problems.append("tenant: required to follow the probe in Exchange Online")
        if args.get("timeout", 300) < 1 or args.get("interval", 5) < 1:
            problems.append("timeout and interval: at least 1 second")
        if problems:
            raise ProbeError("invalid options, nothing was sent: " + "; ".join(problems))

    # -- hops ---------------------------------------------------------------------------------------
    def _hop(self, name, func):
        began = self.clock()
        hop = {"name": name, "status": "pending", "seconds": 0.0, "detail": ""}
        self.hops.append(hop)
        try:
            hop["detail"] = func() or ""
            hop["status"] = "passed"
        except HopFailed as exc:
            hop["detail"] = exc.detail
            hop["status"] = exc.status
        hop["seconds"] = round(self.clock() - began, 2)
        self.display("%s: %s (%.1fs) %s" % (name, hop["status"], hop["seconds"], hop["detail"]))
        return hop["status"] == "passed"

    def _poll(self, name, look):
        """Call ``look()`` every interval until it returns a detail (done) or raises HopFailed; pending at the
        deadline. ``look`` returns None (not yet) or a text; it may set self._last for the progress line."""
        attempt = 0
        last = "nothing found yet"
        while True:
            attempt += 1
            try:
                found = look()
            except (tracking.TrackingError, exo_errors.ExoError) as exc:
                found, last = None, "query failed: %s" % getattr(exc, "message", str(exc))
            else:
                if found is not None and found[0]:
                    return found[1]
                if found is not None:
                    last = found[1]
            remaining = self.deadline - self.clock()
            self.display("%s: poll %d: %s (%ds left)" % (name, attempt, last, max(0, int(remaining))))
            if remaining <= 0:
                raise HopFailed("still pending after %ds: %s" % (int(self.clock() - self.started), last),
                                status="pending")
            self.sleep(min(self.args.get("interval") or 5, max(remaining, 0.1)))

    def _window(self):
        start = self.start_moment - datetime.timedelta(minutes=5)
        end = self.now() + datetime.timedelta(minutes=5)
        return start, end

    def gateway_tracking(self, listener_hint):
        gateway = self.args.get("gateway") or {}
        client = self.tracking_factory(gateway)

        def look():
            start, end = self._window()
            messages, _total, _truncated = client.messages(start, end, subject=self.probe_id,
                                                           subject_match="contains", max_results=50)
            if not messages:
                return None
            verdicts = self._lab_verdicts()
            for message in messages:
                if str(message.get("status") or "").lower() == GATEWAY_DONE:
                    return True, "message %s Delivered%s" % (message.get("mid"), listener_hint)
            message = messages[0]
            status = str(message.get("status") or "unknown")
            verdict = verdicts.get(message.get("mid")) or status
            if status.lower() in GATEWAY_FINAL_BAD:
                raise HopFailed("message %s %s" % (message.get("mid"), verdict))
            return False, "message %s %s" % (message.get("mid"), verdict)

        return self._poll("gateway-tracking", look)

    def _lab_verdicts(self):
        """{mid: labVerdict} from the last raw tracking answer (lab only; a real gateway has no such attribute)."""
        found = {}
        data = (self._opener.last if self._opener is not None else None) or {}
        for row in data.get("data") or []:
            attrs = row.get("attributes", row) if isinstance(row, dict) else {}
            mids = attrs.get("mid") or []
            if not isinstance(mids, list):
                mids = [mids]
            if attrs.get("labVerdict") and mids:
                found[mids[0]] = attrs["labVerdict"]
        return found

    def tenant_trace(self, sender=None, outbound=False):
        exo, _graph = self._tenant()
        recipient = self.args["recipient"]

        def look():
            start, end = self._window()
            rows = trace_rows(exo, start, end, recipient, self.probe_id, sender=sender)
            if not rows:
                return None
            for row in rows:
                if str(row.get("Status") or "").lower() == "delivered":
                    where = (" to %s" % row["ToIP"]) if outbound and row.get("ToIP") else ""
                    via = (" via connector %s" % row["LabConnector"]) if row.get("LabConnector") else ""
                    source = (" from %s" % row["FromIP"]) if not outbound and row.get("FromIP") else ""
                    return True, "trace %s Delivered%s%s%s" % (row.get("MessageTraceId"), source, where, via)
            row = rows[0]
            status = str(row.get("Status") or "")
            detail = "trace %s %s%s" % (row.get("MessageTraceId"), status,
                                        (": %s" % row["LabDetail"]) if row.get("LabDetail") else "")
            if status.lower() in TENANT_FINAL_BAD:
                raise HopFailed(detail)
            return False, detail

        return self._poll("tenant-trace", look)

    # -- probes -------------------------------------------------------------------------------------
    def run(self):
        self.check()
        self.started = self.clock()
        self.start_moment = self.now()
        self.deadline = self.started + self.args.get("timeout", 300)
        probe = self.args["probe"]
        getattr(self, "_run_" + probe)()
        failed = next((hop for hop in self.hops if hop["status"] != "passed"), None)
        result = dict(changed=False, probe_id=self.probe_id, probe=probe, hops=self.hops, passed=failed is None,
                      failed_hop=failed["name"] if failed else None)
        if failed:
            result["failed"] = True
            result["msg"] = "hop %s: %s" % (failed["name"], failed["detail"])
        return result

    def _run_inbound(self):
        args = self.args
        gateway = args["gateway"]
        sender = args.get("sender") or DEFAULT_SENDER
        message = build_message(self.probe_id, sender, args["recipient"], "inbound")

        def submit():
            ok, reply = smtp_submit(gateway["smtp_host"], gateway.get("smtp_port") or 25, sender, args["recipient"],
                                    message, client_ip=args.get("smtp_client_ip"), smtp_factory=self.smtp_factory)
            if not ok:
                raise HopFailed("refused %s" % reply)
            return "accepted %s" % reply

        if not self._hop("gateway-accept", submit):
            return
        if not self._hop("gateway-tracking", lambda: self.gateway_tracking("")):
            return
        self._hop("tenant-trace", self.tenant_trace)

    def _run_outbound(self):
        args = self.args
        tenant = args.get("tenant") or {}
        message = build_message(self.probe_id, args["sender"], args["recipient"], "outbound")

        def submit():
            _exo, graph = self._tenant()
            reply = self.graph_sender(graph, tenant.get("graph_url") or "https://graph.microsoft.com",
                                      args["sender"], args["recipient"], message, self.probe_id)
            return "Graph sendMail as %s: %s" % (args["sender"], reply)

        if not self._hop("tenant-submit", submit):
            return
        if not self._hop("tenant-trace", lambda: self.tenant_trace(sender=args["sender"], outbound=True)):
            return
        self._hop("gateway-tracking", lambda: self.gateway_tracking(" (relayed)"))

    def _run_bypass(self):
        args = self.args
        tenant = args.get("tenant") or {}
        host = tenant.get("smtp_host") or mx_host(_domain(args["recipient"]))
        port = tenant.get("smtp_port") or 25
        sender = args.get("sender") or DEFAULT_SENDER
        message = build_message(self.probe_id, sender, args["recipient"], "bypass")

        def attempt():
            try:
                ok, reply = smtp_submit(host, port, sender, args["recipient"], message,
                                        client_ip=args.get("smtp_client_ip"), smtp_factory=self.smtp_factory)
            except HopFailed as exc:
                raise HopFailed("could not test the restriction: %s" % exc.detail)
            if ok:
                raise HopFailed("the tenant accepted the probe %s at %s:%s (%s): %s" % (
                    ("from " + args["smtp_client_ip"]) if args.get("smtp_client_ip") else "sent directly", host, port,
                    reply, self._restriction_hint()))
            if reply[:1] == "5":
                return "refused %s" % reply
            raise HopFailed("not refused for good (%s): a 5xx refusal by the connector restriction was expected"
                            % reply)

        self._hop("tenant-refuse", attempt)

    def _restriction_hint(self):
        """Which inbound connector lacks the restriction (Get-InboundConnector), when tenant credentials are set."""
        if not (self.args.get("tenant") or {}).get("client_id"):
            return ("no Partner inbound connector restricts mail to the gateway (RestrictDomainsToIPAddresses or "
                    "RestrictDomainsToCertificate)")
        try:
            exo, _graph = self._tenant()
            connectors = exo.list_all("Get-InboundConnector")
        except (ProbeError, exo_errors.ExoError) as exc:
            return ("no connector restriction stopped it (Get-InboundConnector failed: %s)"
                    % getattr(exc, "message", str(exc)))
        partner = [c for c in connectors if c.get("ConnectorType") == "Partner" and c.get("Enabled", True)]
        if not partner:
            return "no enabled Partner inbound connector: nothing restricts mail to the gateway's addresses"
        parts = []
        for connector in partner:
            restricted = [k for k in ("RestrictDomainsToIPAddresses", "RestrictDomainsToCertificate")
                          if connector.get(k)]
            parts.append("'%s' %s" % (connector.get("Name"), ("restricts by " + " and ".join(restricted)) if restricted
                                      else "has no connector restriction (RestrictDomainsToIPAddresses and "
                                           "RestrictDomainsToCertificate are false)"))
        return "connector restriction missing: " + "; ".join(parts)


def skipped_result(args):
    """Check mode: nothing is sent."""
    return dict(changed=False, skipped=True, probe_id=args.get("probe_id") or str(uuid.uuid4()), probe=args["probe"],
                hops=[], passed=False, failed_hop=None,
                msg="check mode: the %s probe was not sent" % args["probe"])
