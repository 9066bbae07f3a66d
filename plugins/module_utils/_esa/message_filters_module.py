# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""esa_message_filters: argument spec and entry point.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import config_xml, hat, relay_guard
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import message_filters as mf
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.table_module import (
    TableSpec, argument_spec, required_if, run_table_module)

ARGUMENT_SPEC = argument_spec(dict(
    name=dict(type="str", required=True),
    body=dict(type="str"),
    active=dict(type="bool"),
))
ARGUMENT_SPEC.update(
    secrets=dict(type="list", elements="str", no_log=True, default=[]),
    allow_open_relay=dict(type="bool", default=False),
)
REQUIRED_IF = required_if()


def _to_diff(entries):
    return dict((e["name"], dict(body=e.get("body"), active=e.get("active"))) for e in entries)


def _might_guard(entry):
    body = entry.get("body") or ""
    return "sendergroup" in body and re.search(r"\bheader\(", body) and re.search(r"\bdrop\(\)", body)


def relaying_groups(xml_text):
    """(groups, policies) of every listener's HAT, for the guard."""
    groups, policies = [], {}
    root = config_xml._root(xml_text)
    for listener in root.iter("listener"):
        table = hat.parse(listener.findtext("hat") or "")
        for policy in table["policies"]:
            policies[policy["name"]] = policy["behavior"]
        groups += table["sender_groups"]
    return groups, policies


def _guard(module):
    def guard(client, have, after):
        after_by_name = dict((e["name"], e) for e in after)
        weakened = [e for e in have if _might_guard(e) and e["active"] and (
            e["name"] not in after_by_name or not after_by_name[e["name"]].get("active")
            or after_by_name[e["name"]].get("body") != e.get("body"))]
        if not weakened or module.params["allow_open_relay"]:
            return []
        groups, policies = relaying_groups(config_xml.read(client))
        return relay_guard.check(groups, policies, after)
    return guard


def run(module):
    spec = TableSpec(mf.MessageFilters(), mf.COMMAND, "Message filters", mf.normalise_entry, _to_diff,
                     secrets=module.params["secrets"], guard=_guard(module))
    run_table_module(module, spec)
