"""``python -m lab exo ...`` / ``python -m lab.exo ...``: control the lab Exchange on its own.

``python -m lab up|down|status|reset`` call :func:`up`, :func:`down`, :func:`status` and :func:`reset` too.
"""

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time

from . import smtp
from .store import ExoStore
from ..state import default_state_dir
from ..procs import pid_alive, port_open

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class ExoLabError(Exception):
    pass


def default_port():
    return int(os.environ.get("LAB_EXO_PORT") or 0)


def running_info(state_path):
    info = ExoStore(state_path).runtime()
    if info and info.get("pid") and pid_alive(info["pid"], "lab.exo", "serve"):
        return info
    return None


# -- control (also used by lab/cli.py) ----------------------------------------------------------------
def up(state_path, port=None, quiet=False):
    """Start the server detached (idempotent); return its runtime info."""
    state_path = os.path.abspath(state_path)
    os.makedirs(state_path, mode=0o700, exist_ok=True)
    info = running_info(state_path)
    if info:
        if not quiet:
            print(f"Exchange lab already running (pid {info['pid']}) at {info['base_url']}; nothing to do.")
        return info
    port = default_port() if port is None else port
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO_ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    store = ExoStore(state_path)
    with open(store.file("exo.log"), "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "lab.exo", "serve", "--state-dir", state_path,
                                    "--port", str(port)], cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        info = store.runtime()
        if info and info.get("pid") == process.pid and port_open("127.0.0.1", info["port"]):
            break
        if process.poll() is not None:
            raise ExoLabError(f"the Exchange lab server exited with code {process.returncode}; see "
                              f"{store.file('exo.log')}")
        time.sleep(0.1)
    else:
        process.terminate()
        raise ExoLabError(f"the Exchange lab server did not start within {START_TIMEOUT:.0f} s; see "
                          f"{store.file('exo.log')}")
    if not quiet:
        print(f"Exchange lab running (pid {info['pid']}) at {info['base_url']} (tenant {info['tenant_id']}), "
              f"smart host SMTP on 127.0.0.1:{info['smtp_port']}")
        print(f"ansible vars: {info['vars_file']}")
        print(f"env:          {info['env_file']}")
    return info


def down(state_path, quiet=False):
    info = running_info(state_path)
    if not info:
        if not quiet:
            print("Exchange lab is not running.")
        return False
    pid = info["pid"]
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and pid_alive(pid, "lab.exo", "serve"):
        time.sleep(0.1)
    if pid_alive(pid, "lab.exo", "serve"):
        os.kill(pid, signal.SIGKILL)
    ExoStore(state_path).clear_runtime(pid)
    if not quiet:
        print(f"Exchange lab stopped (pid {pid}).")
    return True


def status(state_path):
    store = ExoStore(state_path)
    info = running_info(state_path)
    last = info or {}
    return {
        "running": bool(info),
        "pid": last.get("pid"),
        "port": last.get("port"),
        "base_url": last.get("base_url"),
        "authority": last.get("authority"),
        "token_endpoint": last.get("token_endpoint"),
        "invoke_url": last.get("invoke_url"),
        "smtp_port": last.get("smtp_port"),
        "mail_port": last.get("mail_port"),
        "graph_url": last.get("graph_url"),
        "tenant_id": last.get("tenant_id"),
        "tenant_domain": last.get("tenant_domain"),
        "client_id": last.get("client_id"),
        "ca_path": store.file("exo_ca.pem"),
        "vars_file": store.file("exo_vars.yml"),
        "env_file": store.file("exo_env.sh"),
        "inventory": store.file("exo_inventory.yml"),
        "counters": store.counters(),
        "faults": store.faults(),
    }


def reset(state_path, counters_only=False):
    ExoStore(state_path).reset(counters_only=counters_only)


# -- client files ---------------------------------------------------------------------------------------
def _yaml(value):
    return json.dumps(value)


def write_client_files(store, info, secret, cert_path, thumbprint):
    values = [
        ("exo_tenant_id", info["tenant_id"]), ("exo_tenant_domain", info["tenant_domain"]),
        ("exo_client_id", info["client_id"]), ("exo_client_secret", secret),
        ("exo_certificate_path", cert_path), ("exo_certificate_thumbprint", thumbprint),
        ("exo_base_url", info["base_url"]), ("exo_authority", info["authority"]),
        ("exo_ca_path", store.file("exo_ca.pem")), ("exo_smart_host_port", info["smtp_port"]),
        ("exo_smtp_port", info.get("mail_port")), ("exo_graph_url", info.get("graph_url")),
    ]
    header = "# Written by 'python -m lab up' (lab Exchange Online). Lab credentials only.\n"
    with open(store.file("exo_vars.yml"), "w", encoding="utf-8") as handle:
        handle.write(header + "".join(f"{k}: {_yaml(v)}\n" for k, v in values))
    env_names = {"exo_tenant_id": "EXO_TENANT_ID", "exo_client_id": "EXO_CLIENT_ID",
                 "exo_client_secret": "EXO_CLIENT_SECRET", "exo_base_url": "EXO_BASE_URL",
                 "exo_authority": "EXO_AUTHORITY", "exo_ca_path": "EXO_CA_PATH"}
    with open(store.file("exo_env.sh"), "w", encoding="utf-8") as handle:
        handle.write(header + "".join(f"export {env_names[k]}={_yaml(str(v))}\n" for k, v in values
                                      if k in env_names))
    lines = [header.rstrip("\n"), "m365_tenants:", "  hosts:", "    tenant1:",
             "      ansible_connection: local", "      ansible_pipelining: true",
             "      ansible_python_interpreter: \"{{ ansible_playbook_python }}\""]
    lines += [f"      {k}: {_yaml(v)}" for k, v in values]
    with open(store.file("exo_inventory.yml"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    for name in ("exo_vars.yml", "exo_env.sh", "exo_inventory.yml"):
        os.chmod(store.file(name), 0o600)


# -- commands ---------------------------------------------------------------------------------------------
def cmd_serve(args):
    from . import pki  # cryptography only needed here
    from .server import ExoHTTPServer, ExoLab
    from .smtp import SmartHostServer

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    lab = ExoLab(args.state_dir)
    store = lab.store

    def on_smtp(event):
        store.count(**({"smtp_sessions": 1} if event == "session" else {"smtp_messages": 1}))

    smtp_server = SmartHostServer(args.smtp_port, lab.paths["exo_server.pem"], lab.paths["exo_server.key"], on_smtp)
    lab.smtp_port = smtp_server.start()
    mail_server = _tenant_mail_server(args, lab)
    try:
        httpd = ExoHTTPServer(lab, args.port)
    except OSError as exc:
        smtp_server.stop()
        if mail_server:
            mail_server.stop()
        raise ExoLabError(f"cannot listen on 127.0.0.1:{args.port}: {exc}") from None
    port = httpd.server_address[1]
    lab.base_url = f"https://127.0.0.1:{port}"
    apps = store.apps()
    client_id = apps["default_client_id"]
    tenant = apps["tenant"]
    info = {"pid": os.getpid(), "port": port, "base_url": lab.base_url, "authority": lab.base_url,
            "token_endpoint": f"{lab.base_url}/{tenant['id']}/oauth2/v2.0/token",
            "invoke_url": f"{lab.base_url}/adminapi/beta/{tenant['id']}/InvokeCommand",
            "smtp_port": lab.smtp_port, "mail_port": mail_server.port if mail_server else None,
            "graph_url": lab.base_url, "tenant_id": tenant["id"], "tenant_domain": tenant["initial_domain"],
            "client_id": client_id, "vars_file": store.file("exo_vars.yml"), "env_file": store.file("exo_env.sh"),
            "inventory": store.file("exo_inventory.yml"),
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    write_client_files(store, info, apps["apps"][client_id]["secret"], lab.paths["exo_app.pem"],
                       apps["apps"][client_id]["cert_sha1"])
    httpd.thread.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_args: stop.set())
    store.write_runtime(info)
    logging.info("Exchange lab listening at %s, SMTP smart host on %s", lab.base_url, lab.smtp_port)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        httpd.shutdown()
        httpd.server_close()
        smtp_server.stop()
        if mail_server:
            mail_server.stop()
        store.clear_runtime(os.getpid())
        logging.info("Exchange lab stopped")
    return 0


def _tenant_mail_server(args, lab):
    """The tenant's inbound SMTP endpoint (lab/exo/mailflow.py; docs/mail-flow.md "Exchange side"). Without
    aiosmtpd the lab runs without it (a warning in exo.log)."""
    try:
        from .mailflow import TenantSMTPServer
    except ImportError as exc:
        logging.warning("tenant SMTP not started (pip install ./lab for aiosmtpd): %s", exc)
        return None
    port = getattr(args, "mail_port", 0) or 0
    try:
        return TenantSMTPServer(args.state_dir, port=port, certfile=lab.paths["exo_server.pem"],
                                keyfile=lab.paths["exo_server.key"]).start()
    except OSError as exc:
        raise ExoLabError(f"cannot listen on 127.0.0.1:{port} (tenant SMTP): {exc}") from None


def cmd_up(args):
    up(args.state_dir, args.port)
    return 0


def cmd_down(args):
    down(args.state_dir)
    return 0


def cmd_status(args):
    data = status(args.state_dir)
    if args.json:
        print(json.dumps({"exo": data}, indent=2))
        return 0
    if data["running"]:
        print(f"Exchange: running (pid {data['pid']}) at {data['base_url']}, SMTP smart host 127.0.0.1:"
              f"{data['smtp_port']}, tenant inbound SMTP 127.0.0.1:{data.get('mail_port')}")
    else:
        print("Exchange: not running")
    counters = dict(data["counters"])
    cmdlets = counters.pop("cmdlets", {})
    print("counters: " + ", ".join(f"{k}={v}" for k, v in counters.items()))
    if cmdlets:
        print("cmdlets: " + ", ".join(f"{k}={v}" for k, v in sorted(cmdlets.items())))
    if data["faults"]:
        print("faults: " + ", ".join(f"{k}={v}" for k, v in sorted(data["faults"].items())))
    return 0


def cmd_reset(args):
    reset(args.state_dir, args.counters_only)
    print("Exchange lab counters reset." if args.counters_only else
          "Exchange lab reset: factory tenant, zero counters, no faults.")
    return 0


def cmd_fault(args):
    faults = ExoStore(args.state_dir).update_faults(
        clear=args.clear, http_429=args.http_429, http_500=args.http_500, http_503=args.http_503,
        http_403_nul=args.http_403_nul, concurrency=args.concurrency, retry_after=args.retry_after,
        latency=args.latency, bad_body=args.bad_body, drop=args.drop, write_http_500=args.write_http_500,
        lost_answer=args.lost_answer)
    print("faults: " + (json.dumps(faults, sort_keys=True) if faults else "none"))
    return 0


def cmd_seed(args):
    from . import tenant as tenant_mod

    if (args.json is None) == (args.file is None):
        raise ExoLabError("give exactly one of --json or --file")
    try:
        if args.file:
            with open(args.file, encoding="utf-8") as handle:
                data = json.load(handle)
        else:
            data = json.loads(args.json)
    except ValueError as exc:
        raise ExoLabError(f"invalid JSON: {exc}") from None
    store = ExoStore(args.state_dir)
    try:
        with store.tenant_transaction() as tenant:
            tenant_mod.seed(tenant, data, replace=args.replace)
    except (ValueError, KeyError, TypeError) as exc:
        raise ExoLabError(f"invalid seed: {exc}") from None
    print("seeded: " + ", ".join(f"{k} ({len(v)})" for k, v in data.items()))
    return 0


def cmd_config(args):
    print(json.dumps({"exo": ExoStore(args.state_dir).read_tenant()}, indent=2))
    return 0


def cmd_smarthost(args):
    if args.remove:
        target = None
    elif args.listening:
        target = "lab"
    elif args.closed:
        target = f"127.0.0.1:{smtp.closed_port()}"
    elif args.target:
        target = args.target
    else:
        raise ExoLabError("give one of --listening, --closed, --target HOST:PORT or --remove")
    with ExoStore(args.state_dir).tenant_transaction() as tenant:
        if target is None:
            tenant["smart_hosts"].pop(args.name.lower(), None)
        else:
            tenant["smart_hosts"][args.name.lower()] = target
    print(f"smart host {args.name}: {target or 'removed'}")
    return 0


def cmd_app(args):
    values = {}
    if args.secret is not None:
        values["secret"] = args.secret
    if args.app_role is not None:
        values["app_role"] = args.app_role
    if args.directory_role is not None:
        values["directory_role"] = args.directory_role
    if args.mail_send is not None:
        values["mail_send"] = args.mail_send
    try:
        app = ExoStore(args.state_dir).update_app(**values)
    except KeyError as exc:
        raise ExoLabError(str(exc)) from None
    print(f"app {app.get('display_name')}: app_role={app.get('app_role')}, directory_role={app.get('directory_role')}, "
          f"mail_send={app.get('mail_send', True)}")
    return 0


def build_parser(prog="python -m lab exo"):
    parser = argparse.ArgumentParser(prog=prog, description="The lab's Exchange Online (HTTPS + SMTP smart host).")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name, func, help_text):
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        sub_parser.add_argument("--state-dir", default=default_state_dir(),
                                help="state directory (env LAB_STATE_DIR, default <repo>/.lab)")
        sub_parser.set_defaults(func=func)
        return sub_parser

    for name, func, text in (("up", cmd_up, "start the lab Exchange (detached)"),
                             ("serve", cmd_serve, "run the lab Exchange in the foreground")):
        sub_parser = add(name, func, text)
        sub_parser.add_argument("--port", type=int, default=default_port(),
                                help="HTTPS port on 127.0.0.1 (env LAB_EXO_PORT; default 0 = any free port)")
        if name == "serve":
            sub_parser.add_argument("--smtp-port", type=int, default=0, help="smart host SMTP port (0 = any)")
            sub_parser.add_argument("--mail-port", type=int, default=int(os.environ.get("LAB_EXO_MAIL_PORT") or 0),
                                    help="the tenant's inbound SMTP port (env LAB_EXO_MAIL_PORT; 0 = any)")
    add("down", cmd_down, "stop the lab Exchange")
    add("status", cmd_status, "running?, URLs, counters, faults").add_argument("--json", action="store_true")
    add("reset", cmd_reset, "factory tenant, zero counters, no faults").add_argument(
        "--counters-only", action="store_true", help="only zero the counters")
    add("config", cmd_config, "print the tenant's objects as JSON")
    seed = add("seed", cmd_seed, "add raw Get-* records (JSON object of lists) to the tenant")
    seed.add_argument("--json", default=None)
    seed.add_argument("--file", default=None)
    seed.add_argument("--replace", action="store_true", help="replace the lists given instead of adding to them")
    fault = add("fault", cmd_fault, "fault injection for the next InvokeCommand calls")
    fault.add_argument("--http-429", type=int, default=None, help="answer the next N calls with 429")
    fault.add_argument("--retry-after", type=int, default=None, help="Retry-After seconds for 429/503 (0 = none)")
    fault.add_argument("--http-500", type=int, default=None, help="answer the next N calls with 500")
    fault.add_argument("--http-503", type=int, default=None, help="answer the next N calls with 503 (HTML body)")
    fault.add_argument("--http-403-nul", type=int, default=None, help="answer the next N calls with 403 + NUL bytes")
    fault.add_argument("--concurrency", type=int, default=None,
                       help="answer the next N calls with the 'maximum number of concurrent requests' error")
    fault.add_argument("--latency", type=float, default=None, help="seconds to wait before each answer (0 = off)")
    # the fault suite's kinds (tests/faults; store.CALL_FAULT_KEYS, store.WRITE_FAULT_KEYS)
    fault.add_argument("--bad-body", type=int, default=None,
                       help="answer the next N calls with HTTP 200 and a body that is not JSON (cmdlet not run)")
    fault.add_argument("--drop", type=int, default=None,
                       help="close the connection of the next N calls without an answer (cmdlet not run)")
    fault.add_argument("--write-http-500", type=int, default=None,
                       help="answer the next N write cmdlets with 500 (not run); reads pass")
    fault.add_argument("--lost-answer", type=int, default=None,
                       help="run the next N write cmdlets, then close the connection without an answer")
    fault.add_argument("--clear", action="store_true", help="remove all faults first")
    host = add("smarthost", cmd_smarthost, "map a smart host name for Validate-OutboundConnector")
    host.add_argument("name")
    group = host.add_mutually_exclusive_group()
    group.add_argument("--listening", action="store_true", help="the lab's SMTP listener")
    group.add_argument("--closed", action="store_true", help="a loopback port nothing listens on")
    group.add_argument("--target", default=None, help="HOST:PORT")
    group.add_argument("--remove", action="store_true")
    app = add("app", cmd_app, "change the lab app registration (secret, app role, directory role)")
    app.add_argument("--secret", default=None)
    app.add_argument("--app-role", dest="app_role", action="store_true", default=None)
    app.add_argument("--no-app-role", dest="app_role", action="store_false")
    app.add_argument("--directory-role", dest="directory_role", action="store_true", default=None)
    app.add_argument("--no-directory-role", dest="directory_role", action="store_false")
    # the Microsoft Graph application permission Mail.Send (sendMail; lab/exo/mailflow.py)
    app.add_argument("--mail-send", dest="mail_send", action="store_true", default=None)
    app.add_argument("--no-mail-send", dest="mail_send", action="store_false")
    return parser


def main(argv=None, prog="python -m lab exo"):
    args = build_parser(prog).parse_args(argv)
    try:
        return args.func(args)
    except (ExoLabError, OSError) as exc:
        print(f"lab exo: error: {exc}", file=sys.stderr)
        return 1
