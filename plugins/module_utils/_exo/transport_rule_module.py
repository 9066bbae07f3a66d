# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""exo_transport_rule: argument spec and entry point.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import errors, transport_rules
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.common import MUTUALLY_EXCLUSIVE, ExoModule, argument_spec


def rule_spec():
    spec = argument_spec(name=dict(type="str"),
                         state=dict(type="str", default="present", choices=["present", "absent", "parsed"]),
                         running_config=dict(type="raw"),
                         enabled=dict(type="bool"), priority=dict(type="int"),
                         allow_no_conditions=dict(type="bool", default=False))
    spec.update(transport_rules.options())
    return spec, dict(mutually_exclusive=MUTUALLY_EXCLUSIVE,
                      required_if=[("state", "present", ["name"]), ("state", "absent", ["name"]),
                                   ("state", "parsed", ["running_config"])])


def run(module):
    if module.params["state"] == "parsed":
        try:
            parsed, omitted = transport_rules.parse(module.params["running_config"])
        except errors.ExoError as exc:
            module.fail_json(msg=exc.message, error_class=type(exc).__name__)
        module.exit_json(changed=False, parsed=parsed, omitted_secrets=omitted)
    if module.params.get("running_config") is not None:
        module.fail_json(msg="running_config: used only with state=parsed (state is %s)" % module.params["state"])
    ExoModule(module, transport_rules.precheck).run(transport_rules.ensure)
