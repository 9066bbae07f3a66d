# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""exo_inbound_connector and exo_outbound_connector: argument specs and entry points.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import connectors
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.common import MUTUALLY_EXCLUSIVE, ExoModule, argument_spec


def _spec(kind, **extra):
    spec = argument_spec(name=dict(type="str", required=True),
                         state=dict(type="str", default="present", choices=["present", "absent"]), **extra)
    spec.update(connectors.options(kind))
    return spec, dict(mutually_exclusive=MUTUALLY_EXCLUSIVE)


def inbound_spec():
    return _spec(connectors.INBOUND)


def outbound_spec():
    return _spec(connectors.OUTBOUND, validate=dict(type="dict", options=dict(
        recipients=dict(type="list", elements="str", required=True),
        force=dict(type="bool", default=False))))


def run_inbound(module):
    ExoModule(module).run(lambda exo: connectors.ensure(exo, connectors.INBOUND))


def run_outbound(module):
    ExoModule(module).run(lambda exo: connectors.ensure(exo, connectors.OUTBOUND, connectors.outbound_validation))
