# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The per-appliance write lock on the controller (docs/security.md, "Locking").

This module is PRIVATE to the collection. It can change at any time.

AsyncOS keeps each CLI session's changes apart until its commit, and a commit
stores the session's copy of each table it changed (docs/concurrency.md): two
runs that change the same table at the same time lose one run's change, and
neither notices. So every run of this collection on one controller takes an
exclusive lock on the appliance before it reads what it is about to change,
and keeps it until its changes are committed or cleared.

- The lock is an ``flock`` on a file named after the appliance (host and
  port) in a lock directory. The process that holds it is the persistent
  connection (``ansible-connection``), so a run that dies releases it.
- The file holds a **generation**: a counter every commit made under the lock
  increases. A session that read the configuration at generation N and gets
  the lock at generation N+1 knows that another run committed in between, and
  reads again before it plans.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import fcntl
import json
import os
import re
import time

ENV_DIR = "MAILOPS_ESA_LOCK_DIR"
DEFAULT_TIMEOUT = 900


class LockTimeout(Exception):
    pass


def lock_path(directory, host, port):
    """The lock file of appliance ``host:port`` in ``directory``."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", "%s_%s" % (host or "appliance", port or 22))
    return os.path.join(directory, "esa-%s.lock" % name)


class ApplianceLock(object):
    """An exclusive lock on one file, with a generation counter inside."""

    def __init__(self, path, clock=time.time, sleep=time.sleep):
        self.path = path
        self._fd = None
        self._clock = clock
        self._sleep = sleep

    @property
    def held(self):
        return self._fd is not None

    def _open(self):
        directory = os.path.dirname(self.path)
        if directory and not os.path.isdir(directory):
            try:
                os.makedirs(directory, 0o700)
            except OSError as exc:
                if exc.errno != errno.EEXIST:
                    raise
        return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)

    def generation(self):
        """The generation written by the last holder (0 when none); readable without the lock."""
        try:
            with open(self.path) as handle:
                return int(json.loads(handle.read() or "{}").get("generation", 0))
        except (IOError, OSError, ValueError, TypeError, AttributeError):
            return 0

    def acquire(self, timeout=DEFAULT_TIMEOUT, holder=""):
        """Wait until the lock is ours; returns the seconds waited. Raises LockTimeout."""
        if self._fd is not None:
            return 0.0
        fd = self._open()
        start = self._clock()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except (IOError, OSError) as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    os.close(fd)
                    raise
            if self._clock() - start >= timeout:
                os.close(fd)
                raise LockTimeout("another run held the write lock of this appliance (%s) for more than %ds; "
                                  "it is released when that run commits or clears its changes, or ends"
                                  % (self.path, timeout))
            self._sleep(0.2)
        self._fd = fd
        self._write(holder=holder)
        return self._clock() - start

    def _write(self, **fields):
        data = dict(generation=self.generation(), holder="", pid=os.getpid())
        data.update(fields)
        text = json.dumps(data, sort_keys=True)
        os.lseek(self._fd, 0, os.SEEK_SET)
        os.ftruncate(self._fd, 0)
        os.write(self._fd, text.encode("utf-8"))

    def bump(self):
        """A commit was made under the lock: the next generation (returned)."""
        generation = self.generation() + 1
        if self._fd is not None:
            self._write(generation=generation)
        return generation

    def release(self):
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
