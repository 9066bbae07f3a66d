# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Message tracking through the AsyncOS API (esa_message_tracking), docs/mail-flow.md "Tracking".

This module is PRIVATE to the collection. It can change at any time.

Source: Cisco, *AsyncOS 13.0 API for Cisco Email Security Appliances - Getting Started Guide* and the SMA 13.0 API
guide, "APIs for Email": resources under ``/esa/api/v2.0`` (``/sma/api/v2.0`` on the SMA),
``GET .../message-tracking/messages``, the required window ``startDate=YYYY-MM-DDThh:mm:00.000Z&endDate=...``,
``offset`` with ``limit``, HTTP Basic authentication (or a JWT from ``POST .../login``). The filter parameters
(``searchOption``, ``ciscoHost``, ``envelopeSenderfilterOperator``/``Value``, ``envelopeRecipientfilter...``,
``subjectfilter...``, ``ciscoMid``) are those public API clients send; ``messageIdHeader`` and the response
attribute names other than ``data``, ``meta.totalCount``, ``attributes`` and ``mid`` are reconstructed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import json
import re

from ansible.module_utils.six.moves.urllib.parse import quote
from ansible.module_utils.urls import open_url

try:
    from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
except ImportError:  # pragma: no cover
    from urllib.error import HTTPError, URLError  # type: ignore

PREFIXES = {"esa": "/esa/api/v2.0", "sma": "/sma/api/v2.0"}
OPERATORS = ("is", "begins_with", "contains")
MAX_HOURS = 24 * 31


class TrackingError(Exception):
    """A failed query; the message names what failed and never holds the password."""


_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$",
                   re.IGNORECASE)


def parse_time(text, name):
    """ISO 8601 (``Z`` or an offset; no zone = UTC) -> aware UTC datetime."""
    match = _TIME.match((text or "").strip())
    if not match:
        raise TrackingError("%s: %r is not an ISO 8601 time such as 2026-12-05T02:00:00Z" % (name, text))
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        moment = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError as exc:
        raise TrackingError("%s: %r: %s" % (name, text, exc))
    if zone and zone.upper() != "Z":
        digits = zone[1:].replace(":", "")
        offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        moment = moment - offset if zone[0] == "+" else moment + offset
    return moment.replace(tzinfo=UTC)


class _UTC(datetime.tzinfo):
    def utcoffset(self, dt):
        return datetime.timedelta(0)

    def tzname(self, dt):
        return "UTC"

    def dst(self, dt):
        return datetime.timedelta(0)


UTC = _UTC()


def api_time(moment):
    """The guide's form, ``YYYY-MM-DDThh:mm:ss.000Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def window(start_date=None, end_date=None, minutes=60, now=None):
    """(start, end) aware UTC datetimes from the options."""
    end = parse_time(end_date, "end_date") if end_date else (now or datetime.datetime.now(UTC))
    start = parse_time(start_date, "start_date") if start_date else end - datetime.timedelta(minutes=minutes)
    if start >= end:
        raise TrackingError("start_date (%s) must be before end_date (%s)" % (api_time(start), api_time(end)))
    if end - start > datetime.timedelta(hours=MAX_HOURS):
        raise TrackingError("the window is longer than 31 days; split it")
    return start, end


def query_string(start, end, subject=None, subject_match="contains", sender=None, recipient=None, message_id=None,
                 mid=None, offset=0, limit=100, cisco_host="All_Hosts"):
    """The query of ``GET .../message-tracking/messages`` (parameter order as the guide shows the window first)."""
    params = [("startDate", api_time(start)), ("endDate", api_time(end)), ("searchOption", "messages"),
              ("ciscoHost", cisco_host), ("offset", str(offset)), ("limit", str(limit))]
    if sender:
        params += [("envelopeSenderfilterOperator", "is"), ("envelopeSenderfilterValue", sender)]
    if recipient:
        params += [("envelopeRecipientfilterOperator", "is"), ("envelopeRecipientfilterValue", recipient)]
    if subject:
        if subject_match not in OPERATORS:
            raise TrackingError("subject_match must be one of %s" % ", ".join(OPERATORS))
        params += [("subjectfilterOperator", subject_match), ("subjectfilterValue", subject)]
    if message_id:
        params.append(("messageIdHeader", message_id))
    if mid is not None:
        params.append(("ciscoMid", str(mid)))
    return "&".join("%s=%s" % (key, quote(value, safe=":")) for key, value in params)


def _first(value):
    if isinstance(value, dict):
        return next(iter(value.values()), None) if value else None
    if isinstance(value, list):
        return value[0] if value else None
    return value


def normalise(item):
    """One ``data`` row -> the module's message dict."""
    attrs = item.get("attributes", item) if isinstance(item, dict) else {}
    mids = attrs.get("mid") or []
    if not isinstance(mids, list):
        mids = [mids]
    recipients = attrs.get("recipient") or []
    if not isinstance(recipients, list):
        recipients = [recipients]
    return {
        "mid": mids[0] if mids else None,
        "mids": mids,
        "icid": attrs.get("icid"),
        "status": _first(attrs.get("messageStatus")),
        "timestamp": attrs.get("timestamp"),
        "sender": attrs.get("sender"),
        "recipients": recipients,
        "subject": attrs.get("subject"),
        "message_id": _first(attrs.get("messageID")),
        "sender_ip": attrs.get("senderIp"),
        "host": attrs.get("hostName"),
    }


class TrackingClient(object):
    """One client per module run: HTTPS, Basic auth (or a JWT from ``/login``), TLS verified unless told not to."""

    def __init__(self, host, username, password, port=6443, appliance="esa", auth="basic", validate_certs=True,
                 ca_path=None, timeout=30, scheme="https", opener=None):
        self.base = "%s://%s:%s%s" % (scheme, host, port, PREFIXES[appliance])
        self.username = username
        self.password = password
        self.auth = auth
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = timeout
        self.calls = 0
        self._token = None
        self._open = opener or open_url

    def _request(self, method, path, headers=None, data=None):
        self.calls += 1
        try:
            response = self._open(self.base + path, method=method, headers=headers or {}, data=data,
                                  validate_certs=self.validate_certs, ca_path=self.ca_path, timeout=self.timeout,
                                  follow_redirects="none")
            body = response.read()
        except HTTPError as exc:
            detail = ""
            try:
                detail = json.loads(exc.read()).get("error", {}).get("message", "")
            except Exception:  # pylint: disable=broad-except
                pass
            if exc.code == 401:
                raise TrackingError("%s %s: 401, the AsyncOS API refused the user %r (password or role)%s"
                                    % (method, path.split("?")[0], self.username, ": " + detail if detail else ""))
            raise TrackingError("%s %s: HTTP %s%s" % (method, path.split("?")[0], exc.code,
                                                      ": " + detail if detail else ""))
        except URLError as exc:
            raise TrackingError("cannot reach the AsyncOS API at %s: %s" % (self.base, exc.reason))
        # ssl errors, timeouts
        except Exception as exc:  # pylint: disable=broad-except
            raise TrackingError("cannot reach the AsyncOS API at %s: %s" % (self.base, exc))
        try:
            return json.loads(body)
        except ValueError:
            raise TrackingError("%s %s: the answer is not JSON" % (method, path.split("?")[0]))

    def _auth_headers(self):
        if self.auth == "jwt":
            if self._token is None:
                body = json.dumps({"data": {
                    "userName": base64.b64encode(self.username.encode()).decode(),
                    "passphrase": base64.b64encode(self.password.encode()).decode()}})
                answer = self._request("POST", "/login", {"Content-Type": "application/json"}, body)
                self._token = ((answer or {}).get("data") or {}).get("jwtToken")
                if not self._token:
                    raise TrackingError("POST /login: no jwtToken in the answer")
            return {"jwtToken": self._token}
        credentials = base64.b64encode(("%s:%s" % (self.username, self.password)).encode()).decode()
        return {"Authorization": "Basic " + credentials}

    def messages(self, start, end, page_size=100, max_results=1000, **filters):
        """All matching messages (following ``offset``/``limit`` pages); returns (messages, total, truncated)."""
        found, offset, total = [], 0, 0
        while True:
            limit = min(page_size, max_results - len(found))
            query = query_string(start, end, offset=offset, limit=limit, **filters)
            answer = self._request("GET", "/message-tracking/messages?" + query, self._auth_headers())
            rows = (answer or {}).get("data") or []
            total = ((answer or {}).get("meta") or {}).get("totalCount", len(rows))
            found.extend(normalise(row) for row in rows)
            offset += len(rows)
            if not rows or offset >= total or len(rows) < limit:
                return found, total, False
            if len(found) >= max_results:
                return found, total, True
