# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""esa_smtp_routes: argument spec and entry point.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import smtp_routes
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.table_module import (
    TableSpec, argument_spec, required_if, run_table_module)

ARGUMENT_SPEC = argument_spec(dict(
    domain=dict(type="str", required=True),
    destinations=dict(type="list", elements="dict", options=dict(
        host=dict(type="str", required=True),
        port=dict(type="int"),
        priority=dict(type="int"),
    )),
))
REQUIRED_IF = required_if()


def _normalise(entry, index):
    try:
        return smtp_routes.normalise_route(entry, index)
    except smtp_routes.RouteError as exc:
        raise ValueError(str(exc))


def _to_diff(routes):
    return dict((r["domain"], [smtp_routes.destination_to_text(d) for d in r["destinations"]]) for r in routes)


SPEC = TableSpec(smtp_routes, smtp_routes.COMMAND, "SMTP routes", _normalise, _to_diff)


def run(module):
    run_table_module(module, SPEC)
