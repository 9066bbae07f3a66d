# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SSH connection failures, told in words a user can act on.

This module is PRIVATE to the collection. It can change at any time.

ansible.netcommon's network_cli logs in lazily, at the first request of a task, and its errors (from libssh or
paramiko) reach the module as ``ansible.module_utils.connection.ConnectionError`` with the transport's own text:
"Failed to authenticate public key" for a refused password, a SHA1 or MD5 fingerprint for an unknown host key,
"host key mismatch" for a changed one. ``explain(text, context)`` is the one place that turns such a text into a
message that names the user, host and port, says what was refused and what to check. ``context`` comes from the
cliconf plugin (``connection_context``): host, port, user, ssh_type, proxy_command, known_hosts, connect_timeout,
password/key in use, and, for host key failures, the key the appliance presents (``host_key``).

Pure functions, no Ansible imports: unit-tested in tests/unit/plugins/module_utils/_esa/test_connection_errors.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import re

AUTH = "auth"
HOST_KEY_UNKNOWN = "host_key_unknown"
HOST_KEY_CHANGED = "host_key_changed"
UNREACHABLE = "unreachable"
PROXY = "proxy"

_AUTH_RE = re.compile(r"failed to authenticate|authentication failed|access denied|permission denied|"
                      r"no authentication methods|auth(entication)? (was )?refused", re.I)
_UNKNOWN_RE = re.compile(r"authenticity of host .* can't be established|host is unknown|"
                         r"not (found )?in (either )?(the )?(system or local )?known.?host|server is unknown", re.I)
_CHANGED_RE = re.compile(r"host key mismatch|host key (for server )?(has )?changed|host key .*does not match|"
                         r"remote host identification has changed|bad ?host ?key", re.I)
_RESOLVE_RE = re.compile(r"name or service not known|nodename nor servname|could not resolve|"
                         r"temporary failure in name resolution|no address associated|getaddrinfo", re.I)
_TIMEOUT_RE = re.compile(r"timed? ?out|timeout", re.I)
_REFUSED_RE = re.compile(r"connection refused|unable to connect to port", re.I)
_NETWORK_RE = re.compile(r"no route to host|network is unreachable|host is unreachable|connection reset|"
                         r"socket error|connection closed by|broken pipe|ssh connect failed|eof", re.I)
# failures of a session that was up: not this module's business
# (and failures of the local persistent-connection socket, not of the appliance)
_SESSION_RE = re.compile(r"command timeout|idle timeout|while waiting for a prompt|channel closed|socket.?path|"
                         r"connect to socket", re.I)
# a hex fingerprint (SHA1 or MD5, with or without colons) or an OpenSSH style "SHA1:base64"
_HEX_FP_RE = re.compile(r"\b((?:[0-9a-f]{2}:){15,31}[0-9a-f]{2}|[0-9a-f]{32}|[0-9a-f]{40})\b", re.I)
_B64_FP_RE = re.compile(r"\b(MD5|SHA1|SHA256):([A-Za-z0-9+/=:]+)")


def classify(text, context=None):
    """The kind of failure in the transport's ``text`` (AUTH, HOST_KEY_UNKNOWN, HOST_KEY_CHANGED, UNREACHABLE,
    PROXY) or None when it is not a failure to set up the SSH connection (a command timeout, a session dropped
    after the login: ``context["connected"]`` is true then)."""
    text = text or ""
    context = context or {}
    if context.get("connected") or _SESSION_RE.search(text):
        return None
    if _CHANGED_RE.search(text):
        return HOST_KEY_CHANGED
    if _UNKNOWN_RE.search(text):
        return HOST_KEY_UNKNOWN
    if _AUTH_RE.search(text):
        return AUTH
    if _RESOLVE_RE.search(text) or _REFUSED_RE.search(text) or _TIMEOUT_RE.search(text) or _NETWORK_RE.search(text):
        # through a proxy command, the socket is the proxy's stdin/stdout: any of these is the proxy's failure
        return PROXY if context.get("proxy_command") else UNREACHABLE
    return None


def sha256_fingerprint(key_blob):
    """OpenSSH's form of a public key's fingerprint: ``SHA256:`` and unpadded base64 of the key blob's SHA-256."""
    if not isinstance(key_blob, bytes):
        key_blob = base64.b64decode(key_blob)
    return "SHA256:" + base64.b64encode(hashlib.sha256(key_blob).digest()).decode("ascii").rstrip("=")


def legacy_fingerprints(key_blob):
    """The SHA1 and MD5 forms libssh and paramiko print, normalised to lower-case hex without colons."""
    return set([hashlib.sha1(key_blob).hexdigest(), hashlib.md5(key_blob).hexdigest()])  # nosec - display only


def reported_fingerprints(text):
    """The fingerprints a transport's message shows (lower-case hex without colons)."""
    found = set(m.replace(":", "").lower() for m in _HEX_FP_RE.findall(text or ""))
    for algo, value in _B64_FP_RE.findall(text or ""):
        if algo == "SHA256":
            continue
        try:
            found.add(base64.b64decode(value + "=" * (-len(value) % 4)).hex())
        except (ValueError, TypeError):
            pass
    return found


def _target(context):
    if not context.get("host"):
        return "the appliance"
    return "%s:%s" % (context["host"], context.get("port") or 22)


def _port(context):
    return context.get("port") or 22


def _keyscan(context):
    return "ssh-keyscan -p %s %s | ssh-keygen -lf -" % (_port(context), context.get("host") or "HOST")


def _known_hosts_name(context):
    host = context.get("host") or "HOST"
    return host if str(_port(context)) == "22" else "[%s]:%s" % (host, _port(context))


def _known_hosts(context):
    files = context.get("known_hosts") or ["~/.ssh/known_hosts"]
    if not isinstance(files, (list, tuple)):
        files = [files]
    return list(files)


def _presented_key(text, context):
    """The sentence about the key the appliance presents, in SHA256, or how to read it."""
    key = context.get("host_key") or {}
    if key.get("blob"):
        try:
            blob = base64.b64decode(key["blob"])
        except (ValueError, TypeError):
            blob = None
        if blob:
            fingerprint = sha256_fingerprint(blob)
            reported = reported_fingerprints(text)
            if reported and not reported & legacy_fingerprints(blob):
                # the key read now is not the one the failed login saw: do not vouch for it
                return ("A second look at %s found a different key (%s %s) from the one the login saw; check the "
                        "path to the appliance." % (_target(context), key.get("type") or "host", fingerprint))
            return "The appliance presents the %s key %s." % (key.get("type") or "host", fingerprint)
    return "The SHA256 fingerprint of its key could not be read here."


def _tail(text, context):
    transport = context.get("ssh_type") or "ssh"
    return " (%s said: %s)" % (transport, " ".join((text or "").split()))


def _auth(text, context):
    user = context.get("user") or "(ansible_user)"
    if context.get("private_key_file") and not context.get("password_set"):
        what = "the key %s was refused" % context["private_key_file"]
        check = ("Check that ansible_ssh_private_key_file is the key whose public half is installed for %r on the "
                 "appliance (AsyncOS: userconfig > sshconfig), and its passphrase" % user)
    elif context.get("password_set") is False:
        what = "no password was given and no key was accepted"
        check = "Set ansible_password (or ansible_ssh_private_key_file) for this host"
    else:
        what = "the password was refused"
        check = ("Check ansible_user and ansible_password for this host (a vault variable that did not decrypt, or "
                 "a password changed on the appliance, are the usual causes), that the account is not locked or "
                 "expired, and try it by hand: ssh -p %s %s@%s" % (_port(context), user, context.get("host") or "HOST"))
    return "SSH authentication failed for user %r at %s: %s. %s.%s" % (
        user, _target(context), what, check, _tail(text, context))


def _host_key(kind, text, context):
    files = _known_hosts(context)
    name = _known_hosts_name(context)
    check = "Check the fingerprint from a trusted path (the appliance's console, or your records): %s" % _keyscan(context)
    if kind == HOST_KEY_CHANGED:
        head = ("The SSH host key of %s has CHANGED: it does not match the entry for %s in %s. %s This happens when "
                "the appliance was replaced, reinstalled or re-keyed, or when something intercepts the connection." %
                (_target(context), name, " or ".join(files), _presented_key(text, context)))
        fix = ("Only when it is the appliance's new key: ssh-keygen -R '%s' -f %s, then add the new key "
               "(ssh-keyscan -p %s %s >> %s)." % (name, files[0], _port(context), context.get("host") or "HOST",
                                                  files[0]))
    else:
        head = ("The SSH host key of %s is unknown: host key checking is on and %s has no entry for %s. %s" %
                (_target(context), " or ".join(files), name, _presented_key(text, context)))
        fix = ("When it matches, add it: ssh-keyscan -p %s %s >> %s (or set ansible_host_key_checking: false, "
               "for a lab only)." % (_port(context), context.get("host") or "HOST", files[0]))
    return "%s %s. %s%s" % (head, check, fix, _tail(text, context))


def _timeout(context):
    value = context.get("connect_timeout")
    return ("%s s (ansible_connect_timeout)" % value) if value else "the connect timeout"


def _unreachable(text, context):
    host = context.get("host") or "HOST"
    if _RESOLVE_RE.search(text):
        why = "the host name %r does not resolve" % host
        check = "Check ansible_host (a name this controller's DNS knows, or an address)"
    elif _REFUSED_RE.search(text):
        why = "the connection was refused (nothing listens on port %s, or a firewall rejects it)" % _port(context)
        check = ("Check ansible_host and ansible_port (AsyncOS serves SSH on port 22 unless it was changed), that "
                 "SSH is enabled on the interface (interfaceconfig), and that this controller may reach it: "
                 "nc -vz %s %s" % (host, _port(context)))
    elif _TIMEOUT_RE.search(text):
        why = "no answer within %s" % _timeout(context)
        check = ("Check the address, the route and firewalls between this controller and the appliance "
                 "(nc -vz %s %s), or raise ansible_connect_timeout for a slow link" % (host, _port(context)))
    else:
        why = "the network connection failed"
        check = "Check ansible_host, ansible_port and the route to the appliance: nc -vz %s %s" % (host, _port(context))
    return "Could not reach the appliance at %s: %s; connect timeout %s. %s.%s" % (
        _target(context), why, _timeout(context), check, _tail(text, context))


def _proxy(text, context):
    command = context.get("proxy_command") or ""
    variable = context.get("proxy_variable") or "ansible_libssh_proxy_command"
    shown = command
    for find, replace in (("%h", context.get("host") or "HOST"), ("%p", _port(context)),
                          ("%r", context.get("user") or "USER")):
        shown = shown.replace(find, str(replace))
    return ("Could not connect to %s through the SSH proxy command %r (%s): the proxy ended or closed the "
            "connection before the appliance answered. Run the proxy command by hand to see its error: %s ; check "
            "the proxy's host name, its user and key, and that the proxy may reach %s (see the collection's "
            "docs/ces-ssh-proxy.md). Connect timeout: %s.%s" % (
                _target(context), command, variable, shown, _target(context), _timeout(context), _tail(text, context)))


def explain(text, context=None):
    """The user's message for the transport's ``text``, or None when ``text`` is not a connection failure."""
    context = context or {}
    kind = classify(text, context)
    if kind == AUTH:
        return _auth(text, context)
    if kind in (HOST_KEY_UNKNOWN, HOST_KEY_CHANGED):
        return _host_key(kind, text, context)
    if kind == PROXY:
        return _proxy(text, context)
    if kind == UNREACHABLE:
        return _unreachable(text, context)
    return None


def read_host_key(host, port, timeout=10, proxy_command=None):
    """The key an SSH server presents: dict(type, blob (base64)) or None. Reads only the public host key (like
    ssh-keyscan), never logs in. Needs paramiko; returns None without it or on any failure."""
    try:
        import paramiko  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    sock = None
    transport = None
    try:
        if proxy_command:
            sock = paramiko.ProxyCommand(proxy_command)
        else:
            import socket  # pylint: disable=import-outside-toplevel
            sock = socket.create_connection((host, int(port)), timeout=timeout)
        transport = paramiko.Transport(sock)
        transport.banner_timeout = timeout
        transport.start_client(timeout=timeout)
        key = transport.get_remote_server_key()
        return dict(type=key.get_name(), blob=key.get_base64())
    except Exception:  # pylint: disable=broad-except
        return None
    finally:
        if transport is not None:
            transport.close()
        elif sock is not None:
            sock.close()
