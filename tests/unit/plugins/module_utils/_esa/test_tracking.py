# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AsyncOS API message tracking client (esa_message_tracking)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import io
import json

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import tracking as tr


class _Response(object):
    def __init__(self, body):
        self._body = json.dumps(body).encode()

    def read(self):
        return self._body


class FakeApi(object):
    """Records the calls; answers with pages of ``rows``."""

    def __init__(self, rows, fail=None):
        self.rows = rows
        self.calls = []
        self.fail = fail

    def __call__(self, url, method=None, headers=None, data=None, **kwargs):
        self.calls.append(dict(url=url, method=method, headers=headers, data=data, kwargs=kwargs))
        if self.fail:
            raise self.fail
        if url.endswith("/login"):
            return _Response({"data": {"jwtToken": "tok"}})
        query = dict(item.split("=", 1) for item in url.split("?", 1)[1].split("&"))
        offset, limit = int(query["offset"]), int(query["limit"])
        page = self.rows[offset:offset + limit]
        return _Response({"meta": {"totalCount": len(self.rows)}, "data": page})


def row(mid, status="Delivered"):
    return {"attributes": {"mid": [mid], "icid": mid + 100, "messageStatus": {str(mid): status},
                           "timestamp": "05 Dec 2026 02:00:00 (GMT +00:00)", "sender": "a@b.example",
                           "recipient": ["c@d.example"], "subject": "s%d" % mid, "messageID": {str(mid): "<m%d@x>" % mid},
                           "senderIp": "192.0.2.1", "hostName": "esa1"}}


START = datetime.datetime(2026, 12, 5, 1, 0, tzinfo=tr.UTC)
END = datetime.datetime(2026, 12, 5, 2, 0, tzinfo=tr.UTC)


@pytest.mark.parametrize("text, expected", [
    ("2026-12-05T02:00:00Z", "2026-12-05T02:00:00.000Z"),
    ("2026-12-05T02:00", "2026-12-05T02:00:00.000Z"),
    ("2026-12-05T03:30:00+01:30", "2026-12-05T02:00:00.000Z"),
    ("2026-12-05 01:00:00.123-01:00", "2026-12-05T02:00:00.000Z"),
])
def test_parse_time(text, expected):
    assert tr.api_time(tr.parse_time(text, "end_date")) == expected


def test_parse_time_refuses_garbage():
    with pytest.raises(tr.TrackingError, match="end_date"):
        tr.parse_time("yesterday", "end_date")


def test_window_defaults_and_checks():
    start, end = tr.window(None, "2026-12-05T02:00:00Z", 30)
    assert tr.api_time(start) == "2026-12-05T01:30:00.000Z"
    with pytest.raises(tr.TrackingError, match="before"):
        tr.window("2026-12-05T03:00:00Z", "2026-12-05T02:00:00Z")
    with pytest.raises(tr.TrackingError, match="31 days"):
        tr.window("2026-10-01T00:00:00Z", "2026-12-05T02:00:00Z")


def test_query_string_has_the_documented_window_and_filters():
    query = tr.query_string(START, END, subject="Out test", subject_match="begins_with", sender="a@b.example",
                            recipient="c@d.example", message_id="<m@x>", limit=20)
    assert query.startswith("startDate=2026-12-05T01:00:00.000Z&endDate=2026-12-05T02:00:00.000Z&searchOption=messages")
    assert "offset=0&limit=20" in query
    assert "subjectfilterOperator=begins_with&subjectfilterValue=Out%20test" in query
    assert "envelopeSenderfilterOperator=is&envelopeSenderfilterValue=a%40b.example" in query
    assert "envelopeRecipientfilterValue=c%40d.example" in query
    assert "messageIdHeader=%3Cm%40x%3E" in query
    with pytest.raises(tr.TrackingError):
        tr.query_string(START, END, subject="x", subject_match="like")


def test_messages_follow_pages_and_normalise():
    api = FakeApi([row(n) for n in range(5)])
    client = tr.TrackingClient("esa1", "admin", "pw", opener=api, ca_path="/ca.pem")
    messages, total, truncated = client.messages(START, END, page_size=2)
    assert [m["mid"] for m in messages] == [0, 1, 2, 3, 4] and total == 5 and not truncated
    assert messages[0]["status"] == "Delivered" and messages[0]["message_id"] == "<m0@x>"
    assert client.calls == 3
    first = api.calls[0]
    assert first["url"].startswith("https://esa1:6443/esa/api/v2.0/message-tracking/messages?")
    assert first["headers"]["Authorization"] == "Basic " + base64.b64encode(b"admin:pw").decode()
    assert first["kwargs"]["validate_certs"] is True and first["kwargs"]["ca_path"] == "/ca.pem"


def test_max_results_truncates():
    client = tr.TrackingClient("esa1", "admin", "pw", opener=FakeApi([row(n) for n in range(5)]))
    messages, total, truncated = client.messages(START, END, page_size=2, max_results=3)
    assert len(messages) == 3 and total == 5 and truncated


def test_jwt_logs_in_once_and_sma_prefix():
    api = FakeApi([row(1)])
    client = tr.TrackingClient("sma1", "admin", "pw", appliance="sma", auth="jwt", opener=api)
    client.messages(START, END)
    client.messages(START, END)
    assert [call["method"] for call in api.calls] == ["POST", "GET", "GET"]
    login = json.loads(api.calls[0]["data"])["data"]
    assert base64.b64decode(login["passphrase"]) == b"pw"
    assert api.calls[1]["headers"] == {"jwtToken": "tok"}
    assert "/sma/api/v2.0/message-tracking/messages" in api.calls[1]["url"]


def test_401_names_the_user_not_the_password():
    error = tr.HTTPError("https://esa1", 401, "Unauthorized", {}, io.BytesIO(b'{"error": {"message": "nope"}}'))
    client = tr.TrackingClient("esa1", "admin", "s3cret", opener=FakeApi([], fail=error))
    with pytest.raises(tr.TrackingError) as info:
        client.messages(START, END)
    assert "401" in str(info.value) and "admin" in str(info.value) and "s3cret" not in str(info.value)


def test_unreachable():
    client = tr.TrackingClient("esa1", "admin", "pw", opener=FakeApi([], fail=tr.URLError("refused")))
    with pytest.raises(tr.TrackingError, match="cannot reach"):
        client.messages(START, END)
