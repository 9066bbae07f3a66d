# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark of the roles against the lab (``make bench``; see bench/README.md).

For each size N (default 1, 10, 100 domains) it starts a fresh lab, seeds the DNS, and runs the
playbooks inbound.yml, outbound.yml and cutover.yml of the collection under test:

* check: each playbook with --check, just before its converge (so the plan is full: the gateway
  and tenant objects of that playbook do not exist yet, the DNS is not cut over yet);
* converge: each playbook for real;
* noop: all three again (must report changed=0 and write nothing).

Then, on another fresh lab, the naive baseline (bench/playbooks/naive.yml: the objects of
inbound.yml and outbound.yml, one task per object, each committing on its own): converge and
no-op re-run (at every N unless --naive-noop-max-size limits it).

Every playbook run is timed and gets the deltas of the lab's counters (ESA logins, CLI lines
received, commits, writes, configuration reads; Exchange HTTP requests and writes; BIND queries
and updates) and the most configuration reads of one command within one gateway login. The
results go to bench/results.md (tables, ratios, targets) and bench/results/*.json (raw).
Run it with the Python of the venv that has ansible-core (it needs ansible-playbook and dnspython).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(BENCH_DIR)
ROLE_PLAYBOOKS = ("inbound", "outbound", "cutover")
ZONE = "example.test"

# The welcome-letter tree of the lab gateway (the lab's BIND serves the hc4321-12.iphmx.com hosts).
CES = {
    "mx_hosts": ["mx1.hc4321-12.iphmx.com", "mx2.hc4321-12.iphmx.com"],
    "gateway_ips": ["198.51.100.105", "198.51.100.143", "203.0.113.186", "203.0.113.98"],
    "outbound_relay_host": "ob1.hc4321-12.iphmx.com",
    "spf_mechanism": "exists:%{i}.spf.hc4321-12.iphmx.com",
}
SEED_SPF = "v=spf1 include:spf.protection.outlook.com -all"

# Targets of the issue.
MAX_LOGINS_PER_ROLE_RUN = 1
MAX_COMMITS_PER_ROLE_RUN = 1
MAX_NOOP_TIME_RATIO = 1.5
MIN_ROUND_TRIP_RATIO = 5.0
# Targets of the roles-at-scale issue, at N=100: the whole site.yml planned (--check) on a fresh lab, the converge
# of the three playbooks, and a stricter round-trip ratio.
MAX_SITE_CHECK_SECONDS = 60.0
MAX_CONVERGE_SECONDS = 300.0
MIN_ROUND_TRIP_RATIO_AT_SCALE = 10.0
# The MSP scenario: tenants x domains per tenant, shared gateways (python -m lab msp).
MSP_SCENARIO = (20, 5, 2)

# Checks of the read path (PASS/FAIL, evaluated from the measured runs).
# (a) configuration reads of one source (one configuration command: showconfig, smtproutes, destconfig, ...)
#     per gateway login: a plan needs one read per source; a converge one more, to read back after its commit.
MAX_READS_PER_SOURCE = {"check": 1, "noop": 1, "converge": 2}
# (c) the gateway plays of the inbound.yml + outbound.yml check runs at the largest N, in seconds.
MAX_ESA_CHECK_SECONDS = 30.0
ESA_HOSTS = ("esa1",)  # the lab inventory's gateway host (group esa_gateways)

# Columns of the tables: (key in a run record, header).
COLUMNS = [
    ("wall_s", "wall s"),
    ("changed", "changed"),
    ("esa_logins", "gateway logins"),
    ("esa_lines", "CLI round trips"),
    ("esa_commits", "commits"),
    ("esa_writes", "ESA writes"),
    ("esa_config_reads", "config reads"),
    ("esa_reads_max", "max reads/login"),
    ("exo_http", "HTTP calls"),
    ("exo_writes", "Exchange writes"),
    ("dns_queries", "DNS queries"),
    ("dns_updates", "DNS updates"),
]
SUMMED = [column[0] for column in COLUMNS]
MAXED = ("esa_reads_max",)  # a maximum: the "total" row shows the largest value, not a sum


class BenchError(Exception):
    """A failed step: printed, exit code 1."""


def log(message):
    print("== bench: " + message, flush=True)


def domain_names(size):
    return ["d%03d.%s" % (index, ZONE) for index in range(1, size + 1)]


def m365_host(domain):
    return domain.replace(".", "-") + ".mail.protection.outlook.com"


# ---------------------------------------------------------------------------------------------
# The lab


class Lab:
    """One lab (ESA, Exchange, BIND) in its own state directory, driven through ``python -m lab``."""

    def __init__(self, state_root, label):
        os.makedirs(state_root, exist_ok=True)
        self.state = tempfile.mkdtemp(prefix="bench-%s-" % label, dir=state_root)
        self.up_done = False

    def lab(self, *args):
        command = [sys.executable, "-m", "lab"] + list(args) + ["--state-dir", self.state]
        result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            message = (result.stderr or result.stdout or "").strip()
            raise BenchError("python -m lab %s failed (exit %d): %s" % (args[0], result.returncode, message))
        return result.stdout

    def up(self):
        self.up_done = True
        self.lab("up", "--esa-port", "0", "--dns-port", "0")
        status = self.status()
        for part in ("esa", "dns", "exo"):
            if not status[part].get("running"):
                raise BenchError("the lab's %s part is not running (is BIND installed? `make bind`)" % part)
        return status

    def down(self):
        if self.up_done:
            subprocess.run([sys.executable, "-m", "lab", "down", "--state-dir", self.state], cwd=REPO_ROOT,
                           capture_output=True, text=True, check=False)

    def remove(self):
        shutil.rmtree(self.state, ignore_errors=True)

    def status(self):
        return json.loads(self.lab("status", "--json"))

    def dns_secret(self):
        return self.lab("dns", "secret").strip()

    def config(self):
        return json.loads(self.lab("config"))

    def counters(self):
        """The counters that the bench reports, from one ``status --json``."""
        status = self.status()
        esa, exo, dns = status["esa"]["counters"], status["exo"]["counters"], status["dns"]["counters"]
        return {
            "esa_logins": esa["logins"],
            "esa_sessions": esa["sessions"],
            "esa_lines": esa["lines_received"],
            "esa_commits": esa["commits"],
            "esa_writes": esa["writes"],
            "esa_lost_uncommitted": esa["lost_uncommitted"],
            "esa_config_reads": sum((esa.get("config_reads") or {}).values()),
            # a maximum per command since the last `reset --read-max-only` (Runner.run does one before each run)
            "esa_reads_max_per_login": dict(esa.get("config_reads_max_per_login") or {}),
            "exo_http": exo["http_requests"],
            "exo_tokens": exo["token_requests"],
            "exo_invoke": exo["invoke_calls"],
            "exo_reads": exo["reads"],
            "exo_writes": exo["writes"],
            "exo_validations": exo["validations"],
            "dns_queries": sum(instance["queries"] for instance in dns.values()),
            "dns_updates": sum(instance["updates"] for instance in dns.values()),
            "dns_serials": status["dns"]["serials"],
        }

    def quiet_counters(self, timeout=5.0):
        """Counters once BIND's own traffic (NOTIFY, the secondary's SOA checks and transfers) is over:
        the serials agree and two readings 0.5 s apart are equal. Keeps that traffic out of the next run."""
        deadline = time.monotonic() + timeout
        last = self.counters()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = self.counters()
            serials = now["dns_serials"]
            if now == last and serials.get("primary") == serials.get("secondary"):
                return now
            last = now
        return last

    def seed_dns(self, domains, port):
        """Untimed setup: each domain starts on Exchange Online (MX 0 <tenant host>, Microsoft SPF), in one
        TSIG-signed dynamic update to the primary, and is an accepted domain of the lab tenant."""
        import dns.query  # dnspython, in the venv that runs the collection's DNS modules
        import dns.rcode
        import dns.tsig
        import dns.tsigkeyring
        import dns.update

        keyring = dns.tsigkeyring.from_text({"lab-update": self.dns_secret()})
        update = dns.update.UpdateMessage(ZONE, keyring=keyring, keyname="lab-update", keyalgorithm=dns.tsig.HMAC_SHA256)
        for domain in domains:
            update.replace(domain + ".", 3600, "MX", "0 %s." % m365_host(domain))
            update.replace(domain + ".", 3600, "TXT", '"%s"' % SEED_SPF)
        response = dns.query.tcp(update, "127.0.0.1", port=port, timeout=30)
        if response.rcode() != dns.rcode.NOERROR:
            raise BenchError("seeding the lab DNS failed: %s" % dns.rcode.to_text(response.rcode()))
        # The tenant accepts the domains (the inbound role's accepted-domains gate reads Get-AcceptedDomain).
        self.lab("exo", "seed", "--json", json.dumps({"accepted_domains": [
            {"DomainName": domain, "DomainType": "Authoritative", "Default": False, "InitialDomain": False,
             "MatchSubDomains": False} for domain in domains]}))


# ---------------------------------------------------------------------------------------------
# The collection under test, frozen for the whole run


SNAPSHOT_SKIP = {".git", ".build", ".lab", ".ansible", ".pytest_cache", ".mypy_cache", ".tox", "__pycache__", "dist"}


def snapshot_collection(collections_path, state_root):
    """Copy mailops.secure_email from ``collections_path`` into a new directory, so that every run of this bench
    uses one version of it while the working tree (or .build) keeps changing. Returns (the snapshot's
    collections directory, the source directory, a sha256 prefix of the roles, plugins, playbooks and meta)."""
    source = None
    for base in collections_path.split(os.pathsep):
        candidate = os.path.join(base, "ansible_collections", "mailops", "secure_email")
        if os.path.isdir(candidate):
            source = os.path.realpath(candidate)
            break
    if source is None:
        raise BenchError("no ansible_collections/mailops/secure_email under %s" % collections_path)

    def ignore(directory, names):
        skipped = {name for name in names if name in SNAPSHOT_SKIP or name.startswith(".venv") or name.endswith(".pyc")}
        relative = os.path.relpath(directory, source)
        if relative in ("bench", "tests"):
            skipped |= {"results", "output"} & set(names)
        return skipped

    os.makedirs(state_root, exist_ok=True)
    root = tempfile.mkdtemp(prefix="bench-collection-", dir=state_root)
    target = os.path.join(root, "ansible_collections", "mailops", "secure_email")
    shutil.copytree(source, target, ignore=ignore, symlinks=True)
    digest = hashlib.sha256()
    for top in ("roles", "plugins", "playbooks", "meta"):
        for directory, dirs, files in sorted(os.walk(os.path.join(target, top))):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(directory, name)
                digest.update(os.path.relpath(path, target).encode() + b"\0")
                with open(path, "rb") as handle:
                    digest.update(handle.read() + b"\0")
    return root, source, digest.hexdigest()[:12]


# ---------------------------------------------------------------------------------------------
# Playbook runs


RECAP_LINE = re.compile(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$")


def parse_recap(output):
    """PLAY RECAP -> {host: {"ok": n, "changed": n, ...}}; None when there is no recap."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("PLAY RECAP"):
            hosts = {}
            for rest in lines[index + 1:]:
                match = RECAP_LINE.match(rest.strip())
                if not match:
                    continue
                hosts[match.group(1)] = {key: int(value) for key, value in
                                         (pair.split("=") for pair in match.group(2).split())}
            return hosts
    return None


def task_times(lines, wall):
    """Seconds per task header (from one header line to the next, "start-up" before the first play), slowest
    first. A task in a loop or on two hosts counts once; include_tasks/include_role add their own header."""
    marks = [(0.0, "start-up (before the first play)")]
    for seconds, line in lines:
        match = re.match(r"^(TASK|PLAY|RUNNING HANDLER) \[(.*)\] \**$", line)
        if match:
            marks.append((seconds, match.group(2) if match.group(1) != "PLAY" else "play: " + match.group(2)))
        elif line.startswith("PLAY RECAP"):
            marks.append((seconds, "end"))
    durations = {}
    ends = [seconds for seconds, label in marks[1:]] + [wall]
    for (begin, name), end in zip(marks, ends):
        if name != "end":
            durations[name] = round(durations.get(name, 0.0) + end - begin, 2)
    return sorted(durations.items(), key=lambda item: -item[1])


def play_times(lines, wall):
    """Per play, in order: {"name", "seconds" (from its PLAY header to the next one or the recap), "hosts"
    (the hosts named in its task results)}."""
    plays = []
    for seconds, line in lines:
        match = re.match(r"^PLAY \[(.*)\] \**$", line)
        if match or line.startswith("PLAY RECAP"):
            if plays:
                plays[-1]["seconds"] = round(seconds - plays[-1]["start"], 2)
            if not match:
                break
            plays.append({"name": match.group(1), "start": seconds, "seconds": None, "hosts": set()})
            continue
        result = re.match(r"^(?:ok|changed|skipping|failed|fatal|included): \[([^\]]+)\]", line)
        if result and plays:
            plays[-1]["hosts"].add(result.group(1).split(" -> ")[0])
    if plays and plays[-1]["seconds"] is None:
        plays[-1]["seconds"] = round(wall - plays[-1]["start"], 2)
    return [{"name": play["name"], "seconds": play["seconds"], "hosts": sorted(play["hosts"])} for play in plays]


class Runner:
    def __init__(self, collections_path, log_dir):
        self.collections_path = collections_path  # the snapshot first, then the original path
        self.log_dir = log_dir
        bin_dir = os.path.dirname(sys.executable)
        self.env = dict(os.environ)
        self.env["PATH"] = bin_dir + os.pathsep + self.env.get("PATH", "")
        self.env.update({
            "ANSIBLE_COLLECTIONS_PATH": collections_path,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "PYTHONUNBUFFERED": "1",  # the log's timestamps need each line as soon as it is printed
        })
        self.ansible_playbook = shutil.which("ansible-playbook", path=self.env["PATH"])
        if not self.ansible_playbook:
            raise BenchError("ansible-playbook not found (run bench/run.py with the venv's python)")

    def collection_file(self, *parts):
        path = os.path.join(self.collections_path.split(os.pathsep)[0], "ansible_collections", "mailops",
                            "secure_email", *parts)
        if not os.path.exists(path):
            raise BenchError("%s not found in the collection under test" % os.path.join(*parts))
        return path

    def collection_playbook(self, name):
        return self.collection_file("playbooks", name + ".yml")

    def execute(self, command, log_name):
        """Run one ansible-playbook command; returns (lines, wall, recap). Each line carries the seconds since the
        start at which it arrived (the log shows them); a failed host or run raises BenchError."""
        log_path = os.path.join(self.log_dir, log_name + ".log")
        lines = []  # (seconds since start, line)
        start = time.monotonic()
        with subprocess.Popen(command, cwd=REPO_ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, text=True) as process:
            try:
                for line in process.stdout:
                    lines.append((time.monotonic() - start, line.rstrip("\n")))
            except BaseException:
                process.kill()  # interrupted (Ctrl-C, SIGTERM): do not wait for the playbook
                raise
        wall = time.monotonic() - start
        output = "\n".join(item[1] for item in lines)
        with open(log_path, "w", encoding="utf-8") as handle:
            handle.write("$ " + shlex.join(command) + "\n")
            handle.writelines("[%7.2f] %s\n" % item for item in lines)
        recap = parse_recap(output)
        if process.returncode != 0 or recap is None or any(h.get("failed") or h.get("unreachable") for h in recap.values()):
            tail = "\n".join(output.splitlines()[-40:])
            raise BenchError("%s failed (exit %d); log %s\n%s" % (log_name, process.returncode, log_path, tail))
        return lines, wall, recap, log_path

    def run(self, lab, playbook, vars_file, log_name, check=False):
        """Run one playbook against ``lab``; returns the record (time, recap, counter deltas)."""
        command = [self.ansible_playbook, "-i", os.path.join(lab.state, "inventory.yml"),
                   "-i", os.path.join(lab.state, "exo_inventory.yml"), "-e", "@" + vars_file, playbook]
        if check:
            command.append("--check")
        lab.lab("reset", "--read-max-only")  # config_reads_max_per_login of this run only
        before = lab.quiet_counters()
        lines, wall, recap, log_path = self.execute(command, log_name)
        after = lab.quiet_counters()
        record = {"playbook": os.path.basename(playbook), "check": check, "wall_s": round(wall, 2),
                  "changed": sum(h.get("changed", 0) for h in recap.values()), "recap": recap, "log": log_path,
                  "tasks": task_times(lines, wall), "plays": play_times(lines, wall)}
        for key, value in after.items():
            if key not in ("dns_serials", "esa_reads_max_per_login"):
                record[key] = value - before[key]
        record["dns_serials_after"] = after["dns_serials"]
        most = {name: count for name, count in after["esa_reads_max_per_login"].items() if count}
        record["esa_reads_max_per_login"] = most
        record["esa_reads_max"] = max(most.values(), default=0)
        log("  %-28s %7.1f s  changed=%-3d logins=%d lines=%d commits=%d writes=%d reads=%d (max %d/login) http=%d"
            " dns q=%d upd=%d" % (
                log_name, wall, record["changed"], record["esa_logins"], record["esa_lines"], record["esa_commits"],
                record["esa_writes"], record["esa_config_reads"], record["esa_reads_max"], record["exo_http"],
                record["dns_queries"], record["dns_updates"]))
        return record


def write_vars(lab, domains, status):
    """The vars file of one lab (mode 0600: it holds the TSIG secret and the outbound secret)."""
    port = status["dns"]["port"]
    data = {
        "secure_email_domains": [{"name": name} for name in domains],
        "ces": CES,
        "outbound_secret": "BenchLabSecret0123456789",  # a lab value, not a real secret
        "dns_cutover_server": "127.0.0.1",
        "dns_cutover_port": port,
        "dns_cutover_key_name": "lab-update",
        "dns_cutover_key_secret": lab.dns_secret(),
        "dns_cutover_settle": 1,
        "dns_cutover_fix_spf": True,
        "dns_cutover_state_dir": os.path.join(lab.state, "dns_cutover"),
        "dns_cutover_resolvers": ["127.0.0.1:%d" % port],
        # The README's settings for real appliances: one whole CLI dialogue (100 entries at N=100) must fit;
        # 0.02 s waited after each prompt instead of network_cli's 0.1 s.
        "ansible_command_timeout": 180,
        "ansible_buffer_read_timeout": 0.02,
    }
    path = os.path.join(lab.state, "bench_vars.json")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    return path


def check_gateway_objects(lab, domains):
    """After a converge: every bench domain has its destination control, RAT entry and SMTP route."""
    config = lab.config()["esa"]
    wanted = set(domains)
    routes = {entry["domain"] for entry in config["smtp_routes"]} & wanted
    dests = {entry["domain"] for entry in config["destination_controls"]} & wanted
    listener = [entry for entry in config["listeners"] if entry["name"] == "IncomingMail"][0]
    rat = {entry["address"] for entry in listener["rat"] if entry["action"] == "ACCEPT"} & wanted
    missing = {name: len(wanted - found) for name, found in (("routes", routes), ("destination controls", dests),
                                                             ("RAT entries", rat)) if found != wanted}
    if missing:
        raise BenchError("after the converge the gateway lacks %s" % missing)


def total(records):
    return {key: (max((record.get(key, 0) for record in records), default=0) if key in MAXED
                  else round(sum(record.get(key, 0) for record in records), 2)) for key in SUMMED}


def run_collection(size, runner, state_root, keep, noop_repeats):
    domains = domain_names(size)
    lab = Lab(state_root, "n%d" % size)
    try:
        status = lab.up()
        lab.seed_dns(domains, status["dns"]["port"])
        vars_file = write_vars(lab, domains, status)
        runs = {"check": [], "converge": [], "noop": []}
        # The whole guide planned at once on the fresh lab, as a user previews it (issue target: < 60 s at N=100).
        runs["site_check"] = runner.run(lab, runner.collection_playbook("site"), vars_file, "n%d-check-site" % size,
                                        check=True)
        for name in ROLE_PLAYBOOKS:
            playbook = runner.collection_playbook(name)
            runs["check"].append(runner.run(lab, playbook, vars_file, "n%d-check-%s" % (size, name), check=True))
            runs["converge"].append(runner.run(lab, playbook, vars_file, "n%d-converge-%s" % (size, name)))
            if name == "inbound":
                check_gateway_objects(lab, domains)
        # The no-op run is repeated (the wall time on a shared machine is noisy); the tables show the repeat
        # with the median total wall time, the raw JSON has all of them.
        runs["noop_repeats"] = []
        for repeat in range(1, noop_repeats + 1):
            runs["noop_repeats"].append([runner.run(lab, runner.collection_playbook(name), vars_file,
                                                    "n%d-noop%d-%s" % (size, repeat, name)) for name in ROLE_PLAYBOOKS])
        ordered = sorted(runs["noop_repeats"], key=lambda records: total(records)["wall_s"])
        runs["noop"] = ordered[(len(ordered) - 1) // 2]
        return runs
    finally:
        lab.down()
        if not keep:
            lab.remove()


def host_busy_times(lines):
    """Seconds each host spent on its tasks: for every task, from the task's header to that host's result line
    (with forks >= hosts, a host never waits for a fork slot, so this is its own time), summed over the run."""
    busy, task_start = {}, 0.0
    for seconds, line in lines:
        if re.match(r"^(TASK|RUNNING HANDLER) \[", line):
            task_start = seconds
            continue
        result = re.match(r"^(?:ok|changed|skipping|failed|fatal): \[([^\]]+)\]", line)
        if result:
            host = result.group(1).split(" -> ")[0]
            busy[host] = round(busy.get(host, 0.0) + seconds - task_start, 2)
    return busy


def msp_counters(data):
    """Summed counters of every gateway and tenant of the MSP lab (from their counter files)."""
    def read(path):
        if not os.path.exists(path):  # a lab writes its counters file on the first count
            return {}
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)

    totals = dict.fromkeys(("esa_logins", "esa_lines", "esa_commits", "esa_writes", "exo_http", "exo_writes"), 0)
    for gateway in data["gateways"].values():
        esa = read(os.path.join(gateway["state_dir"], "esa_counters.json"))
        for key, name in (("esa_logins", "logins"), ("esa_lines", "lines_received"), ("esa_commits", "commits"),
                          ("esa_writes", "writes")):
            totals[key] += esa.get(name, 0)
    for tenant in data["tenants"].values():
        exo = read(os.path.join(tenant["state_dir"], "exo_counters.json"))
        totals["exo_http"] += exo.get("http_requests", 0)
        totals["exo_writes"] += exo.get("writes", 0)
    return totals


def run_msp(runner, state_root, keep, tenants, per_tenant, gateways):
    """The MSP scenario: ``python -m lab msp up`` (K tenants x D domains, M shared gateways), then site.yml over
    its inventory: plan, converge, no-op, with forks = all hosts."""
    root = tempfile.mkdtemp(prefix="bench-msp-", dir=state_root)
    command = [sys.executable, "-m", "lab", "msp", "up", "--state-dir", root, "--tenants", str(tenants),
               "--gateways", str(gateways), "--domains", str(per_tenant)]
    try:
        result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BenchError("python -m lab msp up failed: %s" % (result.stdout + result.stderr).strip()[-2000:])
        with open(os.path.join(root, "msp.json"), encoding="utf-8") as handle:
            data = json.load(handle)
        runs = {}
        report_dir = os.path.join(root, "posture")
        for phase in ("check", "converge", "noop", "posture"):
            before = msp_counters(data)
            argv = [runner.ansible_playbook, "-i", os.path.join(root, "inventory"), "--forks", str(tenants + gateways)]
            if phase == "posture":  # the posture audit over the converged MSP lab: one report per tenant
                argv += [runner.collection_playbook("posture"), "-e", "posture_output_dir=" + report_dir]
            else:
                argv += [runner.collection_playbook("site")] + (["--check"] if phase == "check" else [])
            lines, wall, recap, log_path = runner.execute(argv, "msp-%s" % phase)
            after = msp_counters(data)
            busy = host_busy_times(lines)
            record = {"phase": phase, "wall_s": round(wall, 2), "log": log_path,
                      "changed": sum(h.get("changed", 0) for h in recap.values()),
                      "tenant_s": {host: busy.get(host, 0.0) for host in sorted(data["tenants"])},
                      "gateway_s": {host: busy.get(host, 0.0) for host in sorted(data["gateways"])}}
            record.update({key: after[key] - before[key] for key in after})
            if phase == "posture":
                with open(os.path.join(report_dir, "posture.json"), encoding="utf-8") as handle:
                    findings = json.load(handle).get("findings") or []
                record["findings"] = {severity: len([f for f in findings if f.get("severity") == severity])
                                      for severity in sorted(set(f.get("severity") for f in findings))}
                record["tenant_reports"] = len([name for name in os.listdir(os.path.join(report_dir, "tenants"))
                                                if name.endswith(".json")])
            runs[phase] = record
            tenant_times = sorted(record["tenant_s"].values())
            log("  msp-%-24s %7.1f s  changed=%-3d logins=%d lines=%d commits=%d writes=%d http=%d; per tenant"
                " %.1f-%.1f s" % (phase, wall, record["changed"], record["esa_logins"], record["esa_lines"],
                                  record["esa_commits"], record["esa_writes"], record["exo_http"], tenant_times[0],
                                  tenant_times[-1]))
        return {"tenants": tenants, "domains_per_tenant": per_tenant, "gateways": gateways, "runs": runs}
    finally:
        subprocess.run([sys.executable, "-m", "lab", "msp", "down", "--state-dir", root], cwd=REPO_ROOT,
                       capture_output=True, text=True, check=False)
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def run_naive(size, runner, state_root, keep, with_noop):
    domains = domain_names(size)
    lab = Lab(state_root, "naive-n%d" % size)
    try:
        status = lab.up()
        vars_file = write_vars(lab, domains, status)
        playbook = runner.collection_file("bench", "playbooks", "naive.yml")
        runs = {"converge": [runner.run(lab, playbook, vars_file, "n%d-naive-converge" % size)]}
        check_gateway_objects(lab, domains)
        runs["noop"] = [runner.run(lab, playbook, vars_file, "n%d-naive-noop" % size)] if with_noop else []
        return runs
    finally:
        lab.down()
        if not keep:
            lab.remove()


# ---------------------------------------------------------------------------------------------
# Analysis and report


def ratio(numerator, denominator):
    return numerator / denominator if denominator else None


def fmt_ratio(value):
    return "n/a (division by 0)" if value is None else "%.2f" % value


def evaluate(results):
    """The targets of the issue and the read-path checks (a), (b), (c): a list of (target, figure, verdict)."""
    sizes = sorted(results["sizes"], key=int)
    targets = []

    worst_login, worst_commit = None, None
    for size in sizes:
        collection = results["sizes"][size]["collection"]
        every = [("check", r) for r in collection["check"]] + [("converge", r) for r in collection["converge"]] + [
            ("noop", r) for records in collection["noop_repeats"] for r in records]
        for phase, record in every:
            where = "N=%s %s %s" % (size, phase, record["playbook"])
            if worst_login is None or record["esa_logins"] > worst_login[0]:
                worst_login = (record["esa_logins"], where)
            if worst_commit is None or record["esa_commits"] > worst_commit[0]:
                worst_commit = (record["esa_commits"], where)
    ok = worst_login[0] <= MAX_LOGINS_PER_ROLE_RUN and worst_commit[0] <= MAX_COMMITS_PER_ROLE_RUN
    targets.append(("<= 1 gateway login and <= 1 commit per appliance per role run (one appliance in the lab)",
                    "max logins %d (%s); max commits %d (%s)" % (worst_login + worst_commit),
                    "PASS" if ok else "MISSED"))

    figures, ok = [], True
    for size in sizes:
        repeats = results["sizes"][size]["collection"]["noop_repeats"]
        summed = total([record for records in repeats for record in records])
        writes = summed["esa_writes"] + summed["esa_commits"] + summed["exo_writes"] + summed["dns_updates"]
        if writes or summed["changed"]:
            ok = False
        figures.append("N=%s (%d no-op runs of the 3 playbooks): changed=%d, ESA writes %d, commits %d, Exchange writes %d,"
                       " DNS updates %d" % (size, len(repeats), summed["changed"], summed["esa_writes"],
                                            summed["esa_commits"], summed["exo_writes"], summed["dns_updates"]))
    targets.append(("a no-op run makes 0 writes (and reports changed=0)", "; ".join(figures),
                    "PASS" if ok else "MISSED"))

    targets.append(check_reads_per_login(results, sizes))
    targets.append(check_noop_time(results, sizes))

    large = sizes[-1]

    naive = results["sizes"][large].get("naive")
    for minimum in (MIN_ROUND_TRIP_RATIO, MIN_ROUND_TRIP_RATIO_AT_SCALE):
        name = ">= %dx fewer CLI round trips than the naive baseline at N=100 (converge, same objects)" % minimum
        if not naive:
            targets.append((name, "naive baseline not run", "NOT MEASURED"))
            continue
        collection_lines = sum(r["esa_lines"] for r in results["sizes"][large]["collection"]["converge"]
                               if r["playbook"] in ("inbound.yml", "outbound.yml"))
        naive_lines = naive["converge"][0]["esa_lines"]
        value = ratio(naive_lines, collection_lines)
        at = "" if large == "100" else " (NOT MEASURED at N=100: largest N in this run is %s)" % large
        figure = "N=%s: naive %d / collection %d = %s%s" % (large, naive_lines, collection_lines, fmt_ratio(value), at)
        targets.append((name, figure,
                        "PASS" if value is not None and value >= minimum and not at else
                        ("MISSED" if not at else "NOT MEASURED")))
    targets.append(check_esa_check_time(results, sizes))
    targets += check_scale_times(results, sizes)
    targets.append(check_msp(results))
    return targets


def check_scale_times(results, sizes):
    """The whole site.yml in check mode on a fresh lab, and the converge of the three playbooks, at N=100."""
    large = sizes[-1]
    at = "" if large == "100" else " (NOT MEASURED at N=100: largest N in this run is %s)" % large
    collection = results["sizes"][large]["collection"]
    out = []
    site = collection.get("site_check")
    name = "site.yml in check mode at N=100 (fresh lab, the whole guide planned) < %.0f s" % MAX_SITE_CHECK_SECONDS
    if site is None:
        out.append((name, "not run", "NOT MEASURED"))
    else:
        out.append((name, "N=%s: %.1f s (writes: ESA %d, Exchange %d, DNS updates %d)%s" % (
            large, site["wall_s"], site["esa_writes"], site["exo_writes"], site["dns_updates"], at),
            "NOT MEASURED" if at else ("PASS" if site["wall_s"] < MAX_SITE_CHECK_SECONDS and not (
                site["esa_writes"] or site["exo_writes"] or site["dns_updates"]) else "MISSED")))
    converge = total(collection["converge"])["wall_s"]
    out.append(("converge at N=100 (inbound.yml + outbound.yml + cutover.yml) < %.0f s" % MAX_CONVERGE_SECONDS,
                "N=%s: %.1f s (%s)%s" % (large, converge, " + ".join(
                    "%s %.1f s" % (r["playbook"], r["wall_s"]) for r in collection["converge"]), at),
                "NOT MEASURED" if at else ("PASS" if converge < MAX_CONVERGE_SECONDS else "MISSED")))
    return out


def check_msp(results):
    msp = results.get("msp")
    name = "MSP scenario (%d tenants x %d domains, %d gateways) reported, with per-tenant time" % MSP_SCENARIO
    if not msp:
        return name, "not run (--no-msp)", "NOT MEASURED"
    runs = msp["runs"]
    noop = runs["noop"]
    clean = noop["changed"] == 0 and not (noop["esa_writes"] or noop["esa_commits"] or noop["exo_writes"])
    times = sorted(runs["converge"]["tenant_s"].values())
    posture = runs.get("posture")
    audit = ("; posture audit %.1f s, per tenant %.1f-%.1f s" % (
        posture["wall_s"], min(posture["tenant_s"].values()), max(posture["tenant_s"].values()))) if posture else ""
    return (name, "check %.1f s, converge %.1f s, no-op %.1f s (changed %d, writes %d); converge per tenant %.1f-%.1f s"
            " (median %.1f s)%s" % (runs["check"]["wall_s"], runs["converge"]["wall_s"], noop["wall_s"],
                                    noop["changed"], noop["esa_writes"] + noop["exo_writes"], times[0], times[-1],
                                    times[len(times) // 2], audit),
            "REPORTED" if clean else "MISSED (the no-op run changed something)")


def collection_runs(results, sizes):
    """(size, phase, record) of every collection run: check, converge and every no-op repeat."""
    for size in sizes:
        collection = results["sizes"][size]["collection"]
        for phase in ("check", "converge"):
            for record in collection[phase]:
                yield size, phase, record
        for records in collection["noop_repeats"]:
            for record in records:
                yield size, "noop", record


def check_reads_per_login(results, sizes):
    """(a) configuration reads of one source (configuration command) per gateway login: <= 1 in no-op and check
    runs, <= 2 in converge runs (one read to plan, one read-back after the single commit)."""
    name = ("(a) configuration reads per gateway login: at most %d per source in no-op and check runs, at most %d per"
            " source in converge runs (one read to plan, one read-back after the single commit)"
            % (MAX_READS_PER_SOURCE["noop"], MAX_READS_PER_SOURCE["converge"]))
    worst = {}
    for size, phase, record in collection_runs(results, sizes):
        if "esa_reads_max_per_login" not in record:
            return name, "the runs have no read counters (lab without config_reads_max_per_login)", "NOT MEASURED"
        count, command = max(((n, c) for c, n in record["esa_reads_max_per_login"].items()), default=(0, "-"))
        if phase not in worst or count > worst[phase][0]:
            worst[phase] = (count, command, "N=%s %s" % (size, record["playbook"]))
    ok = all(worst[phase][0] <= MAX_READS_PER_SOURCE[phase] for phase in worst)
    figure = "; ".join("%s runs: max %d (%s, %s)" % (phase, worst[phase][0], worst[phase][2], worst[phase][1])
                       for phase in ("check", "noop", "converge") if phase in worst)
    return name, figure, "PASS" if ok else "FAIL"


def check_noop_time(results, sizes):
    """(b) no-op wall time at the largest N <= 1.5 x the no-op wall time at N = 1 (the 3 playbooks, median)."""
    large = sizes[-1]
    name = ("(b) no-op wall time at the largest N (N=%s) <= %.1f x no-op at N=1 (the 3 playbooks, median of %d no-op"
            " runs)" % (large, MAX_NOOP_TIME_RATIO, results["meta"]["noop_repeats"]))
    if "1" not in sizes or large == "1":
        return name, "this run has N=%s: needs N=1 and a larger N" % ", ".join(sizes), "NOT MEASURED"
    noop_small = total(results["sizes"]["1"]["collection"]["noop"])["wall_s"]
    noop_large = total(results["sizes"][large]["collection"]["noop"])["wall_s"]
    value = ratio(noop_large, noop_small)
    return (name, "N=%s %.1f s / N=1 %.1f s = %s" % (large, noop_large, noop_small, fmt_ratio(value)),
            "PASS" if value is not None and value <= MAX_NOOP_TIME_RATIO else "FAIL")


def esa_seconds(record):
    """Seconds of the gateway plays of one run (plays whose task results name only ESA hosts); None when the
    record has no per-play times."""
    plays = record.get("plays")
    if not plays:
        return None
    return round(sum(play["seconds"] or 0 for play in plays
                     if play["hosts"] and set(play["hosts"]) <= set(ESA_HOSTS)), 2)


def check_esa_check_time(results, sizes):
    """(c) the ESA part of check mode at the largest N (the gateway plays of the inbound.yml + outbound.yml check
    runs) takes under 30 s."""
    large = sizes[-1]
    name = ("(c) ESA part of check mode at the largest N (N=%s: the gateway plays of the inbound.yml + outbound.yml"
            " check runs) < %.0f s" % (large, MAX_ESA_CHECK_SECONDS))
    records = [record for record in results["sizes"][large]["collection"]["check"]
               if record["playbook"] in ("inbound.yml", "outbound.yml")]
    if len(records) != 2:
        return name, "the inbound.yml and outbound.yml check runs are not both in the results", "NOT MEASURED"
    parts = [esa_seconds(record) for record in records]
    whole = sum(record["wall_s"] for record in records)
    if None in parts:
        # no per-play times: the whole runs (Exchange plays and Ansible's start-up included) are an upper bound
        return (name, "no per-play times; whole runs %.1f s (an upper bound)" % whole,
                "PASS" if whole < MAX_ESA_CHECK_SECONDS else "NOT MEASURED")
    seconds = sum(parts)
    return (name, "%.1f s (%s; the whole runs %.1f s)" % (
        seconds, " + ".join("%s %.1f s" % (record["playbook"], part) for record, part in zip(records, parts)), whole),
        "PASS" if seconds < MAX_ESA_CHECK_SECONDS else "FAIL")


def table(rows):
    header = "| phase | run | " + " | ".join(column[1] for column in COLUMNS) + " |"
    lines = [header, "|" + "---|" * (len(COLUMNS) + 2)]
    for phase, name, record, bold in rows:
        cells = []
        for key in SUMMED:
            value = record[key]
            text = ("%.1f" % value) if key == "wall_s" else ("%d" % value)
            cells.append("**%s**" % text if bold else text)
        lines.append("| %s | %s | %s |" % (phase, name, " | ".join(cells)))
    return "\n".join(lines)


def render_msp(msp):
    """The MSP scenario's section: one row per phase, then the time of each tenant and gateway."""
    if not msp:
        return []
    runs = msp["runs"]
    out = ["## MSP scenario: %d tenants x %d domains, %d shared gateways" % (
        msp["tenants"], msp["domains_per_tenant"], msp["gateways"]), "",
        "`python -m lab msp up` (one Exchange lab per tenant, one ESA lab per gateway, one BIND), then"
        " `ansible-playbook -i <msp>/inventory playbooks/site.yml --forks %d` (docs/msp.md): plan, converge, no-op;"
        " then `playbooks/posture.yml` over the same inventory."
        " Per-host time: for every task, from its header to that host's result line, summed over the run." % (
            msp["tenants"] + msp["gateways"]), "",
        "| phase | wall s | changed | gateway logins | CLI round trips | commits | ESA writes | HTTP calls |"
        " Exchange writes | per tenant s (min / median / max) | per gateway s |",
        "|---|---|---|---|---|---|---|---|---|---|---|"]
    for phase in [name for name in ("check", "converge", "noop", "posture") if name in runs]:
        record = runs[phase]
        times = sorted(record["tenant_s"].values())
        out.append("| %s | %.1f | %d | %d | %d | %d | %d | %d | %d | %.1f / %.1f / %.1f | %s |" % (
            phase, record["wall_s"], record["changed"], record["esa_logins"], record["esa_lines"],
            record["esa_commits"], record["esa_writes"], record["exo_http"], record["exo_writes"], times[0],
            times[len(times) // 2], times[-1], ", ".join("%s %.1f" % item for item in sorted(record["gateway_s"].items()))))
    out += ["", "Converge time per tenant: " + ", ".join(
        "%s %.1f s" % item for item in sorted(runs["converge"]["tenant_s"].items())) + ".", ""]
    if "posture" in runs:
        posture = runs["posture"]
        out += ["Posture audit (`playbooks/posture.yml` over the converged MSP lab, one cross-tenant report and %d"
                " per-tenant reports): %.1f s; findings by severity %s; time per tenant: %s." % (
                    posture["tenant_reports"], posture["wall_s"], json.dumps(posture["findings"], sort_keys=True),
                    ", ".join("%s %.1f s" % item for item in sorted(posture["tenant_s"].items()))), ""]
    return out


def resumed_rows(meta):
    """The header row that says which sizes an earlier, resumed run measured (``--resume``)."""
    earlier = meta.get("resumed_from")
    if not earlier:
        return []
    return ["| resumed | the sizes N=%s were measured by the earlier run %s (%s UTC, git %s, sha256 `%s`, `%s`, %.0f s),"
            " which stopped in its MSP scenario; this run (`--resume`) measured what was missing |" % (
                ", ".join(earlier["sizes"]), earlier["run_id"], earlier["date"], earlier["commit"],
                earlier["collection_digest"], earlier["command"], earlier["duration_s"])]


def render(results, targets):
    meta = results["meta"]
    sizes = sorted(results["sizes"], key=int)
    out = ["# Benchmark results", "",
           "Generated by `bench/run.py` (see [README.md](README.md)). Every figure below was measured in the run",
           "described here; nothing is typed in by hand.", "",
           "| | |", "|---|---|",
           "| date (UTC) | %s |" % meta["date"],
           "| machine | %s, %s CPU(s) (nproc), %s |" % (meta["machine"], meta["nproc"], meta["cpu"]),
           "| python | %s |" % meta["python"],
           "| ansible-core | %s |" % meta["ansible_core"],
           "| collection under test | `%s` from `%s`, copied once at the start (git %s; sha256 of roles, plugins,"
           " playbooks, meta: `%s`) |" % (meta["collection_source"], meta["collections_path"], meta["commit"],
                                          meta["collection_digest"]),
           "| command | `%s` |" % meta["command"],
           "| duration of the whole bench | %.0f s |" % meta["duration_s"]]
    out += resumed_rows(meta) + [
        "",
        "**Caveat:** the machine has %s cores and other work (builds, tests, other engineers' runs) was running at"
        " the same time, and the lab itself (ESA simulator, Exchange gateway, two BIND instances) shares those"
        " cores with Ansible. Wall times are therefore noisy; the counters (logins, round trips, commits, writes,"
        " configuration reads, HTTP calls, DNS queries/updates) are exact and do not depend on load." % meta["nproc"], "",
        "## Targets", "",
        "| target | measured | result |", "|---|---|---|"]
    for target, figure, verdict in targets:
        out.append("| %s | %s | **%s** |" % (target, figure, verdict))
    missed = [item[0] for item in targets if item[2] != "PASS"]
    out += ["", ("Missed or not measured: " + "; ".join(missed) + ". The figures are above.") if missed
            else "All targets met.", ""]

    out += ["## Ratios", "",
            "| N | CLI round trips naive / collection (converge, inbound+outbound) | commits naive / collection |"
            " wall time naive / collection (converge, inbound+outbound) | no-op wall time N / N=%s |" % sizes[0],
            "|---|---|---|---|---|"]
    noop_small = total(results["sizes"][sizes[0]]["collection"]["noop"])["wall_s"]
    for size in sizes:
        data = results["sizes"][size]
        same = [r for r in data["collection"]["converge"] if r["playbook"] in ("inbound.yml", "outbound.yml")]
        coll = total(same)
        noop = total(data["collection"]["noop"])["wall_s"]
        if data.get("naive"):
            naive = data["naive"]["converge"][0]
            cells = (fmt_ratio(ratio(naive["esa_lines"], coll["esa_lines"])),
                     fmt_ratio(ratio(naive["esa_commits"], coll["esa_commits"])),
                     fmt_ratio(ratio(naive["wall_s"], coll["wall_s"])))
        else:
            cells = ("not run",) * 3
        out.append("| %s | %s | %s | %s | %s |" % ((size,) + cells + (fmt_ratio(ratio(noop, noop_small)),)))
    out += ["", "No-op wall time per playbook, N=%s vs N=%s: " % (sizes[-1], sizes[0]) + "; ".join(
        "%s %.1f s vs %.1f s (x%s)" % (
            small["playbook"], large["wall_s"], small["wall_s"], fmt_ratio(ratio(large["wall_s"], small["wall_s"])))
        for small, large in zip(results["sizes"][sizes[0]]["collection"]["noop"],
                                results["sizes"][sizes[-1]]["collection"]["noop"])) + ".", "",
            "No-op runs (total wall time of the three playbooks; the tables and targets use the median): " + "; ".join(
                "N=%s: %s s" % (size, ", ".join("%.1f" % total(records)["wall_s"]
                                                for records in results["sizes"][size]["collection"]["noop_repeats"]))
                for size in sizes) + ".", ""]

    for size in sizes:
        data = results["sizes"][size]
        rows = []
        if data["collection"].get("site_check"):
            rows.append(("plan", "site.yml --check (fresh lab)", data["collection"]["site_check"], False))
        for phase in ("check", "converge", "noop"):
            for record in data["collection"][phase]:
                rows.append((phase, record["playbook"], record, False))
            rows.append((phase, "**total**", total(data["collection"][phase]), True))
        if data.get("naive"):
            for phase in ("converge", "noop"):
                for record in data["naive"][phase]:
                    rows.append(("naive " + phase, "bench/playbooks/naive.yml", record, False))
        out += ["## N = %s" % size, "", table(rows), ""]
        if data.get("naive"):
            naive = data["naive"]["converge"][0]
            out += ["Naive converge: %d object tasks (3 per domain, 4 outbound gateway including the S15 check, 3 Exchange),"
                    " %.2f s per object task on average." % (naive["objects"], naive["wall_s"] / naive["objects"])
                    + ("" if data["naive"]["noop"] else " The naive no-op run was not made at this N"
                       " (`--naive-noop-max-size %s`)." % results["meta"].get("naive_noop_max_size")), ""]

    out += render_msp(results.get("msp"))
    large = sizes[-1]
    out += ["## Where the time goes (N = %s)" % large, "",
            "The slowest task headers of each run (seconds from one header to the next in the timestamped log, so a"
            " looped task counts all its items; start-up = Ansible before the first play).", "",
            "| phase | run | slowest tasks |", "|---|---|---|"]
    collection = results["sizes"][large]["collection"]
    for phase, records in [(phase, collection[phase]) for phase in ("check", "converge", "noop")] + [
            ("naive " + phase, records) for phase, records in results["sizes"][large].get("naive", {}).items()]:
        for record in records:
            slow = "; ".join("%s %.1f s" % (name.replace("|", "/"), seconds) for name, seconds in record["tasks"][:4])
            out.append("| %s | %s | %s |" % (phase, record["playbook"], slow))
    out.append("")

    out += ["## How it was measured", "",
            "* One fresh lab per N for the collection and another for the naive baseline (`python -m lab up` with"
            " free ports). Before the timed runs, each domain `dNNN.example.test` gets MX"
            " `0 dNNN-example-test.mail.protection.outlook.com.` and SPF `%s` in one TSIG-signed update." % SEED_SPF,
            "* Collection runs: `ansible-playbook -i <lab>/inventory.yml -i <lab>/exo_inventory.yml -e @<vars>"
            " <collection>/playbooks/{inbound,outbound,cutover}.yml`, gateway side on `esa_gateways` (esa1), tenant and"
            " DNS side on `m365_tenants` (tenant1). Order: for each playbook `--check` then the converge; then the three"
            " again as the no-op run (repeated %d times; the tables show the repeat with the median total wall time)."
            " So each check run plans everything of its playbook (nothing of it exists yet),"
            " and cutover's check runs after the gateway and tenant objects exist, as its preflight gates require."
            % meta["noop_repeats"],
            "* The collection is copied once at the start (see the table above) and every run uses that copy, so edits"
            " to the working tree during the bench do not mix versions. The vars file also sets"
            " `ansible_command_timeout: 180` and `ansible_buffer_read_timeout: 0.02`, the README's settings for real"
            " appliances.",
            "* Naive baseline: `bench/playbooks/naive.yml`, the objects of inbound.yml and outbound.yml with one task"
            " per object (loops over the domains), each ESA task with `state: merged` and `commit: true`; then the same"
            " playbook again (naive no-op, %s). The DNS cutover has no"
            " naive variant, so round-trip and commit ratios"
            " compare the naive run with the collection's inbound.yml +"
            " outbound.yml converge." % ("at every N" if meta.get("naive_noop_max_size") is None else
                                         "only for N <= %d, `--naive-noop-max-size`" % meta["naive_noop_max_size"]),
            "* Wall time: the `ansible-playbook` process, start to exit (includes Ansible's start-up, about 2-4 s per"
            " run here). Each run is one role run per host (one play per side of the role).",
            "* Counters (`python -m lab status --json`, deltas around each run, read after BIND's own NOTIFY/transfer"
            " traffic settled): gateway logins = `esa.logins`; CLI round trips = `esa.lines_received` (lines the client"
            " sent: commands, answers, pager keys); commits = `esa.commits`; ESA writes = `esa.writes`; HTTP calls ="
            " `exo.http_requests` (token + InvokeCommand); Exchange writes = `exo.writes`; config reads = the sum of"
            " `esa.config_reads` (invocations of a configuration command - showconfig, smtproutes, destconfig,"
            " listenerconfig, filters, sslconfig, ... - that changed nothing); max reads/login ="
            " the largest value of `esa.config_reads_max_per_login` (the most reads of one command within one gateway"
            " login), zeroed before each run with `python -m lab reset --read-max-only`, so it is that run's own;"
            " the total row shows the largest run. DNS queries / updates ="
            " `queries` / `updates` summed over both BIND instances (queries include the secondary's SOA checks after"
            " a NOTIFY, so DNS updates add a few queries of their own).",
            "* Raw data: `bench/results/bench-<date>.json` and the Ansible output of every run in"
            " `bench/results/logs/<date>/` (not committed).", ""]
    return "\n".join(out)


def machine_info(collections_path, source, digest):
    def output(command):
        try:
            return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return ""

    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    core = output([sys.executable, "-c", "import ansible.release as r; print(r.__version__)"]) or "unknown"
    commit = output(["git", "-C", source, "rev-parse", "--short", "HEAD"])
    if not commit and output(["git", "-C", REPO_ROOT, "rev-parse", "--short", "HEAD"]):
        # `make tree` copies the working tree into a new git directory without history: name the repository's HEAD
        source = REPO_ROOT
        commit = output(["git", "-C", source, "rev-parse", "--short", "HEAD"])
    if not commit:
        commit = "commit unknown"
    elif output(["git", "-C", source, "status", "--porcelain", "--", "roles", "plugins", "playbooks", "meta"]):
        commit = "commit %s with uncommitted changes in roles/plugins/playbooks/meta" % commit
    else:
        commit = "commit %s" % commit
    return {"nproc": os.cpu_count(), "cpu": cpu, "machine": "%s %s" % (platform.system(), platform.machine()),
            "python": platform.python_version(), "ansible_core": core, "collections_path": collections_path,
            "collection_source": source, "collection_digest": digest, "commit": commit}


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Benchmark the roles against the lab (see bench/README.md).")
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "1,10,100"),
                        help="comma-separated numbers of domains (env BENCH_SIZES, default 1,10,100)")
    parser.add_argument("--collections-path", default=None,
                        help="collections path holding mailops.secure_email (env BENCH_COLLECTIONS_PATH, else"
                             " ANSIBLE_COLLECTIONS_PATH, else <repo>/.build/collections)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    parser.add_argument("--resume", default=None,
                        help="an earlier run's bench/results/bench-<id>.partial.json: keep its sizes, run the rest")
    parser.add_argument("--no-msp", action="store_true",
                        help="skip the MSP scenario (%d tenants x %d domains, %d gateways)" % MSP_SCENARIO)
    parser.add_argument("--noop-repeats", type=int, default=3, help="how often the no-op run is repeated (default 3)")
    parser.add_argument("--naive-noop-max-size", type=int, default=None,
                        help="re-run the naive baseline (naive no-op) only up to this N (default: at every N)")
    parser.add_argument("--output", default=os.path.join(BENCH_DIR, "results.md"), help="the report (Markdown)")
    parser.add_argument("--raw-dir", default=os.path.join(BENCH_DIR, "results"), help="raw JSON and logs")
    parser.add_argument("--state-root", default=os.path.join(REPO_ROOT, ".lab"),
                        help="parent of the labs' state directories (default <repo>/.lab)")
    parser.add_argument("--keep-state", action="store_true", help="keep the labs' state directories")
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(item) for item in args.sizes.split(",") if item.strip()})
    except ValueError:
        parser.error("--sizes: comma-separated integers, got %r" % args.sizes)
    if not args.sizes or args.sizes[0] < 1 or args.sizes[-1] > 999:
        parser.error("--sizes: between 1 and 999 domains")
    if args.noop_repeats < 1:
        parser.error("--noop-repeats: at least 1")
    args.collections_path = (args.collections_path or os.environ.get("BENCH_COLLECTIONS_PATH")
                             or os.environ.get("ANSIBLE_COLLECTIONS_PATH")
                             or os.path.join(REPO_ROOT, ".build", "collections"))
    return args


def command_line(args, argv):
    invoked = os.environ.get("BENCH_INVOKED_BY")  # set by `make bench`
    if invoked:
        override = os.environ.get("BENCH_COLLECTIONS_PATH")
        return ("BENCH_COLLECTIONS_PATH=%s " % shlex.quote(override) if override else "") + invoked
    env = "BENCH_COLLECTIONS_PATH=%s " % shlex.quote(args.collections_path)
    return env + shlex.join([os.path.relpath(sys.executable, REPO_ROOT), os.path.relpath(__file__, REPO_ROOT)] + argv)


def terminated(signum, _frame):
    raise BenchError("terminated by signal %d" % signum)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, terminated)  # so that the labs are stopped on the way out
    started = time.monotonic()
    stamp = datetime.datetime.now(datetime.timezone.utc)
    run_id = stamp.strftime("%Y%m%dT%H%M%SZ")
    log_dir = os.path.join(args.raw_dir, "logs", run_id)
    os.makedirs(log_dir, exist_ok=True)
    results = {"sizes": {}}
    resumed = None
    if args.resume:
        # The sizes of an earlier run that stopped (its bench-<id>.partial.json): kept as measured, not run again.
        with open(args.resume, encoding="utf-8") as handle:
            resumed = json.load(handle)
        results["sizes"] = resumed["sizes"]
    snapshot = None
    try:
        snapshot, source, digest = snapshot_collection(args.collections_path, args.state_root)
        meta = machine_info(args.collections_path, source, digest)
        meta.update({"date": stamp.strftime("%Y-%m-%d %H:%M"), "command": command_line(args, argv), "run_id": run_id,
                     "noop_repeats": args.noop_repeats, "naive_noop_max_size": args.naive_noop_max_size})
        if resumed:
            earlier = resumed["meta"]
            started_at = datetime.datetime.strptime(earlier["run_id"], "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc)
            meta["resumed_from"] = {
                "run_id": earlier["run_id"], "date": earlier["date"], "commit": earlier["commit"],
                "collection_digest": earlier["collection_digest"], "command": earlier["command"],
                "sizes": sorted(resumed["sizes"], key=int),
                # the earlier run's sizes took from its start to the partial file's last write
                "duration_s": round(os.path.getmtime(args.resume) - started_at.timestamp(), 1)}
        results["meta"] = meta
        log("sizes %s, mailops.secure_email from %s (%s, sha256 %s) copied to %s, logs in %s"
            % (args.sizes, source, meta["commit"], digest, snapshot, log_dir))
        runner = Runner(snapshot + os.pathsep + args.collections_path, log_dir)
        for size in args.sizes:
            if str(size) in results["sizes"]:
                log("N=%d: measured by the resumed run %s" % (size, resumed["meta"]["run_id"]))
                continue
            log("N=%d: collection (check, converge, no-op)" % size)
            entry = {"domains": size,
                     "collection": run_collection(size, runner, args.state_root, args.keep_state, args.noop_repeats)}
            if not args.no_naive:
                with_noop = args.naive_noop_max_size is None or size <= args.naive_noop_max_size
                log("N=%d: naive baseline (converge%s)" % (size, ", no-op" if with_noop else ""))
                entry["naive"] = run_naive(size, runner, args.state_root, args.keep_state, with_noop)
                for record in entry["naive"]["converge"] + entry["naive"]["noop"]:
                    record["objects"] = 3 * size + 7
            results["sizes"][str(size)] = entry
            with open(os.path.join(args.raw_dir, "bench-%s.partial.json" % run_id), "w", encoding="utf-8") as handle:
                json.dump(results, handle, indent=2)  # what was measured so far, should a later size fail
        if not args.no_msp:
            log("MSP: %d tenants x %d domains, %d gateways (site.yml: check, converge, no-op)" % MSP_SCENARIO)
            results["msp"] = run_msp(runner, args.state_root, args.keep_state, *MSP_SCENARIO)
    except BenchError as exc:
        print("bench: error: %s" % exc, file=sys.stderr)
        return 1
    finally:
        if snapshot and not args.keep_state:
            shutil.rmtree(snapshot, ignore_errors=True)
    meta["duration_s"] = round(time.monotonic() - started, 1)
    partial = os.path.join(args.raw_dir, "bench-%s.partial.json" % run_id)
    if os.path.exists(partial):
        os.remove(partial)
    targets = evaluate(results)
    results["targets"] = [{"target": t, "measured": f, "result": v} for t, f, v in targets]
    raw = os.path.join(args.raw_dir, "bench-%s.json" % run_id)
    with open(raw, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=2)
        handle.write("\n")
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(render(results, targets))
    log("wrote %s and %s (%.0f s)" % (args.output, raw, meta["duration_s"]))
    for target, figure, verdict in targets:
        log("%-12s %s: %s" % (verdict, target, figure))
    return 0


if __name__ == "__main__":
    sys.exit(main())
