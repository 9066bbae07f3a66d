# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Integration tests: real ansible-playbook runs against the lab over SSH.

The lab runs once per test session on a free loopback port; every test starts
from a reset lab (factory config, zero counters, no faults).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PLAYBOOKS = os.path.join(HERE, "playbooks")


def _collections_path():
    if os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
        return os.environ["ANSIBLE_COLLECTIONS_PATH"]
    parts = ROOT.split(os.sep)
    if "ansible_collections" in parts:
        return os.sep.join(parts[:len(parts) - 1 - parts[::-1].index("ansible_collections")])
    raise RuntimeError("set ANSIBLE_COLLECTIONS_PATH (see the Makefile) so mailops.secure_email and ansible.netcommon resolve")


class Lab(object):

    def __init__(self, state_dir):
        self.state_dir = state_dir
        self.inventory = os.path.join(state_dir, "inventory.yml")

    def cli(self, *args):
        proc = subprocess.run([sys.executable, "-m", "lab"] + list(args) + ["--state-dir", self.state_dir], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError("python -m lab %s failed: %s%s" % (" ".join(args), proc.stdout, proc.stderr))
        return proc.stdout

    def counters(self):
        return json.loads(self.cli("status", "--json"))["esa"]["counters"]

    def routes(self):
        return json.loads(self.cli("config"))["esa"]["smtp_routes"]

    def route_map(self):
        return dict((r["domain"], sorted(r["destinations"])) for r in self.routes())

    def config(self):
        return json.loads(self.cli("config"))["esa"]

    def layers(self):
        return json.loads(self.cli("config", "--layers"))["esa"]


class Run(object):

    def __init__(self, proc, records):
        self.proc = proc
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        self.records = records

    def task(self, name):
        found = [r for r in self.records if r["task"] == name]
        assert found, "no result for task %r in:\n%s" % (name, self.output)
        return found[-1]

    @property
    def recap(self):
        match = re.search(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", self.output)
        assert match, self.output
        return dict(zip(("ok", "changed", "unreachable", "failed"), (int(g) for g in match.groups())))


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    lab = Lab(str(tmp_path_factory.mktemp("lab")))
    lab.cli("up", "--esa-port", "0")
    try:
        yield lab
    finally:
        lab.cli("down")


@pytest.fixture(scope="session")
def cluster_lab_server(tmp_path_factory):
    lab = Lab(str(tmp_path_factory.mktemp("cluster-lab")))
    lab.cli("up", "--esa-port", "0", "--cluster", "ESA-CL")
    try:
        yield lab
    finally:
        lab.cli("down")


@pytest.fixture
def lab(lab_server):
    lab_server.cli("reset")
    return lab_server


@pytest.fixture
def cluster_lab(cluster_lab_server):
    cluster_lab_server.cli("reset")
    return cluster_lab_server


@pytest.fixture
def playbook(lab, tmp_path):
    return _runner(lab, tmp_path)


@pytest.fixture
def cluster_playbook(cluster_lab, tmp_path):
    return _runner(cluster_lab, tmp_path)


def _runner(lab, tmp_path):
    """Run a playbook from tests/integration/playbooks against the lab."""
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=_collections_path(),
        ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"),
        ANSIBLE_CALLBACKS_ENABLED="result_recorder",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_PERSISTENT_COMMAND_TIMEOUT="60",
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
    )
    counter = [0]

    def run(name, extra_vars=None, check=False, diff=False, expect_rc=0, args=()):
        counter[0] += 1
        record_file = tmp_path / ("results-%d.jsonl" % counter[0])
        env["RESULT_RECORDER_FILE"] = str(record_file)
        cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", lab.inventory,
               os.path.join(PLAYBOOKS, name)]
        if extra_vars is not None:
            vars_file = tmp_path / ("vars-%d.json" % counter[0])
            vars_file.write_text(json.dumps(extra_vars))
            cmd += ["-e", "@%s" % vars_file]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        cmd += list(args)
        proc = subprocess.run(cmd, env=env, cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=300, check=False)
        records = []
        if record_file.exists():
            records = [json.loads(line) for line in record_file.read_text().splitlines() if line.strip()]
        result = Run(proc, records)
        if expect_rc is not None:
            assert proc.returncode == expect_rc, "rc=%s, expected %s:\n%s" % (proc.returncode, expect_rc, result.output)
        return result

    return run
