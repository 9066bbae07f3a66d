# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bounce profiles (``bounceconfig``), read only: to check names before writing.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import Rule

COMMAND = "bounceconfig"


def parse(text):
    """Profile names from the bounceconfig menu (``Current bounce profiles:`` then ``N. name``)."""
    names = []
    listing = False
    for line in text.replace("\r\n", "\n").split("\n"):
        if re.match(r"^\s*Current bounce profiles:", line):
            listing = True
            continue
        match = re.match(r"^\s*\d+\.\s+(\S.*?)\s*$", line)
        if listing and match:
            names.append(match.group(1))
        elif listing and line.strip():
            listing = False
    return names


def read(client):
    out = client.dialogue(COMMAND, [Rule(r"Choose the operation you want to perform", "", menu=True, name="bounceconfig menu")])
    return parse(out["output"])


def check_profiles(client, wanted):
    """Fail (ValueError) before any write when a referenced profile does not exist."""
    if not wanted:
        return
    known = read(client)
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise ValueError("bounce_profile: %s not configured on the appliance (known: %s); create it with bounceconfig first"
                         % (", ".join("%r" % u for u in unknown), ", ".join(known) or "none"))
