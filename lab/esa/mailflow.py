"""SMTP in the lab ESA: mail received on the listeners goes through the COMMITTED configuration (docs/mail-flow.md).

Stages, in the order AsyncOS applies them to a message:

1. **HAT** (``hat.py``): the connecting IP (and host name) picks the first matching sender group of the
   listener; its mail flow policy's behaviour decides: ``RELAY`` (any recipient), ``ACCEPT`` (recipients go
   through the RAT on a public listener), ``REJECT`` (554 reply), ``TCPREFUSE`` (the connection is closed),
   ``CONTINUE`` (matching goes on with the next group).
2. **RAT** (``listeners.py``), public listeners under an ``ACCEPT`` policy: first matching entry per recipient.
3. **Message filters** (``message_filters.py`` holds the checker; the evaluator is below): active, valid
   filters in order; the conditions and actions this guide uses, plus the common ones (see ``_RULES`` and
   ``_ACTIONS``); others are logged as "not simulated" and their condition is false.
4. **SMTP routes** (``routes.py``) to the next hop, delivered by SMTP. The lab replaces each route host by a
   loopback address from ``<state>/esa_next_hops.json`` (``{"host" or "host:port" or "domain": "127.0.0.1:port"}``,
   like the Exchange lab's smart host map) so that routes can point at the lab's sinks (``Sink``); the key ``*`` (or
   the ``default_next_hop`` given by ``serve``: the internet sink) takes any other host. To a next hop that offers
   XCLIENT (the lab tenant, lab/exo/mailflow.py) the lab presents ``XCLIENT ADDR=<PUBLIC_ADDRESSES of the receiving
   listener's interface>``, so that the tenant's connector restriction sees the gateway's address.
5. **Destination controls' TLS** (``destinations.py``): recorded per delivery; ``Preferred`` uses STARTTLS when the
   next hop offers it, ``Required`` fails the delivery when it does not (a ``Sink`` offers STARTTLS when given a
   ``tls_dir``); certificates are not verified.

The lab listens on 127.0.0.1 only, so the "connecting IP" of the HAT is set per connection with Postfix's
documented ``XCLIENT`` extension (https://www.postfix.org/XCLIENT_README.html): ``XCLIENT ADDR=198.51.100.7
NAME=mail.example.com`` (and ``DESTADDR=192.0.2.10`` / ``DESTPORT=25`` to pick the listener by its interface
address and port). It is a lab mechanism, accepted only from 127.0.0.1; a real ESA does not offer it.

Every message gets a message ID (MID) and one JSON line in ``<state>/esa_messages.jsonl`` with the verdict of
each stage; counters in ``<state>/esa_mail_counters.json``.

Texts sent over SMTP: each names its source in a comment (RFC 5321 for reply codes, Cisco's user guide for AsyncOS
specifics, Postfix's XCLIENT_README for XCLIENT) or is marked "reconstructed".
"""

import asyncio
import copy
import ipaddress
import json
import logging
import os
import re
import smtplib
import socket
import ssl
import threading
import time
from email import message_from_bytes, policy as email_policy

from aiosmtpd.smtp import SMTP

from . import message_filters as mf
from .hat import effective as hat_effective, listener_hat
from .listeners import interface_ip
from .destinations import DEFAULT_DOMAIN, effective as dest_effective
from .routes import parse_destination
from .store import read_json, write_json_atomic

LOG = logging.getLogger("lab.esa.mailflow")

MESSAGES_FILE = "esa_messages.jsonl"
MAIL_COUNTERS_FILE = "esa_mail_counters.json"
NEXT_HOPS_FILE = "esa_next_hops.json"
SINK_FILE = "sink_messages.jsonl"
BIND_HOST = "127.0.0.1"
MAIL_COUNTERS = ("connections", "messages", "delivered", "dropped", "bounced", "rejected_connections",
                 "rejected_recipients", "delivery_failed")

# -- texts sent over SMTP ----------------------------------------------------------------------------------------
# Greeting: "220-hostname ESMTP" is the AsyncOS banner shown in the AsyncOS 9.1.2 user guide, chapter 7 (HAT),
# p. 7-16 ("Override SMTP Banner Host Name"); 220 = "Service ready", RFC 5321 section 4.2.3.
BANNER_IDENT = "ESMTP"
# HAT REJECT: 554 is "the standard code" of the custom SMTP rejection response (listenerconfig policy wizard,
# docs/asyncos-cli.md "listenerconfig: HAT and RAT"); RFC 5321 section 3.1 (554 greeting: "no SMTP service here",
# the client should QUIT). The text is reconstructed.
HAT_REJECT = "554 {host} Access denied"
# MAIL/RCPT accepted: 250 = "Requested mail action okay, completed" (RFC 5321 section 4.2.3); texts reconstructed.
MAIL_OK = "250 sender <{addr}> ok"
RCPT_OK = "250 recipient <{addr}> ok"
# RAT reject: 550 = "mailbox unavailable" (RFC 5321 section 4.2.3), enhanced status 5.1.0 "Other address status"
# (RFC 3463); the text is reconstructed. A RAT entry's own code/text (smtp_response_code/text) wins.
RAT_REJECT = "550 #5.1.0 Address rejected"
# DATA accepted: 250 (RFC 5321 section 4.2.3); text reconstructed (it names the MID, as AsyncOS replies do).
DATA_OK = "250 ok:  Message {mid} accepted"
# A message filter's bounce(): 554 = "Transaction failed" (RFC 5321 section 4.2.3); reconstructed text.
FILTER_BOUNCE = "554 5.7.1 Message rejected by a message filter"
# RSET/after a 554 greeting: 503 = "Bad sequence of commands" (RFC 5321 sections 3.1 and 4.2.3).
BAD_SEQUENCE = "503 5.5.1 Bad sequence of commands"
# XCLIENT (Postfix XCLIENT_README): success answers with the 220 greeting again (the client must EHLO again);
# "550 5.7.0 Error: insufficient authorization" for an unauthorised client and the 501/503 syntax/sequence
# replies follow that document; exact texts reconstructed.
XCLIENT_DENIED = "550 5.7.0 Error: insufficient authorization"
XCLIENT_SYNTAX = "501 5.5.4 Syntax: XCLIENT attribute=value..."
XCLIENT_IN_TRANSACTION = "503 5.5.1 Error: MAIL transaction in progress"
XCLIENT_ATTRS = ("NAME", "ADDR", "PORT", "PROTO", "HELO", "LOGIN", "DESTADDR", "DESTPORT")

# Lab choice (docs/mail-flow.md "End to end"): the public address the gateway delivers from, per interface of the
# listener that received the message. They are the "Email Security" addresses of the lab's CES welcome letter
# (inventories/lab/welcome_letter.txt; the A records of mx1 in lab/dns/bind.py GATEWAY_HOSTS), i.e. the addresses
# the S2 inbound connector allows. The lab ESA presents them with XCLIENT ADDR= to a next hop that offers XCLIENT
# (the lab tenant, lab/exo/mailflow.py), so that the tenant's connector restriction sees the gateway's IP.
PUBLIC_ADDRESSES = {"Data 1": "198.51.100.105", "Data 2": "198.51.100.143"}
# The key of esa_next_hops.json that stands for "any other host or domain" (the lab's internet sink).
DEFAULT_HOP_KEY = "*"


def _now():
    return time.time()


def _stamp(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _xtext_decode(text):
    """RFC 3461 section 4 xtext (XCLIENT values are xtext-encoded, XCLIENT_README)."""
    return re.sub(r"\+([0-9A-Fa-f]{2})", lambda match: chr(int(match.group(1), 16)), text)


# -- HAT ---------------------------------------------------------------------------------------------------------
def _ip_matches(member, ip):
    """Does a sender group member (canonical form, hat.canonical_member) match the address ``ip``?"""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if "/" in member:
        try:
            return address in ipaddress.ip_network(member, strict=False)
        except ValueError:
            return False
    if ":" in member:
        try:
            return address == ipaddress.ip_address(member)
        except ValueError:
            return False
    if address.version != 4 or not re.match(r"^[\d.-]+$", member):
        return False
    octets = str(address).split(".")
    body = member[:-1] if member.endswith(".") else member
    parts = body.split(".")
    if len(parts) > 4:
        return False
    for part, octet in zip(parts, octets):
        low, dash, high = part.partition("-")
        if dash:
            if not int(low) <= int(octet) <= int(high):
                return False
        elif int(low) != int(octet):
            return False
    return True


def member_matches(member, ip, host):
    """One member against the connection. Reputation members (SBRS, SBO, dnslist) never match: the lab has no
    SenderBase or DNS lists (reconstructed: a real appliance scores the sender)."""
    lowered = member.lower()
    if lowered.startswith(("sbrs[", "sbo:", "dnslist[")):
        return False
    if re.match(r"^[\d./:-]+$", member) or ":" in member:
        return _ip_matches(member, ip)
    if not host:
        return False
    host = host.lower().rstrip(".")
    if lowered.startswith("."):
        return host.endswith(lowered) or host == lowered[1:]
    return host == lowered


def hat_decision(listener, ip, host=None):
    """``{"sender_group", "policy", "behavior", "parameters"}`` for a connection from ``ip`` (``host``).

    First matching group wins; ``ALL`` matches everyone; a policy with behaviour ``CONTINUE`` lets matching go on
    (AsyncOS 8.5 user guide p. 7-13, docs/asyncos-cli.md)."""
    hat = listener_hat(listener)
    for group in hat["sender_groups"]:
        if group["name"] != "ALL" and not any(member_matches(member, ip, host) for member in group["members"]):
            continue
        policy = None
        for item in hat["policies"]:
            if item["name"].lower() == str(group.get("policy") or "").lstrip("$").lower():
                policy = item
        behavior = policy["behavior"] if policy else (group.get("behavior") or "ACCEPT")
        if behavior == "CONTINUE":
            continue
        parameters = hat_effective(hat, policy) if policy else dict(hat["default_policy"])
        return {"sender_group": group["name"], "policy": policy["name"] if policy else None, "behavior": behavior,
                "parameters": parameters}
    return {"sender_group": None, "policy": None, "behavior": "REJECT", "parameters": dict(hat["default_policy"])}


# -- RAT ---------------------------------------------------------------------------------------------------------
def _rat_matches(address, rcpt):
    local, _at, domain = rcpt.lower().rpartition("@")
    entry = address.lower()
    if entry == "all":
        return True
    if entry.endswith("@"):
        return local == entry[:-1]
    if "@" in entry and not entry.startswith("@"):
        return entry == rcpt.lower()
    entry = entry.lstrip("@")
    if entry.startswith("."):
        return domain.endswith(entry)
    return domain == entry


def rat_decision(listener, rcpt):
    """``(action, reply, entry)`` for one recipient on a listener with a RAT (first matching entry)."""
    for entry in listener.get("rat") or []:
        if _rat_matches(entry["address"], rcpt):
            action = entry["action"]
            if action == "CONTINUE":
                continue
            if action == "ACCEPT":
                reply = f"{entry.get('smtp_response_code') or 250} {entry.get('smtp_response_text') or f'recipient <{rcpt}> ok'}"
            else:
                code = entry.get("smtp_response_code") or 550
                reply = f"{code} {entry.get('smtp_response_text') or RAT_REJECT.split(' ', 1)[1]}"
            return action, reply, entry["address"]
    return "REJECT", RAT_REJECT, None


# -- message filters ---------------------------------------------------------------------------------------------
class _Unsupported(Exception):
    pass


def _unquote(token):
    body = token.value[1:-1] if token.kind == "string" else token.value
    return body.replace("\\" + token.value[0], token.value[0]) if token.kind == "string" else body


def _number(text):
    text = str(text)
    scale = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}.get(text[-1:].lower(), 1)
    return float(text[:-1] if scale != 1 else text) * scale


class _Tree:
    """Builds a tree from a filter body checked by ``message_filters.parse_script`` (so syntax is known good)."""

    def __init__(self, body):
        self.tokens, _comments = mf.tokenize(body)
        self.index = 0

    def tok(self):
        return self.tokens[self.index]

    def take(self):
        token = self.tokens[self.index]
        self.index += 1
        return token

    def word(self, word):
        return self.tok().kind == "ident" and self.tok().value.lower() == word

    def punct(self, char):
        return self.tok().kind == "punct" and self.tok().value == char

    def filter(self):
        self.take()
        self.take()  # name and ":" / "!"
        return self.if_node()

    def if_node(self):
        self.take()  # if
        cond = self.cond()
        then = self.block()
        other = None
        if self.word("else"):
            self.take()
            other = [self.if_node()] if self.word("if") else self.block()
        return ("if", cond, then, other)

    def block(self):
        self.take()  # {
        items = []
        while not self.punct("}"):
            if self.word("if"):
                items.append(self.if_node())
            else:
                name = self.take().value.lower()
                args = self.args()
                self.take()  # ;
                items.append(("action", name, args))
        self.take()
        return items

    def args(self):
        self.take()  # (
        values = []
        while not self.punct(")"):
            if self.punct("["):
                self.take()
                items = []
                while not self.punct("]"):
                    if self.punct(","):
                        self.take()
                        continue
                    items.append(_unquote(self.take()))
                self.take()
                values.append(items)
            elif self.punct(","):
                self.take()
            else:
                value = _unquote(self.take())
                if self.tok().kind == "op":
                    value = (value, self.take().value, _unquote(self.take()))
                values.append(value)
        self.take()
        return values

    def cond(self):
        items = [self.and_cond()]
        while self.word("or"):
            self.take()
            items.append(self.and_cond())
        return ("or", items)

    def and_cond(self):
        items = [self.not_cond()]
        while self.word("and"):
            self.take()
            items.append(self.not_cond())
        return ("and", items)

    def not_cond(self):
        if self.word("not"):
            self.take()
            return ("not", self.not_cond())
        if self.punct("("):
            self.take()
            inner = self.cond()
            self.take()
            return inner
        rule = self.take().value.lower()
        args = self.args() if self.punct("(") else []
        operator = value = None
        if self.tok().kind == "op":
            operator = self.take().value
            token = self.take()
            value = _unquote(token)
        return ("test", rule, args, operator, value)


def _compare_string(values, operator, pattern):
    """String rules: ``==`` is a regular expression search, ``!=`` its negation ([G912] Table 9-2: rule values are
    regular expressions, case-sensitive unless ``(?i)``)."""
    found = any(re.search(pattern, value or "") for value in values)
    return found if operator == "==" else not found


def _compare_number(left, operator, right):
    right = _number(right)
    return {"==": left == right, "!=": left != right, "<": left < right, ">": left > right, "<=": left <= right,
            ">=": left >= right}[operator]


class FilterRun:
    """Evaluate the committed filters on one message (``ctx``: envelope, connection, message)."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.actions = []
        self.final = None        # "drop" | "bounce" | "deliver" | "skip-filters"
        self.unsupported = []

    # conditions
    def test(self, rule, args, operator, value):
        ctx = self.ctx
        msg = ctx["message"]
        if rule in ("true", "valid"):
            return True
        if rule == "header":
            name = args[0] if args else ""
            values = [str(item) for item in msg.get_all(name, [])]
            if operator is None:
                return bool(values)
            return _compare_string(values, operator, value)
        strings = {
            "sendergroup": [ctx.get("sender_group") or ""],
            "subject": [str(msg.get("Subject", ""))],
            "mail-from": [ctx.get("mail_from") or ""],
            "rcpt-to": list(ctx.get("rcpts") or []),
            "recv-listener": [ctx.get("listener") or ""],
            "recv-int": [ctx.get("interface") or ""],
        }
        if rule in strings:
            return _compare_string(strings[rule], operator or "==", value or "")
        if rule == "remote-ip":
            ip = ctx.get("remote_ip") or ""
            try:
                if "/" in (value or "") and ipaddress.ip_address(ip) in ipaddress.ip_network(value, strict=False):
                    return operator == "=="
            except ValueError:
                pass
            return _compare_string([ip], operator, re.escape(value) if "/" not in value else value)
        if rule == "body-size":
            return _compare_number(float(ctx.get("size") or 0), operator, value)
        if rule == "rcpt-count":
            return _compare_number(float(len(ctx.get("rcpts") or [])), operator, value)
        raise _Unsupported(rule)

    def cond(self, node):
        kind = node[0]
        if kind == "or":
            return any(self.cond(item) for item in node[1])
        if kind == "and":
            return all(self.cond(item) for item in node[1])
        if kind == "not":
            return not self.cond(node[1])
        return self.test(*node[1:])

    # actions
    def action(self, name, args):
        msg = self.ctx["message"]
        record = {"action": name, "args": [arg if isinstance(arg, (str, list)) else list(arg) for arg in args]}
        if name in ("drop", "bounce", "deliver", "skip-filters"):
            self.final = name
        elif name == "strip-header":
            del msg[args[0]]
        elif name == "insert-header":
            msg[args[0]] = args[1]
        elif name == "edit-header-text":
            values = msg.get_all(args[0], [])
            del msg[args[0]]
            for value in values:
                msg[args[0]] = re.sub(args[1], args[2], str(value))
        elif name == "alt-mailhost":
            self.ctx["alt_mailhost"] = args[0]
        elif name == "alt-rcpt-to":
            self.ctx["rcpts"] = [args[0]]
        elif name in ("no-op", "log-entry", "log", "tag-message"):
            pass
        else:
            record["simulated"] = False
        self.actions.append(record)

    def run_block(self, items):
        for item in items:
            if self.final:
                return
            if item[0] == "if":
                self.run_if(item)
            else:
                self.action(item[1], item[2])

    def run_if(self, node):
        _kind, cond, then, other = node
        if self.cond(cond):
            self.run_block(then)
        elif other:
            self.run_block(other)


def run_filters(filters, ctx):
    """Apply the active, valid filters in order. Returns (stage records, final action or None)."""
    records, final = [], None
    for item in filters or []:
        if not item.get("active", True) or not item.get("valid", True):
            records.append({"name": item["name"], "skipped": "inactive" if not item.get("active", True) else "invalid"})
            continue
        run = FilterRun(ctx)
        try:
            run.run_if(_Tree(item["body"]).filter())
        except _Unsupported as exc:
            records.append({"name": item["name"], "error": f'rule "{exc}" is not simulated by the lab (false)',
                            "actions": run.actions})
            continue
        record = {"name": item["name"], "actions": run.actions}
        if run.final:
            record["final"] = run.final
        records.append(record)
        if run.final in ("drop", "bounce"):
            return records, (run.final, item["name"])
        if run.final in ("deliver", "skip-filters"):
            return records, None
    return records, final


# -- routes and destination controls ------------------------------------------------------------------------------
def find_route(routes, domain):
    """The route of a recipient domain: exact, then the most specific ``.partial`` route, then ``ALL``."""
    domain = domain.lower()
    best = None
    for route in routes or []:
        name = route["domain"]
        if name == domain:
            return route
        if name.startswith(".") and domain.endswith(name) and (best is None or len(name) > len(best["domain"])):
            best = route
    if best:
        return best
    for route in routes or []:
        if route["domain"] == "ALL":
            return route
    return None


def destination_tls(table, domain):
    """``(entry domain, tls)`` from the destination controls: the domain's entry, else DEFAULT."""
    default = next((entry for entry in table or [] if entry["domain"] == DEFAULT_DOMAIN), {"tls": "off"})
    for entry in table or []:
        if entry["domain"] != DEFAULT_DOMAIN and entry["domain"].lower() == domain.lower():
            return entry["domain"], dest_effective(entry, default, "tls")
    return DEFAULT_DOMAIN, default.get("tls") or "off"


def parse_xclient(arg):
    """The ``attribute=value`` list of an XCLIENT command -> {ATTRIBUTE: value, or None for ``[UNAVAILABLE]`` /
    ``[TEMPUNAVAIL]``}; None when an item is not ``name=value`` of a known attribute (XCLIENT_README)."""
    attrs = {}
    for item in (arg or "").split():
        key, sep, value = item.partition("=")
        if not sep or key.upper() not in XCLIENT_ATTRS:
            return None
        value = _xtext_decode(value)
        attrs[key.upper()] = None if value.upper() in ("[UNAVAILABLE]", "[TEMPUNAVAIL]") else value
    return attrs


def xclient_address(value):
    """XCLIENT's ADDR (``IPV6:`` prefix for IPv6 addresses) -> the address."""
    value = value or ""
    return value[5:] if value.upper().startswith("IPV6:") else value


def xclient(client, attrs):
    """Send ``XCLIENT attr=value ...`` (Postfix XCLIENT_README) when the server offers it; EHLO again after the 220.
    Returns the reply (code, text), or None when the server does not offer XCLIENT or nothing is to be sent."""
    attrs = [(key, value) for key, value in attrs if value]
    if not attrs or not client.has_extn("xclient"):
        return None
    code, text = client.docmd("XCLIENT", " ".join(f"{key}={value}" for key, value in attrs))
    if code == 220:
        client.ehlo_resp = None
        client.does_esmtp = False
        client.ehlo()
    return code, text.decode(errors="replace") if isinstance(text, bytes) else str(text)


def _deliver_once(address, mail_from, rcpts, data, tls, hostname, xclient_addr=None, result=None):
    """One SMTP delivery. Returns (ok, reply text, tls used). With ``xclient_addr`` and a next hop that offers
    XCLIENT (the lab tenant), the client IP is presented as that address (after STARTTLS, before MAIL)."""
    host, port = address
    with smtplib.SMTP(host, port, local_hostname=hostname, timeout=10) as client:
        client.ehlo()
        used = False
        if tls != "off":
            if client.has_extn("starttls"):
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE   # the lab does not verify (the *_verify settings are recorded)
                client.starttls(context=context)
                client.ehlo()
                used = True
            elif tls.startswith("require"):
                client.quit()
                return False, "TLS required by the destination controls but the next hop does not offer STARTTLS", False
        reply = xclient(client, [("ADDR", xclient_addr)])
        if reply is not None:
            if result is not None:
                result["xclient"] = {"addr": xclient_addr, "reply": f"{reply[0]} {reply[1]}"}
            if reply[0] != 220:
                client.quit()
                return False, f"XCLIENT: {reply[0]} {reply[1]}", used
        refused = client.sendmail(mail_from, rcpts, data)
        if refused:
            return False, "; ".join(f"{rcpt}: {code} {text.decode(errors='replace')}"
                                    for rcpt, (code, text) in refused.items()), used
        return True, "250 delivered", used


# -- the log -----------------------------------------------------------------------------------------------------
class MailLog:
    """``esa_messages.jsonl`` and ``esa_mail_counters.json`` of a state directory (thread-safe)."""

    def __init__(self, state_dir):
        self.state_dir = os.path.abspath(state_dir)
        self.path = os.path.join(self.state_dir, MESSAGES_FILE)
        self.counters_path = os.path.join(self.state_dir, MAIL_COUNTERS_FILE)
        self._lock = threading.Lock()

    def counters(self):
        try:
            with open(self.counters_path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (FileNotFoundError, ValueError):
            data = {}
        result = dict.fromkeys(MAIL_COUNTERS, 0)
        result.update({"last_mid": 0, "last_icid": 0})
        result.update(data)
        return result

    def _save(self, counters):
        tmp = f"{self.counters_path}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(counters, handle, indent=2, sort_keys=True)
        os.replace(tmp, self.counters_path)

    def next_id(self, name):
        with self._lock:
            counters = self.counters()
            counters[name] += 1
            if name == "last_icid":
                counters["connections"] += 1
            self._save(counters)
            return counters[name]

    def write(self, entry, bumps=()):
        with self._lock:
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, sort_keys=True) + "\n")
            counters = self.counters()
            for name in bumps:
                counters[name] = counters.get(name, 0) + 1
            self._save(counters)

    def entries(self):
        try:
            with open(self.path, encoding="utf-8") as handle:
                return [json.loads(line) for line in handle if line.strip()]
        except FileNotFoundError:
            return []


def read_next_hops(state_dir):
    try:
        return read_json(os.path.join(state_dir, NEXT_HOPS_FILE), {})
    except ValueError:
        return {}


def write_next_hops(state_dir, hops):
    """Set the lab's next-hop map (``{"route host[:port]" or "recipient domain": "127.0.0.1:port"}``)."""
    write_json_atomic(os.path.join(state_dir, NEXT_HOPS_FILE), hops)


# -- the SMTP side -----------------------------------------------------------------------------------------------
class _Connection:
    """Per-connection lab state (kept on the aiosmtpd session)."""

    def __init__(self, icid, ip):
        self.icid = icid
        self.ip = ip
        self.host = None
        self.dest_addr = None
        self.dest_port = None
        self.hat = None
        self.listener = None
        self.refused = False
        self.rejected_rcpts = []
        self.rat = []
        self.mid = None


class LabESASMTP(SMTP):
    """aiosmtpd's SMTP with ``XCLIENT`` (Postfix XCLIENT_README; lab mechanism, loopback clients only)."""

    async def smtp_XCLIENT(self, arg):
        conn = self.event_handler.connection(self.session)
        if self.session.peer[0] not in ("127.0.0.1", "::1"):
            await self.push(XCLIENT_DENIED)
            return
        if self.envelope.mail_from is not None:
            await self.push(XCLIENT_IN_TRANSACTION)
            return
        attrs = parse_xclient(arg)
        if attrs is None:
            await self.push(XCLIENT_SYNTAX)
            return
        if not attrs:
            await self.push(XCLIENT_SYNTAX)
            return
        if "ADDR" in attrs:
            conn.ip = xclient_address(attrs["ADDR"])
        if "NAME" in attrs:
            conn.host = attrs["NAME"]
        if "DESTADDR" in attrs:
            conn.dest_addr = attrs["DESTADDR"]
        if "DESTPORT" in attrs:
            conn.dest_port = attrs["DESTPORT"]
        conn.hat = None
        self.session.host_name = None       # XCLIENT_README: the client must send EHLO/HELO again
        self._set_rset_state()
        verdict = self.event_handler.evaluate_hat(conn)
        if verdict == "TCPREFUSE":
            self.transport.close()
            return
        if verdict == "REJECT":
            await self.push(HAT_REJECT.format(host=self.hostname))
            return
        await self.push(f"220 {self.hostname} {BANNER_IDENT}")


class ESAMailFlow:
    """The aiosmtpd handler: the stages on the committed configuration (``committed()``: the effective view, like
    ``python -m lab config``)."""

    def __init__(self, state_dir, committed, hostname="esa1.lab", next_hops=None, default_next_hop=None):
        self.state_dir = os.path.abspath(state_dir)
        self.committed = committed
        self.hostname = hostname
        self.extra_next_hops = dict(next_hops or {})
        # "host:port" of the lab's internet sink: where a host or domain without a mapping goes (None: it fails)
        self.default_next_hop = default_next_hop
        self.log = MailLog(self.state_dir)

    # connection and HAT
    def connection(self, session):
        conn = getattr(session, "lab", None)
        if conn is None:
            conn = _Connection(self.log.next_id("last_icid"), session.peer[0] if session.peer else BIND_HOST)
            session.lab = conn
        return conn

    def pick_listener(self, conn, view):
        listeners = view.get("listeners") or []
        if conn.dest_addr:
            for listener in listeners:
                if interface_ip(listener.get("interface")) == conn.dest_addr and (
                        not conn.dest_port or str(listener.get("port")) == str(conn.dest_port)):
                    return listener
        # lab choice: without DESTADDR, the first public listener (else the first listener)
        return next((item for item in listeners if item.get("type") == "public"), listeners[0] if listeners else None)

    def evaluate_hat(self, conn):
        view = self.committed()
        listener = self.pick_listener(conn, view)
        conn.listener = listener
        if listener is None:
            conn.hat = {"sender_group": None, "policy": None, "behavior": "REJECT", "parameters": {},
                        "reason": "no listener"}
        else:
            conn.hat = hat_decision(listener, conn.ip, conn.host)
        behavior = conn.hat["behavior"]
        if behavior in ("REJECT", "TCPREFUSE"):
            conn.refused = True
            self.log.write(self._base_entry(conn, None) | {"status": "rejected", "verdict": f"HAT {behavior}"},
                           bumps=("rejected_connections",))
        return behavior

    def _base_entry(self, conn, envelope):
        epoch = _now()
        listener = conn.listener or {}
        return {"icid": conn.icid, "mid": conn.mid, "time": _stamp(epoch), "epoch": epoch,
                "listener": listener.get("name"), "interface": listener.get("interface"),
                "remote_ip": conn.ip, "remote_host": conn.host,
                "mail_from": envelope.mail_from if envelope else None,
                "hat": {key: value for key, value in (conn.hat or {}).items() if key != "parameters"}}

    async def handle_HELO(self, server, session, envelope, hostname):
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if session.peer and session.peer[0] in ("127.0.0.1", "::1"):
            responses.insert(-1, "250-XCLIENT " + " ".join(XCLIENT_ATTRS))
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        conn = self.connection(session)
        self._flush_aborted(conn, envelope)
        if conn.hat is None:
            verdict = self.evaluate_hat(conn)
            if verdict == "TCPREFUSE":
                server.transport.close()
                return HAT_REJECT.format(host=server.hostname)
        if conn.refused:
            return HAT_REJECT.format(host=server.hostname)
        conn.mid = self.log.next_id("last_mid")
        conn.rat, conn.rejected_rcpts = [], []
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return MAIL_OK.format(addr=address)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        conn = self.connection(session)
        if conn.refused:
            return BAD_SEQUENCE
        listener = conn.listener or {}
        if conn.hat["behavior"] == "ACCEPT" and listener.get("rat") is not None:
            action, reply, entry = rat_decision(listener, address)
            conn.rat.append({"rcpt": address, "action": action, "entry": entry})
            if action != "ACCEPT":
                conn.rejected_rcpts.append({"rcpt": address, "reply": reply})
                return reply
        else:
            # RELAY, or ACCEPT on a private listener (no RAT): any recipient (reconstructed for the latter)
            conn.rat.append({"rcpt": address, "action": "RELAY" if conn.hat["behavior"] == "RELAY" else "ACCEPT",
                             "entry": None})
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return RCPT_OK.format(addr=address)

    async def handle_RSET(self, server, session, envelope):
        self._flush_aborted(self.connection(session), envelope)
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        self._flush_aborted(self.connection(session), envelope)
        return "221 Bye"

    def _flush_aborted(self, conn, envelope):
        """A transaction that ended without DATA but had rejected recipients is logged too."""
        if conn.mid is not None and conn.rejected_rcpts:
            entry = self._base_entry(conn, envelope) | {
                "rcpts": [], "rejected_rcpts": conn.rejected_rcpts, "rat": conn.rat, "status": "rejected",
                "verdict": "Rejected by RAT"}
            self.log.write(entry, bumps=["rejected_recipients"] * len(conn.rejected_rcpts))
        conn.mid, conn.rat, conn.rejected_rcpts = None, [], []

    async def handle_DATA(self, server, session, envelope):
        conn = self.connection(session)
        loop = asyncio.get_running_loop()
        entry, reply = await loop.run_in_executor(None, self.process, conn, envelope)
        conn.mid, conn.rat, conn.rejected_rcpts = None, [], []
        return reply

    # the message
    def process(self, conn, envelope):
        view = self.committed()
        data = envelope.original_content or envelope.content
        message = message_from_bytes(data, policy=email_policy.compat32)
        entry = self._base_entry(conn, envelope) | {
            "rcpts": list(envelope.rcpt_tos), "rejected_rcpts": conn.rejected_rcpts, "rat": conn.rat,
            "subject": message.get("Subject"), "message_id": message.get("Message-ID"), "size": len(data)}
        bumps = ["messages"] + ["rejected_recipients"] * len(conn.rejected_rcpts)
        ctx = {"message": message, "sender_group": conn.hat.get("sender_group"), "mail_from": envelope.mail_from,
               "rcpts": list(envelope.rcpt_tos), "listener": entry["listener"], "interface": entry["interface"],
               "remote_ip": conn.ip, "size": len(data)}
        if (conn.hat.get("parameters") or {}).get("message_filters", True):
            records, final = run_filters(view.get("filters"), ctx)
        else:
            records, final = [{"skipped": "message filters off in the mail flow policy"}], None
        entry["filters"] = records
        if final:
            action, name = final
            entry["status"] = "dropped" if action == "drop" else "bounced"
            entry["verdict"] = f"Dropped by filter {name}" if action == "drop" else f"Bounced by filter {name}"
            entry["delivery"] = []
            bumps.append("dropped" if action == "drop" else "bounced")
            self.log.write(entry, bumps)
            # a dropped message is accepted (250) and discarded; bounce() answers 554 here (reconstructed: the
            # lab has no queue to send a DSN from)
            return entry, (DATA_OK.format(mid=conn.mid) if action == "drop" else FILTER_BOUNCE)
        entry["delivery"] = self.deliver(view, ctx, envelope.mail_from, message)
        failed = [item for item in entry["delivery"] if item["verdict"] != "delivered"]
        entry["status"] = "delivered" if not failed else ("failed" if len(failed) == len(entry["delivery"]) else "partial")
        entry["verdict"] = {"delivered": "Delivered", "failed": "Delivery failed",
                            "partial": "Delivered to some recipients"}[entry["status"]]
        bumps.append("delivered" if not failed else "delivery_failed")
        self.log.write(entry, bumps)
        return entry, DATA_OK.format(mid=conn.mid)

    def next_hop(self, host, port, domain):
        hops = dict(read_next_hops(self.state_dir))
        hops.update(self.extra_next_hops)
        for key in ((f"{host}:{port}" if port else None), host, domain):
            if key and key in hops:
                target_host, _sep, target_port = str(hops[key]).rpartition(":")
                return target_host or BIND_HOST, int(target_port)
        if host in ("127.0.0.1", "localhost", "[127.0.0.1]"):
            return BIND_HOST, int(port or 25)
        fallback = hops.get(DEFAULT_HOP_KEY) or self.default_next_hop
        if fallback:
            target_host, _sep, target_port = str(fallback).rpartition(":")
            return target_host or BIND_HOST, int(target_port)
        return None

    def deliver(self, view, ctx, mail_from, message):
        data = message.as_bytes()
        groups = {}
        for rcpt in ctx["rcpts"]:
            domain = rcpt.rpartition("@")[2].lower()
            groups.setdefault(domain, []).append(rcpt)
        results = []
        for domain, rcpts in groups.items():
            route = find_route(view.get("smtp_routes"), domain)
            tls_entry, tls = destination_tls(view.get("destination_controls"), domain)
            record = {"rcpts": rcpts, "domain": domain, "route": route["domain"] if route else None,
                      "destinations": list(route["destinations"]) if route else ["USEDNS"],
                      "tls": {"setting": tls, "entry": tls_entry, "used": False}}
            destinations = record["destinations"]
            if ctx.get("alt_mailhost"):
                destinations = [ctx["alt_mailhost"]]
                record["alt_mailhost"] = ctx["alt_mailhost"]
            record.update(self._deliver_route(destinations, domain, mail_from, rcpts, data, tls,
                                              PUBLIC_ADDRESSES.get(ctx.get("interface"))))
            results.append(record)
        return results

    def _deliver_route(self, destinations, domain, mail_from, rcpts, data, tls, xclient_addr=None):
        if destinations == ["/dev/null"]:
            return {"verdict": "delivered", "next_hop": "/dev/null", "reply": "discarded (route /dev/null)"}
        candidates = []
        for text in destinations:
            if text.upper() == "USEDNS":
                candidates.append(("USEDNS", None, None, 0))
                continue
            host, port, pri = parse_destination(text)
            candidates.append((host, port, pri, pri or 0))
        candidates.sort(key=lambda item: item[3])
        errors = []
        for host, port, _pri, _order in candidates:
            address = self.next_hop(host, port, domain) if host != "USEDNS" else self.next_hop(domain, None, domain)
            shown = host if not port else f"{host}:{port}"
            if address is None:
                errors.append(f"{shown}: no lab next hop (set it in {NEXT_HOPS_FILE})")
                continue
            extra = {}
            try:
                ok, reply, used = _deliver_once(address, mail_from, rcpts, data, tls, self.hostname,
                                                xclient_addr=xclient_addr, result=extra)
            except (OSError, smtplib.SMTPException) as exc:
                errors.append(f"{shown}: {exc}")
                continue
            if ok:
                return {"verdict": "delivered", "next_hop": shown, "address": f"{address[0]}:{address[1]}",
                        "reply": reply, "tls_used": used, **extra}
            errors.append(f"{shown}: {reply}")
        # reconstructed: a real appliance queues and retries; the lab records the failure only
        return {"verdict": "failed", "next_hop": None, "reply": "; ".join(errors) or "no destination"}


class _LoopServer:
    """An asyncio SMTP server on 127.0.0.1 in a thread of its own."""

    def __init__(self, factory, port=0, host=BIND_HOST):
        self.factory = factory
        self.host = host
        self.requested_port = port
        self.port = None
        self._loop = None
        self._server = None
        self._thread = None
        self._ready = threading.Event()
        self._error = None

    def start(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.requested_port))
        except OSError:
            sock.close()
            raise
        sock.listen(64)
        self.port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()

        def run():
            asyncio.set_event_loop(self._loop)
            try:
                self._server = self._loop.run_until_complete(self._loop.create_server(self.factory, sock=sock))
            except Exception as exc:  # pylint: disable=broad-except
                self._error = exc
                self._ready.set()
                return
            self._ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name=f"smtp-{self.port}", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error:
            raise OSError(str(self._error))
        return self

    def stop(self):
        if self._loop is None:
            return

        async def close():
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
        except Exception:  # pylint: disable=broad-except
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        self._loop.close()
        self._loop = None


class ESASMTPServer(_LoopServer):
    """The lab ESA's SMTP listener (all listeners of the committed configuration behind one loopback port)."""

    def __init__(self, state_dir, committed, port=0, hostname="esa1.lab", next_hops=None, default_next_hop=None,
                 tls_dir=None):
        self.flow = ESAMailFlow(state_dir, committed, hostname=hostname, next_hops=next_hops,
                                default_next_hop=default_next_hop)
        self.hostname = hostname
        context = None
        if tls_dir:
            # STARTTLS (RFC 3207) offered on every listener, with the certificate of the lab's API CA
            # (lab/esa/tracking_api.py). Lab choice: the HAT policy's TLS setting does not change the offer.
            from .tracking_api import CERT_FILE, KEY_FILE, ensure_certificates
            paths = ensure_certificates(tls_dir)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(paths[CERT_FILE], paths[KEY_FILE])
        super().__init__(lambda: LabESASMTP(self.flow, hostname=hostname, ident=BANNER_IDENT, timeout=60,
                                            tls_context=context), port=port)

    def start(self):
        super().start()
        LOG.info("ESA lab SMTP listening on %s:%s", self.host, self.port)
        return self


# -- the "internet" sink -----------------------------------------------------------------------------------------
class _SinkHandler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        message = message_from_bytes(data, policy=email_policy.compat32)
        record = {"time": _stamp(_now()), "sink": self.sink.name, "peer": session.peer[0] if session.peer else None,
                  "helo": session.host_name, "tls": bool(server.transport.get_extra_info("sslcontext")),
                  "mail_from": envelope.mail_from, "rcpts": list(envelope.rcpt_tos),
                  "headers": [[name, str(value)] for name, value in message.items()],
                  "subject": message.get("Subject"), "message_id": message.get("Message-ID"),
                  "body": data.decode("utf-8", errors="replace")}
        self.sink.record(record)
        # 250 (RFC 5321 section 4.2.3); text reconstructed
        return "250 2.0.0 Ok: queued"


class Sink(_LoopServer):
    """A small SMTP server standing for "the internet" (or any next hop): it keeps what it received, headers
    included (``messages``; also one JSON line per message in ``<state>/sink_messages.jsonl`` when a state dir is
    given)."""

    def __init__(self, name="internet", port=0, state_dir=None, hostname="sink.lab", tls_dir=None):
        self.name = name
        self.state_dir = state_dir
        self.messages = []
        self._lock = threading.Lock()
        handler = _SinkHandler(self)
        context = None
        if tls_dir:
            # STARTTLS (RFC 3207) with a certificate of the lab's CA (lab/esa/tracking_api.py), for "Required" TLS
            from .tracking_api import CERT_FILE, KEY_FILE, ensure_certificates
            paths = ensure_certificates(tls_dir)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(paths[CERT_FILE], paths[KEY_FILE])
        # the sink's greeting: "220 <host> ESMTP" (RFC 5321 section 4.2.3 / 4.3.1; ident reconstructed)
        super().__init__(lambda: SMTP(handler, hostname=hostname, ident="ESMTP lab sink", timeout=60,
                                      tls_context=context), port=port)

    def record(self, record):
        with self._lock:
            self.messages.append(record)
            if self.state_dir:
                with open(os.path.join(self.state_dir, SINK_FILE), "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(record, sort_keys=True) + "\n")

    def received(self):
        with self._lock:
            return copy.deepcopy(self.messages)


# -- a client for tests and probes -------------------------------------------------------------------------------
def send(port, mail_from, rcpts, message, client_ip=None, client_name=None, dest_addr=None, dest_port=None,
         host=BIND_HOST, helo="client.lab"):
    """Send one message to the lab ESA's SMTP port, as if from ``client_ip`` (XCLIENT).

    Returns ``{"hat": (code, text) of the XCLIENT reply or None, "refused": {rcpt: (code, text)}, "data": (code,
    text) or None, "error": text or None}``."""
    result = {"hat": None, "refused": {}, "data": None, "error": None}
    data = message.as_bytes() if hasattr(message, "as_bytes") else (
        message.encode() if isinstance(message, str) else message)
    try:
        with smtplib.SMTP(host, port, local_hostname=helo, timeout=20) as client:
            client.ehlo()
            attrs = []
            if client_ip:
                attrs.append(f"ADDR={client_ip}")
            if client_name:
                attrs.append(f"NAME={client_name}")
            if dest_addr:
                attrs.append(f"DESTADDR={dest_addr}")
            if dest_port:
                attrs.append(f"DESTPORT={dest_port}")
            if attrs:
                code, text = client.docmd("XCLIENT", " ".join(attrs))
                result["hat"] = (code, text.decode(errors="replace"))
                if code != 220:
                    return result
                client.ehlo_resp = None
                client.does_esmtp = False
                client.ehlo()
            code, text = client.mail(mail_from)
            if code != 250:
                result["error"] = f"MAIL: {code} {text.decode(errors='replace')}"
                return result
            accepted = []
            for rcpt in rcpts:
                code, text = client.rcpt(rcpt)
                if code in (250, 251):
                    accepted.append(rcpt)
                else:
                    result["refused"][rcpt] = (code, text.decode(errors="replace"))
            if not accepted:
                client.rset()
                return result
            try:
                code, text = client.data(data)
            except smtplib.SMTPDataError as exc:
                code, text = exc.smtp_code, exc.smtp_error
            result["data"] = (code, text.decode(errors="replace") if isinstance(text, bytes) else str(text))
    except smtplib.SMTPServerDisconnected as exc:
        result["error"] = f"disconnected: {exc}"
    except (OSError, smtplib.SMTPException) as exc:
        result["error"] = str(exc)
    return result
