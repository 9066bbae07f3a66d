# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""esa_recipient_access: argument spec and entry point.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import recipient_access as rat
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.table_module import (
    TableSpec, argument_spec, required_if, run_table_module)

ARGUMENT_SPEC = argument_spec(dict(
    address=dict(type="str", required=True),
    action=dict(type="str", choices=sorted(rat.ACTIONS)),
    smtp_response=dict(type="dict", options=dict(
        code=dict(type="int", required=True),
        text=dict(type="str"),
    )),
    bypass_receiving_control=dict(type="bool"),
    bypass_ldap_accept=dict(type="bool"),
    bypass_call_ahead=dict(type="bool"),
))
ARGUMENT_SPEC.update(
    listener=dict(type="str", required=True),
    confirm_overridden=dict(type="bool", default=False),
)
REQUIRED_IF = required_if()


def _to_diff(entries):
    return dict((e["address"], dict((f, e.get(f)) for f in rat.FIELDS if e.get(f) not in (None, False))) for e in entries)


def run(module):
    kind = rat.RecipientAccess(module.params["listener"])
    spec = TableSpec(kind, rat.WRITE_COMMAND, "Recipient access (%s)" % module.params["listener"], rat.normalise_entry, _to_diff,
                     confirm_overridden=True, check_read=kind.check_listener)
    run_table_module(module, spec)
