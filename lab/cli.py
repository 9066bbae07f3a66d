"""``python -m lab up|down|status|config|seed|reset|fault|trust|serve``."""

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time

from .esa.engine import normalise_cluster
from .esa.releases import DEFAULT_RELEASE, RELEASE_ENV, RELEASES, get_release
from .esa.store import (
    CONFIG_FILE,
    COUNTERS_FILE,
    READ_COUNTERS,
    FileStore,
    all_layers,
    effective_view,
    factory_layers,
    layer_chain,
    load_counters,
    read_json,
    table_levels,
)
from .esa.tables import TABLES, TableError, normalise_table
from .dns import cli as dns_cli
from .dns.bind import GATEWAY_ZONE, KEY_ALGORITHM, KEY_NAME, BindLab, DNSLabError
from .exo import cli as exo_cli
from .state import BIND_HOST, REPO_ROOT, StateDir, default_port, default_state_dir
from .procs import pid_alive, port_open

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class LabError(Exception):
    """A user-facing error: printed, exit code 1."""


def running_info(state):
    """Runtime info of the running server of ``state`` or None."""
    info = state.runtime()
    if info and info.get("pid") and pid_alive(info["pid"], "lab", "serve"):
        return info
    return None


def _parse_machines(text):
    return [item.strip() for item in text.split(",") if item.strip()] if text else []


def _cluster_arg(args):
    if not args.cluster:
        return None
    machines = _parse_machines(args.cluster_machines) or [args.hostname]
    return {"name": args.cluster, "groups": {args.cluster_group: machines}}


# -- commands ---------------------------------------------------------------------
def _release_arg(args):
    """``--release``, else env ``LAB_RELEASE``, else the default profile (lab/esa/releases.py)."""
    return get_release(getattr(args, "release", None) or os.environ.get(RELEASE_ENV) or None)


def cmd_up(args):
    state = StateDir(args.state_dir)
    info = running_info(state)
    if info:
        print(f"ESA lab already running (pid {info['pid']}) on {info['host']}:{info['port']}"
              + (f", release {info['release']}" if info.get("release") else "") + "; nothing to do.")
        _dns_up(args, state)
        _exo_up(args, state)
        _mail_wiring(state)
        _write_lab_vars(state)
        return 0
    state.ensure()
    release = _release_arg(args)
    command = [sys.executable, "-m", "lab", "serve", "--state-dir", state.path, "--esa-port", str(args.esa_port),
               "--hostname", args.hostname, "--release", release.name, "--smtp-port", str(args.smtp_port),
               "--api-port", str(args.api_port)]
    if args.cluster:
        command += ["--cluster", args.cluster, "--cluster-group", args.cluster_group]
        if args.cluster_machines:
            command += ["--cluster-machines", args.cluster_machines]
    if args.password:
        command += ["--password", args.password]
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO_ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    with open(state.file("esa.log"), "ab") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        info = state.runtime()
        if info and info.get("pid") == process.pid and port_open(info["host"], info["port"]):
            break
        if process.poll() is not None:
            raise LabError(f"the ESA lab server exited with code {process.returncode}; log {state.file('esa.log')}:\n"
                           + _log_tail(state))
        time.sleep(0.1)
    else:
        process.terminate()
        raise LabError(f"the ESA lab server did not start within {START_TIMEOUT:.0f} s; see {state.file('esa.log')}")
    print(f"ESA lab running (pid {info['pid']}) on {info['host']}:{info['port']} as {info['hostname']}"
          + (f", cluster {info['cluster']['name']}" if info.get("cluster") else "")
          + (f", release {info['release']} ({info['version']})" if info.get("release") else ""))
    print(f"state dir: {state.path}")
    print(f"inventory: {state.file('inventory.yml')}")
    print(f"password:  {state.file('password')}")
    print(f"ssh -p {info['port']} -o UserKnownHostsFile={state.file('known_hosts')} admin@{info['host']}")
    if info.get("smtp_port"):
        print(f"smtp:      {info['host']}:{info['smtp_port']} (listeners; XCLIENT sets the client IP), tracking API "
              f"https://{info['host']}:{info['api_port']} (docs/mail-flow.md)")
    _dns_up(args, state)
    _exo_up(args, state)
    _mail_wiring(state)
    _write_lab_vars(state)
    return 0


LAB_VARS_FILE = "lab_vars.json"


def _write_lab_vars(state):
    """<state>/lab_vars.json: every endpoint and lab credential in one file (mode 600), read by the lab
    inventory (inventories/lab) so that one ``-i inventories/lab`` reaches the ESA, Exchange and BIND."""
    info = running_info(state) or {}
    data = {"state_dir": state.path,
            "esa": {"host": info.get("host", BIND_HOST), "port": info.get("port"), "smtp_port": info.get("smtp_port"),
                    "api_port": info.get("api_port"), "api_ca_path": info.get("api_ca_path"),
                    "sink_port": info.get("sink_port"), "user": "admin",
                    "password": state.password()},
            "exo": None, "dns": None}
    exo_vars = state.file("exo_vars.yml")
    if os.path.exists(exo_vars):
        exo = {}
        with open(exo_vars, encoding="utf-8") as handle:
            for line in handle:
                key, sep, value = line.partition(": ")
                if sep and not key.startswith("#"):
                    exo[key.strip()] = json.loads(value)
        data["exo"] = exo
    dns_settings = BindLab(state.path).settings()
    if dns_settings and BindLab(state.path).running():
        data["dns"] = {"server": "127.0.0.1", "port": dns_settings["port"], "zone": dns_settings["zone"],
                       "key_name": KEY_NAME, "key_algorithm": KEY_ALGORITHM,
                       "key_secret": dns_settings["key_secret"], "gateway_zone": GATEWAY_ZONE}
    data["route53"] = _route53("vars", state)
    path = state.file(LAB_VARS_FILE)
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
    os.replace(path + ".tmp", path)
    print(f"lab vars:  {path} (read by inventories/lab)")


def _mail_wiring(state):
    """ESA and Exchange both up: point the ESA's routes to the tenant's MX hosts at the tenant's SMTP port, the
    tenant's outbound smart host at the ESA, and everything else at the internet sink (lab/exo/mailflow.py wire;
    docs/mail-flow.md "End to end")."""
    info, exo = running_info(state), exo_cli.running_info(state.path)
    if not info or not info.get("smtp_port"):
        return
    try:
        from .exo import mailflow as exo_mailflow
        from .exo.store import LAB_RELAY_HOST
    except ImportError:  # no aiosmtpd: no mail flow
        return
    exo_mailflow.wire(state.path, esa_smtp_port=info["smtp_port"], tenant_smtp_port=(exo or {}).get("mail_port"),
                      sink_port=info.get("sink_port"), relay_hosts=[LAB_RELAY_HOST])
    print(f"mail:      internet sink 127.0.0.1:{info.get('sink_port')}"
          + (f", tenant inbound SMTP 127.0.0.1:{exo['mail_port']}" if (exo or {}).get("mail_port") else "")
          + " (next hops in esa_next_hops.json, exo_next_hops.json)")


def _exo_up(args, state):
    """Start the lab's Exchange Online too (lab/exo); see lab/README.md "Exchange Online"."""
    if getattr(args, "no_exo", False):
        return
    try:
        exo_cli.up(state.path, getattr(args, "exo_port", None))
    except exo_cli.ExoLabError as exc:
        raise LabError(f"Exchange: {exc}") from None


def _dns_up(args, state):
    """Start the lab's BIND too (lab/dns); see lab/README.md "DNS"."""
    if getattr(args, "no_dns", False):
        return
    port = getattr(args, "dns_port", None)
    try:
        for line in dns_cli.start(state.path, port=port, explicit=port is not None):
            print(line)
    except DNSLabError as exc:
        raise LabError(f"DNS: {exc}") from None
    _route53("up", state, args)


def _route53(event, state, args=None):
    """The lab's Route 53 API (lab/route53.py: moto behind a counting proxy, every change pushed into BIND): started
    after BIND by ``up --route53`` (or env LAB_ROUTE53=1), stopped by ``down``; ``status --json`` and lab_vars.json
    get its endpoint URL and fake credentials (``route53``, null when not running)."""
    from . import route53

    return route53.hook(event, state.path if state is not None else None, args)


def _log_tail(state, lines=15):
    try:
        with open(state.file("esa.log"), encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return ""


def cmd_down(args):
    state = StateDir(args.state_dir)
    _route53("down", state)
    for line in dns_cli.stop(state.path):
        print(line)
    exo_cli.down(state.path)
    info = running_info(state)
    if not info:
        print("ESA lab is not running.")
        return 0
    pid = info["pid"]
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and pid_alive(pid, "lab", "serve"):
        time.sleep(0.1)
    if pid_alive(pid, "lab", "serve"):
        os.kill(pid, signal.SIGKILL)
    state.clear_runtime(pid)
    print(f"ESA lab stopped (pid {pid}).")
    return 0


def _stored_config(state):
    return read_json(state.file(CONFIG_FILE), None)


def cmd_status(args):
    state = StateDir(args.state_dir)
    info = running_info(state)
    stored = _stored_config(state) or {}
    identity = stored.get("identity") or {}
    last = info or state.runtime() or {}
    counters = load_counters(state.file(COUNTERS_FILE))
    cluster = (info or identity or {}).get("cluster")
    status = {
        "running": bool(info),
        "pid": info["pid"] if info else None,
        "host": last.get("host", BIND_HOST),
        "port": info["port"] if info else None,
        "smtp_port": info.get("smtp_port") if info else None,
        "api_port": info.get("api_port") if info else None,
        "sink_port": info.get("sink_port") if info else None,
        "hostname": (info or identity).get("hostname"),
        "cluster": cluster["name"] if cluster else None,
        "release": info.get("release") if info else None,
        "version": info.get("version") if info else None,
        "counters": counters,
    }
    if args.json:
        print(json.dumps({"esa": status, "dns": dns_cli.status(state.path), "exo": exo_cli.status(state.path),
                          "route53": _route53("status", state)},
                         indent=2))
        return 0
    if info:
        print(f"ESA: running (pid {status['pid']}) on {status['host']}:{status['port']}, hostname {status['hostname']}"
              + (f", cluster {status['cluster']}" if status["cluster"] else "")
              + (f", release {status['release']} ({status['version']})" if status.get("release") else ""))
    else:
        print("ESA: not running")
    print("counters: " + ", ".join(f"{key}={value}" for key, value in counters.items() if key not in READ_COUNTERS))
    print("config reads: " + _reads_line(counters))
    faults = state.read_faults()
    if faults:
        print("faults: " + ", ".join(f"{key}={value}" for key, value in sorted(faults.items())))
    for line in dns_cli.status_lines(state.path):
        print(line)
    exo = exo_cli.status(state.path)
    print(f"Exchange: running (pid {exo['pid']}) at {exo['base_url']}" if exo["running"] else "Exchange: not running")
    return 0


def _reads_line(counters):
    """``showconfig 2 (max 1/login), smtproutes 3 (max 2/login)`` or ``none`` (commands with reads only)."""
    reads, most = counters.get("config_reads") or {}, counters.get("config_reads_max_per_login") or {}
    items = [f"{name} {total} (max {most.get(name, 0)}/login)" for name, total in reads.items() if total]
    return ", ".join(items) if items else "none"


def cmd_config(args):
    state = StateDir(args.state_dir)
    if getattr(args, "dns_zone", False):
        try:
            print(BindLab(state.path).zone_dump(), end="")
        except DNSLabError as exc:
            raise LabError(f"DNS: {exc}") from None
        return 0
    stored = _stored_config(state)
    if not stored:
        identity = {"hostname": "esa1.lab", "cluster": None}
        stored = {"identity": identity, "layers": factory_layers(identity["hostname"], None)}
    identity = stored["identity"]
    if args.layers:
        stored["table_levels"] = table_levels(stored["layers"])
        print(json.dumps({"esa": stored}, indent=2))
        return 0
    view = effective_view(stored["layers"], layer_chain(identity["hostname"], identity["cluster"]))
    print(json.dumps({"esa": view}, indent=2))
    return 0


def cmd_seed(args):
    """Put a table at one configuration level of the stored (committed) configuration."""
    state = StateDir(args.state_dir)
    stored = _stored_config(state)
    if not stored:
        raise LabError(f"no stored configuration in {state.path}; run 'python -m lab up' first")
    identity = stored["identity"]
    levels = all_layers(identity["cluster"]) if identity.get("cluster") else ["local"]
    if args.level not in levels:
        raise LabError(f"unknown level {args.level!r}; one of {', '.join(levels)}")
    value = None
    if not args.remove:
        if (args.json is None) == (args.file is None):
            raise LabError("give exactly one of --json, --file or --remove")
        try:
            if args.file is not None:
                with open(args.file, encoding="utf-8") as handle:
                    raw = json.load(handle)
            else:
                raw = json.loads(args.json)
        except ValueError as exc:
            raise LabError(f"invalid JSON: {exc}") from None
        try:
            value = normalise_table(args.table, raw)
        except TableError as exc:
            raise LabError(str(exc)) from None
    store = FileStore(state.path, identity)
    with store.config_transaction() as data:
        tables = data["layers"].setdefault(args.level, {})
        if args.remove:
            tables.pop(args.table, None)
        else:
            tables[args.table] = value
    print(f"{args.table} {'removed from' if args.remove else 'seeded at'} {args.level}")
    return 0


def cmd_reset(args):
    state = StateDir(args.state_dir)
    state.ensure()
    stored = _stored_config(state)
    identity = (stored or {}).get("identity") or {"hostname": "esa1.lab", "cluster": None}
    store = FileStore(state.path, identity)
    if args.read_max_only:
        store.reset_read_max()
        print("ESA lab: config_reads_max_per_login zeroed (the other counters keep counting).")
        return 0
    store.reset(counters_only=args.counters_only)
    if args.counters_only:
        print("ESA lab counters reset.")
    else:
        state.update_faults(clear=True)
        print("ESA lab reset: factory configuration, zero counters, no faults.")
    exo_cli.reset(state.path, counters_only=args.counters_only)
    return 0


def cmd_fault(args):
    state = StateDir(args.state_dir)
    values = {"drop_after_lines": args.drop_after_lines, "sessions": args.sessions,
              "prompt_delay": args.prompt_delay, "commit_delay": args.commit_delay,
              "ttymode_ignored": args.ttymode_ignored}
    if args.sessions is not None and args.drop_after_lines is None and "drop_after_lines" not in state.read_faults():
        raise LabError("--sessions only applies together with --drop-after-lines")
    faults = state.update_faults(clear=args.clear, **values)
    print("faults: " + (json.dumps(faults, sort_keys=True) if faults else "none"))
    return 0


def cmd_trust(args):
    """Put the lab host key into a known_hosts file (libssh reads only ~/.ssh/known_hosts)."""
    state = StateDir(args.state_dir)
    try:
        with open(state.file("known_hosts"), encoding="utf-8") as handle:
            lab_lines = [line for line in handle if line.strip()]
    except FileNotFoundError:
        raise LabError("no known_hosts in the state dir; run 'python -m lab up' first") from None
    target = os.path.expanduser(args.known_hosts)
    names = {line.split()[0] for line in lab_lines}
    try:
        with open(target, encoding="utf-8") as handle:
            kept = [line for line in handle if line.split()[:1] and line.split()[0] not in names]
    except FileNotFoundError:
        kept = []
    os.makedirs(os.path.dirname(target) or ".", mode=0o700, exist_ok=True)
    with open(target, "w", encoding="utf-8") as handle:
        handle.writelines(kept + lab_lines)
    print(f"lab host key for {', '.join(sorted(names))} written to {target}")
    return 0


def _mail_servers(args, state, server):
    """SMTP on the listeners through the committed configuration (lab/esa/mailflow.py) and the AsyncOS API's message
    tracking from its log (lab/esa/tracking_api.py); docs/mail-flow.md. Without aiosmtpd installed the lab runs
    without them (a warning in esa.log)."""
    try:
        from .esa.mailflow import ESASMTPServer
        from .esa.tracking_api import TrackingAPI
    except ImportError as exc:
        logging.warning("SMTP and message tracking not started (pip install ./lab for aiosmtpd): %s", exc)
        return None, None
    sink = _internet_sink(state)
    smtp = ESASMTPServer(state.path, lambda: server.app.committed, port=args.smtp_port, hostname=args.hostname,
                         default_next_hop=f"{BIND_HOST}:{sink.port}" if sink else None, tls_dir=state.path)
    smtp.sink = sink
    api = TrackingAPI(state.path, server.password, port=args.api_port, hostname=args.hostname)
    for part, port in ((smtp, args.smtp_port), (api, args.api_port)):
        try:
            part.start()
        except OSError as exc:
            smtp.stop()
            server.stop()
            raise LabError(f"cannot listen on {BIND_HOST}:{port} ({type(part).__name__}): {exc}") from None
    return smtp, api


def _internet_sink(state):
    """The lab's "internet": a recording SMTP sink (lab/esa/mailflow.py Sink, <state>/sink_messages.jsonl) where the
    ESA delivers every host or domain without a mapping in esa_next_hops.json (docs/mail-flow.md "End to end")."""
    from .esa.mailflow import Sink
    try:
        return Sink("internet", state_dir=state.path).start()
    except OSError as exc:
        logging.warning("internet sink not started: %s", exc)
        return None


def cmd_serve(args):
    """Run the server in the foreground (used by ``up``)."""
    from .esa.ssh_server import ESASSHServer  # paramiko only needed here

    state = StateDir(args.state_dir)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("paramiko").setLevel(logging.WARNING)
    cluster = normalise_cluster(_cluster_arg(args), args.hostname)
    release = _release_arg(args)
    server = ESASSHServer(state.path, port=args.esa_port, hostname=args.hostname, cluster=cluster,
                          password=args.password, release=release)
    try:
        server.start()
    except OSError as exc:
        raise LabError(f"cannot listen on {BIND_HOST}:{args.esa_port}: {exc}") from None
    smtp, api = _mail_servers(args, state, server)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_args: stop.set())
    state.write_runtime({"pid": os.getpid(), "host": server.host, "port": server.port, "hostname": args.hostname,
                         "smtp_port": smtp.port if smtp else None, "api_port": api.port if api else None,
                         "api_ca_path": api.ca_path if api else None,
                         "sink_port": smtp.sink.port if smtp and getattr(smtp, "sink", None) else None,
                         "cluster": cluster,
                         "release": release.name, "version": release.version, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for part in (api, smtp, getattr(smtp, "sink", None)):
            if part:
                part.stop()
        server.stop()
        state.clear_runtime(os.getpid())
        logging.info("ESA lab stopped")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m lab", description="Local lab for mailops.secure_email.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name, func, help_text):
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        sub_parser.add_argument("--state-dir", default=default_state_dir(),
                                help="state directory (env LAB_STATE_DIR, default <repo>/.lab)")
        sub_parser.set_defaults(func=func)
        return sub_parser

    for name, func, help_text in (("up", cmd_up, "start the lab ESA (detached)"),
                                  ("serve", cmd_serve, "run the lab ESA in the foreground")):
        sub_parser = add(name, func, help_text)
        sub_parser.add_argument("--esa-port", type=int, default=default_port(),
                                help="SSH port on 127.0.0.1 (env LAB_ESA_PORT, default 2222; 0 = any free port)")
        sub_parser.add_argument("--hostname", default="esa1.lab", help="appliance hostname (prompt)")
        sub_parser.add_argument("--cluster", default=None, help="make it a clustered appliance with this cluster name")
        sub_parser.add_argument("--cluster-group", default="Main_Group", help="group of the cluster (default Main_Group)")
        sub_parser.add_argument("--cluster-machines", default=None,
                                help="comma-separated machines of the group (default: the hostname and esa2.lab)")
        sub_parser.add_argument("--password", default=None, help="admin password (default: random, kept in the state dir)")
        sub_parser.add_argument("--smtp-port", type=int, default=int(os.environ.get("LAB_ESA_SMTP_PORT") or 0),
                                help="SMTP port of the listeners on 127.0.0.1 (env LAB_ESA_SMTP_PORT; default 0 = any "
                                     "free port, see status and lab_vars.json esa.smtp_port)")
        sub_parser.add_argument("--api-port", type=int, default=int(os.environ.get("LAB_ESA_API_PORT") or 0),
                                help="HTTPS port of the AsyncOS API (message tracking) on 127.0.0.1 (env "
                                     "LAB_ESA_API_PORT; default 0 = any free port; lab_vars.json esa.api_port)")
    for name in ("up", "serve"):
        sub.choices[name].add_argument("--release", default=None, choices=sorted(RELEASES),
                                       help=f"release profile (default: env {RELEASE_ENV}, else {DEFAULT_RELEASE})")
    sub.choices["up"].add_argument("--dns-port", type=int, default=None,
                                   help="DNS (BIND) port on 127.0.0.1 and ::1 (env LAB_DNS_PORT, default 5300, "
                                        "a free one if that is busy; 0 = any free port)")
    sub.choices["up"].add_argument("--no-dns", action="store_true", help="do not start the DNS (BIND) part")
    sub.choices["up"].add_argument("--exo-port", type=int, default=None,
                                   help="Exchange Online HTTPS port on 127.0.0.1 (env LAB_EXO_PORT; default: any free "
                                        "port, see status)")
    sub.choices["up"].add_argument("--no-exo", action="store_true", help="do not start the Exchange Online part")
    _route53("parser", None, sub.choices["up"])
    add("down", cmd_down, "stop the lab ESA and DNS")
    status = add("status", cmd_status, "show whether the lab ESA runs, and its counters")
    status.add_argument("--json", action="store_true", help="JSON output")
    config = add("config", cmd_config, "print the committed configuration as JSON")
    config.add_argument("--layers", action="store_true",
                        help="raw per-level (cluster/group/machine) storage and where each table lives")
    config.add_argument("--dns-zone", action="store_true", help="print the lab DNS zone as the primary serves it now")
    dns_cli.add_parser(sub, add)
    seed = add("seed", cmd_seed, "put a table at one configuration level (committed, takes effect at once)")
    seed.add_argument("--level", required=True, help="cluster | group:<G> | machine:<M> (standalone: local)")
    seed.add_argument("--table", required=True, choices=TABLES, help="the table")
    seed.add_argument("--json", default=None, help="the table as JSON (see lab/README.md for the shapes)")
    seed.add_argument("--file", default=None, help="a file holding the table as JSON")
    seed.add_argument("--remove", action="store_true", help="remove the table from that level instead")
    reset = add("reset", cmd_reset, "factory configuration, zero counters, no faults")
    reset.add_argument("--counters-only", action="store_true", help="only zero the counters")
    reset.add_argument("--read-max-only", action="store_true",
                       help="only zero the ESA counter config_reads_max_per_login (a new measuring window, e.g. one"
                            " demo or bench phase); configuration, faults and the other counters stay")
    trust = add("trust", cmd_trust, "add the lab host key to a known_hosts file (for libssh clients)")
    trust.add_argument("--known-hosts", default="~/.ssh/known_hosts", help="file to update (default ~/.ssh/known_hosts)")
    fault = add("fault", cmd_fault, "set or clear fault injection")
    fault.add_argument("--drop-after-lines", type=int, default=None,
                       help="close the connection when the Nth input line of a session arrives (0 = off)")
    fault.add_argument("--sessions", type=int, default=None, help="apply the drop fault to the next K sessions only")
    fault.add_argument("--prompt-delay", type=float, default=None, help="seconds to wait before each prompt (0 = off)")
    fault.add_argument("--commit-delay", type=float, default=None, help="seconds a commit takes (0 = off)")
    fault.add_argument("--ttymode-ignored", action=argparse.BooleanOptionalAction, default=None,
                       help="sessions keep paging after `setttymode 0 1` (an appliance where the undocumented command"
                            " has no effect)")
    fault.add_argument("--clear", action="store_true", help="remove all faults (before applying the others)")
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["exo"]:  # python -m lab exo ... (lab/exo/cli.py: reset, fault, seed, smarthost, app, ...)
        return exo_cli.main(argv[1:])
    if argv[:1] == ["route53"]:  # python -m lab route53 up|down|status|reset|records (lab/route53.py)
        return _route53("main", None, argv[1:])
    if argv[:1] == ["msp"]:  # python -m lab msp up|down|status (lab/msp.py: K tenants, M gateways)
        from . import msp

        return msp.main(argv[1:])
    if argv[:1] == ["trap"]:  # python -m lab trap <name>|--list (lab/traps.py: posture traps, docs/posture.md)
        from . import traps

        return traps.main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "cluster", None) and not args.cluster_machines:
        peer = "esa2.lab" if args.hostname != "esa2.lab" else "esa1.lab"
        args.cluster_machines = f"{args.hostname},{peer}"
    try:
        return args.func(args)
    except LabError as exc:
        print(f"lab: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"lab: error: {exc}", file=sys.stderr)
        return 1
