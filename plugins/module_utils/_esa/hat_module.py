# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""esa_sender_groups and esa_mail_flow_policies: argument specs, entry points and the open-relay guard.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import mail_flow_policies as mfp
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import relay_guard
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import sender_groups as sg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.message_filters import read_filters
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.table_module import (
    TableSpec, argument_spec, required_if, run_table_module)

SENDER_GROUPS_SPEC = argument_spec(dict(
    name=dict(type="str", required=True),
    members=dict(type="list", elements="str"),
    sbrs=dict(type="raw"),
    policy=dict(type="str"),
    comment=dict(type="str"),
    dns_verification=dict(type="list", elements="str", choices=list(sg.DNS_VERIFICATION)),
))
PLANNED_FILTERS = dict(type="list", elements="dict", default=[], options=dict(
    name=dict(type="str", required=True),
    body=dict(type="str"),
    active=dict(type="bool", default=True),
))
SENDER_GROUPS_SPEC.update(
    listener=dict(type="str", required=True),
    confirm_overridden=dict(type="bool", default=False),
    allow_open_relay=dict(type="bool", default=False),
    planned_filters=PLANNED_FILTERS,
)

LEVEL_CHOICES = list(mfp.LEVELS)
POLICIES_SPEC = argument_spec(dict(
    name=dict(type="str", required=True),
    behavior=dict(type="str", choices=sorted(mfp.BEHAVIORS)),
    parameters=dict(type="dict", options=dict(
        max_message_size=dict(type="raw"),
        max_concurrency=dict(type="int"),
        max_messages_per_connection=dict(type="int"),
        max_recipients_per_message=dict(type="int"),
        max_recipients_per_hour=dict(type="int"),
        dhap_limit=dict(type="int"),
        senderbase_flow_control=dict(type="bool"),
        anti_spam=dict(type="bool"),
        anti_virus=dict(type="bool"),
        tls=dict(type="str", choices=LEVEL_CHOICES),
        verify_client_certificate=dict(type="bool"),
        smtp_auth=dict(type="str", choices=LEVEL_CHOICES),
        require_tls_for_smtp_auth=dict(type="bool"),
    )),
    comment=dict(type="str"),
))
POLICIES_SPEC.update(
    listener=dict(type="str", required=True),
    allow_open_relay=dict(type="bool", default=False),
    planned_filters=PLANNED_FILTERS,
)
REQUIRED_IF = required_if()


def _problems(groups, policies, filters):
    behaviors = dict((p["name"], (p.get("behavior") or "").upper()) for p in policies)
    return relay_guard.check(mfp.guard_groups(groups), behaviors, filters)


def make_guard(module, groups_of, policies_of):
    """The open-relay guard (ARCHITECTURE section 1): the listener's HAT after the change, with the filters on the
    appliance (committed or pending). ``groups_of(have, after)`` / ``policies_of(have, after)`` give the two halves."""

    def guard(client, have, after):
        filters = read_filters(client)
        if getattr(module, "check_mode", False):
            # In check mode an earlier task's filter is not on the appliance; the play says it adds it.
            # In a real run only the appliance's view (committed or pending) counts.
            filters += [f for f in module.params.get("planned_filters") or [] if f.get("body")]
        problems = _problems(groups_of(after), policies_of(after), filters)
        if not problems:
            return []
        already = set(_problems(groups_of(have), policies_of(have), filters))
        problems = [("(already on the appliance, kept by this change) " if p in already else "") + p for p in problems]
        if module.params["allow_open_relay"]:
            for problem in problems:
                module.warn("allow_open_relay=true: " + problem)
            return []
        return problems

    return guard


def _groups_label(module):
    return "Sender groups (%s)" % module.params["listener"]


def run_sender_groups(module):
    kind = sg.SenderGroups(module.params["listener"])
    if module.check_mode:
        kind.warn = module.warn
    guard = make_guard(module, lambda entries: entries, lambda dummy: kind.policies or [])
    spec = TableSpec(kind, sg.WRITE_COMMAND, _groups_label(module), sg.normalise_entry, sg.to_diff,
                     confirm_overridden=True, check_read=kind.check_listener, guard=guard)
    run_table_module(module, spec)


def run_mail_flow_policies(module):
    kind = mfp.MailFlowPolicies(module.params["listener"])
    guard = make_guard(module, lambda dummy: kind.groups or [], lambda entries: entries)
    spec = TableSpec(kind, sg.WRITE_COMMAND, "Mail flow policies (%s)" % module.params["listener"], mfp.normalise_entry,
                     mfp.to_diff, check_read=kind.check_listener, guard=guard)
    run_table_module(module, spec)
