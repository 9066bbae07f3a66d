# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The client's retry, Retry-After and header logic, with a fake HTTP session (no network)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import errors
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.client import ExoClient
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.normalise import CLEAR


class FakeResponse(object):
    def __init__(self, status, body=b"", headers=None):
        self.status_code = status
        self.content = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.headers = headers or {}

    def json(self):
        return json.loads(self.content.decode())


class FakeSession(object):
    def __init__(self, responses):
        self.responses = list(responses)
        self.calls = []

    def post(self, url, **kwargs):
        self.calls.append((url, kwargs))
        return self.responses.pop(0)


OK = FakeResponse(200, {"@adminapi.warnings": [], "value": [{"Name": "a", "Name@odata.type": "#String"}]})


def make(responses, **kwargs):
    sleeps = []
    session = FakeSession(responses)
    client = ExoClient("tenant.onmicrosoft.com", "cid", client_secret="x", session=session,
                       token_provider=lambda: "TOKEN", sleep=sleeps.append, ca_path="/lab/ca.pem", **kwargs)
    return client, session, sleeps


def test_headers_body_and_verify_on_every_request():
    client, session, _sleeps = make([OK])
    result = client.invoke("Get-InboundConnector", {"ResultSize": "Unlimited", "Identity": None, "Comment": CLEAR})
    assert result.value == [{"Name": "a"}]
    url, kwargs = session.calls[0]
    assert url == "https://outlook.office365.com/adminapi/beta/tenant.onmicrosoft.com/InvokeCommand"
    assert kwargs["verify"] == "/lab/ca.pem" and kwargs["allow_redirects"] is False
    body = json.loads(kwargs["data"].decode())
    assert body == {"CmdletInput": {"CmdletName": "Get-InboundConnector",
                                    "Parameters": {"ResultSize": "Unlimited", "Comment": None}}}
    headers = kwargs["headers"]
    assert headers["Authorization"] == "Bearer TOKEN" and headers["X-CmdletName"] == "Get-InboundConnector"
    assert headers["X-AnchorMailbox"] == "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@tenant.onmicrosoft.com"
    assert headers["X-ResponseFormat"] == "json"


def test_retry_after_is_honoured_and_capped():
    client, _session, sleeps = make([FakeResponse(429, b"", {"Retry-After": "3"}),
                                     FakeResponse(429, b"", {"Retry-After": "120"}), OK], retry_max_delay=10)
    client.invoke("Get-TransportRule")
    assert sleeps == [3.0, 10]
    assert client.http_calls()["retries"] == 2 and client.http_calls()["invoke"] == 3


def test_backoff_without_retry_after_and_concurrency_text():
    busy = FakeResponse(400, {"error": {"code": "BadRequest", "message": "You have reached the maximum number of "
                                        "concurrent requests per tenant. Please wait and try again."}})
    client, _session, sleeps = make([FakeResponse(503, b"<html>busy</html>"), busy, FakeResponse(504), OK])
    client.invoke("Get-TransportRule")
    assert sleeps == [1.0, 2.0, 4.0]


def test_writes_are_not_retried_on_500():
    client, _session, sleeps = make([FakeResponse(500, {"error": {"message": "Error executing cmdlet"}}), OK])
    with pytest.raises(errors.ExoCmdletError):
        client.invoke("Set-InboundConnector", {"Identity": "x"}, write=True)
    assert sleeps == []


def test_gives_up_after_max_retries():
    client, _session, sleeps = make([FakeResponse(429)] * 3, max_retries=2)
    with pytest.raises(errors.ExoThrottledError) as exc:
        client.invoke("Get-TransportRule")
    assert "gave up after 2 retries" in exc.value.message and len(sleeps) == 2


def test_cmdlet_errors_are_mapped():
    body = {"error": {"code": "BadRequest", "message": "Invalid Operation", "details": [
        {"code": "Client", "target": "", "message": "|System.ArgumentException|The specified rule priority is invalid."}]}}
    client, _session, _sleeps = make([FakeResponse(400, body)])
    with pytest.raises(errors.ExoCmdletError) as exc:
        client.invoke("Set-TransportRule", {"Identity": "r", "Priority": 9}, write=True)
    assert exc.value.message == "Set-TransportRule: The specified rule priority is invalid."


def test_cloud_table_and_authority():
    client = ExoClient("t", "c", client_secret="s", cloud="gcc_high")
    assert client.invoke_url == "https://outlook.office365.us/adminapi/beta/t/InvokeCommand"
    assert client.scope == "https://outlook.office365.us/.default"
    assert client.authority == "https://login.microsoftonline.us/t"
    lab = ExoClient("t", "c", client_secret="s", base_url="https://127.0.0.1:8443/", authority="https://127.0.0.1:8443")
    assert lab.invoke_url == "https://127.0.0.1:8443/adminapi/beta/t/InvokeCommand"
    assert lab.scope == "https://outlook.office365.com/.default"
    assert lab.authority == "https://127.0.0.1:8443/t"
    with pytest.raises(errors.ExoValidationError):
        ExoClient("t", "c", cloud="mars")
