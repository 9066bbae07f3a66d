# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""exo_info and exo_message_trace: argument specs and entry points.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import info, inputs
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.common import MUTUALLY_EXCLUSIVE, ExoModule, argument_spec


def info_spec():
    return argument_spec(gather=dict(type="list", elements="str", choices=info.GATHER),
                         unmask_header_values=dict(type="bool", default=False)), \
        dict(mutually_exclusive=MUTUALLY_EXCLUSIVE)


def trace_spec():
    return argument_spec(
        sender_address=dict(type="list", elements="str"),
        recipient_address=dict(type="list", elements="str"),
        message_id=dict(type="list", elements="str"),
        status=dict(type="list", elements="str"),
        subject=dict(type="str"),
        subject_filter_type=dict(type="str", default="Contains", choices=["Contains", "StartsWith", "EndsWith"]),
        start_date=dict(type="str"),
        end_date=dict(type="str"),
        hours=dict(type="int", default=48),
        page_size=dict(type="int", default=1000),
        max_results=dict(type="int", default=5000),
        max_queries=dict(type="int", default=20),
    ), dict(mutually_exclusive=MUTUALLY_EXCLUSIVE)


def run_info(module):
    ExoModule(module).run(info.gather)


def run_trace(module):
    ExoModule(module, inputs.trace_problems).run(info.trace)
