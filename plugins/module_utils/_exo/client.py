# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""REST client for Exchange Online's InvokeCommand gateway (docs/exchange-rest.md), with msal app-only tokens.

``POST {base}/adminapi/beta/{tenant}/InvokeCommand`` with ``{"CmdletInput": {"CmdletName", "Parameters"}}``.
The same code path serves a real tenant and the lab; only the base URL and the authority differ.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import email.utils
import json
import time
import traceback
import uuid

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import errors
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.normalise import CLEAR, strip_odata

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported through missing_required_lib
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

try:
    import msal
    HAS_MSAL = True
    MSAL_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported through missing_required_lib
    HAS_MSAL = False
    MSAL_IMPORT_ERROR = traceback.format_exc()

# Base hosts and token scopes per cloud (docs/exchange-rest.md section 2). No public source names China's scope:
# it follows the same "<base>/.default" pattern (a choice, see docs/exchange-online.md).
CLOUDS = {
    "commercial": dict(base_url="https://outlook.office365.com", authority="https://login.microsoftonline.com",
                       resource="https://outlook.office365.com"),
    "gcc": dict(base_url="https://outlook.office365.com", authority="https://login.microsoftonline.com",
                resource="https://outlook.office365.com"),
    "gcc_high": dict(base_url="https://outlook.office365.us", authority="https://login.microsoftonline.us",
                     resource="https://outlook.office365.us"),
    "dod": dict(base_url="https://outlook-dod.office365.us", authority="https://login.microsoftonline.us",
                resource="https://outlook-dod.office365.us"),
    "china": dict(base_url="https://outlook.office365.cn", authority="https://login.chinacloudapi.cn",
                  resource="https://outlook.office365.cn"),
}
ANCHOR = "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@%s"
USER_AGENT = "mailops.secure_email (Ansible)"
RETRY_READ_STATUS = (429, 500, 502, 503, 504)
# A write answered with 500/502 may have been applied; only statuses that mean "not processed" are retried.
RETRY_WRITE_STATUS = (429, 503, 504)
BACKOFF_BASE = 1.0
MAX_REDIRECTS = 5


class InvokeResult(object):
    def __init__(self, value, warnings, next_link):
        self.value = value
        self.warnings = warnings
        self.next_link = next_link

    @property
    def truncated(self):
        return bool(self.next_link) or any("ResultSize" in w or "more results" in w.lower() for w in self.warnings)


EXPIRY_WARNING_DAYS = 30


def read_certificate(pem):
    """The first certificate in a PEM text (the app's certificate, usually followed by its private key), parsed
    with ``cryptography`` (installed with msal): dict(pem, subject, thumbprint (SHA-1 hex, as Entra ID shows
    it), not_before, not_after (aware UTC datetimes)), or None when the text holds no certificate. Raises
    ExoValidationError when a certificate block does not parse."""
    if "-----BEGIN CERTIFICATE-----" not in (pem or ""):
        return None
    try:
        from cryptography import x509  # pylint: disable=import-outside-toplevel
        from cryptography.hazmat.primitives import hashes, serialization  # pylint: disable=import-outside-toplevel
    except ImportError:  # pragma: no cover - msal depends on cryptography
        raise errors.ExoValidationError("certificate: the Python library cryptography is required to read the "
                                        "certificate (it is installed with msal)")
    try:
        cert = x509.load_pem_x509_certificates(pem.encode("ascii") if not isinstance(pem, bytes) else pem)[0]
    except (ValueError, UnicodeError) as exc:
        raise errors.ExoValidationError("certificate: the certificate in the PEM cannot be read: %s" % exc)

    def utc(name):
        value = getattr(cert, name + "_utc", None)  # cryptography 42 and later
        if value is None:  # pragma: no cover - older cryptography
            value = getattr(cert, name).replace(tzinfo=datetime.timezone.utc)
        return value

    return dict(pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
                subject=cert.subject.rfc4514_string(), thumbprint=cert.fingerprint(hashes.SHA1()).hex().upper(),
                not_before=utc("not_valid_before"), not_after=utc("not_valid_after"))


def certificate_pem(params):
    """The app's certificate as PEM text: the file at ``certificate_path`` (which wins) or ``certificate_content``;
    None when neither is set. ValueError naming certificate_path when the file cannot be read."""
    if params.get("certificate_path"):
        try:
            with open(params["certificate_path"], "r") as handle:
                return handle.read()
        except (IOError, OSError) as exc:
            raise ValueError("certificate_path: cannot read %s: %s" % (params["certificate_path"], exc))
    return params.get("certificate_content")


def check_certificate(pem, warn, now=None, warn_days=EXPIRY_WARNING_DAYS):
    """Refuse an expired or not yet valid app certificate (ExoValidationError) and ``warn`` when it expires
    within ``warn_days``. Returns read_certificate's dict (None without a certificate)."""
    info = read_certificate(pem)
    if info is None:
        return None
    now = now or datetime.datetime.now(datetime.timezone.utc)
    label = "the app certificate %s (thumbprint %s)" % (info["subject"], info["thumbprint"])
    stamp = "%Y-%m-%d %H:%M UTC"
    renew = ("create a new certificate, add its public part to the app registration in Microsoft Entra ID "
             "(Certificates & secrets) and point certificate_path or certificate_content at it")
    if now >= info["not_after"]:
        raise errors.ExoValidationError("certificate: %s expired on %s: %s (docs/exchange-online.md)."
                                        % (label, info["not_after"].strftime(stamp), renew))
    if now < info["not_before"]:
        raise errors.ExoValidationError(
            "certificate: %s is not valid before %s; this controller's clock says %s. Check the clock, or use the "
            "certificate from that time on." % (label, info["not_before"].strftime(stamp), now.strftime(stamp)))
    left = info["not_after"] - now
    if left <= datetime.timedelta(days=warn_days):
        days = left.days
        when = "in %d days" % days if days > 1 else ("in 1 day" if days == 1 else "within a day")
        warn("certificate: %s expires on %s, %s. Renew it before then: %s; keep the old one registered until the "
             "switch is done." % (label, info["not_after"].strftime(stamp), when, renew))
    return info


class _HttpClient(object):
    """The ``http_client`` handed to msal: it passes ``verify`` and ``timeout`` on every request.

    A ``requests.Session``'s own ``verify`` loses against ``REQUESTS_CA_BUNDLE``; a per-request ``verify``
    does not. The session keeps ``trust_env`` (the user's proxy settings).
    """

    def __init__(self, session, verify, timeout, count):
        self.session = session
        self.verify = verify
        self.timeout = timeout
        self.count = count

    def _opts(self, kwargs):
        kwargs.setdefault("verify", self.verify)
        kwargs.setdefault("timeout", self.timeout)
        self.count("token")
        return kwargs

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        return self.session.post(url, params=params, data=data, headers=headers, **self._opts(kwargs))

    def get(self, url, params=None, headers=None, **kwargs):
        return self.session.get(url, params=params, headers=headers, **self._opts(kwargs))

    def close(self):
        pass


class ExoClient(object):

    def __init__(self, tenant_id, client_id, client_secret=None, certificate_pem=None, certificate_password=None,
                 certificate_thumbprint=None, cloud="commercial", base_url=None, authority=None, ca_path=None,
                 validate_certs=True, timeout=120, max_retries=6, retry_max_delay=30.0, session=None,
                 token_provider=None, sleep=time.sleep, warn=None):
        if cloud not in CLOUDS:
            raise errors.ExoValidationError("cloud: %r is not one of %s" % (cloud, ", ".join(sorted(CLOUDS))))
        table = CLOUDS[cloud]
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.certificate_pem = certificate_pem
        self.certificate_password = certificate_password
        self.certificate_thumbprint = certificate_thumbprint
        self.base_url = (base_url or table["base_url"]).rstrip("/")
        self.authority_host = (authority or table["authority"]).rstrip("/")
        self.scope = table["resource"] + "/.default"
        self.verify = False if not validate_certs else (ca_path or True)
        self.timeout = timeout
        self.max_retries = max_retries
        self.retry_max_delay = retry_max_delay
        self.sleep = sleep
        self.warn = warn or (lambda msg: None)
        self.calls = dict(token=0, invoke=0, retries=0)
        self.connection_id = str(uuid.uuid4())
        self._session = session
        self._token_provider = token_provider
        self._token = None
        self._app = None

    # -- plumbing -------------------------------------------------------------------------------
    @property
    def session(self):
        if self._session is None:
            self._session = requests.Session()  # trust_env stays on: the user's proxies apply
        return self._session

    @property
    def invoke_url(self):
        return "%s/adminapi/beta/%s/InvokeCommand" % (self.base_url, self.tenant_id)

    @property
    def authority(self):
        path = self.authority_host.split("://", 1)[-1]
        return self.authority_host if "/" in path else "%s/%s" % (self.authority_host, self.tenant_id)

    def _count(self, kind):
        self.calls[kind] = self.calls.get(kind, 0) + 1

    def http_calls(self):
        counts = dict(self.calls)
        counts["total"] = counts["token"] + counts["invoke"]
        return counts

    # -- token ----------------------------------------------------------------------------------
    def _credential(self):
        if self.certificate_pem:
            credential = dict(private_key=self.certificate_pem)
            if self.certificate_password:
                credential["passphrase"] = self.certificate_password
            if self.certificate_thumbprint:
                credential["thumbprint"] = self.certificate_thumbprint.replace(":", "").upper()
            else:
                cert = read_certificate(self.certificate_pem)
                if not cert:
                    raise errors.ExoValidationError(
                        "certificate: the PEM holds no certificate, so certificate_thumbprint (SHA-1) is required")
                credential["public_certificate"] = cert["pem"]
            return credential
        if self.client_secret:
            return self.client_secret
        raise errors.ExoValidationError("no credential: set client_secret or certificate_path/certificate_content "
                                        "(or EXO_CLIENT_SECRET / EXO_CERTIFICATE_PATH)")

    def token(self):
        if self._token:
            return self._token
        if self._token_provider is not None:
            self._token = self._token_provider()
            return self._token
        http_client = _HttpClient(self.session, self.verify, self.timeout, self._count)
        try:
            self._app = msal.ConfidentialClientApplication(
                self.client_id, client_credential=self._credential(), authority=self.authority,
                http_client=http_client, instance_discovery=False)
            result = self._app.acquire_token_for_client(scopes=[self.scope])
        except errors.ExoError:
            raise
        except requests.exceptions.SSLError as exc:
            raise errors.ExoTransportError("TLS verification of the authority %s failed (ca_path=%s): %s"
                                           % (self.authority, self.verify, exc))
        except requests.exceptions.RequestException as exc:
            raise errors.ExoTransportError("cannot reach the authority %s: %s" % (self.authority, exc))
        except ValueError as exc:
            raise errors.ExoAuthError("Authentication failed: %s" % exc)
        if "access_token" not in result:
            raise errors.token_error(result)
        self._token = result["access_token"]
        return self._token

    # -- InvokeCommand ----------------------------------------------------------------------------
    def headers(self, cmdlet):
        return {
            "Authorization": "Bearer %s" % self.token(),
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-AnchorMailbox": ANCHOR % self.tenant_id,
            "X-ResponseFormat": "json",
            "X-CmdletName": cmdlet,
            "Prefer": "odata.maxpagesize=1000",
            "connection-id": self.connection_id,
            "client-request-id": str(uuid.uuid4()),
            "User-Agent": USER_AGENT,
        }

    def invoke(self, cmdlet, parameters=None, write=False):
        """Run one cmdlet; returns InvokeResult (records without annotations). Raises ExoError subclasses."""
        # docs/exchange-rest.md section 4: drop null parameters, always send an object; CLEAR is an explicit null
        params = dict((k, None if v is CLEAR else v) for k, v in (parameters or {}).items() if v is not None)
        body = json.dumps({"CmdletInput": {"CmdletName": cmdlet, "Parameters": params}})
        response = self._post(cmdlet, body, write)
        return self._result(cmdlet, response)

    def _retry_delay(self, response, attempt):
        header = response.headers.get("Retry-After") if response is not None else None
        delay = None
        if header:
            try:
                delay = float(header)
            except ValueError:
                parsed = email.utils.parsedate_to_datetime(header) if header else None
                if parsed is not None:
                    delay = parsed.timestamp() - time.time()
        if delay is None or delay < 0:
            delay = BACKOFF_BASE * (2 ** attempt)
        return min(delay, self.retry_max_delay)

    def _send(self, url, body, headers):
        for _hop in range(MAX_REDIRECTS + 1):
            self._count("invoke")
            response = self.session.post(url, data=body.encode("utf-8"), headers=headers, verify=self.verify,
                                         timeout=self.timeout, allow_redirects=False)
            if response.status_code in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                # follow regional redirects ourselves, keeping Authorization (requests would drop it);
                # docs/exchange-rest.md section 2
                url = requests.compat.urljoin(url, response.headers["Location"])
                continue
            return response
        raise errors.ExoTransportError("too many redirects from %s" % self.invoke_url)

    def _post(self, cmdlet, body, write):
        retry_status = RETRY_WRITE_STATUS if write else RETRY_READ_STATUS
        attempt = 0
        while True:
            response = None
            try:
                response = self._send(self.invoke_url, body, self.headers(cmdlet))
            except requests.exceptions.SSLError as exc:
                raise errors.ExoTransportError("%s: TLS verification of %s failed (ca_path=%s): %s"
                                               % (cmdlet, self.base_url, self.verify, exc))
            except requests.exceptions.RequestException as exc:
                if write or attempt >= self.max_retries:
                    raise errors.ExoTransportError("%s: cannot reach %s: %s" % (cmdlet, self.base_url, exc))
            if response is not None and 200 <= response.status_code < 300:
                return response
            retryable = response is None or response.status_code in retry_status or \
                (response.status_code >= 400 and errors.is_concurrency_limit(response.content))
            if not retryable:
                raise errors.error_from_response(response.status_code, response.content, response.headers, cmdlet)
            if attempt >= self.max_retries:
                err = errors.error_from_response(response.status_code, response.content, response.headers, cmdlet)
                raise errors.ExoThrottledError("%s: gave up after %d retries: %s" % (cmdlet, attempt, err.message),
                                               status=response.status_code, cmdlet=cmdlet)
            delay = self._retry_delay(response, attempt)
            attempt += 1
            self._count("retries")
            self.sleep(delay)

    def _result(self, cmdlet, response):
        if not response.content:
            return InvokeResult([], [], None)
        try:
            data = response.json()
        except ValueError:
            raise errors.ExoCmdletError("%s: HTTP %s with a body that is not JSON (%s)" % (
                cmdlet, response.status_code, errors.describe_body(response.content)), status=response.status_code,
                cmdlet=cmdlet)
        value = data.get("value") if isinstance(data, dict) else None
        if value is None:
            value = []
        elif not isinstance(value, list):
            value = [value]
        warnings = [w for w in (data.get("@adminapi.warnings") or []) if w] if isinstance(data, dict) else []
        return InvokeResult(strip_odata(value), warnings, data.get("@odata.nextLink") if isinstance(data, dict)
                            else None)

    def list_all(self, cmdlet, parameters=None):
        """Get-* with ResultSize Unlimited (docs/exchange-rest.md section 6); warns when it may be truncated."""
        params = dict(parameters or {})
        params.setdefault("ResultSize", "Unlimited")
        result = self.invoke(cmdlet, params)
        if result.truncated:
            self.warn("%s may be truncated: %s" % (cmdlet, "; ".join(result.warnings) or "nextLink present"))
        return result.value
