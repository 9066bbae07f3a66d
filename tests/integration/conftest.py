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
        # role tasks are named "<role> : <task>"
        found = [r for r in self.records if r["task"] == name or r["task"].endswith(" : " + name)]
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
    # Any free DNS port: two workers starting labs at once would both find the default 5300 free, and BIND
    # (SO_REUSEPORT) lets both bind it, so one lab's secondary would transfer from the other's primary (BADSIG).
    lab.cli("up", "--esa-port", "0", "--dns-port", "0")
    try:
        yield lab
    finally:
        lab.cli("down")


@pytest.fixture(scope="session")
def cluster_lab_server(tmp_path_factory):
    lab = Lab(str(tmp_path_factory.mktemp("cluster-lab")))
    lab.cli("up", "--esa-port", "0", "--dns-port", "0", "--cluster", "ESA-CL")
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


def playbook_env(tmp_path, **extra):
    """The environment of an ansible-playbook run against the lab (results recorded by result_recorder)."""
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
    env.update(extra)
    return env


def _runner(lab, tmp_path):
    """Run a playbook from tests/integration/playbooks against the lab."""
    env = playbook_env(tmp_path)
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


# -- DNS: the lab's two real BIND instances (lab/dns), driven by real DNS messages -------------------
class DnsLab(object):
    """``python -m lab dns ...`` for one state dir, and direct DNS queries (dnspython) to check results."""

    def __init__(self, state_dir):
        self.state_dir = state_dir
        self.inventory = os.path.join(state_dir, "dns-inventory.yml")
        self._status = None

    def cli(self, *args):
        proc = subprocess.run([sys.executable, "-m", "lab", "dns"] + list(args) + ["--state-dir", self.state_dir],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                              check=False)
        if proc.returncode != 0:
            raise RuntimeError("python -m lab dns %s failed: %s%s" % (" ".join(args), proc.stdout, proc.stderr))
        if args[0] in ("up", "reset"):
            self._status = None  # ports may change
        return proc.stdout

    def status(self):
        return json.loads(self.cli("status", "--json"))["dns"]

    def counters(self):
        return self.status()["counters"]

    def serials(self):
        return self.status()["serials"]

    def info(self):
        if self._status is None:
            self._status = self.status()
        return self._status

    @property
    def port(self):
        return self.info()["port"]

    @property
    def zone(self):
        return self.info()["zone"]

    @property
    def secret(self):
        return self.cli("secret").strip()

    def endpoint(self, which):
        """(address, port) of the primary, or of the secondary (IPv6 when available, else its IPv4 port)."""
        return tuple(self.info()["servers"][which]["endpoints"][0][key] for key in ("address", "port"))

    def vars(self, **extra):
        data = dict(dns_server="127.0.0.1", dns_port=self.port, dns_zone=self.zone,
                    tsig_name=self.info()["tsig"]["key_name"], tsig_secret=self.secret)
        data.update(extra)
        return data

    def query(self, name, rdtype, which="primary"):
        """Sorted values served now, by a direct TCP query (TXT as joined text), and the TTL."""
        import dns.message  # pylint: disable=import-outside-toplevel
        import dns.query  # pylint: disable=import-outside-toplevel

        address, port = self.endpoint(which)
        response = dns.query.tcp(dns.message.make_query(name, rdtype), address, port=port, timeout=3)
        values, ttl = [], None
        for rrset in response.answer:
            ttl = rrset.ttl
            for rdata in rrset:
                values.append(b"".join(rdata.strings).decode() if rdtype == "TXT" else rdata.to_text())
        return sorted(values), ttl


@pytest.fixture(scope="session")
def dns_lab_server(tmp_path_factory):
    lab = DnsLab(str(tmp_path_factory.mktemp("dns-lab")))
    lab.cli("up", "--dns-port", "0")
    with open(lab.inventory, "w") as handle:
        handle.write("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                     "      ansible_python_interpreter: %s\n" % sys.executable)
    try:
        yield lab
    finally:
        lab.cli("down")


@pytest.fixture
def dns_lab(dns_lab_server):
    """The DNS lab with its initial zone (serial 1) on both instances and zone transfers allowed."""
    dns_lab_server.cli("reset")
    return dns_lab_server


@pytest.fixture
def dns_playbook(dns_lab, tmp_path):
    return _runner(dns_lab, tmp_path)


@pytest.fixture
def dns_playbook_factory(dns_lab, tmp_path):
    """Make a runner after changing os.environ (the runner copies the environment when it is made)."""
    return lambda: _runner(dns_lab, tmp_path)


# -- Exchange Online: the lab's HTTPS gateway + token endpoint (lab/exo), started by `python -m lab up` ---------
class ExoLab(object):
    """``python -m lab exo ...`` for the session's lab, its counters and its client files."""

    def __init__(self, lab):
        self.lab = lab
        self.state_dir = lab.state_dir
        self.inventory = os.path.join(self.state_dir, "exo_inventory.yml")

    def cli(self, *args):
        return self.lab.cli("exo", *args)

    def status(self):
        return json.loads(self.cli("status", "--json"))["exo"]

    def counters(self):
        return self.status()["counters"]

    def tenant(self):
        return json.loads(self.cli("config"))["exo"]

    def seed(self, data, tmp_path, replace=False):
        """``python -m lab exo seed``: add the records (``replace``: the lists given replace the tenant's)."""
        path = tmp_path / "exo-seed.json"
        path.write_text(json.dumps(data))
        return self.cli("seed", "--file", str(path), *(("--replace",) if replace else ()))

    def vars(self):
        values = {}
        with open(os.path.join(self.state_dir, "exo_vars.yml")) as handle:
            for line in handle:
                if line.strip() and not line.startswith("#"):
                    key, _sep, value = line.partition(": ")
                    values[key] = json.loads(value)
        return values


@pytest.fixture
def exo_lab(lab_server):
    """The lab Exchange with a factory tenant, zero counters and no faults (the ESA side is left alone)."""
    exo = ExoLab(lab_server)
    assert exo.status()["running"], "python -m lab up did not start the Exchange lab"
    exo.cli("reset")
    return exo


@pytest.fixture
def exo_playbook(exo_lab, tmp_path):
    return _runner(exo_lab, tmp_path)
