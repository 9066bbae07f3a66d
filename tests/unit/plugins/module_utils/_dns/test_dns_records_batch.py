# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""dns_record with ``records`` (issue 14): many RRsets in one call, validated first, planned, and sent as ONE
UPDATE per zone. The planning and the messages are checked here without a network: a fake nameserver keeps the
RRsets, answers the queries and applies (or refuses) the UPDATE messages by their prerequisites."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

dns = pytest.importorskip("dns")

import dns.name  # noqa: E402  pylint: disable=wrong-import-position
import dns.rcode  # noqa: E402  pylint: disable=wrong-import-position
import dns.rdataclass  # noqa: E402  pylint: disable=wrong-import-position
import dns.rdatatype  # noqa: E402  pylint: disable=wrong-import-position
import dns.rrset  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import common  # noqa: E402
from ansible_collections.mailops.secure_email.plugins.module_utils._dns import record_module  # noqa: E402

SECRET = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="
GATEWAY = ["10 mx1.hc1-1.iphmx.com", "20 mx2.hc1-1.iphmx.com"]
GATEWAY_SERVED = ["10 mx1.hc1-1.iphmx.com.", "20 mx2.hc1-1.iphmx.com."]


def record(name, rdtype="MX", values=None, ttl=None, state="present", zone=None):
    """One entry of ``records`` as Ansible hands it over (every suboption present, defaults applied)."""
    return dict(name=name, type=rdtype, values=values, ttl=ttl, state=state, zone=zone)


def params(records, **kwargs):
    """The module's params with ``records`` (the single-record options unset, as Ansible leaves them)."""
    base = dict(server="127.0.0.1", zone=None, name=None, type=None, values=None, ttl=None, state="present",
                records=records, key_name=None, key_secret=None, key_algorithm="hmac-sha256", port=53,
                protocol="tcp", query_timeout=5.0)
    base.update(kwargs)
    return base


def m365(domain):
    return "0 %s.mail.protection.outlook.com." % domain.replace(".", "-")


# -- the fake nameserver ------------------------------------------------------------------------------
class FakeServer(object):
    """The zones' RRsets; queries, the SOA walk and UPDATEs as a server applies them (RFC 2136 3.2, 3.4)."""

    def __init__(self, zones, data=None):
        self.zones = [dns.name.from_text(zone) for zone in zones]
        self.data = {}
        for (name, rdtype), (ttl, values) in (data or {}).items():
            self.data[(dns.name.from_text(name), dns.rdatatype.from_text(rdtype))] = dns.rrset.from_text(
                name, ttl, "IN", rdtype, *values)
        self.queries = []
        self.updates = []
        self.refuse = {}  # zone text -> rcode to answer an UPDATE of that zone with

    def client(self, *args, **kwargs):
        return FakeClient(self, kwargs.get("label") or "server 127.0.0.1")

    def served(self, name, rdtype):
        rrset = self.data.get((dns.name.from_text(name), dns.rdatatype.from_text(rdtype)))
        return (rrset.ttl, sorted(common.value_text(r) for r in rrset)) if rrset is not None else None

    def _prerequisites_hold(self, message):
        for rrset in message.prerequisite:
            current = self.data.get((rrset.name, rrset.rdtype))
            if rrset.rdclass == dns.rdataclass.NONE:  # RRset does not exist
                if current is not None:
                    return dns.rcode.YXRRSET
            elif rrset.rdclass == dns.rdataclass.IN:  # RRset exists, value dependent
                want = set(common.rdata_key(r) for r in rrset)
                if current is None or set(common.rdata_key(r) for r in current) != want:
                    return dns.rcode.NXRRSET
        return dns.rcode.NOERROR

    def apply(self, message):
        zone = message.zone[0].name
        self.updates.append(message)
        refused = self.refuse.get(common.name_text(zone))
        if refused is not None:
            return refused
        rcode = self._prerequisites_hold(message)
        if rcode != dns.rcode.NOERROR:
            return rcode
        for rrset in message.update:
            key = (rrset.name, rrset.rdtype)
            if rrset.deleting == dns.rdataclass.ANY:  # delete the RRset
                self.data.pop(key, None)
            elif rrset.deleting == dns.rdataclass.NONE:  # delete these values
                current = self.data.get(key)
                if current is not None:
                    for rdata in rrset:
                        current.discard(rdata)
                    if not len(current):
                        del self.data[key]
            else:
                current = self.data.setdefault(key, dns.rrset.RRset(rrset.name, dns.rdataclass.IN, rrset.rdtype))
                for rdata in rrset:
                    current.add(rdata, rrset.ttl)
                current.update_ttl(rrset.ttl)
                current.ttl = rrset.ttl
        return dns.rcode.NOERROR


class FakeClient(object):
    def __init__(self, server, label):
        self.server = server
        self.label = label

    def rrset(self, name, rdtype, sign=True):
        self.server.queries.append((common.name_text(name), dns.rdatatype.to_text(rdtype)))
        rrset = self.server.data.get((name, rdtype))
        return (rrset.copy() if rrset is not None else None), "NOERROR"

    def find_zone(self, name):
        self.server.queries.append((common.name_text(name), "SOA"))
        found = [zone for zone in self.server.zones if name.is_subdomain(zone)]
        if not found:
            raise common.DNSError("%s: no SOA found for any parent of %s; set zone explicitly"
                                  % (self.label, common.name_text(name)))
        return max(found, key=lambda zone: len(zone.labels))

    def update(self, message):
        return self.server.apply(message)


class Exited(Exception):
    pass


class Failed(Exception):
    pass


class Module(object):
    """Just enough of AnsibleModule for record_module.run()."""

    def __init__(self, params_, check_mode=False, diff=False):
        self.params = params_
        self.check_mode = check_mode
        self._diff = diff

    def exit_json(self, **kwargs):
        raise Exited(kwargs)

    def fail_json(self, **kwargs):
        raise Failed(kwargs)


@pytest.fixture
def server(monkeypatch):
    zones = ["example.test", "other.test"]
    data = {}
    for domain in ("a.example.test", "b.example.test", "c.example.test", "x.other.test"):
        data[(domain, "MX")] = (3600, [m365(domain)])
        data[(domain, "TXT")] = (3600, ['"v=spf1 include:spf.protection.outlook.com -all"'])
    fake = FakeServer(zones, data)
    monkeypatch.setattr(common, "Client", fake.client)
    monkeypatch.setattr(common, "resolve_host", lambda host, field: ["127.0.0.1"])
    return fake


def run(params_, check_mode=False, diff=False):
    """(outcome, result): outcome 'ok' or 'failed'."""
    try:
        record_module.run(Module(params_, check_mode=check_mode, diff=diff))
    except Exited as exc:
        return "ok", exc.args[0]
    except Failed as exc:
        return "failed", exc.args[0]
    raise AssertionError("run() neither exited nor failed")


def switch(*domains, **kwargs):
    return [record(domain, "MX", values=GATEWAY, ttl=kwargs.get("ttl", 300)) for domain in domains]


# -- validation: everything before anything is sent, errors name records[N].<field> ---------------------------
@pytest.mark.parametrize("bad,message", [
    (dict(type=None), "records[1].type: required, one of A, AAAA, CNAME, MX, TXT, SRV, CAA, NS"),
    (dict(type="SPF"), "records[1].type: SPF is not supported here"),
    (dict(type="BOGUS"), "records[1].type: 'BOGUS' is not a DNS record type"),
    (dict(state="gone"), "records[1].state: must be one of present, absent, got 'gone'"),
    (dict(ttl=-1), "records[1].ttl: must be between 0 and 2147483647 seconds"),
    (dict(values=["ten mx1.example.net"]), "records[1].values[0]: 'ten mx1.example.net' is not a valid MX value"),
    (dict(values=["10 mx1.example.net", "x"]), "records[1].values[1]: 'x' is not a valid MX value"),
    (dict(values=[]), "records[1].values: an empty list with state=present"),
    (dict(type="CNAME", values=["a.example.net", "b.example.net"]), "records[1].values: a CNAME RRset holds exactly one"),
    (dict(name=None), "records[1].name: required"),
    (dict(name=""), "records[1].name: must not be empty"),
    (dict(name="bad name.example.test"), "records[1].name: 'bad name.example.test' is not a DNS name"),
    (dict(name="@"), "records[1].name: '@' stands for the zone apex and needs zone"),
    (dict(name="mail.other.test", zone="example.test"),
     "records[1].name: 'mail.other.test' is ambiguous with zone example.test"),
    (dict(zone=""), "records[1].zone: must not be empty"),
    (dict(name=u"stra\u00dfe.example.test"), "records[1].name: "),
])
def test_every_record_is_checked_and_the_error_names_it(server, bad, message):
    records = switch("a.example.test", "b.example.test", "c.example.test")
    records[1].update(bad)
    outcome, result = run(params(records))
    assert outcome == "failed"
    assert result["msg"].startswith(message), result["msg"]
    # Nothing was sent: not even a query (the bad record is the second, the first one is fine).
    assert server.queries == [] and server.updates == []


def test_the_same_rrset_twice_is_refused(server):
    records = switch("a.example.test", "b.example.test") + [record("A.Example.Test.", "MX", values=["5 mx.example.net"])]
    outcome, result = run(params(records))
    assert outcome == "failed"
    assert result["msg"].startswith("records[2]: a.example.test MX is records[0] again; give each RRset")
    assert server.queries == []
    # The same name with another type is another RRset.
    records = [record("a.example.test", "MX", values=GATEWAY), record("a.example.test", "TXT", values=["v=spf1 -all"])]
    assert run(params(records))[0] == "ok"


def test_tsig_and_server_are_checked_before_any_record_is_sent(server):
    outcome, result = run(params(switch("a.example.test"), key_name="k", key_secret="not base64!"))
    assert outcome == "failed" and result["msg"].startswith("key_secret: must be base64")
    outcome, result = run(params(switch("a.example.test"), server="127.0.0.1:70000"))
    assert outcome == "failed" and result["msg"].startswith("server: port 70000 is out of range")
    assert server.queries == []


def test_the_zone_option_applies_to_every_record_and_a_record_may_name_its_own():
    request = record_module.Request(params([record("www", "A", values=["192.0.2.1"]),
                                            record("example.test", "MX", values=GATEWAY),
                                            record("@", "MX", values=GATEWAY, zone="other.test")],
                                           zone="example.test"))
    assert [r.name.to_text() for r in request.records] == ["www.example.test.", "example.test.", "other.test."]
    assert [common.name_text(r.zone) for r in request.records] == ["example.test", "example.test", "other.test"]
    assert request.batch and request.records[1].prefix == "records[1]."


def test_apex_ns_removal_without_values_is_refused_per_record():
    with pytest.raises(common.DNSError) as info:
        record_module.Request(params([record("a.example.test", values=GATEWAY),
                                      record("@", "NS", state="absent", zone="example.test")]))
    assert str(info.value).startswith("records[1].values: required to remove NS records at the zone apex")


# -- planning and the messages ------------------------------------------------------------------------------------
def _plans(server, records, **kwargs):
    request = record_module.Request(params(records, **kwargs))
    client = server.client()
    zones = {}
    out = []
    for item in request.records:
        zone = record_module.zone_of(client, item, zones)
        current, _rcode = client.rrset(item.name, item.rdtype)
        out.append(record_module.Plan(item, zone, current))
    return out


def test_one_update_per_zone_with_a_prerequisite_for_every_rrset(server):
    records = switch("a.example.test", "x.other.test", "b.example.test") + [
        record("new.example.test", "A", values=["192.0.2.7"]),  # does not exist yet
        record("c.example.test", "TXT", state="absent"),
    ]
    plans = _plans(server, records)
    assert [p.changed for p in plans] == [True] * 5
    updates = record_module.build_updates(plans)
    assert [common.name_text(zone) for zone, _message, _members in updates] == ["example.test", "other.test"]
    zone, message, members = updates[0]
    assert [m.record.prefix for m in members] == ["records[0].", "records[2].", "records[3].", "records[4]."]
    assert message.zone[0].name == zone
    # Prerequisites: value-dependent "exists" for the three RRsets that were read, "does not exist" for the new one.
    prerequisites = dict(((common.name_text(rrset.name), dns.rdatatype.to_text(rrset.rdtype)), rrset)
                         for rrset in message.prerequisite)
    assert sorted(prerequisites) == [("a.example.test", "MX"), ("b.example.test", "MX"), ("c.example.test", "TXT"),
                                     ("new.example.test", "A")]
    assert prerequisites[("new.example.test", "A")].rdclass == dns.rdataclass.NONE
    assert [common.value_text(r) for r in prerequisites[("a.example.test", "MX")]] == [m365("a.example.test")]
    assert prerequisites[("a.example.test", "MX")].rdclass == dns.rdataclass.IN
    # Updates: each RRset deleted, then the new values added (the TXT only deleted).
    deletes = sorted(common.name_text(r.name) for r in message.update if r.deleting == dns.rdataclass.ANY)
    assert deletes == ["a.example.test", "b.example.test", "c.example.test", "new.example.test"]
    adds = {}
    for rrset in message.update:
        if rrset.deleting is None:  # dnspython keeps one RRset per added value, in order
            adds.setdefault(common.name_text(rrset.name), []).extend((rrset.ttl, common.value_text(r)) for r in rrset)
    assert sorted(adds) == ["a.example.test", "b.example.test", "new.example.test"]
    assert sorted(adds["a.example.test"]) == [(300, value) for value in GATEWAY_SERVED]
    # The other zone: its own message with its one RRset.
    assert len(updates[1][1].prerequisite) == 1 and updates[1][2][0].record.prefix == "records[1]."


def test_unchanged_records_are_left_out_and_nothing_to_do_builds_no_message(server):
    server.data[(dns.name.from_text("b.example.test"), dns.rdatatype.MX)] = dns.rrset.from_text(
        "b.example.test.", 300, "IN", "MX", *GATEWAY_SERVED)
    plans = _plans(server, switch("a.example.test", "b.example.test"))
    assert [p.changed for p in plans] == [True, False]
    ((_zone, message, members),) = record_module.build_updates(plans)
    assert len(members) == 1 and len(message.prerequisite) == 1
    assert record_module.build_updates(plans[1:]) == []


def test_ttl_only_records_keep_their_values(server):
    records = [record(domain, "MX", ttl=60) for domain in ("a.example.test", "b.example.test")]
    plans = _plans(server, records)
    assert [(p.before["ttl"], p.after["ttl"], p.changed) for p in plans] == [(3600, 60, True), (3600, 60, True)]
    assert plans[0].after["values"] == [m365("a.example.test")]


def test_ttl_only_for_a_missing_rrset_names_the_record(server):
    outcome, result = run(params([record("a.example.test", "MX", ttl=60), record("nomx.example.test", "MX", ttl=60)]))
    assert outcome == "failed"
    assert result["msg"].startswith("records[1].values: required, because nomx.example.test MX does not exist yet")
    assert server.updates == []


def test_a_batch_too_large_for_one_message_is_refused_before_anything_is_sent(server):
    records = [record("d%04d.example.test" % index, "TXT", values=["x" * 200, "y" * 200]) for index in range(400)]
    outcome, result = run(params(records))
    assert outcome == "failed"
    assert "does not fit in one DNS message" in result["msg"] and "split the records" in result["msg"]
    assert server.updates == []


@pytest.mark.parametrize("count,fits", [(400, True), (1000, False)])
def test_how_many_mx_switches_fit_in_one_update(count, fits):
    """The documented limit: about 500 MX switches (prerequisite, delete, two adds) per zone and task."""
    zone = dns.name.from_text("example.test")
    plans = []
    for index in range(count):
        item = record_module.Record(record("d%04d.example.test" % index, "MX", values=GATEWAY, ttl=300), "records[0].")
        plans.append(record_module.Plan(item, zone, dns.rrset.from_text(
            item.name, 3600, "IN", "MX", m365("d%04d.example.test" % index))))
    ((zone, message, members),) = record_module.build_updates(plans)
    if fits:
        record_module.check_size(zone, message, members)
    else:
        with pytest.raises(common.DNSError, match="records: the UPDATE for zone example.test .1000 RRsets. does not fit"):
            record_module.check_size(zone, message, members)


# -- the whole run against the fake server ------------------------------------------------------------------------
def test_batch_run_sends_one_update_per_zone_reports_each_record_and_is_idempotent(server):
    records = switch("a.example.test", "b.example.test", "x.other.test") + [
        record("a.example.test", "TXT", values=["v=spf1 include:spf.protection.outlook.com exists:%{i}.spf.hc1-1."
                                                "iphmx.com -all"])]
    outcome, result = run(params(records), diff=True)
    assert outcome == "ok", result
    assert result["changed"] is True
    assert [(r["name"], r["zone"], r["type"], r["changed"]) for r in result["records"]] == [
        ("a.example.test", "example.test", "MX", True), ("b.example.test", "example.test", "MX", True),
        ("x.other.test", "other.test", "MX", True), ("a.example.test", "example.test", "TXT", True)]
    assert result["records"][0]["before"] == dict(ttl=3600, values=[m365("a.example.test")])
    assert result["records"][0]["after"] == dict(ttl=300, values=GATEWAY_SERVED)
    # Two UPDATE messages: one per zone, not one per RRset.
    assert len(server.updates) == 2
    assert result["updates"] == [dict(zone="example.test", rrsets=3, dns_rc=0, dns_rc_str="NOERROR"),
                                 dict(zone="other.test", rrsets=1, dns_rc=0, dns_rc_str="NOERROR")]
    assert server.served("b.example.test", "MX") == (300, GATEWAY_SERVED)
    assert server.served("a.example.test", "TXT")[1] == [
        "v=spf1 include:spf.protection.outlook.com exists:%{i}.spf.hc1-1.iphmx.com -all"]
    # The diff: one entry per changed RRset, zone-file lines.
    assert len(result["diff"]) == 4
    assert result["diff"][0]["before_header"] == "a.example.test MX (server 127.0.0.1)"
    assert "a.example.test.\t300\tIN\tMX\t10 mx1.hc1-1.iphmx.com." in result["diff"][0]["after"]
    # The same again: read only, changed=false, no UPDATE, no updates key.
    sent = len(server.updates)
    outcome, again = run(params(records))
    assert outcome == "ok" and again["changed"] is False and "updates" not in again
    assert [r["changed"] for r in again["records"]] == [False] * 4
    assert len(server.updates) == sent


def test_check_mode_reads_and_plans_but_sends_no_update(server):
    outcome, result = run(params(switch("a.example.test", "b.example.test")), check_mode=True, diff=True)
    assert outcome == "ok" and result["changed"] is True
    assert [r["after"] for r in result["records"]] == [dict(ttl=300, values=GATEWAY_SERVED)] * 2
    assert len(result["diff"]) == 2
    assert server.updates == [] and "updates" not in result
    assert server.served("a.example.test", "MX") == (3600, [m365("a.example.test")])


def test_a_refused_update_changes_nothing_in_that_zone_and_names_it(server):
    server.refuse["other.test"] = dns.rcode.REFUSED
    outcome, result = run(params(switch("a.example.test", "x.other.test")))
    assert outcome == "failed"
    assert result["msg"].startswith("server 127.0.0.1: zone other.test (records[1]): REFUSED: the server does not "
                                    "accept this update")
    assert result["msg"].endswith("; the UPDATE of zone example.test was applied before")
    assert [u["dns_rc_str"] for u in result["updates"]] == ["NOERROR", "REFUSED"]
    assert server.served("x.other.test", "MX") == (3600, [m365("x.other.test")])


def test_a_prerequisite_that_fails_applies_nothing_of_the_zone(server, monkeypatch):
    """Someone changes one RRset between the read and the UPDATE: the server refuses the whole message."""
    original = server.apply

    def meddle(message):
        server.data[(dns.name.from_text("b.example.test"), dns.rdatatype.MX)] = dns.rrset.from_text(
            "b.example.test.", 3600, "IN", "MX", "5 elsewhere.example.net.")
        return original(message)

    monkeypatch.setattr(server, "apply", meddle)
    outcome, result = run(params(switch("a.example.test", "b.example.test", "c.example.test")))
    assert outcome == "failed" and "NXRRSET" in result["msg"] and "records[0], records[1], records[2]" in result["msg"]
    assert server.served("a.example.test", "MX") == (3600, [m365("a.example.test")])  # not applied either


def test_an_rrset_the_server_skips_is_reported_with_its_record(server, monkeypatch):
    original = server.apply

    def skip_b(message):
        rcode = original(message)
        server.data[(dns.name.from_text("b.example.test"), dns.rdatatype.MX)] = dns.rrset.from_text(
            "b.example.test.", 3600, "IN", "MX", m365("b.example.test"))
        return rcode

    monkeypatch.setattr(server, "apply", skip_b)
    outcome, result = run(params(switch("a.example.test", "b.example.test")))
    assert outcome == "failed"
    assert result["msg"].startswith("records[1]: server 127.0.0.1 accepted the update but serves")


def test_zones_are_found_once_per_name_and_not_at_all_with_zone(server):
    run(params(switch("a.example.test", "b.example.test", "x.other.test")), check_mode=True)
    assert [q for q in server.queries if q[1] == "SOA"] == [("a.example.test", "SOA"), ("b.example.test", "SOA"),
                                                            ("x.other.test", "SOA")]
    del server.queries[:]
    run(params(switch("a.example.test", "b.example.test"), zone="example.test"), check_mode=True)
    assert [q for q in server.queries if q[1] == "SOA"] == []
    assert server.queries == [("a.example.test", "MX"), ("b.example.test", "MX")]


def test_an_empty_list_reads_and_sends_nothing(server):
    outcome, result = run(params([]))
    assert outcome == "ok" and result == dict(changed=False, records=[])
    assert server.queries == []


def test_single_record_options_still_return_the_single_shape(server):
    single = params(None, name="a.example.test", type="MX", values=GATEWAY, ttl=300)
    outcome, result = run(single, diff=True)
    assert outcome == "ok"
    assert sorted(result) == ["after", "before", "changed", "diff", "dns_rc", "dns_rc_str", "name", "type", "zone"]
    assert result["diff"]["before_header"] == "a.example.test MX (server 127.0.0.1)"
    assert len(server.updates) == 1 and len(server.updates[0].prerequisite) == 1
