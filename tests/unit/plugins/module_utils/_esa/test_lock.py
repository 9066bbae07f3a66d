# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The per-appliance write lock (lock.py) and how a CLI session uses it (session.CliSession)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys
import uuid

import pytest

from ansible_collections.mailops.secure_email.lab.esa.engine import Appliance
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import lock as esa_lock
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.session import CliSession

HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
"""


def test_lock_path_names_host_and_port_safely(tmp_path):
    path = esa_lock.lock_path(str(tmp_path), "esa1.example/../x", 2222)
    assert os.path.dirname(path) == str(tmp_path)
    assert os.path.basename(path) == "esa-esa1.example_.._x_2222.lock"


def test_acquire_creates_a_private_file_and_release_lets_others_in(tmp_path):
    path = str(tmp_path / "locks" / "esa.lock")
    first, second = esa_lock.ApplianceLock(path), esa_lock.ApplianceLock(path)
    assert first.acquire(timeout=1) < 1 and first.held
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    clock = iter(range(100))
    waiting = esa_lock.ApplianceLock(path, clock=lambda: next(clock), sleep=lambda s: None)
    with pytest.raises(esa_lock.LockTimeout) as info:
        waiting.acquire(timeout=3)
    assert "held the write lock" in str(info.value)
    first.release()
    assert second.acquire(timeout=1) >= 0 and second.held
    second.release()


def test_another_process_holding_the_lock_makes_us_wait(tmp_path):
    path = str(tmp_path / "esa.lock")
    holder = subprocess.Popen([sys.executable, "-c", HOLD, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              universal_newlines=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(esa_lock.LockTimeout):
            esa_lock.ApplianceLock(path).acquire(timeout=0.5)
    finally:
        holder.communicate("\n")
    assert esa_lock.ApplianceLock(path).acquire(timeout=2) < 2


def test_generation_moves_on_with_each_commit_made_under_the_lock(tmp_path):
    path = str(tmp_path / "esa.lock")
    lock = esa_lock.ApplianceLock(path)
    assert lock.generation() == 0
    lock.acquire(1)
    assert lock.bump() == 1 and lock.bump() == 2
    lock.release()
    assert esa_lock.ApplianceLock(path).generation() == 2


def _session(app, path):
    engine = app.open_session(user="admin")
    engine.start()
    session_id = uuid.uuid4().hex
    return CliSession(engine.send_line, lambda: session_id, lambda: engine.prompt, lambda: engine.interrupt() or True,
                      lock=esa_lock.ApplianceLock(path))


ROUTE_RULES = [dict(pattern=r"Choose the operation", answers=["PRINT", ""], menu=True, name="menu")]


def test_a_session_reads_again_when_another_run_committed_since_its_reads(tmp_path):
    app = Appliance(hostname="esa1.lab")
    path = str(tmp_path / "esa.lock")
    mine, theirs = _session(app, path), _session(app, path)
    assert not mine.read_source("routes", "smtproutes", ROUTE_RULES).get("failed")
    assert mine.sources
    # the other run takes the lock, writes and commits
    assert theirs.acquire_lock(5)["locked"]
    theirs.pending.append("a change")
    theirs.documents[("x", "doc")] = dict(value=1, committed=False, label="a change")
    assert mine.acquire_lock(0.3).get("failed"), "the lock is theirs until they commit"
    theirs._lock.bump()
    theirs.pending = []
    assert theirs.release_lock()["locked"] is False
    got = mine.acquire_lock(5)
    assert got["locked"] and got["reread"] is True
    assert mine.sources == {}, "the cached reads predate the other run's commit"


def test_the_lock_is_kept_while_changes_are_pending_and_released_after_the_commit(tmp_path):
    app = Appliance(hostname="esa1.lab")
    path = str(tmp_path / "esa.lock")
    session = _session(app, path)
    assert session.acquire_lock(5)["reread"] is False
    session.pending.append("pending change")
    assert session.release_lock()["locked"] is True
    session.pending = []
    assert session.release_lock()["locked"] is False
    # a clearchanges also releases it
    session.acquire_lock(5)
    session.pending.append("pending change")
    session.discard_changes()
    assert not session._lock.held
