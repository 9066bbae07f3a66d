# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""dns_wait: wait until every authoritative nameserver serves the expected RRsets (private; the API may change).

Used by the dns_wait action plugin, which runs on the controller so that it can print a progress line
per round while it waits.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import common
from ansible_collections.mailops.secure_email.plugins.module_utils._dns.common import (
    WAIT_TYPES,
    DNSError,
    DNSRcode,
    DNSTimeout,
    DNSUnreachable,
)

try:
    import dns.name
    import dns.rdatatype
    import dns.resolver
except ImportError:
    pass  # reported by common.require_dnspython()

MODES = ("equals", "subset", "superset", "absent")

ARGUMENT_SPEC = dict(
    records=dict(type="list", elements="dict", required=True, options=dict(
        name=dict(type="str", required=True),
        type=dict(type="str", default="A"),
        values=dict(type="list", elements="str", default=[]),
        mode=dict(type="str", default="equals", choices=list(MODES)),
        max_ttl=dict(type="int"),
    )),
    zone=dict(type="str"),
    server=dict(type="str"),
    nameservers=dict(type="list", elements="str"),
    ip_versions=dict(type="list", elements="int", default=[4, 6], choices=[4, 6]),
    timeout=dict(type="float", default=300.0),
    sleep=dict(type="float", default=1.0),
    max_sleep=dict(type="float", default=10.0),
    query_retries=dict(type="int", default=1),
    settle=dict(type="float", default=0.0),
    progress_interval=dict(type="float", default=60.0),
)
ARGUMENT_SPEC.update(common.TSIG_SPEC)
ARGUMENT_SPEC.update(common.TRANSPORT_SPEC)

# How many lagging records one progress line names (the rest is counted).
PROGRESS_RECORDS = 5

# Per-nameserver states.
OK = "ok"
PENDING = "pending"  # answers, but not (yet) the expected RRset
RETRY_STATES = ("servfail", "timeout", "unreachable", "refused", "error")


class Record(object):
    """One name + type to wait for, validated."""

    def __init__(self, index, spec, zone=None):
        field = "records[%d]" % index
        self.index = index
        self.field = field
        # The same name rules as dns_record (common.owner_name): with zone, a name equal to or under it is taken
        # as written, a single label or @ is joined to it, anything else is refused.
        self.name = common.owner_name(spec["name"], field + ".name", zone=zone)
        self.rdtype = common.parse_rdtype(spec["type"], field + ".type", allowed=WAIT_TYPES)
        self.type_text = dns.rdatatype.to_text(self.rdtype)
        self.mode = spec["mode"]
        if self.mode not in MODES:
            raise DNSError("%s.mode: must be one of %s" % (field, ", ".join(MODES)))
        self.rdatas = [common.parse_value(self.rdtype, value, "%s.values[%d]" % (field, i))
                       for i, value in enumerate(spec.get("values") or [])]
        if self.mode == "absent" and self.rdatas:
            raise DNSError("%s.values: must be empty with mode=absent (the RRset must not exist at all)" % field)
        if self.mode in ("equals", "subset") and not self.rdatas:
            raise DNSError("%s.values: required with mode=%s (use mode=absent to wait until the RRset is gone)"
                           % (field, self.mode))
        self.max_ttl = spec.get("max_ttl")
        if self.max_ttl is not None and self.max_ttl < 0:
            raise DNSError("%s.max_ttl: must be 0 or more" % field)
        self.keys = set(common.rdata_key(r) for r in self.rdatas)
        self.values = common.values_text(self.rdatas)
        self.zone = None

    @property
    def label(self):
        return "%s %s" % (common.name_text(self.name), self.type_text)

    def matches(self, rrset):
        served = set(common.rdata_key(r) for r in rrset) if rrset is not None else set()
        if self.mode == "absent":
            return not served
        if self.mode == "equals":
            ok = served == self.keys
        elif self.mode == "subset":
            ok = self.keys.issubset(served)
        else:  # superset: everything served is expected (nothing else), possibly nothing
            ok = served.issubset(self.keys)
        if ok and self.max_ttl is not None and rrset is not None and len(rrset):
            ok = rrset.ttl <= self.max_ttl
        return ok


class Endpoint(object):
    def __init__(self, name, address, port):
        self.name = name
        self.address = address
        self.port = port

    @property
    def label(self):
        text = common.endpoint_text(self.address, self.port, default_port=53)
        return "%s (%s)" % (self.name, text) if self.name and self.name != self.address else text

    def as_dict(self):
        return dict(name=self.name, address=self.address, port=self.port)


def _family_ok(address, ip_versions):
    return (6 if ":" in address else 4) in ip_versions


class Waiter(object):
    """Discovery, one check round, the loop. ``display(text)`` prints progress; ``now``/``sleep`` are injectable."""

    def __init__(self, params, display=None, now=time.monotonic, sleep=time.sleep):
        self.params = params
        self.display = display or (lambda text: None)
        self.now = now
        self.sleep = sleep
        self.keyring, self.keyname, self.algorithm = common.check_tsig(params)
        for option in ("timeout", "query_timeout", "max_sleep"):
            if params[option] is not None and params[option] <= 0:
                raise DNSError("%s: must be greater than 0" % option)
        for option in ("sleep", "settle"):
            if params[option] < 0:
                raise DNSError("%s: must be 0 or more" % option)
        self.progress_interval = params.get("progress_interval")
        if self.progress_interval is None:
            self.progress_interval = ARGUMENT_SPEC["progress_interval"]["default"]
        if self.progress_interval <= 0:
            raise DNSError("progress_interval: must be greater than 0")
        if params["query_retries"] < 0:
            raise DNSError("query_retries: must be 0 or more")
        if not params["records"]:
            raise DNSError("records: at least one record is required")
        if not params["ip_versions"]:
            raise DNSError("ip_versions: at least one of 4 and 6 is required")
        # server and nameservers first: a bad value there is reported under its own name.
        self.server = None
        if params.get("server") is not None:
            self.server = common.split_endpoint(params["server"], params["port"], "server")
        self.explicit = None
        if params.get("nameservers"):
            self.explicit = [common.split_endpoint(text, params["port"], "nameservers[%d]" % i)
                             for i, text in enumerate(params["nameservers"])]
        self.zone = common.zone_name(params["zone"], "zone") if params.get("zone") is not None else None
        self.records = [Record(i, spec, zone=self.zone) for i, spec in enumerate(params["records"])]
        self.endpoints = {}  # zone -> [Endpoint]
        self.state = {}  # record index -> {endpoint label: entry}

    # -- discovery ----------------------------------------------------------------------------
    def _client(self, address, port, label=None):
        return common.Client(address, port, self.params["protocol"], self.params["query_timeout"], self.keyring,
                             self.keyname, self.algorithm, label=label)

    def _server_client(self):
        host, port = self.server
        addresses = common.resolve_host(host, "server")
        return self._client(addresses[0], port, label="server %s" % common.endpoint_text(addresses[0], port))

    def _zone_of(self, record):
        if self.zone is not None:
            if not record.name.is_subdomain(self.zone):
                raise DNSError("%s.name: %s is not inside zone %s" % (
                    record.field, common.name_text(record.name), common.name_text(self.zone)))
            return self.zone
        if self.explicit is not None:
            return None  # not needed: the nameservers are given
        if self.server is not None:
            return self._server_client().find_zone(record.name)
        try:
            return dns.resolver.zone_for_name(record.name)
        except Exception as exc:  # pylint: disable=broad-except
            raise DNSError("%s.name: cannot find the zone of %s with the system resolver: %s; set zone or server"
                           % (record.field, common.name_text(record.name), exc))

    def _explicit_endpoints(self):
        out = []
        for index, (host, port) in enumerate(self.explicit):
            for address in common.resolve_host(host, "nameservers[%d]" % index):
                if _family_ok(address, self.params["ip_versions"]):
                    out.append(Endpoint(host, address, port))
        return out

    def _discover(self, zone):
        """NS names of the zone and their addresses (glue first), over IPv4 and IPv6."""
        port = self.server[1] if self.server else self.params["port"]
        ns_names, glue = [], {}
        if self.server is not None:
            client = self._server_client()
            response = client.query(zone, dns.rdatatype.NS)
            for section in (response.answer, response.authority):
                for rrset in section:
                    if rrset.rdtype == dns.rdatatype.NS and rrset.name == zone:
                        ns_names += [r.target for r in rrset if r.target not in ns_names]
            for rrset in response.additional:
                if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                    glue.setdefault(rrset.name, []).extend(r.address for r in rrset)
            if not ns_names:
                raise DNSError("%s: no NS records for zone %s" % (client.label, common.name_text(zone)))
        else:
            try:
                answer = dns.resolver.resolve(zone, "NS")
            except Exception as exc:  # pylint: disable=broad-except
                raise DNSError("cannot read the NS records of %s with the system resolver: %s"
                               % (common.name_text(zone), exc))
            ns_names = [r.target for r in answer]
        out = []
        for ns in ns_names:
            addresses = list(glue.get(ns, []))
            if not addresses and self.server is not None:
                client = self._server_client()
                for rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                    try:
                        rrset, _rcode = client.rrset(ns, rdtype)
                    except DNSError:
                        rrset = None
                    addresses += [r.address for r in rrset or []]
            if not addresses:
                try:
                    addresses = common.resolve_host(common.name_text(ns), "nameserver")
                except DNSError:
                    addresses = []
            for address in addresses:
                if _family_ok(address, self.params["ip_versions"]):
                    out.append(Endpoint(common.name_text(ns), address, port))
        if not out:
            raise DNSError("no address (IPv%s) found for the nameservers %s of zone %s" % (
                "/".join(str(v) for v in self.params["ip_versions"]),
                ", ".join(common.name_text(n) for n in ns_names), common.name_text(zone)))
        return out

    def prepare(self):
        explicit = self._explicit_endpoints() if self.explicit is not None else None
        if explicit is not None and not explicit:
            raise DNSError("nameservers: no address left after filtering by ip_versions %s" % self.params["ip_versions"])
        for record in self.records:
            record.zone = self._zone_of(record)
            if explicit is not None:
                self.endpoints[record.zone] = explicit
            elif record.zone not in self.endpoints:
                self.endpoints[record.zone] = self._discover(record.zone)
        for record in self.records:
            self.state[record.index] = dict(
                (ep.label, dict(endpoint=ep, state=PENDING, values=None, ttl=None, checks=0, error=None))
                for ep in self.endpoints[record.zone])

    # -- checking -----------------------------------------------------------------------------
    def check(self, record, endpoint):
        """(state, rrset or None, error text)."""
        client = self._client(endpoint.address, endpoint.port, label=endpoint.label)
        attempts = self.params["query_retries"] + 1
        error = None
        for attempt in range(attempts):
            try:
                rrset, _rcode = client.rrset(record.name, record.rdtype)
                return (OK if record.matches(rrset) else PENDING), rrset, None
            except DNSRcode as exc:
                state = "servfail" if exc.rcode_text == "SERVFAIL" else (
                    "refused" if exc.rcode_text == "REFUSED" else "error")
                error = (state, str(exc))
            except DNSTimeout as exc:
                error = ("timeout", str(exc))
            except DNSUnreachable as exc:
                error = ("unreachable", str(exc))
            except DNSError as exc:
                error = ("error", str(exc))
            if attempt + 1 < attempts:
                self.sleep(min(0.2 * (attempt + 1), 1.0))
        return error[0], None, error[1]

    def round(self):
        for record in self.records:
            for entry in self.state[record.index].values():
                state, rrset, error = self.check(record, entry["endpoint"])
                entry["checks"] += 1
                entry["state"] = state
                entry["error"] = error
                if error is None:
                    entry["values"] = common.values_text(rrset) if rrset is not None else []
                    entry["ttl"] = rrset.ttl if rrset is not None and len(rrset) else None

    def done(self, record):
        return all(entry["state"] == OK for entry in self.state[record.index].values())

    def progress_lines(self, number, elapsed):
        """One line per nameserver (address): how many of the records it serves as expected, and the first few that
        it does not (what it serves instead, or why it did not answer). The length of a line does not grow with the
        number of records."""
        servers = []  # [(label, [(record, entry)])], nameservers in the order they were found
        by_label = {}
        for record in self.records:
            for label, entry in self.state[record.index].items():
                if label not in by_label:
                    by_label[label] = []
                    servers.append((label, by_label[label]))
                by_label[label].append((record, entry))
        lines = []
        for label, entries in servers:
            lagging = [(record, entry) for record, entry in entries if entry["state"] != OK]
            text = "dns_wait round %d (%.1f s): %s: %d/%d ok" % (number, elapsed, label, len(entries) - len(lagging),
                                                                 len(entries))
            if lagging:
                shown = []
                for record, entry in lagging[:PROGRESS_RECORDS]:
                    item = "%s [%s] %s" % (record.label, record.mode, entry["state"])
                    if entry["state"] == PENDING:
                        item += " %s%s" % (entry["values"], "" if entry["ttl"] is None else " ttl=%d" % entry["ttl"])
                    shown.append(item)
                more = len(lagging) - len(shown)
                text += "; waiting for %s%s" % (", ".join(shown), " (and %d more)" % more if more else "")
            lines.append(text)
        return lines

    def settle(self):
        """Wait out ``settle`` once, for all records together, with a progress line every ``progress_interval``."""
        total = self.params["settle"]
        self.display("dns_wait: every nameserver serves all %d record(s); waiting %.0f s more (settle, once for all "
                     "of them) so that caches holding the old data expire" % (len(self.records), total))
        waited = 0.0
        while waited < total:
            step = min(self.progress_interval, total - waited)
            self.sleep(step)
            waited += step
            if waited < total:
                self.display("dns_wait settle: %.0f of %.0f s waited, %.0f s to go" % (waited, total, total - waited))
        self.display("dns_wait settle: done (%.0f s)" % total)
        return total

    def run(self):
        self.prepare()
        start = self.now()
        number = 0
        while True:
            number += 1
            self.round()
            elapsed = self.now() - start
            for line in self.progress_lines(number, elapsed):
                self.display(line)
            if all(self.done(record) for record in self.records):
                break
            remaining = self.params["timeout"] - elapsed
            if remaining <= 0:
                return self.result(False, number, elapsed)
            self.sleep(min(self.params["sleep"] * (2 ** (number - 1)) if self.params["sleep"] else 0,
                           self.params["max_sleep"], remaining))
        settled = self.settle() if self.params["settle"] else 0.0
        return self.result(True, number, self.now() - start, settled)

    def result(self, completed, rounds, elapsed, settled=0.0):
        records = []
        for record in self.records:
            nameservers = []
            for entry in self.state[record.index].values():
                item = entry["endpoint"].as_dict()
                item.update(state=entry["state"], served=entry["values"], ttl=entry["ttl"], checks=entry["checks"])
                if entry["error"]:
                    item["error"] = entry["error"]
                nameservers.append(item)
            records.append(dict(name=common.name_text(record.name), type=record.type_text, mode=record.mode,
                                expected=record.values, max_ttl=record.max_ttl, done=self.done(record),
                                check_count=max([e["checks"] for e in self.state[record.index].values()] or [0]),
                                zone=common.name_text(record.zone) if record.zone is not None else None,
                                nameservers=nameservers))
        result = dict(changed=False, completed=completed, rounds=rounds, elapsed=round(elapsed, 2), records=records,
                      settled=round(settled, 2))
        if not completed:
            result["failed"] = True
            result["msg"] = self.timeout_message(elapsed)
        return result

    def timeout_message(self, elapsed):
        lines = []
        for record in self.records:
            if self.done(record):
                continue
            lagging = []
            for label, entry in self.state[record.index].items():
                if entry["state"] == OK:
                    continue
                if entry["state"] == PENDING:
                    lagging.append("%s serves %s%s" % (label, entry["values"] or "nothing",
                                                       "" if entry["ttl"] is None else " (ttl %d)" % entry["ttl"]))
                else:
                    lagging.append("%s (%s)" % (entry["error"], entry["state"]))
            want = "absent" if record.mode == "absent" else "%s %s" % (record.mode, record.values)
            if record.max_ttl is not None:
                want += " with ttl <= %d" % record.max_ttl
            lines.append("%s (want %s): %s" % (record.label, want, "; ".join(lagging)))
        return "dns_wait timed out after %.1f s (timeout %.0f s); not yet on every nameserver: %s" % (
            elapsed, self.params["timeout"], " | ".join(lines))
