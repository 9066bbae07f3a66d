# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""exo_transport_rule: argument spec and entry point.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import transport_rules
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.common import MUTUALLY_EXCLUSIVE, ExoModule, argument_spec


def rule_spec():
    spec = argument_spec(name=dict(type="str", required=True),
                         state=dict(type="str", default="present", choices=["present", "absent"]),
                         enabled=dict(type="bool"), priority=dict(type="int"),
                         allow_no_conditions=dict(type="bool", default=False))
    spec.update(transport_rules.options())
    return spec, dict(mutually_exclusive=MUTUALLY_EXCLUSIVE)


def run(module):
    ExoModule(module, transport_rules.precheck).run(transport_rules.ensure)
