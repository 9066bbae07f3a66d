"""The lab's Route 53: the Route 53 API served by moto (server mode) behind a small counting proxy, with every change
pushed into the lab's BIND primary so that resolvers and ``dns_wait`` see what the hosted zone holds.

``python -m lab route53 up|down|status|reset|records`` (or ``python -m lab up --route53`` / env ``LAB_ROUTE53=1``).
See lab/README.md "Route 53 (moto)". What is moto's and what is the lab's:

* moto (``moto[server]``, pinned in lab/pyproject.toml): the API itself - hosted zones, ListHostedZonesByName,
  ListResourceRecordSets, ChangeResourceRecordSets (a batch applied whole or refused; a DELETE whose TTL/values differ
  from the current RRset is refused), GetChange. moto quirks seen with 5.2.6: a CREATE of an RRset that exists is
  accepted (AWS refuses it) and adds a second set; a refused DELETE answers InvalidInput (AWS: InvalidChangeBatch);
  ListHostedZonesByName returns only the exact name; the SOA value is malformed; every change is INSYNC at once.
* lab choices (reconstructed, in this file): the proxy in front of moto counts the calls per API action (moto does not
  count) and checks the access key id of the SigV4 ``Authorization`` header against the lab's fake key (an unknown key
  gets AWS's ``InvalidClientTokenId`` answer, HTTP 403; the signature itself is not verified); ``--pending-polls N``
  makes the first N GetChange answers of a change say PENDING (and ChangeResourceRecordSets answer PENDING, as AWS
  does); after each accepted ChangeResourceRecordSets the proxy pushes the changed RRsets into the BIND primary (one
  TSIG-signed RFC 2136 UPDATE with the lab's update key) BEFORE it answers, so INSYNC means "BIND serves it". The
  apex SOA and NS stay BIND's (ns1/ns2 of the lab), never Route 53's awsdns names.
* The hosted zone is created from the BIND zone as the primary serves it at ``up``/``reset`` (same name, same records
  except the apex SOA and NS), so both start equal.

Only the standard library, dnspython, boto3 and moto are used; nothing from ``plugins/``.
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from xml.etree import ElementTree
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .dns.bind import KEY_ALGORITHM, KEY_NAME, PRIMARY_ADDRESS, BindLab, DNSLabError
from .procs import pid_alive, port_open

HOST = "127.0.0.1"
# Fake credentials of the lab (lab choice; any AWS SDK accepts them). The proxy only accepts this key id.
ACCESS_KEY_ID = "AKIALAB0ROUTE53TEST0"
SECRET_ACCESS_KEY = "lab-route53-fake-secret-key-0000000000000"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
ENV_ENABLE = "LAB_ROUTE53"
ENV_PORT = "LAB_ROUTE53_PORT"
ACTIONS = ("ChangeResourceRecordSets", "GetChange", "ListHostedZonesByName", "ListResourceRecordSets",
           "CreateHostedZone", "other")
_OCTAL = re.compile(r"\\([0-7]{3})")


class Route53LabError(Exception):
    """A user-facing error of the Route 53 lab."""


def _read_json(path, default):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return default


def _write_json(path, data, mode=0o600):
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
    os.replace(path + ".tmp", path)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def action_of(method, path):
    """The Route 53 API action of a REST request (method + path of API version 2013-04-01)."""
    path = path.split("?", 1)[0].rstrip("/")
    if re.match(r"^/2013-04-01/hostedzone/[^/]+/rrset$", path):
        return "ChangeResourceRecordSets" if method == "POST" else "ListResourceRecordSets"
    if re.match(r"^/2013-04-01/change/[^/]+$", path):
        return "GetChange"
    if path == "/2013-04-01/hostedzonesbyname":
        return "ListHostedZonesByName"
    if path == "/2013-04-01/hostedzone" and method == "POST":
        return "CreateHostedZone"
    return "other"


def changed_rrsets(body):
    """(name, type) of every change of a ChangeResourceRecordSets request body (XML)."""
    out = []
    root = ElementTree.fromstring(body)
    for element in root.iter():
        if element.tag.endswith("ResourceRecordSet"):
            name = typ = None
            for child in element:
                if child.tag.endswith("}Name") or child.tag == "Name":
                    name = child.text
                elif child.tag.endswith("}Type") or child.tag == "Type":
                    typ = child.text
            if name and typ and (name, typ) not in out:
                out.append((name, typ))
    return out


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def parse_changes(body):
    """The changes of a ChangeResourceRecordSets body: [{action, name, type, ttl, values}] in order."""
    out = []
    for change in ElementTree.fromstring(body).iter():
        if _local(change.tag) != "Change":
            continue
        item = {"action": None, "name": None, "type": None, "ttl": None, "values": []}
        for element in change.iter():
            tag = _local(element.tag)
            if tag == "Action":
                item["action"] = element.text
            elif tag == "Name" and item["name"] is None:
                item["name"] = element.text
            elif tag == "Type" and item["type"] is None:
                item["type"] = element.text
            elif tag == "TTL":
                item["ttl"] = int(element.text)
            elif tag == "Value":
                item["values"].append(element.text or "")
        out.append(item)
    return out


def _key(name, rdtype):
    name = _OCTAL.sub(lambda match: chr(int(match.group(1), 8)), name or "").lower()
    return (name if name.endswith(".") else name + ".", rdtype)


def _canonical(rdtype, ttl, values):
    if rdtype == "TXT":
        return (ttl, sorted(values))
    return (ttl, sorted(value.lower().rstrip(".") for value in values))


def check_batch(changes, current):
    """AWS's rules for one change batch, applied in order against ``current`` ((name, type) -> (ttl, values) or None):
    a DELETE must name the RRset exactly as it is (TTL and every value), a CREATE must not find one. Returns the
    InvalidChangeBatch message, or None. (Reconstructed from the AWS API reference; moto 5.2.6 checks these against its
    change journal instead of the current record sets.)"""
    state = dict(current)
    for change in changes:
        key = _key(change["name"], change["type"])
        now = state.get(key)
        if change["action"] == "DELETE":
            if now is None:
                return ("Tried to delete resource record set [name='%s', type='%s'] but it was not found"
                        % (key[0], key[1]))
            if _canonical(key[1], now[0], now[1]) != _canonical(key[1], change["ttl"], change["values"]):
                return ("Tried to delete resource record set [name='%s', type='%s'] but the values provided do not "
                        "match the current values" % (key[0], key[1]))
            state[key] = None
        elif change["action"] == "CREATE":
            if now is not None:
                return ("Tried to create resource record set [name='%s', type='%s'] but it already exists"
                        % (key[0], key[1]))
            state[key] = (change["ttl"], change["values"])
        else:
            state[key] = (change["ttl"], change["values"])
    return None


def r53_to_zonefile(rdtype, value):
    """A Route 53 value -> zone-file text for dnspython (TXT escapes: Route 53's \\ooo is octal, the zone file's
    \\DDD decimal)."""
    if rdtype == "TXT":
        return _OCTAL.sub(lambda match: "\\%03d" % int(match.group(1), 8), value)
    return value


def zonefile_to_r53(rdata):
    """dnspython rdata -> a Route 53 value (TXT: \\DDD decimal escapes become \\ooo octal)."""
    text = rdata.to_text()
    if rdata.rdtype == 16:  # TXT
        return re.sub(r"\\([0-9]{3})", lambda match: "\\%03o" % int(match.group(1)), text)
    return text


class Route53Lab:
    """The Route 53 part of one lab state directory (``<state>/route53/``)."""

    def __init__(self, state_path):
        self.state_path = os.path.abspath(state_path)
        self.path = os.path.join(self.state_path, "route53")

    def file(self, *parts):
        return os.path.join(self.path, *parts)

    def settings(self):
        return _read_json(self.file("settings.json"), None)

    def runtime(self):
        info = _read_json(self.file("route53.json"), None)
        if info and pid_alive(info.get("pid"), "route53"):
            return info
        return None

    def counters(self):
        data = _read_json(self.file("counters.json"), None) or {}
        calls = dict((action, 0) for action in ACTIONS)
        calls.update(data.get("calls") or {})
        return {"calls": calls, "denied": data.get("denied", 0), "bind_syncs": data.get("bind_syncs", 0),
                "bind_sync_errors": data.get("bind_sync_errors", []), "changes": data.get("changes", [])}

    # -- boto3 straight to moto (not through the proxy: not counted) ---------------------------------
    def client(self, settings=None, through_proxy=False):
        import boto3  # pylint: disable=import-outside-toplevel

        settings = settings or self.settings()
        port = settings["port"] if through_proxy else settings["moto_port"]
        return boto3.client("route53", endpoint_url="http://%s:%d" % (HOST, port), region_name="us-east-1",
                            aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)

    # -- start / stop --------------------------------------------------------------------------
    def up(self, port=None, pending_polls=0):
        """Start moto and the proxy (detached), create the hosted zone from the BIND zone. No-op when running."""
        info = self.runtime()
        if info:
            return info, False
        bind = BindLab(self.state_path)
        if not bind.running():
            raise Route53LabError("the lab's BIND is not running: the Route 53 lab pushes every change into it; run "
                                  "'python -m lab up' or 'python -m lab dns up' first")
        os.makedirs(self.path, mode=0o700, exist_ok=True)
        if port is None:
            port = int(os.environ.get(ENV_PORT) or 0)
        settings = {"port": port or _free_port(), "moto_port": _free_port(), "access_key_id": ACCESS_KEY_ID,
                    "secret_access_key": SECRET_ACCESS_KEY, "zone": bind.settings()["zone"],
                    "pending_polls": int(pending_polls), "hosted_zone_id": None}
        if port_open(HOST, settings["port"]):
            raise Route53LabError("port %d is in use on %s; pick another (--route53-port, 0 = any free port)"
                                  % (settings["port"], HOST))
        _write_json(self.file("settings.json"), settings)
        _write_json(self.file("counters.json"), {})
        env = dict(os.environ)
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        with open(self.file("route53.log"), "ab") as log:
            process = subprocess.Popen([sys.executable, "-m", "lab", "route53", "serve", "--state-dir", self.state_path],
                                       cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise Route53LabError("the Route 53 lab exited with code %s; see %s"
                                      % (process.returncode, self.file("route53.log")))
            if port_open(HOST, settings["port"]) and port_open(HOST, settings["moto_port"]):
                break
            time.sleep(0.1)
        else:
            process.terminate()
            raise Route53LabError("the Route 53 lab did not start within %.0f s; see %s"
                                  % (START_TIMEOUT, self.file("route53.log")))
        _write_json(self.file("route53.json"), {"pid": process.pid, "started": time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        self.seed()
        return self.runtime(), True

    def down(self):
        info = _read_json(self.file("route53.json"), None) or {}
        pid = info.get("pid")
        stopped = None
        if pid_alive(pid, "route53"):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            while time.monotonic() < deadline and pid_alive(pid, "route53"):
                time.sleep(0.05)
            if pid_alive(pid, "route53"):
                os.kill(pid, signal.SIGKILL)
            stopped = pid
        if os.path.exists(self.file("route53.json")):
            os.unlink(self.file("route53.json"))
        return stopped

    # -- the hosted zone ---------------------------------------------------------------------------
    def seed(self):
        """Make the hosted zone equal to the BIND zone as the primary serves it now (created when missing; every
        RRset but the apex SOA and NS replaced), and zero the counters. Straight to moto: nothing is counted."""
        import dns.rdatatype  # pylint: disable=import-outside-toplevel
        import dns.zone  # pylint: disable=import-outside-toplevel

        settings = self.settings()
        bind = BindLab(self.state_path)
        zone_name = settings["zone"].rstrip(".") + "."
        text = bind.zone_dump("primary")
        zone = dns.zone.from_text(text, origin=zone_name, relativize=False, check_origin=False)
        client = self.client(settings)
        zone_id = settings.get("hosted_zone_id")
        if zone_id:
            try:
                client.get_hosted_zone(Id=zone_id)
            except Exception:  # pylint: disable=broad-except
                zone_id = None
        if not zone_id:
            created = client.create_hosted_zone(Name=zone_name, CallerReference="lab-%f" % time.time())
            zone_id = created["HostedZone"]["Id"].rsplit("/", 1)[-1]
            settings["hosted_zone_id"] = zone_id
            _write_json(self.file("settings.json"), settings)
        # Two batches: moto (5.2.6) checks a CREATE against the state before its batch, so a DELETE and a CREATE of
        # the same RRset with the same content cannot share one.
        deletes = [{"Action": "DELETE", "ResourceRecordSet": item} for item in self._all_sets(client, zone_id)
                   if not (item["Name"] == zone_name and item["Type"] in ("SOA", "NS"))]
        if deletes:
            client.change_resource_record_sets(HostedZoneId=zone_id,
                                               ChangeBatch={"Comment": "lab reset", "Changes": deletes})
        changes = []
        for name, rdataset in zone.iterate_rdatasets():
            rdtype = dns.rdatatype.to_text(rdataset.rdtype)
            if name.to_text() == zone_name and rdtype in ("SOA", "NS"):
                continue
            changes.append({"Action": "UPSERT", "ResourceRecordSet": {
                "Name": name.to_text(), "Type": rdtype, "TTL": rdataset.ttl,
                "ResourceRecords": [{"Value": zonefile_to_r53(rdata)} for rdata in rdataset]}})
        if changes:
            client.change_resource_record_sets(HostedZoneId=zone_id,
                                               ChangeBatch={"Comment": "lab seed", "Changes": changes})
        _write_json(self.file("counters.json"), {})
        return zone_id

    @staticmethod
    def _all_sets(client, zone_id):
        out, kwargs = [], {"HostedZoneId": zone_id}
        while True:
            page = client.list_resource_record_sets(**kwargs)
            out.extend(page.get("ResourceRecordSets") or [])
            if not page.get("IsTruncated"):
                return out
            kwargs.update(StartRecordName=page["NextRecordName"], StartRecordType=page["NextRecordType"])

    def records(self):
        """The hosted zone's RRsets: {"<name> <type>": {"ttl": n, "values": [...]}} (apex SOA left out: moto's is
        malformed)."""
        settings = self.settings()
        out = {}
        for item in self._all_sets(self.client(settings), settings["hosted_zone_id"]):
            if item["Type"] == "SOA":
                continue
            out["%s %s" % (item["Name"], item["Type"])] = {
                "ttl": item.get("TTL"), "values": sorted(value["Value"] for value in item.get("ResourceRecords") or [])}
        return out

    def status(self):
        settings = self.settings()
        info = self.runtime()
        status = {"running": bool(info)}
        if not settings:
            return status
        status.update({"pid": (info or {}).get("pid"), "endpoint_url": "http://%s:%d" % (HOST, settings["port"]),
                       "moto_endpoint_url": "http://%s:%d" % (HOST, settings["moto_port"]),
                       "access_key_id": settings["access_key_id"], "secret_access_key": settings["secret_access_key"],
                       "region": "us-east-1", "zone": settings["zone"], "hosted_zone_id": settings["hosted_zone_id"],
                       "pending_polls": settings.get("pending_polls", 0), "log": self.file("route53.log")})
        status["counters"] = self.counters()
        return status

    def lab_vars(self):
        """The ``route53`` section of lab_vars.json (None when not running)."""
        status = self.status()
        if not status.get("running"):
            return None
        return {key: status[key] for key in ("endpoint_url", "access_key_id", "secret_access_key", "region", "zone",
                                             "hosted_zone_id")}


# -- the server process: moto + the proxy ------------------------------------------------------------
class _Proxy:
    def __init__(self, lab):
        self.lab = lab
        self.settings = lab.settings()
        self.lock = threading.Lock()
        self.polls = {}

    def count(self, update):
        with self.lock:
            data = _read_json(self.lab.file("counters.json"), None) or {}
            update(data)
            _write_json(self.lab.file("counters.json"), data)

    def aws_rules(self, path, body):
        """(InvalidChangeBatch message or None, the body for moto). The lab checks AWS's DELETE/CREATE rules itself
        against the record sets as they are now, then hands moto the batch with CREATE sent as UPSERT (moto 5.2.6
        refuses a CREATE identical to one in its journal, and accepts a CREATE next to an existing RRset)."""
        try:
            changes = parse_changes(body)
        except ElementTree.ParseError:
            return None, body
        zone_id = path.split("/hostedzone/", 1)[-1].split("/", 1)[0]
        client = self.lab.client(self.settings)
        current = {}
        for change in changes:
            key = _key(change["name"], change["type"])
            if key in current:
                continue
            try:
                page = client.list_resource_record_sets(HostedZoneId=zone_id, StartRecordName=key[0],
                                                        StartRecordType=key[1], MaxItems="1")
            except Exception:  # pylint: disable=broad-except
                return None, body  # an unknown zone: moto answers
            found = [item for item in page.get("ResourceRecordSets") or []
                     if _key(item["Name"], item["Type"]) == key]
            current[key] = ((int(found[0].get("TTL", 0)), [value["Value"] for value in found[0].get("ResourceRecords")
                                                           or []]) if found else None)
        problem = check_batch(changes, current)
        return problem, body.replace(b"<Action>CREATE</Action>", b"<Action>UPSERT</Action>")

    def sync_to_bind(self, rrsets):
        """Push the current state of ``rrsets`` [(name, type)] from moto into the BIND primary: one UPDATE."""
        import dns.name  # pylint: disable=import-outside-toplevel
        import dns.query  # pylint: disable=import-outside-toplevel
        import dns.rdata  # pylint: disable=import-outside-toplevel
        import dns.rdataclass  # pylint: disable=import-outside-toplevel
        import dns.rdatatype  # pylint: disable=import-outside-toplevel
        import dns.tsigkeyring  # pylint: disable=import-outside-toplevel
        import dns.update  # pylint: disable=import-outside-toplevel

        bind = BindLab(self.lab.state_path)
        dns_settings = bind.settings()
        zone = self.settings["zone"].rstrip(".") + "."
        client = self.lab.client(self.settings)
        keyring = dns.tsigkeyring.from_text({KEY_NAME: dns_settings["key_secret"]})
        update = dns.update.UpdateMessage(zone, keyring=keyring, keyalgorithm=KEY_ALGORITHM)
        for name, rdtype in rrsets:
            name = _OCTAL.sub(lambda match: chr(int(match.group(1), 8)), name)
            if not name.endswith("."):
                name += "."
            if name.lower() == zone.lower() and rdtype in ("SOA", "NS"):
                continue  # the apex SOA and NS stay BIND's (lab choice)
            page = client.list_resource_record_sets(HostedZoneId=self.settings["hosted_zone_id"],
                                                    StartRecordName=name, StartRecordType=rdtype, MaxItems="1")
            found = [item for item in page.get("ResourceRecordSets") or []
                     if item["Name"].lower() == name.lower() and item["Type"] == rdtype]
            owner = dns.name.from_text(name)
            update.delete(owner, rdtype)
            for item in found:
                for value in item.get("ResourceRecords") or []:
                    rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rdtype),
                                                r53_to_zonefile(rdtype, value["Value"]), origin=dns.name.root,
                                                relativize=False)
                    update.add(owner, int(item["TTL"]), rdata)
        response = dns.query.tcp(update, PRIMARY_ADDRESS, port=dns_settings["port"], timeout=10)
        if response.rcode() != 0:
            raise DNSLabError("BIND refused the sync UPDATE: rcode %d" % response.rcode())

    def handle(self, handler, method):
        self.settings = self.lab.settings()  # re-read: seed/reset change hosted_zone_id while the server runs
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        action = action_of(method, handler.path)
        authorization = handler.headers.get("Authorization") or ""
        match = re.search(r"Credential=([^/,\s]+)/", authorization)
        if not match or match.group(1) != self.settings["access_key_id"]:
            self.count(lambda data: data.__setitem__("denied", data.get("denied", 0) + 1))
            payload = ('<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">'
                       "<Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token "
                       "included in the request is invalid.</Message></Error><RequestId>lab</RequestId>"
                       "</ErrorResponse>").encode("utf-8")
            return self.reply(handler, 403, [("Content-Type", "text/xml")], payload)

        def bump(data):
            calls = data.setdefault("calls", {})
            calls[action] = calls.get(action, 0) + 1
        self.count(bump)
        if action == "ChangeResourceRecordSets" and method == "POST":
            problem, body = self.aws_rules(handler.path, body)
            if problem:
                payload = ('<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/'
                           '2013-04-01/"><Error><Type>Sender</Type><Code>InvalidChangeBatch</Code><Message>[%s]'
                           "</Message></Error><RequestId>lab</RequestId></ErrorResponse>"
                           % problem.replace("&", "&amp;").replace("<", "&lt;")).encode("utf-8")
                return self.reply(handler, 400, [("Content-Type", "text/xml")], payload)
        connection = HTTPConnection(HOST, self.settings["moto_port"], timeout=60)
        headers = dict((key, value) for key, value in handler.headers.items()
                       if key.lower() not in ("host", "connection", "content-length", "transfer-encoding"))
        headers["Host"] = handler.headers.get("Host") or "%s:%d" % (HOST, self.settings["port"])
        connection.request(method, handler.path, body=body if body else None, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        status = response.status
        out_headers = [(key, value) for key, value in response.getheaders()
                       if key.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date")]
        connection.close()
        pending = int(self.settings.get("pending_polls") or 0)
        if action == "ChangeResourceRecordSets" and status == 200:
            rrsets = changed_rrsets(body)
            try:
                self.sync_to_bind(rrsets)
                self.count(lambda data: data.__setitem__("bind_syncs", data.get("bind_syncs", 0) + 1))
            except Exception as exc:  # pylint: disable=broad-except
                traceback.print_exc()
                message = "%s: %s" % (type(exc).__name__, exc)
                self.count(lambda data: data.setdefault("bind_sync_errors", []).append(message))
            change_id = re.search(rb"<Id>([^<]+)</Id>", payload)
            change_text = change_id.group(1).decode("ascii").rsplit("/", 1)[-1] if change_id else None
            self.count(lambda data: data.setdefault("changes", []).append(
                {"id": change_text, "rrsets": ["%s %s" % item for item in rrsets]}))
            with self.lock:  # moto 5.2.6 answers every change with the same id: count the polls per change made
                self.polls[change_text] = 0
            if pending:
                payload = payload.replace(b"<Status>INSYNC</Status>", b"<Status>PENDING</Status>")
        elif action == "GetChange" and status == 200 and pending:
            key = handler.path.rstrip("/").rsplit("/", 1)[-1]
            with self.lock:
                self.polls[key] = self.polls.get(key, 0) + 1
                seen = self.polls[key]
            if seen <= pending:
                payload = payload.replace(b"<Status>INSYNC</Status>", b"<Status>PENDING</Status>")
        return self.reply(handler, status, out_headers, payload)

    @staticmethod
    def reply(handler, status, headers, payload):
        handler.send_response(status)
        for key, value in headers:
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)


def serve(state_path):
    """Run moto (ThreadedMotoServer) and the proxy in the foreground until SIGTERM."""
    from moto.server import ThreadedMotoServer  # pylint: disable=import-outside-toplevel

    lab = Route53Lab(state_path)
    settings = lab.settings()
    moto = ThreadedMotoServer(ip_address=HOST, port=settings["moto_port"], verbose=False)
    moto.start()
    proxy = _Proxy(lab)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (http.server's names)
            proxy.handle(self, "GET")

        def do_POST(self):  # noqa: N802
            proxy.handle(self, "POST")

        def do_DELETE(self):  # noqa: N802
            proxy.handle(self, "DELETE")

        def log_message(self, fmt, *args):  # the requests go to route53.log
            sys.stdout.write("%s %s\n" % (time.strftime("%H:%M:%S"), fmt % args))
            sys.stdout.flush()

    server = ThreadingHTTPServer((HOST, settings["port"]), Handler)
    server.daemon_threads = True
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_args: stop.set())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.shutdown()
        moto.stop()
    return 0


# -- hooks for lab/cli.py and the command line ---------------------------------------------------------
def hook(event, state_path, args=None):
    """lab/cli.py's wiring: "parser" (adds --route53 to ``up``), "up", "down", "status", "vars", "main" (``python -m
    lab route53 ...``, ``args`` = the argument list)."""
    if event == "parser":
        args.add_argument("--route53", action="store_true",
                          help="also start the Route 53 API (moto) that feeds BIND (env %s=1; lab/route53.py)"
                               % ENV_ENABLE)
        args.add_argument("--route53-port", type=int, default=None,
                          help="port of the Route 53 endpoint on 127.0.0.1 (env %s; default any free port)" % ENV_PORT)
        return None
    if event == "main":
        return main(args)
    lab = Route53Lab(state_path)
    if event == "up":
        if not (getattr(args, "route53", False) or os.environ.get(ENV_ENABLE, "") not in ("", "0")):
            return None
        try:
            info, started = lab.up(port=getattr(args, "route53_port", None))
        except (Route53LabError, DNSLabError) as exc:
            print("Route 53: not started (%s)" % exc)
            return None
        print("Route 53 lab %s (pid %s) at %s, hosted zone %s (%s), fake key %s (lab_vars.json route53)" % (
            "running" if started else "already running", info["pid"], lab.status()["endpoint_url"],
            lab.settings()["zone"], lab.settings()["hosted_zone_id"], ACCESS_KEY_ID))
        return info
    if event == "down":
        pid = lab.down()
        if pid:
            print("Route 53 lab stopped (pid %d)." % pid)
        return pid
    if event == "status":
        return lab.status()
    if event == "vars":
        return lab.lab_vars()
    raise ValueError(event)


def main(argv):
    from .state import default_state_dir  # pylint: disable=import-outside-toplevel

    parser = argparse.ArgumentParser(prog="python -m lab route53",
                                     description="the lab's Route 53 API (moto) that feeds the lab's BIND")
    parser.add_argument("action", choices=("up", "down", "status", "reset", "records", "serve"))
    parser.add_argument("--state-dir", default=default_state_dir())
    parser.add_argument("--port", type=int, default=None, help="endpoint port on 127.0.0.1 (env %s; 0 = any free)"
                        % ENV_PORT)
    parser.add_argument("--pending-polls", type=int, default=0,
                        help="up: the first N GetChange answers of each change say PENDING (lab choice)")
    parser.add_argument("--json", action="store_true", help="status as JSON")
    args = parser.parse_args(argv)
    lab = Route53Lab(args.state_dir)
    try:
        if args.action == "serve":
            return serve(args.state_dir)
        if args.action == "up":
            info, started = lab.up(port=args.port, pending_polls=args.pending_polls)
            status = lab.status()
            print("Route 53 lab %s (pid %s) at %s, hosted zone %s (%s), key id %s" % (
                "running" if started else "already running", info["pid"], status["endpoint_url"], status["zone"],
                status["hosted_zone_id"], status["access_key_id"]))
        elif args.action == "down":
            pid = lab.down()
            print("Route 53 lab stopped (pid %d)." % pid if pid else "Route 53 lab is not running.")
        elif args.action == "status":
            status = lab.status()
            if args.json:
                print(json.dumps({"route53": status}, indent=2))
            else:
                print("Route 53: %s" % ("running at %s, hosted zone %s (%s), calls %s" % (
                    status["endpoint_url"], status["zone"], status["hosted_zone_id"],
                    json.dumps(status["counters"]["calls"], sort_keys=True)) if status.get("running") else "not running"))
        elif args.action == "reset":
            if not lab.runtime():
                raise Route53LabError("the Route 53 lab is not running")
            zone_id = lab.seed()
            print("Route 53 lab reset: hosted zone %s equal to the BIND zone, counters zeroed." % zone_id)
        elif args.action == "records":
            print(json.dumps(lab.records(), indent=2, sort_keys=True))
    except (Route53LabError, DNSLabError) as exc:
        print("lab: error: %s" % exc, file=sys.stderr)
        return 1
    return 0
