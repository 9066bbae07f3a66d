# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fault suite: real ansible-playbook runs against the lab with faults injected (see tests/faults/README.md).

One lab per pytest process (xdist worker), shared with tests/badinput (tests/labkit.py ``shared_lab``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

import labkit  # noqa: E402  pylint: disable=wrong-import-position,import-error
from labkit import lab_server  # noqa: E402,F401  pylint: disable=wrong-import-position,import-error,unused-import


@pytest.fixture
def lab(lab_server):
    """The lab with the factory ESA configuration and tenant, zero counters and no faults (the zone is left alone:
    the DNS tests reset it when they need serial 1)."""
    lab_server.reset()
    return lab_server


@pytest.fixture
def runner(lab, tmp_path):
    return labkit.Runner(lab, tmp_path)
