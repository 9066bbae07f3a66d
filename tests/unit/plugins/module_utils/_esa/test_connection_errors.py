# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Failed logins told in the user's terms (connection_errors.py): one test per message shape, with the texts libssh
and paramiko (through ansible.netcommon's network_cli) really give."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import connection_errors as ce
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.client import EsaClient, EsaError

BLOB = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00 " + bytes(range(32))
KEY = dict(type="ssh-ed25519", blob=base64.b64encode(BLOB).decode("ascii"))
SHA256 = "SHA256:" + base64.b64encode(hashlib.sha256(BLOB).digest()).decode("ascii").rstrip("=")
SHA1_HEX = hashlib.sha1(BLOB).hexdigest()
SHA1_B64 = base64.b64encode(hashlib.sha1(BLOB).digest()).decode("ascii").rstrip("=")
MD5_HEX = hashlib.md5(BLOB).hexdigest()

CONTEXT = dict(host="esa1.example.com", port=2222, user="admin", ssh_type="libssh", password_set=True,
               known_hosts=["/home/ops/.ssh/known_hosts", "/etc/ssh/ssh_known_hosts"], connect_timeout=30,
               connected=False)

LIBSSH_AUTH = ("ssh connection failed: Failed to authenticate public key: Access denied for 'password'. "
               "Authentication that can continue: password,publickey")
PARAMIKO_AUTH = "Failed to authenticate: Failed to authenticate: Authentication failed."
LIBSSH_UNKNOWN = ("libssh: The authenticity of host 'esa1.example.com' can't be established due to 'Host is unknown: "
                  "%s'.\nThe ssh-ed25519 key fingerprint is SHA1:%s." % (
                      ":".join(SHA1_HEX[i:i + 2] for i in range(0, 40, 2)), SHA1_B64))
PARAMIKO_UNKNOWN = ("paramiko: The authenticity of host 'esa1.example.com' can't be established. The ssh-ed25519 key "
                    "fingerprint is %s. Set host_key_auto_add=True to add the key and save it to known_hosts, or add "
                    "the key manually." % MD5_HEX)
PARAMIKO_CHANGED = "host key mismatch for esa1.example.com"
LIBSSH_REFUSED = "ssh connection failed: ssh connect failed: Connection refused"
PARAMIKO_REFUSED = "[Errno None] Unable to connect to port 2222 on esa1.example.com"
LIBSSH_TIMEOUT = "ssh connection failed: ssh connect failed: Timeout connecting to esa1.example.com"
PARAMIKO_RESOLVE = "[Errno -2] Name or service not known"
LIBSSH_PROXY = "ssh connection failed: ssh connect failed: Socket error: Connection reset by peer"


def context(**changes):
    result = dict(CONTEXT)
    result.update(changes)
    return result


@pytest.mark.parametrize("text", [LIBSSH_AUTH, PARAMIKO_AUTH])
def test_a_refused_password_names_user_host_port_and_what_to_check(text):
    message = ce.explain(text, context())
    assert message.startswith("SSH authentication failed for user 'admin' at esa1.example.com:2222: "
                              "the password was refused. Check ansible_user and ansible_password")
    assert "ssh -p 2222 admin@esa1.example.com" in message
    assert "public key" not in message.split(" said: ")[0]   # the transport's words only in the quoted tail
    assert message.endswith(" said: %s)" % " ".join(text.split()))


def test_a_refused_key_names_the_key_file():
    message = ce.explain(LIBSSH_AUTH, context(password_set=False, private_key_file="/keys/esa"))
    assert "user 'admin' at esa1.example.com:2222: the key /keys/esa was refused" in message
    assert "ansible_ssh_private_key_file" in message


def test_no_credential_at_all_says_so():
    message = ce.explain(PARAMIKO_AUTH, context(password_set=False))
    assert "no password was given and no key was accepted. Set ansible_password" in message


@pytest.mark.parametrize("text", [LIBSSH_UNKNOWN, PARAMIKO_UNKNOWN])
def test_an_unknown_host_key_shows_the_sha256_fingerprint_and_how_to_check_it(text):
    message = ce.explain(text, context(host_key=KEY))
    assert message.startswith("The SSH host key of esa1.example.com:2222 is unknown: host key checking is on and "
                              "/home/ops/.ssh/known_hosts or /etc/ssh/ssh_known_hosts has no entry for "
                              "[esa1.example.com]:2222.")
    assert "The appliance presents the ssh-ed25519 key %s." % SHA256 in message
    assert "ssh-keyscan -p 2222 esa1.example.com | ssh-keygen -lf -" in message
    assert "ssh-keyscan -p 2222 esa1.example.com >> /home/ops/.ssh/known_hosts" in message


def test_a_changed_host_key_warns_and_shows_how_to_replace_the_entry():
    message = ce.explain(PARAMIKO_CHANGED, context(host_key=KEY, port=22))
    assert message.startswith("The SSH host key of esa1.example.com:22 has CHANGED: it does not match the entry for "
                              "esa1.example.com in /home/ops/.ssh/known_hosts")
    assert SHA256 in message
    assert "intercepts the connection" in message
    assert "ssh-keyscan -p 22 esa1.example.com | ssh-keygen -lf -" in message
    assert "ssh-keygen -R 'esa1.example.com' -f /home/ops/.ssh/known_hosts" in message


def test_a_key_read_later_that_differs_from_the_reported_one_is_not_vouched_for():
    other = dict(type="ssh-rsa", blob=base64.b64encode(b"another key").decode("ascii"))
    message = ce.explain(LIBSSH_UNKNOWN, context(host_key=other))
    assert "found a different key" in message
    assert "The appliance presents" not in message


def test_without_the_key_the_message_says_how_to_read_it():
    message = ce.explain(PARAMIKO_CHANGED, context())
    assert "could not be read here" in message
    assert "ssh-keyscan -p 2222 esa1.example.com | ssh-keygen -lf -" in message


@pytest.mark.parametrize("text, why", [
    (LIBSSH_REFUSED, "the connection was refused (nothing listens on port 2222"),
    (PARAMIKO_REFUSED, "the connection was refused"),
    (LIBSSH_TIMEOUT, "no answer within 30 s (ansible_connect_timeout)"),
    (PARAMIKO_RESOLVE, "the host name 'esa1.example.com' does not resolve"),
    ("[Errno 113] No route to host", "the network connection failed"),
])
def test_an_unreachable_host_names_host_port_and_the_timeout(text, why):
    message = ce.explain(text, context())
    assert message.startswith("Could not reach the appliance at esa1.example.com:2222: " + why)
    assert "connect timeout 30 s (ansible_connect_timeout)" in message


def test_a_failing_proxy_command_names_the_proxy():
    proxy = "ssh -W %h:%p relay@proxy.example.com"
    message = ce.explain(LIBSSH_PROXY, context(proxy_command=proxy, proxy_variable="ansible_libssh_proxy_command"))
    assert message.startswith("Could not connect to esa1.example.com:2222 through the SSH proxy command "
                              "'ssh -W %h:%p relay@proxy.example.com' (ansible_libssh_proxy_command)")
    assert "by hand to see its error: ssh -W esa1.example.com:2222 relay@proxy.example.com ;" in message


def test_an_authentication_failure_through_a_proxy_is_still_the_appliances_refusal():
    assert ce.classify(LIBSSH_AUTH, context(proxy_command="ssh -W %h:%p proxy")) == ce.AUTH


@pytest.mark.parametrize("text, ctx", [
    ("command timeout triggered, timeout value is 30 secs.", {}),
    ("persistent connection idle timeout triggered", {}),
    ("the SSH session to the appliance was closed while waiting for a prompt", {}),
    ("Connection reset by peer", dict(connected=True)),
    ("unable to connect to socket /tmp/pc/abc. See the socket path issue category: [Errno 111] Connection refused",
     {}),
    ("something else entirely", {}),
])
def test_failures_of_a_session_that_was_up_are_left_alone(text, ctx):
    assert ce.explain(text, ctx) is None


def test_fingerprints_in_both_legacy_forms_are_recognised():
    assert ce.reported_fingerprints(LIBSSH_UNKNOWN) == {SHA1_HEX}
    assert ce.reported_fingerprints(PARAMIKO_UNKNOWN) == {MD5_HEX}
    assert ce.legacy_fingerprints(BLOB) == {SHA1_HEX, MD5_HEX}
    assert ce.sha256_fingerprint(KEY["blob"]) == SHA256


def test_read_host_key_of_a_closed_port_is_none():
    assert ce.read_host_key("127.0.0.1", 1, timeout=2) is None


class FailingConnection(object):
    def __init__(self, text, context):
        self.text = text
        self.context = context

    def run_dialogue(self, *args):
        from ansible.module_utils.connection import ConnectionError  # pylint: disable=redefined-builtin
        raise ConnectionError(self.text)

    def connection_context(self):
        if self.context is None:
            from ansible.module_utils.connection import ConnectionError  # pylint: disable=redefined-builtin
            raise ConnectionError("Method not found")
        return self.context


def test_the_client_raises_the_explained_message():
    client = EsaClient(module=None, connection=FailingConnection(LIBSSH_AUTH, context()))
    with pytest.raises(EsaError) as info:
        client.run("version")
    assert info.value.message.startswith("SSH authentication failed for user 'admin' at esa1.example.com:2222")


def test_the_client_keeps_other_failures_and_works_without_a_context():
    client = EsaClient(module=None, connection=FailingConnection("command timeout triggered", None))
    with pytest.raises(EsaError) as info:
        client.run("version")
    assert info.value.message == "connection to the appliance failed during run_dialogue: command timeout triggered"
    client = EsaClient(module=None, connection=FailingConnection(PARAMIKO_AUTH, None))
    with pytest.raises(EsaError) as info:
        client.run("version")
    assert info.value.message.startswith("SSH authentication failed for user '(ansible_user)' at the appliance: the password")
