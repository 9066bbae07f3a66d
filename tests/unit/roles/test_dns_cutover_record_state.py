# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""roles/dns_cutover/files/record_state.py: the tenants of an MSP run share the state directory, and each host's
task writes its records at the same moment (forks). Found by the bench's MSP scenario: one host created the
directory between another host's check and its makedirs, which then failed with FileExistsError."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                      "roles", "dns_cutover", "files", "record_state.py")


def _load():
    with open(SCRIPT) as handle:
        code = handle.read().replace('if __name__ == "__main__":', "if False:")
    namespace = {"__name__": "record_state"}
    exec(compile(code, SCRIPT, "exec"), namespace)  # pylint: disable=exec-used
    return namespace


def test_a_directory_created_by_another_host_in_between_is_used(tmp_path, monkeypatch):
    script = _load()
    directory = str(tmp_path / "dns_cutover")
    real_makedirs = os.makedirs

    def makedirs(path, *args, **kwargs):
        real_makedirs(path)  # another host of the run creates it first (the race) ...
        return real_makedirs(path, *args, **kwargs)  # ... so this one finds it there: FileExistsError

    monkeypatch.setattr(os, "makedirs", makedirs)
    path = os.path.join(directory, "example.test.mx.json")
    script["_write"](directory, path, {"values": ["10 mx1.example.test"], "ttl": 3600})
    with open(path) as handle:
        assert json.load(handle)["ttl"] == 3600
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o600)
