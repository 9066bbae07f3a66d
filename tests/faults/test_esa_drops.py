# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ESA connection drops at EVERY line of a write dialogue, its commit and its read-back.

``python -m lab fault --drop-after-lines N --sessions 1``: the SSH connection is closed abruptly when the Nth line
arrives, and that line is not processed. After each faulted run the committed configuration must be the old one or
the new one, never a mix; a re-run must converge (changed exactly when the faulted run did not commit) with one
commit in all (drop_sweep.py). One test per line; ``test_the_sweep_covers_every_line`` fails when the write types
more lines than ``LINES`` covers.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

import drop_sweep  # pylint: disable=import-error
import labkit  # pylint: disable=import-error

ROUTES = [
    dict(domain="drop-a.example.com", destinations=[dict(host="relay1.example.net", port=25)]),
    dict(domain="drop-b.example.com", destinations=[dict(host="relay2.example.net", priority=10)]),
]
# The first login of the write types 24 lines (14.1 profile): reads, the smtproutes NEW dialogues, the three lines
# of the commit, the read-back.
LINES = range(1, 25)


def tasks(phase):
    # commit_timeout: how long a run whose commit was not confirmed reads back to learn whether it landed
    return [{"name": "Two routes, one commit (%s)" % phase,
             "mailops.secure_email.esa_smtp_routes": {"config": ROUTES, "comment": "drop sweep", "commit_timeout": 3}}]


@pytest.fixture(scope="module")
def sweep(lab_server, tmp_path_factory):
    return drop_sweep.Sweep(lab_server, labkit.Runner(lab_server, tmp_path_factory.mktemp("drops")),
                            "Drop sweep: two routes, one commit", tasks)


def test_the_sweep_covers_every_line(sweep):
    assert 10 <= sweep.total <= max(LINES), "the write typed %d lines; LINES covers 1-%d" % (sweep.total, max(LINES))


@pytest.mark.parametrize("number", LINES)
def test_drop_at_line(sweep, number):
    if number > sweep.total:
        return  # the write types fewer lines than LINES covers: nothing to drop there
    problems, state = sweep.drop(number)
    assert not problems, "\n".join(problems) + "\n(the faulted run left the %s configuration)" % state
