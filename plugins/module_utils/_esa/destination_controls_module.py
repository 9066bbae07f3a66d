# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""esa_destination_controls: argument spec and entry point.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import destination_controls as dc
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.bounce_profiles import check_profiles
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.table_module import (
    TableSpec, argument_spec, required_if, run_table_module)

ARGUMENT_SPEC = argument_spec(dict(
    domain=dict(type="str", required=True),
    concurrency_limit=dict(type="int"),
    recipient_limit=dict(type="int"),
    recipient_minutes=dict(type="int"),
    limit_type=dict(type="str", choices=sorted(dc.LIMIT_TYPE)),
    limit_apply=dict(type="str", choices=sorted(dc.LIMIT_APPLY)),
    messages_per_connection=dict(type="int"),
    tls=dict(type="str", choices=sorted(dc.TLS)),
    dane=dict(type="str", choices=sorted(dc.DANE)),
    bounce_verification=dict(type="bool"),
    bounce_profile=dict(type="str"),
    ip_sort=dict(type="str", choices=sorted(dc.IP_SORT)),
))
REQUIRED_IF = required_if()


def _to_diff(entries):
    return dict((e["domain"], dict((f, e[f]) for f in dc.FIELDS if e.get(f) is not None)) for e in entries)


def _preflight(client, want):
    check_profiles(client, [e["bounce_profile"] for e in want if e.get("bounce_profile")])


SPEC = TableSpec(dc, dc.COMMAND, "Destination controls", dc.normalise_entry, _to_diff, preflight=_preflight)


def run(module):
    run_table_module(module, SPEC)
