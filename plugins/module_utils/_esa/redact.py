# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Masking of secrets inside objects that embed them (filter bodies, header values).

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

MASK = "********"


def mask(value, secrets):
    """``value`` with every occurrence of each secret replaced by ``********`` (dicts, lists, strings)."""
    secrets = sorted((s for s in (secrets or []) if s), key=len, reverse=True)
    if not secrets:
        return value
    return _mask(value, secrets)


def _mask(value, secrets):
    if isinstance(value, dict):
        return dict((k, _mask(v, secrets)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_mask(v, secrets) for v in value]
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
        return value
    return value
