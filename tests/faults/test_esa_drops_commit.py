# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ESA connection drops in a play of three tasks and one commit, as the roles write: routes and destination
controls with ``commit: false``, then ``esa_commit``. The drop comes at a representative set of lines: in the
pending writes, at each line of the commit dialogue (command, comment, rollback question) and in the read-back.
Never a mix of the old and the new configuration (the routes committed without the controls); the re-run converges
(drop_sweep.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

import drop_sweep  # pylint: disable=import-error
import labkit  # pylint: disable=import-error

ROUTES = [dict(domain="drop-c.example.com", destinations=[dict(host="relay3.example.net", port=25)])]
CONTROLS = [dict(domain="drop-c.example.com", concurrency_limit=10, messages_per_connection=20, tls="on")]
# Where the drop comes (test_esa_drops.py drops at every line of a single write): half-way through the pending
# writes, the commit command, its comment, the rollback question, and the first line of the read-back.
POINTS = ("pending", "commit", "comment", "rollback", "read-back")


def tasks(phase):
    return [
        {"name": "Routes, pending (%s)" % phase,
         "mailops.secure_email.esa_smtp_routes": {"config": ROUTES, "commit": False}},
        {"name": "Destination controls, pending (%s)" % phase,
         "mailops.secure_email.esa_destination_controls": {"config": CONTROLS, "commit": False}},
        labkit.mark("commit-%s" % phase),
        {"name": "One commit (%s)" % phase,
         "mailops.secure_email.esa_commit": {"comment": "drop sweep, one commit", "commit_timeout": 3}},
    ]


@pytest.fixture(scope="module")
def sweep(lab_server, tmp_path_factory):
    return drop_sweep.Sweep(lab_server, labkit.Runner(lab_server, tmp_path_factory.mktemp("drops-commit")),
                            "Drop sweep: pending changes, one commit", tasks)


def line_of(sweep, point):
    before_commit = sweep.lines_at("commit-fault")
    return {"pending": before_commit // 2, "commit": before_commit + 1, "comment": before_commit + 2,
            "rollback": before_commit + 3, "read-back": before_commit + 4}[point]


@pytest.mark.parametrize("point", POINTS)
def test_drop_in_a_play_of_pending_changes_and_one_commit(sweep, point):
    number = line_of(sweep, point)
    assert 1 <= number <= sweep.total, (point, number, sweep.total)
    problems, state = sweep.drop(number)
    assert not problems, "\n".join(problems) + "\n(the faulted run left the %s configuration)" % state
