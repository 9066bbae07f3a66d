"""The AsyncOS API's message tracking, served by the lab ESA from its message log (docs/mail-flow.md).

Source: Cisco, *AsyncOS 13.0 API for Cisco Email Security Appliances - Getting Started Guide* (2020-02-03) and
the SMA 13.0 API guide, chapter "APIs for Email" (Monitoring APIs; "Tracking APIs", p. 24), which give:

* the resources under ``/esa/api/v2.0`` (ESA; ``/sma/api/v2.0`` on the SMA), among them
  ``GET /api/v2.0/message-tracking/messages`` and ``GET /api/v2.0/message-tracking/details``;
* the time window, required on every query: ``startDate=YYYY-MM-DDThh:mm:00.000Z&endDate=YYYY-MM-DDThh:mm:00.000Z``;
* lazy loading with ``offset`` and ``limit`` (used together);
* HTTP Basic authentication, or a JWT from ``POST /esa/api/v2.0/login`` sent back in the ``jwtToken`` header
  (the guide's responses list ``jwttoken`` in ``Access-Control-Allow-Headers``).

The tracking query parameters ``searchOption=messages`` (or ``rejected_connections``), ``ciscoHost=All_Hosts``,
``envelopeSenderfilterOperator``/``Value``, ``envelopeRecipientfilterOperator``/``Value``,
``subjectfilterOperator``/``Value`` with the operators ``is``, ``begins_with``, ``contains``, and ``ciscoMid``
are the ones public API clients send to ESA and SMA (reconstructed from them, not read in the guide).
``messageIdHeader`` (the Message-ID header) and every response attribute name except ``data``/``meta.totalCount``/
``attributes``/``mid`` are reconstructed. The login body (``{"data": {"userName": <base64>, "passphrase":
<base64>}}``) is reconstructed from the same clients.

The lab serves HTTPS on 127.0.0.1 with its own CA (``<state>/esa_api_ca.pem``), user ``admin`` and the lab password.
"""

import base64
import datetime
import hmac
import json
import logging
import os
import secrets
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt

from .mailflow import MailLog

LOG = logging.getLogger("lab.esa.tracking_api")

CA_FILE, CERT_FILE, KEY_FILE = "esa_api_ca.pem", "esa_api_server.pem", "esa_api_server.key"
PREFIXES = ("/esa/api/v2.0", "/sma/api/v2.0", "/api/v2.0")
OPERATORS = ("is", "begins_with", "contains")
# Lab statuses -> tracking status texts (reconstructed).
STATUS_TEXT = {"delivered": "Delivered", "partial": "Delivered", "dropped": "Dropped", "bounced": "Hard Bounced",
               "failed": "Soft Bounced", "rejected": "Rejected"}


def ensure_certificates(state_dir, host="127.0.0.1"):
    """A lab CA and a server certificate for ``localhost``/127.0.0.1 (created once)."""
    os.makedirs(state_dir, exist_ok=True)
    paths = {name: os.path.join(state_dir, name) for name in (CA_FILE, CERT_FILE, KEY_FILE)}
    if all(os.path.exists(path) for path in paths.values()):
        return paths
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailops lab ESA API CA")])
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=825))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    with open(paths[CA_FILE], "wb") as handle:
        handle.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[CERT_FILE], "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    fd = os.open(paths[KEY_FILE], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return paths


def parse_date(text):
    """``YYYY-MM-DDThh:mm[:ss][.fff]Z`` (the guide's form has ``:00.000Z``) -> aware datetime; ValueError."""
    value = (text or "").strip()
    if not value:
        raise ValueError("missing")
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    parsed = datetime.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed


def tracking_timestamp(epoch):
    """``05 Dec 2026 02:00:00 (GMT +00:00)`` (reconstructed from public clients' parsing)."""
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%d %b %Y %H:%M:%S (GMT +00:00)")


def _matches(value, operator, wanted):
    value, wanted = (value or "").lower(), (wanted or "").lower()
    if operator == "is":
        return value == wanted
    if operator == "begins_with":
        return value.startswith(wanted)
    return wanted in value


def search(entries, query, hostname="esa1.lab"):
    """Apply a tracking query (dict of single values) to log entries; returns the response body (dict)."""
    start, end = parse_date(query.get("startDate")), parse_date(query.get("endDate"))
    option = query.get("searchOption", "messages")
    selected = []
    for entry in entries:
        stamp = datetime.datetime.fromtimestamp(entry["epoch"], datetime.timezone.utc)
        if not start <= stamp <= end:
            continue
        if option == "messages" and entry.get("mid") is None:
            continue
        if option == "rejected_connections" and entry.get("mid") is not None:
            continue
        checks = (("envelopeSender", [entry.get("mail_from") or ""]),
                  ("envelopeRecipient", list(entry.get("rcpts") or [])
                   + [item["rcpt"] for item in entry.get("rejected_rcpts") or []]),
                  ("subject", [entry.get("subject") or ""]))
        keep = True
        for name, values in checks:
            wanted = query.get(f"{name}filterValue")
            if wanted is None:
                continue
            operator = query.get(f"{name}filterOperator", "is")
            if not any(_matches(value, operator, wanted) for value in values):
                keep = False
        if query.get("messageIdHeader") and (entry.get("message_id") or "").strip("<>") != query["messageIdHeader"].strip("<>"):
            keep = False
        if query.get("ciscoMid") and str(entry.get("mid")) != str(query["ciscoMid"]):
            keep = False
        if query.get("senderIp") and entry.get("remote_ip") != query["senderIp"]:
            keep = False
        if keep:
            selected.append(entry)
    selected.sort(key=lambda item: item["epoch"], reverse=True)
    total = len(selected)
    offset, limit = int(query.get("offset") or 0), query.get("limit")
    page = selected[offset:offset + int(limit)] if limit is not None else selected[offset:]
    data = []
    for entry in page:
        mid = entry.get("mid")
        key = str(mid) if mid is not None else ""
        listener_private = (entry.get("hat") or {}).get("behavior") == "RELAY"
        data.append({"attributes": {
            "mid": [mid] if mid is not None else [], "icid": entry.get("icid"),
            "timestamp": tracking_timestamp(entry["epoch"]), "hostName": hostname,
            "sender": entry.get("mail_from"), "recipient": list(entry.get("rcpts") or []),
            "subject": entry.get("subject"), "messageID": {key: entry.get("message_id")} if mid is not None else {},
            "messageStatus": {key: STATUS_TEXT.get(entry.get("status"), entry.get("status"))},
            "senderIp": entry.get("remote_ip"), "senderGroup": (entry.get("hat") or {}).get("sender_group"),
            "direction": "outgoing" if listener_private else "incoming",
            # lab extension: the lab's own verdict text (docs/mail-flow.md)
            "labVerdict": entry.get("verdict"),
        }})
    return {"meta": {"totalCount": total}, "data": data}


class _Handler(BaseHTTPRequestHandler):
    server_version = "lab-asyncos-api"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # pylint: disable=arguments-differ
        LOG.info("%s %s", self.address_string(), fmt % args)

    def _send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, code, message):
        # error body reconstructed
        self._send(code, {"error": {"code": str(code), "message": message}})

    def _route(self):
        path = urlsplit(self.path).path.rstrip("/")
        for prefix in PREFIXES:
            if path.startswith(prefix + "/"):
                return path[len(prefix):]
        return None

    def _authorised(self):
        api = self.server.api
        header = self.headers.get("Authorization") or ""
        if header.lower().startswith("basic "):
            try:
                user, _sep, password = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
            return api.check_password(user, password)
        token = self.headers.get("jwtToken")
        if token:
            try:
                jwt.decode(token, api.jwt_key, algorithms=["HS256"])
                return True
            except jwt.PyJWTError:
                return False
        return False

    def do_POST(self):  # pylint: disable=invalid-name
        api = self.server.api
        api.bump("requests")
        if self._route() != "/login":
            self._error(404, "Resource not found")
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            user = base64.b64decode(body["data"]["userName"]).decode()
            password = base64.b64decode(body["data"]["passphrase"]).decode()
        except (ValueError, KeyError, TypeError):
            self._error(400, "Bad request body")
            return
        if not api.check_password(user, password):
            api.bump("auth_failures")
            self._error(401, "Authentication failed")
            return
        token = jwt.encode({"userName": user, "exp": int(api.now()) + 1800}, api.jwt_key, algorithm="HS256")
        self._send(200, {"data": {"userName": user, "is2FactorCheckRequired": False, "role": "Administrator",
                                  "email": [], "jwtToken": token}})

    def do_GET(self):  # pylint: disable=invalid-name
        api = self.server.api
        api.bump("requests")
        route = self._route()
        if route is None:
            self._error(404, "Resource not found")
            return
        if not self._authorised():
            api.bump("auth_failures")
            self._error(401, "Authentication required")
            return
        if route != "/message-tracking/messages":
            self._error(404, "Resource not found")
            return
        query = {key: values[-1] for key, values in parse_qs(urlsplit(self.path).query, keep_blank_values=True).items()}
        for name in ("envelopeSender", "envelopeRecipient", "subject"):
            operator = query.get(f"{name}filterOperator")
            if operator is not None and operator not in OPERATORS:
                self._error(400, f"Invalid value for {name}filterOperator: {operator}")
                return
        if ("offset" in query) != ("limit" in query):
            # the guide: offset and limit are used together
            self._error(400, "offset and limit must be used together")
            return
        try:
            body = search(MailLog(api.state_dir).entries(), query, hostname=api.hostname)
        except ValueError as exc:
            self._error(400, f"startDate and endDate are required (YYYY-MM-DDThh:mm:ss.000Z): {exc}")
            return
        api.bump("tracking_queries")
        self._send(200, body)


class TrackingAPI:
    """HTTPS on 127.0.0.1 (a thread)."""

    def __init__(self, state_dir, password, port=0, hostname="esa1.lab", host="127.0.0.1", user="admin"):
        self.state_dir = os.path.abspath(state_dir)
        self.password = password
        self.user = user
        self.hostname = hostname
        self.host = host
        self.requested_port = port
        self.port = None
        self.jwt_key = secrets.token_bytes(32)
        self.counters = {"requests": 0, "auth_failures": 0, "tracking_queries": 0}
        self._lock = threading.Lock()
        self._server = None
        self._thread = None
        self.paths = None

    @staticmethod
    def now():
        import time
        return time.time()

    def bump(self, name):
        with self._lock:
            self.counters[name] = self.counters.get(name, 0) + 1

    def check_password(self, user, given):
        expected = self.password() if callable(self.password) else self.password
        return user == self.user and hmac.compare_digest(str(given).encode(), str(expected).encode())

    def start(self):
        self.paths = ensure_certificates(self.state_dir, self.host)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.paths[CERT_FILE], self.paths[KEY_FILE])
        server = ThreadingHTTPServer((self.host, self.requested_port), _Handler)
        server.daemon_threads = True
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.api = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.5},
                                        name="esa-api", daemon=True)
        self._thread.start()
        LOG.info("ESA lab AsyncOS API (message tracking) on https://%s:%s", self.host, self.port)
        return self

    @property
    def ca_path(self):
        return os.path.join(self.state_dir, CA_FILE)

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
