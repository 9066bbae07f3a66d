"""The lab Exchange's fault kinds of the fault suite (``python -m lab exo fault --bad-body N --drop N
--write-http-500 N --lost-answer N``; lab/exo/store.py CALL_FAULT_KEYS, WRITE_FAULT_KEYS), over real HTTPS."""

import http.client
import json
import os
import ssl
import subprocess
import sys
import urllib.parse

import pytest

from conftest import ROOT
from lab.exo import cli as exo_cli
from lab.exo.store import CALL_FAULT_KEYS, WRITE_FAULT_KEYS, ExoStore


def test_take_fault_of_uses_one_call_per_take(tmp_path):
    store = ExoStore(str(tmp_path))
    store.update_faults(drop=2, lost_answer=1, http_429=1)
    assert store.take_fault_of(CALL_FAULT_KEYS) == "drop"
    assert store.take_fault_of(WRITE_FAULT_KEYS) == "lost_answer"
    assert store.take_fault_of(WRITE_FAULT_KEYS) is None
    assert store.take_fault_of(CALL_FAULT_KEYS) == "drop"
    assert store.take_fault_of(CALL_FAULT_KEYS) is None
    assert store.faults() == {"http_429": 1}, "the status faults are another queue"


@pytest.fixture(scope="module", name="exo")
def exo_fixture(tmp_path_factory):
    state = str(tmp_path_factory.mktemp("exo-faults"))
    info = exo_cli.up(state, port=0, quiet=True)
    try:
        yield Client(state, info)
    finally:
        exo_cli.down(state, quiet=True)


class Client:
    """Token + InvokeCommand over HTTPS with the lab CA (what the modules do, without msal/requests)."""

    def __init__(self, state, info):
        self.state = state
        self.info = info
        self.store = ExoStore(state)
        self.context = ssl.create_default_context(cafile=os.path.join(state, "exo_ca.pem"))
        apps = self.store.apps()
        secret = apps["apps"][info["client_id"]]["secret"]
        body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": info["client_id"],
                                       "client_secret": secret, "scope": "https://outlook.office365.com/.default"})
        status, data = self._post(urllib.parse.urlsplit(info["token_endpoint"]).path, body,
                                  "application/x-www-form-urlencoded")
        assert status == 200, data
        self.token = json.loads(data)["access_token"]

    def _post(self, path, body, content_type, headers=None):
        conn = http.client.HTTPSConnection("127.0.0.1", self.info["port"], context=self.context, timeout=10)
        try:
            conn.request("POST", path, body=body, headers=dict({"Content-Type": content_type}, **(headers or {})))
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def invoke(self, cmdlet, **parameters):
        body = json.dumps({"CmdletInput": {"CmdletName": cmdlet, "Parameters": parameters}})
        return self._post(urllib.parse.urlsplit(self.info["invoke_url"]).path, body, "application/json",
                          {"Authorization": "Bearer " + self.token})

    def fault(self, *args):
        subprocess.run([sys.executable, "-m", "lab", "exo", "fault", "--clear"] + list(args) + ["--state-dir", self.state],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)

    def names(self):
        return [c["Name"] for c in self.store.read_tenant().get("inbound_connectors") or []]


NEW = dict(Name="Lab fault", SenderDomains=["example.org"], SenderIPAddresses=["192.0.2.0/24"])


def test_bad_body_answers_200_with_html_and_runs_nothing(exo):
    exo.fault("--bad-body", "1")
    status, body = exo.invoke("New-InboundConnector", **NEW)
    assert status == 200 and body.startswith(b"<html>")
    assert "Lab fault" not in exo.names()
    status, body = exo.invoke("Get-InboundConnector")
    assert status == 200 and "value" in json.loads(body), "one call only"


def test_drop_closes_the_connection_without_an_answer(exo):
    exo.fault("--drop", "1")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, ssl.SSLError)):
        exo.invoke("Get-InboundConnector")
    assert exo.invoke("Get-InboundConnector")[0] == 200


def test_write_http_500_spares_reads_and_runs_no_write(exo):
    exo.fault("--write-http-500", "1")
    assert exo.invoke("Get-InboundConnector")[0] == 200, "reads are not faulted"
    writes = exo.store.counters()["writes"]
    status, _body = exo.invoke("New-InboundConnector", **NEW)
    assert status == 500
    assert exo.store.counters()["writes"] == writes and "Lab fault" not in exo.names()


def test_lost_answer_runs_the_write_then_closes_the_connection(exo):
    exo.fault("--lost-answer", "1")
    writes = exo.store.counters()["writes"]
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, ssl.SSLError)):
        exo.invoke("New-InboundConnector", **dict(NEW, Name="Lab lost answer"))
    assert "Lab lost answer" in exo.names()
    assert exo.store.counters()["writes"] == writes + 1
    assert exo.invoke("Remove-InboundConnector", Identity="Lab lost answer")[0] == 200
