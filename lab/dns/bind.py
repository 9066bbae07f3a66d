"""Run two real BIND instances (primary + secondary) for the lab zone.

Layout under ``<state>/dns/``::

    settings.json           ports, TSIG/rndc secrets (mode 600), zone name; kept across restarts
    dns.json                runtime: pids of the running instances
    tsig.key                the update key in BIND syntax (mode 600), for nsupdate -k
    primary/named.conf      primary instance (127.0.0.1:<port>), dynamic zone, NOTIFY to the secondary
    primary/transfer.conf   allow-transfer of the zone (toggled by hold/release)
    primary/<zone>.zone     zone file (+ .jnl journal of the dynamic updates)
    primary/named.log, query.log, update.log, named.stderr
    secondary/...           secondary instance ([::1]:<port> and 127.0.0.1:<secondary_port>)

BIND listens only on addresses that an interface has, and loopback usually has just 127.0.0.1 and ::1,
so the two instances share the port number on different address families: the primary (ns1) on
127.0.0.1:<port>, the secondary (ns2) on [::1]:<port>. NS + glue therefore lead a client to both
instances on one port, over IPv4 and IPv6. The secondary also listens on 127.0.0.1:<secondary_port>
(NOTIFY target, and for hosts without IPv6 loopback).
"""

import base64
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from ..procs import pid_alive

ZONE = "example.test"
KEY_NAME = "lab-update"
KEY_ALGORITHM = "hmac-sha256"
XFR_KEY_NAME = "lab-xfr"
RNDC_KEY_NAME = "rndc-key"
PRIMARY_ADDRESS = "127.0.0.1"
SECONDARY_ADDRESS6 = "::1"
DEFAULT_PORT = 5300
INSTANCES = ("primary", "secondary")
# generous: a loaded 2-core machine can be slow to start both instances
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
# The gateway allocation used in docs and tests (CES welcome letters name hosts mx1/mx2.<alloc>.iphmx.com).
GATEWAY_ALLOC = "hc4321-12"
# The primary also serves the lab gateway's host names (static, rewritten at every start; lab choice), so the
# dns_cutover "gateway MX hosts resolve" gate and the lab welcome letter (inventories/lab) work offline. The
# addresses are the letter's inbound gateway IPs (documentation ranges, RFC 5737).
GATEWAY_ZONE = GATEWAY_ALLOC + ".iphmx.com"
GATEWAY_HOSTS = (("mx1", "198.51.100.105"), ("mx1", "198.51.100.143"),
                 ("mx2", "203.0.113.186"), ("mx2", "203.0.113.98"), ("ob1", "198.51.100.25"))


class DNSLabError(Exception):
    """A user-facing error of the DNS lab."""


def default_dns_port():
    return int(os.environ.get("LAB_DNS_PORT") or DEFAULT_PORT)


def named_binary():
    for candidate in (shutil.which("named"), "/usr/sbin/named", "/usr/local/sbin/named"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def rndc_binary():
    for candidate in (shutil.which("rndc"), "/usr/sbin/rndc", "/usr/local/sbin/rndc"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
            sock.bind((SECONDARY_ADDRESS6, 0))
        return True
    except OSError:
        return False


def _port_free(address, port):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(family, kind) as sock:
            try:
                sock.bind((address, port))
            except OSError:
                return False
    return True


def _free_port(addresses):
    for _attempt in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((PRIMARY_ADDRESS, 0))
            port = sock.getsockname()[1]
        if all(_port_free(address, port) for address in addresses):
            return port
    raise DNSLabError("no free port found on %s" % ", ".join(addresses))


def tenant_mx_host(zone):
    return zone.replace(".", "-") + ".mail.protection.outlook.com"


def zone_text(zone=ZONE, with_ipv6=True):
    """The lab zone as first loaded (serial 1): the tenant's mail still goes straight to Exchange Online."""
    lines = [
        "$ORIGIN %s." % zone,
        "$TTL 3600",
        "@\t3600\tIN\tSOA\tns1.%s. hostmaster.%s. 1 60 30 86400 60" % (zone, zone),
        "@\t3600\tIN\tNS\tns1.%s." % zone,
        "@\t3600\tIN\tNS\tns2.%s." % zone,
        "@\t3600\tIN\tMX\t0 %s." % tenant_mx_host(zone),
        "@\t3600\tIN\tTXT\t\"v=spf1 include:spf.protection.outlook.com -all\"",
        "_dmarc\t3600\tIN\tTXT\t\"v=DMARC1; p=quarantine; pct=100; rua=mailto:dmarc-reports@%s\"" % zone,
        "ns1\t3600\tIN\tA\t%s" % PRIMARY_ADDRESS,
        # Without IPv6 loopback the secondary is reachable only on its own IPv4 port (see the module docstring).
        ("ns2\t3600\tIN\tAAAA\t%s" % SECONDARY_ADDRESS6) if with_ipv6 else ("ns2\t3600\tIN\tA\t%s" % PRIMARY_ADDRESS),
    ]
    lines += [
        "; a second mail domain of the tenant (a subdomain, so one dynamic zone serves both; lab choice)",
        "sales\t3600\tIN\tMX\t0 %s." % tenant_mx_host("sales." + zone),
        "sales\t3600\tIN\tTXT\t\"v=spf1 include:spf.protection.outlook.com -all\"",
        "www\t3600\tIN\tA\t192.0.2.80",
        "relay\t3600\tIN\tA\t192.0.2.25",
        "; nested SPF includes inside the lab zone (resolvable by mail_dns_info against the lab)",
        "_spf\t3600\tIN\tTXT\t\"v=spf1 ip4:192.0.2.0/24 include:_spf2.%s ~all\"" % zone,
        "_spf2\t3600\tIN\tTXT\t\"v=spf1 a:relay.%s mx ip6:2001:db8::/32 ~all\"" % zone,
    ]
    return "\n".join(lines) + "\n"


def gateway_zone_text():
    """The lab gateway's zone (<alloc>.iphmx.com): the MX hosts and the outbound relay host of the lab letter."""
    lines = [
        "$ORIGIN %s." % GATEWAY_ZONE,
        "$TTL 3600",
        "@\t3600\tIN\tSOA\tns1.%s. hostmaster.%s. 1 60 30 86400 60" % (ZONE, ZONE),
        "@\t3600\tIN\tNS\tns1.%s." % ZONE,
    ]
    lines += ["%s\t3600\tIN\tA\t%s" % (host, address) for host, address in GATEWAY_HOSTS]
    return "\n".join(lines) + "\n"


def _secret():
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _write(path, text, mode=0o644):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, mode)


def _read_json(path, default):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return default


class BindLab:
    """The DNS part of one lab state directory."""

    def __init__(self, state_path):
        self.path = os.path.join(os.path.abspath(state_path), "dns")

    def file(self, *parts):
        return os.path.join(self.path, *parts)

    # -- settings / runtime ---------------------------------------------------------
    def settings(self):
        return _read_json(self.file("settings.json"), None)

    def runtime(self):
        return _read_json(self.file("dns.json"), None)

    def running(self):
        info = self.runtime()
        if not info:
            return None
        if all(pid_alive(info.get(name, {}).get("pid"), "named") for name in INSTANCES):
            return info
        return None

    def _make_settings(self, port, explicit):
        old = self.settings() or {}
        ipv6 = ipv6_loopback()
        addresses = [PRIMARY_ADDRESS] + ([SECONDARY_ADDRESS6] if ipv6 else [])
        if port == 0:
            port = _free_port(addresses)
        elif not all(_port_free(address, port) for address in addresses):
            if explicit:
                raise DNSLabError("DNS port %d is in use on %s; pick another with --dns-port (0 = any free port)"
                                  % (port, " / ".join(addresses)))
            port = _free_port(addresses)

        def keep(port_value):
            """A port of the previous start when still free (stable endpoints across reset/restart)."""
            return port_value if port_value and port_value != port and _port_free(PRIMARY_ADDRESS, port_value) \
                else _free_port([PRIMARY_ADDRESS])

        settings = {
            "zone": old.get("zone", ZONE),
            "port": port,
            "secondary_port": keep(old.get("secondary_port")),
            "ipv6": ipv6,
            "key_name": KEY_NAME,
            "key_algorithm": KEY_ALGORITHM,
            "key_secret": old.get("key_secret") or _secret(),
            "xfr_secret": old.get("xfr_secret") or _secret(),
            "rndc_secret": old.get("rndc_secret") or _secret(),
            "control_ports": {name: keep((old.get("control_ports") or {}).get(name)) for name in INSTANCES},
            "stats_ports": {name: keep((old.get("stats_ports") or {}).get(name)) for name in INSTANCES},
            "hold": False,
        }
        _write(self.file("settings.json"), json.dumps(settings, indent=2) + "\n", 0o600)
        _write(self.file("tsig.key"), 'key "%s" {\n\talgorithm %s;\n\tsecret "%s";\n};\n'
               % (KEY_NAME, KEY_ALGORITHM, settings["key_secret"]), 0o600)
        return settings

    # -- configuration ------------------------------------------------------------------
    def _keys(self, settings):
        return "".join('key "%s" { algorithm hmac-sha256; secret "%s"; };\n' % (name, settings[field])
                       for name, field in ((KEY_NAME, "key_secret"), (XFR_KEY_NAME, "xfr_secret"),
                                           (RNDC_KEY_NAME, "rndc_secret")))

    def _common(self, name, settings):
        directory = self.file(name)
        return (
            "// Written by 'python -m lab' (lab/dns/bind.py); regenerated at every start.\n"
            + self._keys(settings)
            + 'controls { inet 127.0.0.1 port %d allow { 127.0.0.1; } keys { "%s"; }; };\n'
            % (settings["control_ports"][name], RNDC_KEY_NAME)
            + "statistics-channels { inet 127.0.0.1 port %d allow { 127.0.0.1; }; };\n" % settings["stats_ports"][name]
            + "logging {\n"
            '  channel main { file "%s/named.log" versions 2 size 5m; print-time yes; print-category yes; severity info; };\n'
            '  channel queries { file "%s/query.log" versions 2 size 20m; print-time yes; };\n'
            '  channel updates { file "%s/update.log" versions 2 size 5m; print-time yes; print-category yes; };\n'
            "  category default { main; };\n"
            "  category queries { queries; };\n"
            "  category update { updates; main; };\n"
            "  category update-security { updates; main; };\n"
            "  category lame-servers { null; };\n"
            "};\n" % (directory, directory, directory)
        )

    def _options(self, name, extra):
        directory = self.file(name)
        return (
            "options {\n"
            '  directory "%s";\n'
            "  pid-file none;\n"
            '  session-keyfile "%s/session.key";\n'
            '  managed-keys-directory "%s";\n'
            "  recursion no;\n"
            "  dnssec-validation no;\n"
            "  querylog yes;\n"
            "  allow-query { any; };\n"
            "  minimal-responses no;\n"
            "%s"
            "};\n" % (directory, directory, directory, extra)
        )

    def _write_transfer(self, settings):
        rule = '{ none; }' if settings.get("hold") else '{ key "%s"; }' % XFR_KEY_NAME
        _write(self.file("primary", "transfer.conf"),
               "// hold=%s: managed by 'python -m lab dns hold|release'\nallow-transfer %s;\n"
               % (str(bool(settings.get("hold"))).lower(), rule))

    def write_config(self, settings, fresh_zone):
        zone, port = settings["zone"], settings["port"]
        for name in INSTANCES:
            os.makedirs(self.file(name), exist_ok=True)
        primary = self._options("primary", (
            "  listen-on port %d { %s; };\n"
            "  listen-on-v6 { none; };\n"
            "  notify explicit;\n"
            "  also-notify { %s port %d; };\n"
            "  notify-source %s;\n"
            "  notify-delay 0;\n"
            "  allow-transfer { none; };\n"
            % (port, PRIMARY_ADDRESS, PRIMARY_ADDRESS, settings["secondary_port"], PRIMARY_ADDRESS)))
        primary += self._common("primary", settings)
        primary += ('zone "%s" {\n  type primary;\n  file "%s.zone";\n'
                    '  update-policy { grant "%s" zonesub ANY; };\n  include "%s";\n};\n'
                    % (zone, zone, KEY_NAME, self.file("primary", "transfer.conf")))
        primary += 'zone "%s" {\n  type primary;\n  file "gateway.zone";\n};\n' % GATEWAY_ZONE
        _write(self.file("primary", "named.conf"), primary, 0o600)
        _write(self.file("primary", "gateway.zone"), gateway_zone_text())
        self._write_transfer(settings)
        secondary = self._options("secondary", (
            "  listen-on port %d { %s; };\n"
            "  listen-on-v6 port %d { %s };\n"
            "  notify no;\n"
            "  allow-notify { %s; };\n"
            "  allow-transfer { none; };\n"
            % (settings["secondary_port"], PRIMARY_ADDRESS, port,
               (SECONDARY_ADDRESS6 + ";") if settings["ipv6"] else "none;", PRIMARY_ADDRESS)))
        secondary += self._common("secondary", settings)
        secondary += ('zone "%s" {\n  type secondary;\n  file "%s.db";\n  masterfile-format text;\n'
                      '  primaries { %s port %d key "%s"; };\n};\n'
                      % (zone, zone, PRIMARY_ADDRESS, port, XFR_KEY_NAME))
        _write(self.file("secondary", "named.conf"), secondary, 0o600)
        for name in INSTANCES:
            _write(self.file(name, "rndc.conf"),
                   'key "%s" { algorithm hmac-sha256; secret "%s"; };\n'
                   'options { default-key "%s"; default-server 127.0.0.1; default-port %d; };\n'
                   % (RNDC_KEY_NAME, settings["rndc_secret"], RNDC_KEY_NAME, settings["control_ports"][name]), 0o600)
        zone_file = self.file("primary", "%s.zone" % zone)
        if fresh_zone or not os.path.exists(zone_file):
            for stale in (zone_file + ".jnl", self.file("secondary", "%s.db" % zone),
                          self.file("secondary", "%s.db.jnl" % zone)):
                if os.path.exists(stale):
                    os.unlink(stale)
            _write(zone_file, zone_text(zone, settings["ipv6"]))

    # -- start / stop --------------------------------------------------------------------
    def up(self, port=None, explicit=False, fresh_zone=False):
        """Start both instances (no-op when running). Returns the runtime info."""
        info = self.running()
        if info:
            return info, False
        self.down(quiet=True)
        named = named_binary()
        if not named:
            raise DNSLabError("named not found: install BIND (Debian/Ubuntu: apt-get install bind9 bind9-utils); "
                              "'make venv' does this on CI")
        os.makedirs(self.path, mode=0o700, exist_ok=True)
        settings = self._make_settings(default_dns_port() if port is None else port, explicit)
        self.write_config(settings, fresh_zone)
        runtime = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "named": named}
        processes = {}
        try:
            for name in INSTANCES:  # the primary first: the secondary transfers the zone from it at start
                with open(self.file(name, "named.stderr"), "ab") as log:
                    process = subprocess.Popen(
                        [named, "-f", "-n", "1", "-c", self.file(name, "named.conf")], cwd=self.file(name),
                        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
                processes[name] = process
                runtime[name] = {"pid": process.pid}
                _write(self.file("dns.json"), json.dumps(runtime, indent=2) + "\n")
                self._wait_started(settings, processes, name)
        except BaseException:
            self.down(quiet=True)
            raise
        return runtime, True

    def _wait_started(self, settings, processes, which):
        """Wait until ``which`` serves the zone (the secondary: the primary's serial)."""
        deadline = time.monotonic() + START_TIMEOUT
        nudged = False
        started = time.monotonic()
        while time.monotonic() < deadline:
            for name, process in processes.items():
                if process.poll() is not None:
                    raise DNSLabError("named (%s) exited with code %s; see %s:\n%s" % (
                        name, process.returncode, self.file(name, "named.log"), self._tail(name)))
            serials = self.serials(settings)
            if which == "primary" and serials.get("primary"):
                return
            if which == "secondary" and serials.get("primary") and serials.get("primary") == serials.get("secondary"):
                self._wait_quiet(settings, deadline)
                return
            if which == "secondary" and not nudged and time.monotonic() - started > 2:
                nudged = True
                try:
                    self.rndc("secondary", "retransfer", settings["zone"])
                except DNSLabError:
                    pass
            time.sleep(0.05)
        raise DNSLabError("BIND (%s) did not serve the zone within %.0f s; see %s"
                          % (which, START_TIMEOUT, self.path))

    def _wait_quiet(self, settings, deadline):
        """Wait until the start-up NOTIFY/refresh traffic between the instances is over, so that the counters
        that tests compare stay still (at most until ``deadline``)."""
        last, stable_since = None, time.monotonic()
        while time.monotonic() < deadline:
            now = self.counters(settings)
            if now != last:
                last, stable_since = now, time.monotonic()
            elif time.monotonic() - stable_since >= 0.4:
                return
            time.sleep(0.1)

    def _tail(self, name, lines=15):
        text = ""
        for log in ("named.stderr", "named.log"):
            try:
                with open(self.file(name, log), encoding="utf-8", errors="replace") as handle:
                    text += "".join(handle.readlines()[-lines:])
            except OSError:
                pass
        return text

    def down(self, quiet=False):
        info = self.runtime() or {}
        stopped = []
        for name in INSTANCES:
            pid = (info.get(name) or {}).get("pid")
            if pid_alive(pid, "named"):
                os.kill(pid, signal.SIGTERM)
                stopped.append((name, pid))
        deadline = time.monotonic() + STOP_TIMEOUT
        for _name, pid in stopped:
            while time.monotonic() < deadline and pid_alive(pid, "named"):
                time.sleep(0.05)
            if pid_alive(pid, "named"):
                os.kill(pid, signal.SIGKILL)
        if os.path.exists(self.file("dns.json")):
            os.unlink(self.file("dns.json"))
        return stopped

    def reset(self):
        """Stop, load the initial zone (serial 1) on both instances, no hold; keeps ports and keys."""
        settings = self.settings()
        self.down(quiet=True)
        if settings:
            settings["hold"] = False
            _write(self.file("settings.json"), json.dumps(settings, indent=2) + "\n", 0o600)
        port = settings["port"] if settings else None
        return self.up(port=port, explicit=port is not None, fresh_zone=True)

    # -- hold / release ------------------------------------------------------------------
    def rndc(self, name, *args):
        rndc = rndc_binary()
        if not rndc:
            raise DNSLabError("rndc not found (package bind9)")
        proc = subprocess.run([rndc, "-c", self.file(name, "rndc.conf")] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, timeout=15, check=False)
        if proc.returncode != 0:
            raise DNSLabError("rndc %s (%s) failed: %s" % (" ".join(args), name, proc.stdout.strip()))
        return proc.stdout

    def set_hold(self, hold):
        settings = self.settings()
        if not settings or not self.running():
            raise DNSLabError("the DNS lab is not running; run 'python -m lab up' (or 'python -m lab dns up')")
        settings["hold"] = bool(hold)
        _write(self.file("settings.json"), json.dumps(settings, indent=2) + "\n", 0o600)
        self._write_transfer(settings)
        self.rndc("primary", "reconfig")
        if not hold:
            # The secondary retries a refused transfer only after its retry timer; ask it now.
            self.rndc("secondary", "refresh", settings["zone"])
        return settings

    # -- status ------------------------------------------------------------------------
    def _stats(self, settings, name, path):
        url = "http://127.0.0.1:%d/json/v1/%s" % (settings["stats_ports"][name], path)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return json.loads(response.read().decode("utf-8"))
        except (OSError, ValueError, urllib.error.URLError):
            return None

    def serials(self, settings=None):
        settings = settings or self.settings()
        result = {}
        for name in INSTANCES:
            data = self._stats(settings, name, "zones") or {}
            serial = None
            for view in (data.get("views") or {}).values():
                for zone in view.get("zones") or []:
                    if zone.get("name") == settings["zone"] and isinstance(zone.get("serial"), int) \
                            and zone.get("serial") >= 0:
                        serial = zone["serial"]
            result[name] = serial
        return result

    def counters(self, settings=None):
        settings = settings or self.settings()
        result = {}
        for name in INSTANCES:
            data = self._stats(settings, name, "server") or {}
            opcodes = data.get("opcodes") or {}
            nsstats = data.get("nsstats") or {}
            result[name] = {
                "queries": opcodes.get("QUERY", 0),
                "updates": opcodes.get("UPDATE", 0),
                "notifies": opcodes.get("NOTIFY", 0),
                "update_done": nsstats.get("UpdateDone", 0),
                "update_rejected": nsstats.get("UpdateRej", 0),
                "update_failed": nsstats.get("UpdateFail", 0),
                "update_bad_prereq": nsstats.get("UpdateBadPrereq", 0),
                "xfr_done": nsstats.get("XfrReqDone", 0),
                "xfr_rejected": nsstats.get("XfrRej", 0),
            }
        return result

    def status(self):
        settings = self.settings()
        info = self.running()
        status = {"running": bool(info), "named": named_binary()}
        if not settings:
            return status
        port = settings["port"]
        status.update({
            "zone": settings["zone"],
            "port": port,
            "secondary_port": settings["secondary_port"],
            "ipv6": settings["ipv6"],
            "servers": {
                "primary": {"name": "ns1.%s" % settings["zone"], "pid": (info or {}).get("primary", {}).get("pid"),
                            "endpoints": [{"address": PRIMARY_ADDRESS, "port": port}]},
                "secondary": {"name": "ns2.%s" % settings["zone"], "pid": (info or {}).get("secondary", {}).get("pid"),
                              "endpoints": ([{"address": SECONDARY_ADDRESS6, "port": port}] if settings["ipv6"] else [])
                              + [{"address": PRIMARY_ADDRESS, "port": settings["secondary_port"]}]},
            },
            "tsig": {"key_name": settings["key_name"], "algorithm": settings["key_algorithm"],
                     "secret_file": self.file("settings.json"), "bind_key_file": self.file("tsig.key")},
            "hold": settings.get("hold", False),
            "tenant_mx_host": tenant_mx_host(settings["zone"]),
            "gateway_hosts": ["mx1.%s.iphmx.com" % GATEWAY_ALLOC, "mx2.%s.iphmx.com" % GATEWAY_ALLOC],
            "logs": {name: {"named": self.file(name, "named.log"), "queries": self.file(name, "query.log"),
                            "updates": self.file(name, "update.log")} for name in INSTANCES},
        })
        if info:
            status["serials"] = self.serials(settings)
            status["counters"] = self.counters(settings)
        return status

    def secret(self):
        settings = self.settings()
        if not settings:
            raise DNSLabError("no DNS settings in %s; run 'python -m lab up' first" % self.path)
        return settings["key_secret"]

    def zone_dump(self, name="primary"):
        """The zone as the instance serves it now (after journaled updates): ``rndc dumpdb -zones`` is heavy,
        so the zone is synced to its file (``rndc sync``) on the primary and read back."""
        settings = self.settings()
        if not self.running():
            raise DNSLabError("the DNS lab is not running")
        if name == "primary":
            self.rndc("primary", "sync", settings["zone"])
            path = self.file("primary", "%s.zone" % settings["zone"])
        else:
            path = self.file("secondary", "%s.db" % settings["zone"])
        with open(path, encoding="utf-8") as handle:
            return handle.read()
