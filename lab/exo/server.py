"""HTTPS server of the lab Exchange: Entra-style token endpoint + InvokeCommand gateway, on 127.0.0.1.

Endpoints (``{t}`` = tenant GUID or its initial domain):

* ``GET  /{t}/v2.0/.well-known/openid-configuration``   OpenID discovery (msal reads it)
* ``POST /{t}/oauth2/v2.0/token``                       client credentials: secret or certificate assertion
* ``POST /adminapi/beta/{t}/InvokeCommand``             ``{"CmdletInput": {"CmdletName", "Parameters"}}``
"""

import copy
import hashlib
import http.server
import json
import logging
import secrets
import socket
import ssl
import threading
import time
import urllib.parse
import uuid

from . import jwt, pki, smtp, tenant as tenant_mod
from .store import CALL_FAULT_KEYS, WRITE_FAULT_KEYS, ExoStore

LOG = logging.getLogger("lab.exo")

EXO_RESOURCES = ("https://outlook.office365.com", "https://outlook.office365.us", "https://outlook-dod.office365.us",
                 "https://outlook.office365.cn", "https://outlook.office.com")
EXO_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
MANAGE_AS_APP = "Exchange.ManageAsApp"
# Microsoft Graph (Learn, "user: sendMail"): POST /users/{id | userPrincipalName}/sendMail, application permission
# Mail.Send, answer 202 Accepted without a body. The token's audience is the Graph resource.
GRAPH_RESOURCES = ("https://graph.microsoft.com", "https://graph.microsoft.us", "https://dod-graph.microsoft.us",
                   "https://microsoftgraph.chinacloudapi.cn")
MAIL_SEND = "Mail.Send"
JSON_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
DATE_KEYS = {"WhenChanged", "WhenChangedUTC", "WhenCreatedUTC", "Received", "LastValidationTimestamp",
             "ActivationDate", "ExpiryDate"}
NUL_BODY = b"\x00" * 4096


def annotate(record):
    """Add the type annotations of a live response (docs/exchange-rest.md section 5) to a record."""
    out = {}
    for key, value in record.items():
        if isinstance(value, list):
            out[f"{key}@odata.type"] = "#Collection(String)"
        elif isinstance(value, int) and not isinstance(value, bool):
            out[f"{key}@data.type"] = "System.Int32"
        elif key == "Guid" and value:
            out["Guid@data.type"] = "System.Guid"
            out["Guid@odata.type"] = "#Guid"
        elif key in DATE_KEYS and value:
            out[f"{key}@data.type"] = "System.DateTime"
        out[key] = value
    return out


def error_body(err):
    internal = {"message": err.message, "type": err.exc_type, "stacktrace": ""}
    inner = {"message": "Invalid Operation", "type": "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
             "stacktrace": "", "internalexception": internal}
    if err.exc_type == tenant_mod.T_NOT_FOUND:
        # the older not-found shape (docs/exchange-rest.md section 7): details only, no internalexception
        return {"error": {"code": "InternalServerError", "message": "Error executing cmdlet",
                          "details": [{"code": "Client", "target": "",
                                       "message": f"{err.error_id}|{err.exc_type}|{err.message}"}],
                          "innererror": {"message": "Error executing cmdlet",
                                         "type": "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
                                         "stacktrace": " 357"}}}
    body = {"error": {"code": "BadRequest", "message": "Invalid Operation", "innererror": inner}}
    if err.shape == "details":
        body["error"]["details"] = [{"code": "Client", "target": "",
                                     "message": f"{err.error_id}|{err.exc_type}|{err.message}"}]
    else:
        body["error"]["adminapi.warnings@odata.type"] = "#Collection(String)"
        body["error"]["@adminapi.warnings"] = []
    return body


def aad_error(code, error, description, status):
    now = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
    trace = str(uuid.uuid4())
    return status, {"error": error,
                    "error_description": f"AADSTS{code}: {description} Trace ID: {trace} Correlation ID: "
                                         f"{uuid.uuid4()} Timestamp: {now}",
                    "error_codes": [code], "timestamp": now, "trace_id": trace, "correlation_id": str(uuid.uuid4()),
                    "error_uri": f"https://login.microsoftonline.com/error?code={code}"}


class ExoLab:
    """Shared state of the running server."""

    def __init__(self, state_path, base_url=None):
        self.store = ExoStore(state_path)
        self.paths = pki.ensure(state_path)
        app_cert = pki.load_first_cert(self.paths["exo_app.pem"])
        sha1, sha256 = pki.thumbprints(app_cert)
        self.apps = self.store.apps(sha1, sha256, pki.certificate_pem(app_cert))
        self.signing_key = pki.load_private_key(self.paths["exo_signing.key"])
        self.signing_kid = hashlib.sha1(
            self.signing_key.public_key().public_numbers().n.to_bytes(256, "big")).hexdigest()[:16]
        self.base_url = base_url
        self.smtp_port = None

    # -- tenant identity --------------------------------------------------------------------------
    def tenant_matches(self, segment):
        info = self.store.apps()["tenant"]
        return segment.lower() in (info["id"].lower(), info["initial_domain"].lower())

    def tenant_id(self):
        return self.store.apps()["tenant"]["id"]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""

    # -- plumbing ---------------------------------------------------------------------------------
    @property
    def lab(self):
        return self.server.lab

    def log_message(self, format, *args):  # noqa: A002  pylint: disable=redefined-builtin
        LOG.info("%s %s", self.address_string(), format % args)

    def _reply(self, status, body=b"", content_type="application/json; charset=utf-8", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode("utf-8")
        elif isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("request-id", str(uuid.uuid4()))
        if body:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _parts(self):
        parsed = urllib.parse.urlsplit(self.path)
        return [p for p in parsed.path.split("/") if p], urllib.parse.parse_qs(parsed.query)

    # -- routes -------------------------------------------------------------------------------------
    def do_GET(self):  # noqa: N802
        self.lab.store.count(http_requests=1)
        parts, _query = self._parts()
        if len(parts) == 4 and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return self._openid(parts[0])
        return self._reply(404, {"error": {"code": "NotFound", "message": "The resource was not found."}})

    def do_POST(self):  # noqa: N802
        self.lab.store.count(http_requests=1)
        parts, query = self._parts()
        if len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"]:
            return self._token(parts[0])
        if len(parts) == 4 and parts[0].lower() == "adminapi" and parts[1] == "beta" and parts[3] == "InvokeCommand":
            return self._invoke(parts[2], query)
        if len(parts) == 4 and parts[0] in ("v1.0", "beta") and parts[1].lower() == "users" and \
                parts[3].lower() == "sendmail":
            return self._send_mail(urllib.parse.unquote(parts[2]))
        self._body()
        return self._reply(404, {"error": {"code": "NotFound", "message": "The resource was not found."}})

    # -- Entra ----------------------------------------------------------------------------------
    def _openid(self, segment):
        base = self.lab.base_url
        if not self.lab.tenant_matches(segment):
            status, body = aad_error(90002, "invalid_tenant", f"Tenant '{segment}' not found. Check to make sure you "
                                     "have the correct tenant ID and are signing into the correct cloud.", 400)
            return self._reply(status, body)
        tid = self.lab.tenant_id()
        return self._reply(200, {
            "token_endpoint": f"{base}/{tid}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/{tid}/oauth2/v2.0/authorize",
            "issuer": f"{base}/{tid}/v2.0",
            "jwks_uri": f"{base}/{tid}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "tenant_region_scope": "EU", "cloud_instance_name": "lab.test",
        })

    def _token(self, segment):
        form = urllib.parse.parse_qs(self._body().decode("utf-8", "replace"))

        def field(name):
            return (form.get(name) or [None])[0]

        status, body = self._issue(segment, field)
        counters = {"token_requests": 1}
        if status != 200:
            counters["token_failures"] = 1
        self.lab.store.count(**counters)
        return self._reply(status, body)

    def _issue(self, segment, field):
        if not self.lab.tenant_matches(segment):
            return aad_error(90002, "invalid_tenant", f"Tenant '{segment}' not found.", 400)
        tid = self.lab.tenant_id()
        if field("grant_type") != "client_credentials":
            return aad_error(70003, "unsupported_grant_type", "The app requested an unsupported grant type "
                             f"'{field('grant_type')}'.", 400)
        client_id = field("client_id") or ""
        apps = self.lab.store.apps()["apps"]
        app = apps.get(client_id.lower()) or apps.get(client_id)
        if app is None:
            return aad_error(700016, "unauthorized_client", f"Application with identifier '{client_id}' was not "
                             f"found in the directory '{segment}'. This can happen if the application has not been "
                             "installed by the administrator of the tenant or consented to by any user in the tenant. "
                             "You may have sent your authentication request to the wrong tenant.", 400)
        assertion = field("client_assertion")
        if assertion:
            error = self._check_assertion(assertion, app, client_id, segment)
            if error:
                return error
        elif field("client_secret") is not None:
            if not secrets.compare_digest(field("client_secret"), app["secret"]):
                return aad_error(7000215, "invalid_client", "Invalid client secret provided. Ensure the secret "
                                 "being sent in the request is the client secret value, not the client secret ID, "
                                 f"for a secret added to app '{client_id}'.", 401)
        else:
            return aad_error(7000218, "invalid_client", "The request body must contain the following parameter: "
                             "'client_assertion' or 'client_secret'.", 401)
        scope = field("scope") or ""
        if not scope.endswith("/.default"):
            return aad_error(1002012, "invalid_scope", f"The provided value for scope {scope} is not valid. Client "
                             "credential flows must have a scope value with /.default suffixed to the resource "
                             "identifier (application ID URI).", 400)
        resource = scope[:-len("/.default")]
        now = int(time.time())
        claims = {"aud": resource, "iss": f"https://sts.windows.net/{tid}/", "iat": now, "nbf": now,
                  "exp": now + 3599, "appid": client_id, "app_displayname": app.get("display_name"),
                  "idtyp": "app", "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, client_id)), "tid": tid,
                  "ver": "1.0", "roles": self._roles(resource, app)}
        token = jwt.sign(claims, self.lab.signing_key, {"kid": self.lab.signing_kid, "x5t": self.lab.signing_kid})
        return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}

    @staticmethod
    def _roles(resource, app):
        """The app roles granted for the token's resource (lab choice: the lab app has Exchange.ManageAsApp on
        Exchange and Mail.Send on Microsoft Graph, each unless switched off with ``lab exo app``)."""
        if resource in GRAPH_RESOURCES:
            return [MAIL_SEND] if app.get("mail_send", True) else []
        return [MANAGE_AS_APP] if app.get("app_role", True) else []

    def _check_assertion(self, assertion, app, client_id, segment):
        try:
            header, claims, _sig = jwt.decode_unverified(assertion)
        except jwt.JWTError as exc:
            return aad_error(50027, "invalid_request", f"JWT token is invalid or malformed: {exc}.", 400)
        given = header.get("x5t#S256") or header.get("x5t")
        expected = app.get("cert_sha256") if header.get("x5t#S256") else app.get("cert_sha1")
        try:
            given_hex = jwt.b64url_decode(given).hex().upper() if given else ""
        except ValueError:
            given_hex = ""
        if not expected or given_hex != expected:
            return aad_error(700027, "invalid_client", "The certificate with identifier used to sign the client "
                             "assertion is not registered on application. [Reason - The key was not found., "
                             f"Thumbprint of key used by client: '{given_hex}']", 401)
        from cryptography import x509  # local: cryptography is already loaded by pki
        public_key = x509.load_pem_x509_certificate(app["cert_pem"].encode("ascii")).public_key()
        try:
            jwt.verify(assertion, public_key)
        except jwt.JWTError:
            return aad_error(700027, "invalid_client", "Client assertion contains an invalid signature.", 401)
        tid = self.lab.tenant_id()
        audiences = {f"{self.lab.base_url}/{x}/oauth2/v2.0/token" for x in (tid, segment)}
        if claims.get("aud") not in audiences:
            return aad_error(700021, "invalid_client", "Client assertion audience claim does not match Realm "
                             "issuer. Review the documentation at https://aka.ms/certCreds .", 401)
        if claims.get("iss") != client_id or claims.get("sub") != client_id:
            return aad_error(700023, "invalid_client", "Client assertion issuer/subject doesn't match the client "
                             "ID.", 401)
        if int(claims.get("exp", 0)) < time.time():
            return aad_error(700024, "invalid_client", "Client assertion is not within its valid time range.", 401)
        return None

    # -- InvokeCommand ------------------------------------------------------------------------------
    def _unauthorized(self, reason):
        self.lab.store.count(auth_failures=1)
        challenge = (f'Bearer client_id="{EXO_APP_ID}", trusted_issuers="00000001-0000-0000-c000-000000000000@*", '
                     'token_types="app_asserted_user_v1 service_asserted_app_v1", '
                     'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
                     'error="invalid_token"')
        return self._reply(401, b"", headers={"WWW-Authenticate": challenge,
                                              "x-ms-diagnostics": f'2000001;reason="{reason}";error_category='
                                                                  '"invalid_token"'})

    def _authorise(self, segment):
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer "):
            return self._unauthorized("The request doesn't carry a bearer token.") or False
        try:
            _header, claims = jwt.verify(auth[7:], self.lab.signing_key.public_key())
        except jwt.JWTError as exc:
            return self._unauthorized(f"The token is invalid: {exc}.") or False
        if claims.get("exp", 0) < time.time():
            return self._unauthorized("The token has expired.") or False
        if claims.get("aud") not in EXO_RESOURCES:
            return self._unauthorized(f"The audience claim value is invalid '{claims.get('aud')}'.") or False
        if not self.lab.tenant_matches(segment) or claims.get("tid") != self.lab.tenant_id():
            return self._unauthorized("The token's tenant doesn't match the tenant in the URL.") or False
        if MANAGE_AS_APP not in (claims.get("roles") or []):
            return self._unauthorized("The token doesn't contain the application role Exchange.ManageAsApp.") \
                or False
        app = self.lab.store.apps()["apps"].get(claims.get("appid"), {})
        if not app.get("directory_role", True):
            self.lab.store.count(auth_failures=1)
            self._reply(403, NUL_BODY, content_type="text/html")
            return False
        return claims

    # -- Microsoft Graph sendMail (lab/exo/mailflow.py) ------------------------------------------------------------
    def _graph_error(self, status, code, message):
        # the Graph error shape {"error": {"code", "message"}} (Learn, "Microsoft Graph error responses")
        return self._reply(status, {"error": {"code": code, "message": message,
                                              "innerError": {"request-id": str(uuid.uuid4()),
                                                             "date": time.strftime("%Y-%m-%dT%H:%M:%S")}}})

    def _send_mail(self, user):
        raw = self._body()
        self.lab.store.count(graph_calls=1)
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer "):
            self.lab.store.count(auth_failures=1)
            return self._graph_error(401, "InvalidAuthenticationToken", "Access token is empty.")
        try:
            _header, claims = jwt.verify(auth[7:], self.lab.signing_key.public_key())
        except jwt.JWTError as exc:
            self.lab.store.count(auth_failures=1)
            return self._graph_error(401, "InvalidAuthenticationToken", f"Access token validation failure: {exc}.")
        if claims.get("exp", 0) < time.time():
            self.lab.store.count(auth_failures=1)
            return self._graph_error(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is "
                                     "expired.")
        if claims.get("aud") not in GRAPH_RESOURCES or claims.get("tid") != self.lab.tenant_id():
            self.lab.store.count(auth_failures=1)
            return self._graph_error(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid "
                                     "audience.")
        if MAIL_SEND not in (claims.get("roles") or []):
            self.lab.store.count(auth_failures=1)
            return self._graph_error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
        try:
            request = json.loads(raw.decode("utf-8"))
            message = request["message"]
            recipients = [item["emailAddress"]["address"] for key in ("toRecipients", "ccRecipients", "bccRecipients")
                          for item in message.get(key) or []]
            headers = [(item["name"], item["value"]) for item in message.get("internetMessageHeaders") or []]
            body = message.get("body") or {}
        except (ValueError, KeyError, TypeError, AttributeError):
            return self._graph_error(400, "ErrorInvalidRequest", "The request body isn't a valid sendMail request.")
        if not recipients:
            return self._graph_error(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.")
        if any(not name.lower().startswith("x-") for name, _value in headers):
            # Learn, internetMessageHeader: only custom headers starting with "x-" may be set (text reconstructed)
            return self._graph_error(400, "InvalidInternetMessageHeader", "The internet message header name "
                                     "should start with 'x-' or 'X-'.")
        from . import mailflow  # aiosmtpd is needed only for mail
        tenant = self.lab.store.read_tenant()
        if "@" not in user or not mailflow.is_accepted(tenant, mailflow.domain_of(user)):
            # reconstructed: the lab's mailboxes are every address of an accepted domain
            return self._graph_error(404, "ErrorInvalidUser", f"The requested user '{user}' is invalid.")
        # asynchronous like the service: 202 first, the transport then works on the message
        threading.Thread(target=self._process_outbound, name="exo-outbound", daemon=True, args=(
            user, recipients, message.get("subject"), body.get("content"), headers,
            body.get("contentType") or "Text")).start()
        return self._reply(202, b"")

    def _process_outbound(self, *args):
        from . import mailflow
        try:
            mailflow.send_outbound(self.lab.store.path, *args)
        except Exception:  # pylint: disable=broad-except
            LOG.exception("outbound processing failed")

    def _invoke(self, segment, query):
        raw = self._body()
        self.lab.store.count(invoke_calls=1)
        faults = self.lab.store.faults()
        if faults.get("latency"):
            time.sleep(float(faults["latency"]))
        claims = self._authorise(segment)
        if not claims:
            return None
        fault, retry_after = self.lab.store.take_fault()
        if fault:
            self.lab.store.count(faults_served=1)
            return self._fault(fault, retry_after)
        call_fault = self.lab.store.take_fault_of(CALL_FAULT_KEYS)
        if call_fault:
            self.lab.store.count(faults_served=1)
            return self._call_fault(call_fault)
        if "$skiptoken" in query:
            return self._cmdlet_error(tenant_mod.CmdletError(
                tenant_mod.T_PAGING, "Expired or Invalid pagination request. Default Expiry time is 00:30:00"))
        try:
            request = json.loads(raw.decode("utf-8"))
            cmdlet_input = request["CmdletInput"]
            name, spec, handler, is_write = tenant_mod.lookup(cmdlet_input.get("CmdletName"))
            bound = tenant_mod.bind(name, spec, cmdlet_input.get("Parameters"))
        except tenant_mod.CmdletError as err:
            return self._cmdlet_error(err)
        except (ValueError, KeyError, TypeError, AttributeError):
            return self._reply(400, {"error": {"code": "BadRequest", "message": "The request body isn't a valid "
                                               "InvokeCommand request: {\"CmdletInput\": {\"CmdletName\": ..., "
                                               "\"Parameters\": {...}}}."}})
        write_fault = self.lab.store.take_fault_of(WRITE_FAULT_KEYS) if is_write else None
        if write_fault == "write_http_500":
            self.lab.store.count(faults_served=1)
            return self._fault("http_500", None)
        try:
            if name == "Validate-OutboundConnector":
                records, warnings = self._validate(bound)
            else:
                records, warnings = self._run(handler, bound, claims)
        except tenant_mod.CmdletError as err:
            self.lab.store.count(cmdlet=name, cmdlet_errors=1)
            return self._cmdlet_error(err)
        # a lab bug must not look like a dropped connection
        except Exception as exc:  # pylint: disable=broad-except
            LOG.exception("%s failed", name)
            return self._reply(500, {"error": {"code": "InternalServerError", "message": f"lab error: {exc!r}"}})
        self.lab.store.count(cmdlet=name, **({"writes": 1} if is_write else {"reads": 1}))
        if write_fault == "lost_answer":
            self.lab.store.count(faults_served=1)
            return self._drop()
        base = self.lab.base_url
        body = {"@odata.context": f"{base}/adminapi/beta/{segment}/$metadata#Collection(Exchange.GenericHashTable)",
                "adminapi.warnings@odata.type": "#Collection(String)", "@adminapi.warnings": warnings,
                "value": [annotate(r) for r in records]}
        if warnings and name.startswith("Get-") and name != "Get-MessageTraceV2":
            body["@odata.nextLink"] = f"{base}/adminapi/beta/{segment}/InvokeCommand?$skiptoken=" + \
                secrets.token_urlsafe(24)
        return self._reply(200, body, content_type=JSON_TYPE,
                           headers={"X-Exchangeversion": "Version 15.20 (Build 9999.1) lab"})

    def _run(self, handler, bound, claims):
        store = self.lab.store
        with store.locked():
            data = store._read_tenant_unlocked()  # pylint: disable=protected-access
            work = copy.deepcopy(data)
            work["_caller"] = claims.get("app_displayname")
            records, warnings = handler(work, bound)
            work.pop("_caller", None)
            if work != data:
                from .store import TENANT_FILE, write_json_atomic
                write_json_atomic(store.file(TENANT_FILE), work)
        return records, warnings

    def _validate(self, bound):
        store = self.lab.store
        with store.locked():
            data = store._read_tenant_unlocked()  # pylint: disable=protected-access
            connector = tenant_mod.prepare_validation(data, bound)
            smart_hosts = {k.lower(): v for k, v in (data.get("smart_hosts") or {}).items()}
        domain = store.apps()["tenant"]["initial_domain"]
        results = smtp.validate(connector, bound["Recipients"], smart_hosts, self.lab.smtp_port,
                                self.lab.paths["exo_ca.pem"], f"O365ConnectorValidation@{domain}")
        store.count(validations=1)
        return results, []

    def _cmdlet_error(self, err):
        return self._reply(400, error_body(err), headers={"X-ExceptionType": err.exc_type.rsplit(".", 1)[-1]})

    def _fault(self, fault, retry_after):
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        if fault == "http_429":
            return self._reply(429, {"error": {"code": "TooManyRequests", "message": "The request was throttled. "
                                               "Please retry after the time given in Retry-After."}},
                               headers=headers)
        if fault == "http_500":
            return self._reply(500, {"error": {"code": "InternalServerError", "message": "Error executing cmdlet",
                                               "innererror": {"message": "Error executing cmdlet", "type":
                                                              "System.TimeoutException", "stacktrace": ""}}})
        if fault == "http_503":
            return self._reply(503, "<html><body><h1>Service Unavailable</h1></body></html>",
                               content_type="text/html", headers=headers)
        if fault == "http_403_nul":
            return self._reply(403, NUL_BODY, content_type="text/html")
        return self._reply(400, {"error": {"code": "BadRequest", "message": "You have reached the maximum number of "
                                           "concurrent requests per tenant. Please wait and try again."}},
                           headers=headers)

    # -- faults of the fault suite (store.CALL_FAULT_KEYS, store.WRITE_FAULT_KEYS) -------------------------
    def _call_fault(self, fault):
        if fault == "bad_body":
            # what a proxy or a load balancer in front of the service may answer
            return self._reply(200, "<html><body>Request accepted by the proxy</body></html>",
                               content_type="text/html")
        return self._drop()

    def _drop(self):
        """Close the connection without an answer (the client sees the connection end before a status line)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class ExoHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, lab, port):
        super().__init__(("127.0.0.1", port), Handler)
        self.lab = lab
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(lab.paths["exo_server.pem"], lab.paths["exo_server.key"])
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.thread = threading.Thread(target=self.serve_forever, name="exo-https", daemon=True)

    def finish_request(self, request, client_address):
        try:
            request.settimeout(30)
            request.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            LOG.info("TLS handshake with %s failed: %s", client_address, exc)
            return
        super().finish_request(request, client_address)
