# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad values of the roles' variables: the role must stop, naming the variable, before anything is written.

The cases are the ROLE_CASES of badinput_cases.py, each an include_role inside a block (badinput_batch.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

import badinput_batch as batch  # pylint: disable=import-error
from badinput_cases import ROLE_CASES, params  # pylint: disable=import-error


@pytest.fixture(scope="module")
def batch_run(lab_server, tmp_path_factory):
    return batch.run_batch(lab_server, tmp_path_factory.mktemp("roles"), (), ROLE_CASES, name="roles")


@pytest.mark.parametrize("case_id,expected", params(ROLE_CASES, 5))
def test_bad_role_variable(batch_run, case_id, expected):
    batch.check(batch_run[0], batch_run[1], case_id, expected)
