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

from ansible_collections.mailops.secure_email.plugins.module_utils._esa.documents import Document, Source
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.script import Script

COMMAND = "bounceconfig"
Q_MENU = r"Choose the operation you want to perform"


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


def _read_script():
    return Script(COMMAND).menu("bounceconfig menu", Q_MENU, "")


SOURCE = Source("bounceconfig", _read_script, parse)
DOCUMENT = Document("bounce_profiles", SOURCE, lambda names, scope: names)


def check_profiles(reader, wanted):
    """Fail (ValueError) before any write when a referenced profile does not exist."""
    if not wanted:
        return
    known = reader.get(DOCUMENT.prefix)
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise ValueError("bounce_profile: %s not configured on the appliance (known: %s); create it with bounceconfig first"
                         % (", ".join("%r" % u for u in unknown), ", ".join(known) or "none"))
