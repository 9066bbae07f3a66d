# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input for the Exchange Online modules.

The cases are rows of badinput_cases.py; all of them run in one ansible-playbook run (badinput_batch.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

import badinput_batch as batch  # pylint: disable=import-error
from badinput_cases import CASES, params  # pylint: disable=import-error

HERE = [c for c in CASES if c[1].startswith("exo_") or c[1] == "mail_flow_test"]


@pytest.fixture(scope="module")
def batch_run(lab_server, tmp_path_factory):
    return batch.run_batch(lab_server, tmp_path_factory.mktemp("exo"), HERE, name="exo")


@pytest.mark.parametrize("case_id,expected", params(HERE, 3))
def test_bad_input(batch_run, case_id, expected):
    batch.check(batch_run[0], batch_run[1], case_id, expected)
