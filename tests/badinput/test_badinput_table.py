# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bad-input table itself (no lab): every module has cases, ids are unique, the CLI-injection classes are there."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from badinput_cases import CASES, CONTROL, ROLE_CASES  # pylint: disable=import-error

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, "plugins", "modules")) if name.endswith(".py"))


def test_at_least_150_cases_and_unique_ids():
    ids = [c[0] for c in CASES] + [c[0] for c in ROLE_CASES]
    assert len(ids) >= 150
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_every_module_has_cases():
    counts = dict((module, len([c for c in CASES if c[1] == module])) for module in MODULES)
    assert not [m for m, n in counts.items() if n < 2], counts


def test_every_control_character_reaches_every_esa_module_that_types_text():
    for module in ("esa_smtp_routes", "esa_command", "esa_message_filters", "esa_commit"):
        chars = set()
        for _case_id, name, args, _expected in CASES:
            if name == module:
                chars.update(char for _n, char in CONTROL if char in repr_values(args))
        assert chars == set(char for _n, char in CONTROL), (module, chars)


def repr_values(value):
    if isinstance(value, dict):
        return "".join(repr_values(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return "".join(repr_values(v) for v in value)
    return value if isinstance(value, str) else ""
