# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bad-input suite: real ansible-playbook runs against the lab (see tests/faults/README.md).

One lab per pytest process (xdist worker), shared with tests/faults (tests/labkit.py ``shared_lab``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

from labkit import lab_server  # noqa: E402,F401  pylint: disable=wrong-import-position,import-error,unused-import
