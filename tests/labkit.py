# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared helpers of the fault suite (tests/faults) and the bad-input suite (tests/badinput).

Both run real ``ansible-playbook`` processes against the lab (``python -m lab up``: the simulated ESA over SSH,
the simulated Exchange Online over HTTPS, real BIND over DNS) with the repository's lab inventory
(``inventories/lab``, pointed at the session's lab through ``LAB_STATE_DIR``), and read the lab's own state
to prove what was or was not written:

- ``snapshot(state_dir)``: the ESA ``writes``/``commits`` counters and committed configuration, the Exchange
  ``writes`` counter and tenant, the DNS zone serial and BIND's update counters. It reads the lab's state files
  and BIND's statistics channel directly (no ``python -m lab`` process), so the callback plugin
  ``tests/faults/callback_plugins/lab_recorder.py`` can take one before every task named ``case:<id>`` or
  ``mark:<label>`` without slowing the run down;
- ``Lab``: ``python -m lab ...`` for one state directory; ``shared_lab``: one lab per pytest process (xdist
  worker), shared by both suites;
- ``Runner``: writes a playbook (a list of plays, as JSON, which is YAML) and runs it with the recorder.

The suites copy the ideas of tests/integration/conftest.py (one lab per worker on free ports, a JSON-lines
result recorder); they do not import from it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import subprocess
import sys
import time

import pytest

try:
    from urllib.request import urlopen
except ImportError:  # pragma: no cover - Python 2 is not a controller Python
    urlopen = None

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
INVENTORY = os.path.join(ROOT, "inventories", "lab")
CALLBACKS = os.path.join(TESTS, "faults", "callback_plugins")
RECORDER = "lab_recorder"

# Strings that must never be in a failure message: they mean the module crashed instead of refusing the input.
CRASH_MARKERS = ("Traceback", "MODULE FAILURE")


def collections_path():
    """ANSIBLE_COLLECTIONS_PATH, else the directory above ansible_collections/mailops/secure_email."""
    if os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
        return os.environ["ANSIBLE_COLLECTIONS_PATH"]
    parts = ROOT.split(os.sep)
    if "ansible_collections" in parts:
        return os.sep.join(parts[:len(parts) - 1 - parts[::-1].index("ansible_collections")])
    raise RuntimeError("set ANSIBLE_COLLECTIONS_PATH (see the Makefile) so mailops.secure_email and ansible.netcommon "
                       "resolve")


def read_json(path, default=None):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return default


def _stats(port, path):
    try:
        response = urlopen("http://127.0.0.1:%d/json/v1/%s" % (port, path), timeout=3)
        try:
            return json.loads(response.read().decode("utf-8"))
        finally:
            response.close()
    except (IOError, OSError, ValueError):
        return None


def dns_snapshot(state_dir):
    """Serial of the lab zone and BIND's update counters, from the primary's statistics channel."""
    settings = read_json(os.path.join(state_dir, "dns", "settings.json"))
    if not settings:
        return dict(dns_serial=None, dns_update_done=None, dns_updates=None)
    port = settings["stats_ports"]["primary"]
    serial = None
    for view in ((_stats(port, "zones") or {}).get("views") or {}).values():
        for zone in view.get("zones") or []:
            if zone.get("name") == settings["zone"]:
                serial = zone.get("serial")
    server = _stats(port, "server") or {}
    return dict(dns_serial=serial, dns_update_done=(server.get("nsstats") or {}).get("UpdateDone", 0),
                dns_updates=(server.get("opcodes") or {}).get("UPDATE", 0))


def snapshot(state_dir):
    """What a write would change: counters and configuration of the three lab systems (read from their files)."""
    esa = read_json(os.path.join(state_dir, "esa_counters.json"), {}) or {}
    exo = read_json(os.path.join(state_dir, "exo_counters.json"), {}) or {}
    data = dict(
        esa_writes=esa.get("writes", 0), esa_commits=esa.get("commits", 0), esa_lines=esa.get("lines_received", 0),
        esa_config=(read_json(os.path.join(state_dir, "esa_config.json"), {}) or {}).get("layers"),
        exo_writes=exo.get("writes", 0),
        exo_tenant=read_json(os.path.join(state_dir, "exo_tenant.json")),
    )
    data.update(dns_snapshot(state_dir))
    return data


# The parts of a snapshot that prove "nothing was written" (dns_updates counts UPDATE messages sent, also refused
# ones: reported in the difference, not part of the contract).
WRITE_KEYS = ("esa_writes", "esa_commits", "esa_config", "exo_writes", "exo_tenant", "dns_serial", "dns_update_done")


def written(before, after, keys=WRITE_KEYS):
    """The keys whose value differs between two snapshots (empty: nothing was written)."""
    return [key for key in keys if before.get(key) != after.get(key)]


def describe_writes(before, after, keys=WRITE_KEYS):
    parts = []
    for key in written(before, after, keys):
        old, new = before.get(key), after.get(key)
        if isinstance(old, (dict, list)) or isinstance(new, (dict, list)):
            parts.append("%s changed" % key)
        else:
            parts.append("%s %s -> %s" % (key, old, new))
    return ", ".join(parts)


# -- the lab ---------------------------------------------------------------------------------------------------
class Lab(object):
    """``python -m lab ...`` for one state directory."""

    def __init__(self, state_dir):
        self.state_dir = state_dir

    def cli(self, *args, **kwargs):
        check = kwargs.pop("check", True)
        proc = subprocess.run([sys.executable, "-m", "lab"] + list(args) + ["--state-dir", self.state_dir], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
        if check and proc.returncode != 0:
            raise RuntimeError("python -m lab %s failed: %s%s" % (" ".join(args), proc.stdout, proc.stderr))
        return proc.stdout

    def exo(self, *args):
        return self.cli("exo", *args)

    def dns(self, *args):
        return self.cli("dns", *args)

    def status(self):
        return json.loads(self.cli("status", "--json"))

    def esa_config(self):
        return json.loads(self.cli("config"))["esa"]

    def exo_tenant(self):
        return json.loads(self.cli("exo", "config"))["exo"]

    def vars(self):
        """<state>/lab_vars.json: every endpoint and credential of the running lab."""
        return read_json(os.path.join(self.state_dir, "lab_vars.json"))

    def snapshot(self):
        return snapshot(self.state_dir)

    def reset(self, dns=False):
        """Factory ESA configuration and tenant, zero counters, no faults (and the initial zone with dns=True)."""
        self.cli("reset")
        if dns:
            self.dns("reset")

    def start(self):
        # Any free ports: two workers starting labs at once must not share one (see tests/integration/conftest.py).
        self.cli("up", "--esa-port", "0", "--dns-port", "0")
        if not (self.vars() or {}).get("dns"):
            raise RuntimeError("the lab's DNS (BIND) is not running; install bind9 (make bind)")
        return self

    def stop(self):
        self.cli("down", check=False)


_SHARED = {}


def shared_lab(tmp_path_factory):
    """The lab of this pytest process, started on first use (both suites share it); ``release_lab`` stops it."""
    if "lab" not in _SHARED:
        _SHARED["lab"] = Lab(str(tmp_path_factory.mktemp("lab"))).start()
        _SHARED["users"] = 0
    _SHARED["users"] += 1
    return _SHARED["lab"]


def release_lab():
    _SHARED["users"] -= 1
    if _SHARED["users"] <= 0:
        _SHARED.pop("lab").stop()


# -- ansible-playbook --------------------------------------------------------------------------------------------
class Run(object):
    """One ansible-playbook run: rc, output, the recorded results and the snapshots of the marks."""

    def __init__(self, proc, events, seconds):
        self.proc = proc
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        self.events = events
        self.seconds = seconds
        self.records = [e for e in events if e["event"] == "result"]

    def task(self, name):
        found = [r for r in self.records if r["task"] == name or r["task"].endswith(" : " + name)]
        assert found, "no result for task %r in:\n%s" % (name, self.output[-6000:])
        return found[-1]

    def mark(self, label):
        """The snapshot taken when the task named ``mark:<label>`` or ``case:<label>`` started."""
        for event in self.events:
            if event["event"] == "mark" and event["label"] == label:
                return event["snapshot"]
        raise AssertionError("no mark %r in:\n%s" % (label, self.output[-6000:]))

    def end(self):
        """The snapshot taken at the end of the run."""
        for event in self.events:
            if event["event"] == "end":
                return event["snapshot"]
        raise AssertionError("the run did not end normally (rc %s):\n%s" % (self.rc, self.output[-6000:]))

    def cases(self):
        """{case id: dict(records, before, after)}: the results recorded while each ``case:<id>`` ran, and the
        snapshots when it started and when the next case started (or the run ended)."""
        cases, order, current = {}, [], None
        for event in self.events:
            if event["event"] in ("mark", "end") and current is not None:
                cases[current]["after"] = event["snapshot"]
                current = None
            if event["event"] == "mark" and event.get("case"):
                current = event["label"]
                order.append(current)
                cases[current] = dict(records=[], before=event["snapshot"], after=None)
            elif event["event"] == "result" and current is not None:
                cases[current]["records"].append(event)
        return cases

    @property
    def recap(self):
        totals = dict(ok=0, changed=0, unreachable=0, failed=0)
        for match in re.finditer(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", self.output):
            for key, value in zip(("ok", "changed", "unreachable", "failed"), match.groups()):
                totals[key] += int(value)
        return totals


class Runner(object):
    """Run playbooks against ``lab`` with the lab inventory and the recorder, from ``workdir``."""

    def __init__(self, lab, workdir):
        self.lab = lab
        self.workdir = str(workdir)
        self.count = 0

    def env(self, record_file, extra=None):
        env = dict(os.environ)
        env.update(
            ANSIBLE_COLLECTIONS_PATH=collections_path(),
            LAB_STATE_DIR=self.lab.state_dir,
            ANSIBLE_CALLBACK_PLUGINS=CALLBACKS,
            ANSIBLE_CALLBACKS_ENABLED=RECORDER,
            LAB_RECORDER_FILE=record_file,
            LAB_RECORDER_STATE=self.lab.state_dir,
            LAB_RECORDER_LABKIT=TESTS,
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_PERSISTENT_COMMAND_TIMEOUT="60",
            ANSIBLE_LOCAL_TEMP=os.path.join(self.workdir, "ansible-tmp"),
            # the collection's per-appliance write lock (plugins/module_utils/_esa/lock.py), next to the lab
            MAILOPS_ESA_LOCK_DIR=os.path.join(self.lab.state_dir, "esa-locks"),
        )
        env.update(extra or {})
        return env

    def run(self, plays, name="play", extra_vars=None, args=(), env=None, timeout=900, cwd=None):
        """``plays``: a list of plays (written as JSON) or the path of a playbook file."""
        self.count += 1
        stem = os.path.join(self.workdir, "%s-%d" % (name, self.count))
        record_file = stem + ".events.jsonl"
        if isinstance(plays, str):
            playbook = plays
        else:
            playbook = stem + ".yml"
            with open(playbook, "w") as handle:
                json.dump(plays, handle, indent=1)
        cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", INVENTORY, playbook]
        if extra_vars is not None:
            vars_file = stem + ".vars.json"
            with open(vars_file, "w") as handle:
                json.dump(extra_vars, handle)
            cmd += ["-e", "@%s" % vars_file]
        cmd += list(args)
        start = time.monotonic()
        proc = subprocess.run(cmd, env=self.env(record_file, env), cwd=cwd or self.workdir, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout, check=False)
        seconds = time.monotonic() - start
        events = []
        if os.path.exists(record_file):
            with open(record_file) as handle:
                events = [json.loads(line) for line in handle if line.strip()]
        with open(stem + ".out", "w") as handle:
            handle.write(proc.stdout + proc.stderr)
        return Run(proc, events, seconds)


# -- plays ---------------------------------------------------------------------------------------------------------
EXO_DEFAULTS = dict((option, "{{ exo_%s }}" % option)
                    for option in ("tenant_id", "client_id", "client_secret", "base_url", "authority", "ca_path"))
DNS_DEFAULTS = dict(server="{{ lab.dns.server }}", port="{{ lab.dns.port }}", key_name="{{ lab.dns.key_name }}",
                    key_secret="{{ lab.dns.key_secret }}")


def play(name, hosts, tasks, module_defaults=None, **keywords):
    data = dict(name=name, hosts=hosts, gather_facts=False, tasks=tasks)
    if module_defaults:
        data["module_defaults"] = module_defaults
    data.update(keywords)
    return data


def esa_play(name, tasks, **keywords):
    return play(name, "esa_gateways", tasks, **keywords)


def tenant_play(name, tasks, **keywords):
    """A play on the lab tenant (local connection) with the Exchange and DNS credentials as module defaults."""
    return play(name, "m365_tenants", tasks, module_defaults={"group/mailops.secure_email.exo": EXO_DEFAULTS,
                                                              "group/mailops.secure_email.dns": DNS_DEFAULTS},
                **keywords)


def mark(label, **extra):
    """A no-op task whose start the recorder snapshots (``Run.mark(label)``)."""
    task = {"name": "mark:%s" % label, "ansible.builtin.debug": {"msg": label}}
    task.update(extra)
    return task


def failure_text(record):
    """Everything a failed result says: msg, the argument-spec errors, stderr and exception fields."""
    result = record.get("result") or {}
    parts = [str(result.get("msg") or "")]
    for key in ("argument_errors", "module_stderr", "module_stdout", "exception", "stderr"):
        if result.get(key):
            parts.append(key + ": " + (json.dumps(result[key]) if not isinstance(result[key], str) else result[key]))
    failed = result.get("ansible_failed_result")
    if isinstance(failed, dict):
        parts.append(failure_text(dict(result=failed)))
    return "\n".join(p for p in parts if p)


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """One lab per pytest process (xdist worker), shared by tests/faults and tests/badinput."""
    lab = shared_lab(tmp_path_factory)
    try:
        yield lab
    finally:
        release_lab()
