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

from ansible_collections.mailops.secure_email.plugins.module_utils._esa.client import EsaClient, EsaError, validate_cluster_mode
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import DialogueError, Rule
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.table_module import pending_facts

COMMAND = "sslconfig"
METHODS = ("TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3")
CIPHER_RE = re.compile(r"^[A-Za-z0-9+!:@=_.-]+$")

ARGUMENT_SPEC = dict(
    ciphers=dict(type="str", required=True),
    methods=dict(type="list", elements="str"),
    commit=dict(type="bool", default=True),
    comment=dict(type="str", default="Changed by mailops.secure_email"),
    cluster_mode=dict(type="str"),
)


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


def read_rules():
    return [Rule(r"- OUTBOUND -", "", menu=True, name="sslconfig menu")]


def write_rules(methods, ciphers):
    return [Rule(r"- OUTBOUND -", ["OUTBOUND", ""], menu=True, name="sslconfig menu"),
            Rule(r"TLS methods to enable for Outbound SMTP", ", ".join(methods), name="outbound methods"),
            Rule(r"outbound SMTP ssl cipher", ciphers, name="outbound ciphers")]


def run(module):
    params = module.params
    try:
        validate(params["ciphers"], params["methods"])
        mode = validate_cluster_mode(params["cluster_mode"])
        client = EsaClient(module)
        client.cluster_mode(mode)
        before = parse(client.dialogue(COMMAND, read_rules())["output"])
        after = dict(methods=params["methods"] or before["methods"], ciphers=params["ciphers"])
        changed = before != after
        result = dict(changed=changed, before=before, after=after)
        if module._diff:
            result["diff"] = dict(before=before, after=after)
        if changed and not module.check_mode:
            client.dialogue(COMMAND, write_rules(after["methods"] or ["TLSv1.2"], after["ciphers"]), write=True,
                            label="TLS ciphers: outbound %s" % after["ciphers"])
            if params["commit"]:
                result["committed"] = bool(client.commit(params["comment"]).get("committed"))
                result["ansible_facts"] = pending_facts(client.session, [])
            else:
                state = client.state()
                result["ansible_facts"] = pending_facts(state["session"], state["pending"])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    except (EsaError, DialogueError) as exc:
        if "client" in locals():
            client.discard()
        module.fail_json(msg="TLS ciphers: %s" % exc.message)
    module.exit_json(**result)
