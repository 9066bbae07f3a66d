# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Typed errors of the Exchange Online InvokeCommand gateway, and their mapping from HTTP answers.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

CONCURRENCY_TEXT = "maximum number of concurrent requests"
GENERIC_MESSAGES = ("invalid operation", "error executing cmdlet", "error executingcmdlet")

HINT_401 = ("The app registration is missing the application permission 'Office 365 Exchange Online - "
            "Exchange.ManageAsApp' or its admin consent, or the token is for another resource.")
HINT_403 = ("The app's service principal has the Exchange.ManageAsApp permission but no directory role: assign it "
            "an Entra role such as Exchange Administrator (or an Exchange role group via New-ServicePrincipal and "
            "Add-RoleGroupMember).")


class ExoError(Exception):
    """Base class. ``message`` is the real message, for the user."""

    def __init__(self, message, status=None, exception_type=None, error_id=None, cmdlet=None):
        super(ExoError, self).__init__(message)
        self.message = message
        self.status = status
        self.exception_type = exception_type
        self.error_id = error_id
        self.cmdlet = cmdlet

    def to_dict(self):
        return dict(status=self.status, exception_type=self.exception_type, error_id=self.error_id,
                    cmdlet=self.cmdlet)


class ExoAuthError(ExoError):
    """HTTP 401 from InvokeCommand, or a failed token request."""


class ExoPermissionError(ExoError):
    """HTTP 403: the directory role is missing."""


class ExoNotFoundError(ExoError):
    """ManagementObjectNotFoundException / "couldn't be found"."""


class ExoThrottledError(ExoError):
    """Still throttled (429, 5xx, concurrency limit) after the retries."""


class ExoCmdletError(ExoError):
    """Any other cmdlet error (HTTP 400 and friends)."""


class ExoTransportError(ExoError):
    """Network or TLS failure."""


class ExoValidationError(ExoError):
    """The module's own validation, before any write."""


def _decode(body):
    if body is None:
        return ""
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return body


def describe_body(body):
    """A short, printable description of a body that is not JSON (NUL bytes, HTML, empty)."""
    raw = body if isinstance(body, bytes) else _decode(body).encode("utf-8")
    if not raw:
        return "empty body"
    if raw.strip(b"\x00") == b"":
        return "body of %d NUL bytes, not JSON" % len(raw)
    text = re.sub(r"<[^>]+>", " ", _decode(raw))
    text = re.sub(r"\s+", " ", text).strip()
    return "body not JSON: %s" % (text[:200] or "%d bytes" % len(raw))


def split_detail(message):
    """'<ErrorId>|<.NET type>|<message>' -> (error_id, type, message); other text -> (None, None, text)."""
    parts = message.split("|", 2)
    if len(parts) == 3 and (not parts[1] or "." in parts[1] or parts[1].endswith("Exception")):
        return parts[0] or None, parts[1] or None, parts[2]
    return None, None, message


def parse_error_body(body):
    """The real message and exception type of an error body, or None if it is not JSON.

    Precedence: innererror.internalexception.message, then details[0].message (without its 'Id|Type|'
    prefix), then error.message (docs/exchange-rest.md section 7).
    """
    try:
        data = json.loads(_decode(body))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    if not isinstance(error, dict):
        if isinstance(data.get("error_description"), str):  # Entra token endpoint
            return dict(message=data["error_description"], type=data.get("error"), error_id=None,
                        code=data.get("error"))
        return None
    inner = error.get("innererror") if isinstance(error.get("innererror"), dict) else {}
    internal = inner.get("internalexception") if isinstance(inner.get("internalexception"), dict) else {}
    details = error.get("details") if isinstance(error.get("details"), list) else []
    detail_id = detail_type = detail_msg = None
    if details and isinstance(details[0], dict) and details[0].get("message"):
        detail_id, detail_type, detail_msg = split_detail(details[0]["message"])
    message = internal.get("message") or detail_msg or error.get("message") or ""
    exc_type = internal.get("type") or detail_type or inner.get("type")
    return dict(message=message, type=exc_type, error_id=detail_id, code=error.get("code"))


def is_not_found(exception_type, message):
    return bool((exception_type and exception_type.endswith("ManagementObjectNotFoundException"))
                or "couldn't be found" in (message or ""))


def is_concurrency_limit(body):
    return CONCURRENCY_TEXT in _decode(body).lower()


def error_from_response(status, body, headers=None, cmdlet=None):
    """Map an HTTP answer of InvokeCommand (not 2xx) to a typed ExoError with the real message."""
    headers = headers or {}
    parsed = parse_error_body(body)
    prefix = "%s: " % cmdlet if cmdlet else ""
    if status == 401:
        reason = headers.get("x-ms-diagnostics") or headers.get("WWW-Authenticate") or \
            (parsed or {}).get("message") or describe_body(body)
        return ExoAuthError("%sHTTP 401 Unauthorized from Exchange Online: %s (%s)" % (prefix, HINT_401, reason),
                            status=status, cmdlet=cmdlet)
    if status == 403:
        detail = (parsed or {}).get("message") or describe_body(body)
        return ExoPermissionError("%sHTTP 403 Forbidden from Exchange Online: %s (%s)" % (prefix, HINT_403, detail),
                                  status=status, cmdlet=cmdlet)
    if parsed is None:
        message = "HTTP %s (%s)" % (status, describe_body(body))
        exc_type = headers.get("X-ExceptionType")
        error_id = None
    else:
        message, exc_type, error_id = parsed["message"], parsed["type"], parsed["error_id"]
        if not exc_type and headers.get("X-ExceptionType"):
            exc_type = headers.get("X-ExceptionType")
        if message.strip().lower() in GENERIC_MESSAGES:
            message = "%s (HTTP %s; Exchange gave no further detail%s)" % (
                message, status, ", exception type %s" % exc_type if exc_type else "")
    if status == 429 or is_concurrency_limit(body):
        return ExoThrottledError("%sthrottled by Exchange Online: %s" % (prefix, message), status=status,
                                 exception_type=exc_type, cmdlet=cmdlet)
    if is_not_found(exc_type, message):
        return ExoNotFoundError(prefix + message, status=status, exception_type=exc_type, error_id=error_id,
                                cmdlet=cmdlet)
    return ExoCmdletError(prefix + message, status=status, exception_type=exc_type, error_id=error_id,
                          cmdlet=cmdlet)


def token_error(result):
    """An ExoAuthError from msal's error dict (token endpoint answer)."""
    code = result.get("error") or "error"
    description = result.get("error_description") or ""
    description = re.sub(r"\s*Trace ID:.*$", "", description, flags=re.S)
    hint = ""
    if code in ("invalid_client", "unauthorized_client"):
        hint = (" Check the client ID, the client secret (its value, not its ID) or the certificate registered on "
                "the app.")
    status = 401 if code == "invalid_client" else 400
    return ExoAuthError("Authentication failed (HTTP %s from the token endpoint): %s: %s%s" % (
        status, code, description, hint), status=status, exception_type=code)
