# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input for the ESA modules of tables and settings, and the command/commit/backup/info modules.

The cases are rows of badinput_cases.py; all of them run in one ansible-playbook run (badinput_batch.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

import badinput_batch as batch  # pylint: disable=import-error
from badinput_cases import CASES, params  # pylint: disable=import-error

MODULES = ("esa_smtp_routes", "esa_destination_controls", "esa_bounce_profiles", "esa_tls_ciphers", "esa_command",
           "esa_commit", "esa_config_backup", "esa_info", "esa_message_tracking")
HERE = [c for c in CASES if c[1] in MODULES]


@pytest.fixture(scope="module")
def batch_run(lab_server, tmp_path_factory):
    return batch.run_batch(lab_server, tmp_path_factory.mktemp("esa-tables"), HERE, name="esa-tables")


@pytest.mark.parametrize("case_id,expected", params(HERE, 3))
def test_bad_input(batch_run, case_id, expected):
    batch.check(batch_run[0], batch_run[1], case_id, expected)
