# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Outbound SMTP TLS methods and ciphers (``sslconfig``), guide step S15.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import cluster, dialogue
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.documents import Document, Source
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import SettingsResource, Snapshot
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.script import Script

COMMAND = "sslconfig"
METHODS = ("TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3")
CIPHER_RE = re.compile(r"^[A-Za-z0-9+!:@=_.-]+$")
# one element of the list: an empty one (``a::b``, a leading or trailing colon) is refused by the appliance
CIPHER_ELEMENT_RE = re.compile(r"^[!+-]?[A-Za-z0-9@=_.+-]+$")


_LABEL_RE = re.compile(r"^\s*(?P<label>[A-Za-z][A-Za-z0-9 /()_-]*?)\s*:\s*(?P<value>.*?)\s*$")


def _key(label):
    """A settings label as Cisco's library keys it: lower case, non-word characters as ``_``
    (``Outbound SMTP method`` -> ``outbound_smtp_method``)."""
    return re.sub(r"\W+", "_", label.strip().lower()).strip("_")


def settings(text):
    """{key: value} of the sslconfig settings block (``Label: value`` lines; labels vary in case between
    releases). A label with an empty value followed by indented lines without a label (a cipher list printed
    one per line) gets those lines joined with ``:``."""
    out, current = {}, None
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        # a cipher element: no blanks inside (labels have them); its indentation may be lost after a pager stop
        if current is not None and stripped and CIPHER_RE.match(stripped):
            out[current] = (out[current] + ":" + stripped) if out[current] else stripped
            continue
        current = None
        match = _LABEL_RE.match(line)
        if match and not line.lstrip().startswith("-"):
            key = _key(match.group("label"))
            out.setdefault(key, match.group("value"))
            current = key
            if match.group("value") and not CIPHER_RE.match(match.group("value")):
                current = None
        if not stripped:
            current = None
    return out


def _methods(value):
    """``TLSv1.1, TLSv1.2`` / ``TLS v1.2`` / ``tlsv1_2`` / ``TLS v1/TLS v1.2`` -> ["TLSv1.1", "TLSv1.2"]."""
    versions = dialogue.tls_versions(re.sub(r"(\d)_(\d)", r"\1.\2", value or ""))
    return ["TLSv%s" % v for v in sorted(versions) if v != "ssl"] or None


def parse(text):
    """{methods, ciphers} of outbound SMTP from the sslconfig settings block (docs/asyncos-cli.md §9)."""
    found = settings(text)
    methods = next((v for k, v in found.items() if re.match(r"^outbound_smtp_(ssl_|tls_)?methods?$", k)), None)
    ciphers = next((v for k, v in found.items() if re.match(r"^outbound_smtp_(ssl_|tls_)?ciphers?$", k)), None)
    if not ciphers:
        raise ValueError("sslconfig did not show the outbound SMTP ciphers")
    return dict(methods=_methods(methods) if methods else None, ciphers=ciphers)


def validate(ciphers, methods):
    if not ciphers or not CIPHER_RE.match(ciphers) or not all(CIPHER_ELEMENT_RE.match(e) for e in ciphers.split(":")):
        raise ValueError("ciphers: %r is not an OpenSSL cipher string (elements of letters, digits and + @ = _ . -, each "
                         "optionally prefixed with ! + or -, separated by single colons; no spaces)" % ciphers)
    for method in methods or []:
        if method not in METHODS:
            raise ValueError("methods: %r is not one of %s" % (method, ", ".join(METHODS)))


# sslconfig verbs GUI, INBOUND, OUTBOUND, VERIFY (and three more from 13.8.7); OUTBOUND asks the method as a
# numbered list (``outbound SMTP ssl method``), whose labels differ between releases, then the cipher string
# (``outbound SMTP ssl cipher``); it has no TLS-renegotiation question in any release (Cisco's CLI test library,
# ctor/sslconfig.py, 11.0-14.1; docs/asyncos-cli.md §9).
Q_MENU = r"Choose the operation[\s\S]*\bOUTBOUND\b"
Q_METHODS = r"SMTP ssl method"
Q_CIPHERS = r"SMTP ssl cipher"


def _read_script():
    return Script(COMMAND).menu("sslconfig menu", Q_MENU, "").extend_rules(cluster.read_rules("TLS ciphers"))


SOURCE = Source("sslconfig", _read_script, parse)
DOCUMENT = Document("tls", SOURCE, lambda settings, scope: settings)


class TlsCiphers(SettingsResource):
    """Outbound SMTP TLS methods and ciphers (guide step S15)."""

    name = "tls_ciphers"
    label = "TLS ciphers"
    info_key = "tls_ciphers"
    command = COMMAND
    stored_in = DOCUMENT.prefix

    def want(self, params):
        validate(params["ciphers"], params.get("methods"))
        return dict(ciphers=params["ciphers"], methods=params.get("methods"))

    def normalise(self, entry, index):
        return entry

    def empty(self):
        return Snapshot(dict(methods=None, ciphers=None))

    def parse(self, text):
        return parse(text)

    def describe(self, entry):
        return "outbound %s" % entry["ciphers"]

    def render(self, plan, snapshot):
        settings = plan.after
        return Script(COMMAND).menu("sslconfig menu", Q_MENU, "OUTBOUND") \
            .ask(Q_METHODS, "choose-tls:%s" % ",".join(m[len("TLSv"):] for m in settings["methods"] or ["TLSv1.2"])) \
            .ask(Q_CIPHERS, settings["ciphers"]) \
            .menu("sslconfig menu", Q_MENU, "")

    def to_diff(self, entries):
        return entries
