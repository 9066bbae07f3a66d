# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""exo_inbound_connector and exo_outbound_connector: argument specs and entry points.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import connectors, errors
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.common import MUTUALLY_EXCLUSIVE, ExoModule, argument_spec


def _spec(kind, **extra):
    spec = argument_spec(name=dict(type="str"),
                         state=dict(type="str", default="present", choices=["present", "absent", "parsed"]),
                         running_config=dict(type="raw"), **extra)
    spec.update(connectors.options(kind))
    return spec, dict(mutually_exclusive=MUTUALLY_EXCLUSIVE,
                      required_if=[("state", "present", ["name"]), ("state", "absent", ["name"]),
                                   ("state", "parsed", ["running_config"])])


def inbound_spec():
    return _spec(connectors.INBOUND)


def outbound_spec():
    return _spec(connectors.OUTBOUND, validate=dict(type="dict", options=dict(
        recipients=dict(type="list", elements="str", required=True),
        force=dict(type="bool", default=False))))


def _parsed(module, kind):
    """state=parsed: the export in running_config as module options, without connecting."""
    try:
        result = connectors.parse(kind, module.params["running_config"])
    except errors.ExoError as exc:
        module.fail_json(msg=exc.message, error_class=type(exc).__name__)
    module.exit_json(changed=False, parsed=result)


def _run(module, kind, extra=None):
    if module.params["state"] == "parsed":
        return _parsed(module, kind)
    if module.params.get("running_config") is not None:
        module.fail_json(msg="running_config: used only with state=parsed (state is %s)" % module.params["state"])
    ExoModule(module, lambda params: connectors.precheck(kind, params)).run(
        lambda exo: connectors.ensure(exo, kind, extra))


def run_inbound(module):
    _run(module, connectors.INBOUND)


def run_outbound(module):
    _run(module, connectors.OUTBOUND, connectors.outbound_validation)
