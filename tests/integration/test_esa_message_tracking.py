# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""esa_message_tracking against the lab: a message sent over the lab ESA's SMTP is found through the lab's
AsyncOS API (docs/mail-flow.md)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys
import uuid
from email.message import EmailMessage

import pytest

from conftest import ROOT, Lab, _collections_path

if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from lab.esa import mailflow  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="module")
def mail_lab(tmp_path_factory):
    """A lab of its own (ESA only) with an inbound RAT entry and a route to a sink."""
    lab = Lab(str(tmp_path_factory.mktemp("mail-lab")))
    lab.cli("up", "--esa-port", "0", "--no-dns", "--no-exo")
    sink = mailflow.Sink("exchange").start()
    try:
        listeners = lab.config()["listeners"]
        listeners[0]["rat"].insert(0, {"address": "example.com", "action": "ACCEPT"})
        lab.cli("seed", "--level", "local", "--table", "listeners", "--json", json.dumps(listeners))
        lab.cli("seed", "--level", "local", "--table", "smtp_routes", "--json",
                json.dumps([{"domain": "example.com", "destinations": ["mail.example.com"]}]))
        mailflow.write_next_hops(lab.state_dir, {"mail.example.com": "127.0.0.1:%d" % sink.port})
        with open(os.path.join(lab.state_dir, "lab_vars.json")) as handle:
            lab.vars = json.load(handle)["esa"]
        lab.sink = sink
        yield lab
    finally:
        sink.stop()
        lab.cli("down")


def send(lab, subject, rcpt="bob@example.com"):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "alice@internet.example", rcpt, subject
    msg["Message-ID"] = "<%s@probe.test>" % uuid.uuid4().hex
    msg.set_content("probe\n")
    result = mailflow.send(lab.vars["smtp_port"], "alice@internet.example", [rcpt], msg, client_ip="198.18.0.7",
                           dest_addr="192.0.2.10")
    return msg["Message-ID"], result


def track(lab, tmp_path, **options):
    args = dict(host="127.0.0.1", port=lab.vars["api_port"], password=lab.vars["password"],
                ca_path=lab.vars["api_ca_path"], minutes=10)
    args.update(options)
    out = tmp_path / "result.json"
    playbook = tmp_path / "track.yml"
    playbook.write_text(json.dumps([{
        "hosts": "localhost", "gather_facts": False, "connection": "local",
        "tasks": [
            {"name": "track", "mailops.secure_email.esa_message_tracking": args, "register": "result",
             "ignore_errors": True},
            {"name": "save", "ansible.builtin.copy": {"content": "{{ result | to_json }}", "dest": str(out)}},
        ]}]))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=_collections_path(), ANSIBLE_NOCOLOR="1",
               ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", str(playbook)], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert out.exists(), proc.stdout
    return json.loads(out.read_text()), proc.stdout


def test_sent_message_is_found_by_subject_and_message_id(mail_lab, tmp_path):
    subject = "tracking probe %s" % uuid.uuid4().hex[:8]
    message_id, result = send(mail_lab, subject)
    assert result["data"][0] == 250, result
    assert [item["subject"] for item in mail_lab.sink.received()][-1] == subject
    found, output = track(mail_lab, tmp_path, subject=subject)
    assert not found.get("failed"), output
    assert found["count"] == 1 and found["total_count"] == 1 and found["changed"] is False
    message = found["messages"][0]
    assert message["status"] == "Delivered" and message["mid"] >= 1 and message["recipients"] == ["bob@example.com"]
    assert message["timestamp"].endswith("(GMT +00:00)") and message["message_id"] == message_id
    found, _output = track(mail_lab, tmp_path, message_id=message_id, auth="jwt", sender="alice@internet.example")
    assert [item["mid"] for item in found["messages"]] == [message["mid"]]
    assert found["http_calls"] == 2          # login + one page
    assert mail_lab.vars["password"] not in output


def test_rat_rejected_recipient_is_tracked_as_rejected(mail_lab, tmp_path):
    subject = "rejected probe %s" % uuid.uuid4().hex[:8]
    _message_id, result = send(mail_lab, subject, rcpt="eve@elsewhere.example")
    code, _text = result["refused"]["eve@elsewhere.example"]
    assert code == 550 and result["error"] is None, result
    logged = [entry for entry in mailflow.MailLog(mail_lab.state_dir).entries()
              if "eve@elsewhere.example" in [item["rcpt"] for item in entry.get("rejected_rcpts") or []]]
    assert [entry["status"] for entry in logged] == ["rejected"], (result, logged)
    found, output = track(mail_lab, tmp_path, recipient="eve@elsewhere.example")
    assert [item["status"] for item in found["messages"]] == ["Rejected"], (output, logged)


def test_wrong_password_and_unverified_certificate_fail(mail_lab, tmp_path):
    found, output = track(mail_lab, tmp_path, password="wrong-password")
    assert found["failed"] and "401" in found["msg"] and "wrong-password" not in output
    found, _output = track(mail_lab, tmp_path, ca_path=None)
    assert found["failed"] and "cannot reach" in found["msg"]
