"""``python -m lab dns up|down|status|zone|hold|release|reset|secret`` and the DNS part of ``lab up/down/status``."""

import json
import sys

from .bind import BindLab, DNSLabError, default_dns_port


def start(state_path, port=None, explicit=False, required=False):
    """Start BIND for ``lab up``. Returns printable lines. When named is missing and not ``required``, says so."""
    lab = BindLab(state_path)
    try:
        info, started = lab.up(port=port, explicit=explicit)
    except DNSLabError as exc:
        if required or "named not found" not in str(exc):
            raise
        return ["DNS: not started (%s)" % exc]
    status = lab.status()
    servers = status["servers"]
    word = "running" if started else "already running"
    return ["DNS lab %s: zone %s, primary ns1 %s (pid %s), secondary ns2 %s (pid %s), TSIG key %s (%s) in %s"
            % (word, status["zone"], _endpoints(servers["primary"]), info["primary"]["pid"],
               _endpoints(servers["secondary"]), info["secondary"]["pid"],
               status["tsig"]["key_name"], status["tsig"]["algorithm"], status["tsig"]["bind_key_file"])]


def _endpoints(server):
    return " ".join(("[%s]:%d" if ":" in e["address"] else "%s:%d") % (e["address"], e["port"])
                    for e in server["endpoints"])


def stop(state_path):
    stopped = BindLab(state_path).down()
    if not stopped:
        return ["DNS lab is not running."]
    return ["DNS lab stopped (%s)." % ", ".join("%s pid %d" % item for item in stopped)]


def status(state_path):
    return BindLab(state_path).status()


def status_lines(state_path):
    data = status(state_path)
    if not data.get("running"):
        return ["DNS: not running" + ("" if data.get("named") else " (named not installed)")]
    counters = data["counters"]
    return ["DNS: running, zone %s on port %d, serials %s, hold=%s" % (
        data["zone"], data["port"], json.dumps(data["serials"], sort_keys=True), str(data["hold"]).lower()),
        "DNS counters: " + "; ".join("%s %s" % (name, ", ".join("%s=%s" % kv for kv in sorted(values.items())))
                                     for name, values in sorted(counters.items()))]


def _cmd(args):
    lab = BindLab(args.state_dir)
    action = args.dns_action
    try:
        if action == "up":
            explicit = args.dns_port is not None
            port = args.dns_port if explicit else default_dns_port()
            print("\n".join(start(args.state_dir, port=port, explicit=explicit, required=True)))
        elif action == "down":
            print("\n".join(stop(args.state_dir)))
        elif action == "status":
            data = lab.status()
            if args.json:
                print(json.dumps({"dns": data}, indent=2))
            else:
                print("\n".join(status_lines(args.state_dir)))
        elif action == "zone":
            print(lab.zone_dump(args.instance), end="")
        elif action == "hold":
            lab.set_hold(True)
            print("DNS: the primary now refuses zone transfers; the secondary keeps serving the old zone.")
        elif action == "release":
            lab.set_hold(False)
            print("DNS: zone transfers allowed again; the secondary was asked to refresh.")
        elif action == "reset":
            lab.reset()
            print("DNS lab reset: initial zone (serial 1) on both instances, transfers allowed.")
        elif action == "secret":
            print(lab.secret())
    except DNSLabError as exc:
        print("lab: error: %s" % exc, file=sys.stderr)
        return 1
    return 0


def add_parser(sub, add):
    """Register ``dns`` under the ``python -m lab`` sub-commands (``add`` adds --state-dir)."""
    parser = add("dns", _cmd, "the lab's DNS (two BIND instances): up, down, status, zone, hold, release, reset, secret")
    parser.add_argument("dns_action", choices=("up", "down", "status", "zone", "hold", "release", "reset", "secret"))
    parser.add_argument("--dns-port", type=int, default=None,
                        help="DNS port on 127.0.0.1/127.0.0.2/::1 (env LAB_DNS_PORT, default 5300; 0 = any free port)")
    parser.add_argument("--json", action="store_true", help="status as JSON")
    parser.add_argument("--instance", choices=("primary", "secondary"), default="primary", help="zone: which instance")
    return parser
