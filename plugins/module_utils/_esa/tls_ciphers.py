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

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import cluster
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.documents import Document, Source
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import SettingsResource, Snapshot
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.script import Script

COMMAND = "sslconfig"
METHODS = ("TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3")
CIPHER_RE = re.compile(r"^[A-Za-z0-9+!:@=_.-]+$")


def parse(text):
    """{methods, ciphers} of outbound SMTP from the sslconfig settings block."""
    methods = re.search(r"^\s*Outbound SMTP methods?:\s*(.+?)\s*$", text, re.M)
    ciphers = re.search(r"^\s*Outbound SMTP ciphers:\s*(\S+)\s*$", text, re.M)
    if not ciphers:
        raise ValueError("sslconfig did not show the outbound SMTP ciphers")
    return dict(methods=[m.strip() for m in methods.group(1).split(",")] if methods else None, ciphers=ciphers.group(1))


def validate(ciphers, methods):
    if not ciphers or not CIPHER_RE.match(ciphers):
        raise ValueError("ciphers: %r is not an OpenSSL cipher string (letters, digits and + ! : @ = _ . -, no spaces)" % ciphers)
    for method in methods or []:
        if method not in METHODS:
            raise ValueError("methods: %r is not one of %s" % (method, ", ".join(METHODS)))


Q_MENU = r"- OUTBOUND -"
Q_METHODS = r"TLS methods to enable for Outbound SMTP"
Q_CIPHERS = r"outbound SMTP ssl cipher"


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
            .ask(Q_METHODS, ", ".join(settings["methods"] or ["TLSv1.2"])).ask(Q_CIPHERS, settings["ciphers"]) \
            .menu("sslconfig menu", Q_MENU, "")

    def to_diff(self, entries):
        return entries
