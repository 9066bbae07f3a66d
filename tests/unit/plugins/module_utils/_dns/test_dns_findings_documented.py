# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every finding code that mail_dns_info can return is documented: a row of the table in docs/dns.md (code,
severity, meaning, fix) and in the module's RETURN (issue 13)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest

from ansible_collections.mailops.secure_email.plugins.modules import mail_dns_info

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 5))
SOURCES = ["plugins/module_utils/_dns/%s.py" % name for name in ("spf", "mail", "info_module")]


def _read(path):
    with open(os.path.join(ROOT, path)) as handle:
        return handle.read()


def _codes():
    codes = set()
    for path in SOURCES:
        codes.update(re.findall(r'"((?:spf|mx|dmarc)_[a-z_]+|host_unresolved)"', _read(path)))
    return sorted(codes)


def test_there_are_codes():
    assert len(_codes()) >= 40


@pytest.mark.parametrize("code", _codes())
def test_code_is_documented(code):
    rows = [line for line in _read("docs/dns.md").splitlines() if line.startswith("| `%s` |" % code)]
    assert len(rows) == 1, code
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert len(cells) == 4 and cells[1] in ("error", "warning", "info") and cells[2] and cells[3], rows[0]
    assert "V(%s)" % code in mail_dns_info.RETURN, code


@pytest.mark.parametrize("code", _codes())
def test_documented_severity_is_the_emitted_one(code):
    emitted = set()
    for path in SOURCES:
        emitted.update(re.findall(r'"(error|warning|info)",\s*"%s"' % code, _read(path)))
        emitted.update(re.findall(r'severity="(error|warning|info)", code="%s"' % code, _read(path)))
    if not emitted:  # raised through a helper (count_lookups' problems are errors)
        emitted = {"error"}
    row = [line for line in _read("docs/dns.md").splitlines() if line.startswith("| `%s` |" % code)][0]
    assert emitted == {row.strip("|").split("|")[1].strip()}, (code, emitted)
