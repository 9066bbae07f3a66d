# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""dns_record: RRsets changed by RFC 2136 UPDATEs with prerequisites (private; the API may change).

One RRset (the single-record options ``name``, ``type``, ``values``, ``ttl``, ``state``) or many (``records``):
every record is validated before anything is sent, the RRsets are read, planned, and the changes of all records
of one zone go out in ONE UPDATE message (prerequisites pinning every RRset as read, then the deletes and adds),
which the server applies atomically. A second identical run finds nothing to do and sends nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import common, route53
from ansible_collections.mailops.secure_email.plugins.module_utils._dns.common import (
    RECORD_TYPES,
    DNSError,
    DNSTimeout,
    DNSUnreachable,
)

try:
    import dns.exception
    import dns.name
    import dns.rcode
    import dns.rdatatype
    import dns.update
except ImportError:
    pass  # reported by common.require_dnspython()

MAX_TTL = 2147483647
DEFAULT_TTL = 3600
STATES = ("present", "absent")
# The largest DNS message over TCP (RFC 1035 4.2.2); room is left for the TSIG record.
MAX_UPDATE_OCTETS = 65535 - 512

ARGUMENT_SPEC = dict(
    # Required with provider=rfc2136 (checked by Request, so that the message names the provider).
    server=dict(type="str"),
    zone=dict(type="str"),
    name=dict(type="str", aliases=["record"]),
    type=dict(type="str", choices=list(RECORD_TYPES)),
    values=dict(type="list", elements="str", aliases=["value"]),
    ttl=dict(type="int"),
    state=dict(type="str", default="present", choices=list(STATES)),
    # Many RRsets in one call. The suboptions are checked by Request (not by choices/required here), so that every
    # error names its record: records[3].type, records[0].name.
    records=dict(type="list", elements="dict", options=dict(
        name=dict(type="str", aliases=["record"]),
        type=dict(type="str"),
        values=dict(type="list", elements="str", aliases=["value"]),
        ttl=dict(type="int"),
        state=dict(type="str", default="present"),
        zone=dict(type="str"),
    )),
)
ARGUMENT_SPEC.update(common.TSIG_SPEC)
ARGUMENT_SPEC.update(common.TRANSPORT_SPEC)
# provider=route53: hosted zone, AWS credentials, endpoint_url, the wait for INSYNC (module_utils/_dns/route53.py).
ARGUMENT_SPEC.update(route53.ROUTE53_SPEC)
REQUIRED_ONE_OF = [("name", "records")]
REQUIRED_TOGETHER = [("name", "type")]
MUTUALLY_EXCLUSIVE = [("records", "name"), ("records", "type"), ("records", "values"), ("records", "ttl"),
                      ("records", "state")]


def _state(rrset):
    if rrset is None or len(rrset) == 0:
        return None
    return dict(ttl=rrset.ttl, values=common.values_text(rrset))


def _zone_lines(name, rdtype, state):
    if not state:
        return ""
    return "".join("%s\t%d\tIN\t%s\t%s\n" % (name.to_text(), state["ttl"], dns.rdatatype.to_text(rdtype),
                                             _quoted(rdtype, value)) for value in state["values"])


def _quoted(rdtype, value):
    if rdtype == dns.rdatatype.TXT:
        return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')
    return value


class Record(object):
    """One RRset to manage, validated. Errors name the field with ``prefix`` ('' or 'records[N].')."""

    def __init__(self, spec, prefix="", zone=None, zone_field="zone"):
        """``spec``: name, type, values, ttl, state (and zone). ``zone``: the zone option (text) of this record, or
        a Name already checked (the zone option of the whole task for ``records``)."""
        self.prefix = prefix
        self.zone_field = zone_field
        if spec.get("type") is None:
            raise DNSError("%stype: required, one of %s" % (prefix, ", ".join(RECORD_TYPES)))
        self.rdtype = common.parse_rdtype(spec["type"], prefix + "type", allowed=RECORD_TYPES)
        self.state = spec.get("state") or "present"
        if self.state not in STATES:
            raise DNSError("%sstate: must be one of %s, got %r" % (prefix, ", ".join(STATES), self.state))
        ttl = spec.get("ttl")
        if ttl is not None and not 0 <= ttl <= MAX_TTL:
            raise DNSError("%sttl: must be between 0 and %d seconds, got %d" % (prefix, MAX_TTL, ttl))
        self.ttl = ttl
        values = spec.get("values")
        self.rdatas = None
        if values is not None:
            seen = set()
            self.rdatas = []
            for index, value in enumerate(values):
                rdata = common.parse_value(self.rdtype, value, "%svalues[%d]" % (prefix, index))
                if common.rdata_key(rdata) not in seen:
                    seen.add(common.rdata_key(rdata))
                    self.rdatas.append(rdata)
            if not self.rdatas and self.state == "present":
                raise DNSError("%svalues: an empty list with state=present; use state=absent to delete the RRset"
                               % prefix)
            if self.rdtype == dns.rdatatype.CNAME and len(self.rdatas) > 1:
                raise DNSError("%svalues: a CNAME RRset holds exactly one value, got %d" % (prefix, len(self.rdatas)))
        # zone and name follow common.owner_name (documented in the module's name/zone options and docs/dns.md):
        # a name equal to or under the zone is taken as written, only a single label or @ is joined to the zone.
        if zone is None or isinstance(zone, dns.name.Name):
            self.zone = zone
        else:
            self.zone = common.zone_name(zone, zone_field)
        if spec.get("name") is None:
            raise DNSError("%sname: required: the owner name of the RRset" % prefix)
        self.name = common.owner_name(spec["name"], prefix + "name", zone=self.zone)
        if self.zone is not None:
            self.check_zone(self.zone)

    @property
    def label(self):
        return "%s %s" % (common.name_text(self.name).lower(), dns.rdatatype.to_text(self.rdtype))

    def check_zone(self, zone):
        """The rules that need the zone (given, or found by the SOA walk)."""
        if not self.name.is_subdomain(zone):
            raise DNSError("%sname: %s is not inside zone %s" % (self.prefix, common.name_text(self.name),
                                                                 common.name_text(zone)))
        if self.rdtype == dns.rdatatype.NS and self.state == "absent" and self.rdatas is None and self.name == zone:
            raise DNSError("%svalues: required to remove NS records at the zone apex (the whole apex NS RRset "
                           "cannot be deleted)" % self.prefix)


class Request(object):
    """Validated input: everything is checked before anything is sent."""

    def __init__(self, params):
        self.params = params
        self.keyring, self.keyname, self.algorithm = common.check_tsig(params)
        self.batch = params.get("records") is not None
        if self.batch:
            zone = common.zone_name(params["zone"], "zone") if params.get("zone") is not None else None
            self.records = []
            seen = {}
            for index, spec in enumerate(params["records"]):
                prefix = "records[%d]." % index
                if not isinstance(spec, dict):
                    raise DNSError("records[%d]: must be a dict with name, type, values, ttl, state" % index)
                if spec.get("zone") is not None:
                    record = Record(spec, prefix, zone=spec["zone"], zone_field=prefix + "zone")
                else:
                    record = Record(spec, prefix, zone=zone)
                key = (record.name, record.rdtype)
                if key in seen:
                    raise DNSError("records[%d]: %s is records[%d] again; give each RRset (name and type) once, "
                                   "because one UPDATE changes all of them together" % (index, record.label, seen[key]))
                seen[key] = index
                self.records.append(record)
        else:
            self.records = [Record(params, "", zone=params.get("zone"))]
        self.provider = params.get("provider") or "rfc2136"
        if self.provider == "rfc2136":
            if params.get("server") is None:
                raise DNSError("server: required with provider=rfc2136 (the nameserver that accepts the updates); "
                               "for a zone hosted in Route 53 set provider=route53")
            self.server, self.port = common.split_endpoint(params["server"], params["port"], "server")
        else:
            self.server, self.port = None, None
            if params.get("hosted_zone_id") is not None and not re.match(
                    r"^(/hostedzone/)?[A-Za-z0-9]{1,32}$", params["hosted_zone_id"].strip()):
                raise DNSError("hosted_zone_id: %r is not a Route 53 hosted zone id (for example Z0123456789ABCDEFGHIJ)"
                               % params["hosted_zone_id"])
            timeout = params.get("route53_wait_timeout")
            if timeout is not None and timeout <= 0:
                raise DNSError("route53_wait_timeout: must be greater than 0")
        if params.get("query_timeout") is not None and params["query_timeout"] <= 0:
            raise DNSError("query_timeout: must be greater than 0")

    # The single-record options, as attributes (records[0]).
    @property
    def prefix(self):
        return self.records[0].prefix

    @property
    def name(self):
        return self.records[0].name

    @property
    def rdtype(self):
        return self.records[0].rdtype

    @property
    def rdatas(self):
        return self.records[0].rdatas

    @property
    def ttl(self):
        return self.records[0].ttl

    @property
    def state(self):
        return self.records[0].state

    @property
    def zone(self):
        return self.records[0].zone


def _client(request, params, zones):
    """A client for the first address of ``server`` that answers. The zone of the first record without one is found
    on the way (into ``zones``, name -> zone); when every record has its zone, nothing is sent here."""
    probe = None
    for record in request.records:
        if record.zone is None:
            probe = record
            break
    last = None
    for address in common.resolve_host(request.server, "server"):
        client = common.Client(address, request.port, params["protocol"], params["query_timeout"], request.keyring,
                               request.keyname, request.algorithm,
                               label="server %s" % common.endpoint_text(address, request.port))
        try:
            if probe is not None:
                zones[probe.name] = client.find_zone(probe.name)
            return client
        except (DNSTimeout, DNSUnreachable) as exc:
            last = exc
    raise last


def zone_of(client, record, zones):
    """The zone of ``record``: given, or found by an SOA walk against the server (once per name)."""
    if record.zone is not None:
        return record.zone
    if record.name not in zones:
        zones[record.name] = client.find_zone(record.name)
    zone = zones[record.name]
    record.check_zone(zone)
    return zone


def plan(request, current):
    """(desired rdatas, ttl, changed) for the RRset ``current`` (None when absent). ``request`` is a Record (or the
    single-record Request)."""
    prefix = getattr(request, "prefix", "")
    current_rdatas = list(current) if current is not None else []
    current_keys = set(common.rdata_key(r) for r in current_rdatas)
    if request.state == "present":
        if request.rdatas is None:
            if not current_rdatas:
                raise DNSError("%svalues: required, because %s %s does not exist yet (without values only the TTL "
                               "of an existing RRset is changed)" % (prefix, common.name_text(request.name),
                                                                     dns.rdatatype.to_text(request.rdtype)))
            desired = current_rdatas
        else:
            desired = request.rdatas
        ttl = request.ttl if request.ttl is not None else (current.ttl if current_rdatas else DEFAULT_TTL)
    else:
        if request.rdatas is None:
            desired = []
        else:
            remove = set(common.rdata_key(r) for r in request.rdatas)
            desired = [r for r in current_rdatas if common.rdata_key(r) not in remove]
        ttl = current.ttl if current_rdatas else None
    desired_keys = set(common.rdata_key(r) for r in desired)
    changed = desired_keys != current_keys or bool(desired and current_rdatas and ttl != current.ttl)
    return desired, ttl, changed


class Plan(object):
    """What one record needs: the RRset as read (``current``), the one wanted (``desired`` with ``ttl``)."""

    def __init__(self, record, zone, current):
        self.record = record
        self.zone = zone
        self.current = current
        self.desired, self.ttl, self.changed = plan(record, current)
        self.before = _state(current)
        self.after = dict(ttl=self.ttl, values=common.values_text(self.desired)) if self.desired else None

    def as_dict(self):
        return dict(name=common.name_text(self.record.name), zone=common.name_text(self.zone),
                    type=dns.rdatatype.to_text(self.record.rdtype), state=self.record.state, changed=self.changed,
                    before=self.before, after=self.after)

    def diff(self, label):
        header = "%s %s (%s)" % (common.name_text(self.record.name), dns.rdatatype.to_text(self.record.rdtype), label)
        return dict(before=_zone_lines(self.record.name, self.record.rdtype, self.before),
                    after=_zone_lines(self.record.name, self.record.rdtype, self.after),
                    before_header=header, after_header=header)


def add_to_update(message, zone, name, rdtype, current, desired, ttl):
    """Add one RRset to an UPDATE: the prerequisite pins the RRset as read, then the RRset is replaced."""
    current_rdatas = list(current) if current is not None else []
    if current_rdatas:
        message.present(name, *current_rdatas)  # RRset exists, value dependent (RFC 2136 2.4.2)
    else:
        message.absent(name, rdtype)  # RRset does not exist (RFC 2136 2.4.3)
    if rdtype == dns.rdatatype.NS and name == zone:
        # Servers ignore deleting all NS at the apex (RFC 2136 3.4.2.4): add first, delete only stale values.
        keep = set(common.rdata_key(r) for r in desired)
        for rdata in desired:
            message.add(name, ttl, rdata)
        for rdata in current_rdatas:
            if common.rdata_key(rdata) not in keep:
                message.delete(name, rdata)
    else:
        message.delete(name, rdtype)
        for rdata in desired:
            message.add(name, ttl, rdata)
    return message


def build_update(zone, name, rdtype, current, desired, ttl):
    """One UPDATE for one RRset (atomic on the server)."""
    return add_to_update(dns.update.UpdateMessage(zone), zone, name, rdtype, current, desired, ttl)


def build_updates(plans):
    """ONE UPDATE per zone for all changed plans of that zone: [(zone, message, [plans])], zones in the order of
    their first record. All prerequisites of a message are checked by the server before any of its updates, so
    the RRsets of one zone change together or not at all (RFC 2136 3.2, 3.4)."""
    order, groups = [], {}
    for item in plans:
        if not item.changed:
            continue
        if item.zone not in groups:
            order.append(item.zone)
            groups[item.zone] = []
        groups[item.zone].append(item)
    out = []
    for zone in order:
        message = dns.update.UpdateMessage(zone)
        for item in groups[zone]:
            add_to_update(message, zone, item.record.name, item.record.rdtype, item.current, item.desired, item.ttl)
        out.append((zone, message, groups[zone]))
    return out


def check_size(zone, message, members):
    """Refuse (before anything is sent) an UPDATE that does not fit in one DNS message."""
    try:
        size = len(message.to_wire(max_size=MAX_UPDATE_OCTETS))
    except dns.exception.TooBig:
        size = None
    if size is None or size > MAX_UPDATE_OCTETS:
        raise DNSError("records: the UPDATE for zone %s (%d RRsets) does not fit in one DNS message (%d octets at "
                       "most); nothing was sent: split the records over several tasks"
                       % (common.name_text(zone), len(members), MAX_UPDATE_OCTETS))


def verify(client, item):
    """Read the RRset back after the UPDATE: servers skip records silently (a CNAME next to other data)."""
    served, _rcode = client.rrset(item.record.name, item.record.rdtype)
    if _state(served) != item.after:
        raise DNSError("%s%s accepted the update but serves %s for %s %s instead of %s (a CNAME and other data at "
                       "one name, or a server policy, can make a server skip records silently)" % (
                           item.record.prefix[:-1] + ": " if item.record.prefix else "", client.label, _state(served),
                           common.name_text(item.record.name), dns.rdatatype.to_text(item.record.rdtype), item.after))


def _fields(members):
    return ", ".join(item.record.prefix[:-1] for item in members)


def _run_single(module, request, params, result):
    record = request.records[0]
    zones = {}
    client = _client(request, params, zones)
    zone = zone_of(client, record, zones)
    result.update(zone=common.name_text(zone), name=common.name_text(record.name),
                  type=dns.rdatatype.to_text(record.rdtype))
    current, _rcode = client.rrset(record.name, record.rdtype)
    item = Plan(record, zone, current)
    result.update(changed=item.changed, before=item.before, after=item.after)
    if module._diff:
        result["diff"] = item.diff(client.label)
    if not item.changed or module.check_mode:
        return
    message = build_update(zone, record.name, record.rdtype, current, item.desired, item.ttl)
    rcode = client.update(message)
    result.update(dns_rc=rcode, dns_rc_str=dns.rcode.to_text(rcode))
    if rcode != dns.rcode.NOERROR:
        raise DNSError("%s: %s" % (client.label, common.update_error(rcode, zone, record.name)))
    verify(client, item)


def _run_batch(module, request, params, result):
    result.update(records=[])
    if not request.records:
        return
    zones = {}
    client = _client(request, params, zones)
    found = [zone_of(client, record, zones) for record in request.records]
    plans = []
    for record, zone in zip(request.records, found):
        current, _rcode = client.rrset(record.name, record.rdtype)
        plans.append((record, zone, current))
    plans = [Plan(record, zone, current) for record, zone, current in plans]
    result.update(changed=any(item.changed for item in plans), records=[item.as_dict() for item in plans])
    if module._diff:
        result["diff"] = [item.diff(client.label) for item in plans if item.changed]
    if not result["changed"] or module.check_mode:
        return
    updates = build_updates(plans)
    for zone, message, members in updates:
        check_size(zone, message, members)
    result["updates"] = []
    for zone, message, members in updates:
        rcode = client.update(message)
        result["updates"].append(dict(zone=common.name_text(zone), rrsets=len(members), dns_rc=rcode,
                                      dns_rc_str=dns.rcode.to_text(rcode)))
        if rcode != dns.rcode.NOERROR:
            done = [entry["zone"] for entry in result["updates"][:-1]]
            raise DNSError("%s: zone %s (%s): %s%s" % (
                client.label, common.name_text(zone), _fields(members),
                common.update_error(rcode, zone, members[0].record.name),
                "; the UPDATE of zone %s was applied before" % ", ".join(done) if done else ""))
    for item in plans:
        if item.changed:
            verify(client, item)


# -- provider route53 ------------------------------------------------------------------------------
def route53_zone(client, record, params):
    """(zone Name, hosted zone id) of ``record``: hosted_zone_id, else the zone option by name, else the closest
    public hosted zone that holds the name (ListHostedZonesByName)."""
    if params.get("hosted_zone_id"):
        zone, zone_id = client.zone_by_id(params["hosted_zone_id"].strip())
        if record.zone is not None and record.zone != zone:
            raise DNSError("%s: %s, but hosted_zone_id %s is the hosted zone %s" % (
                record.zone_field, common.name_text(record.zone), zone_id, common.name_text(zone)))
    elif record.zone is not None:
        zone = record.zone
        key = route53.name_value(zone)
        if key not in client.zones_by_name:
            client.zones_by_name[key] = client.zone_by_name(zone, record.zone_field)
        zone_id = client.zones_by_name[key]
        if zone_id is None:
            raise DNSError("%s: no public hosted zone named %s in this AWS account (check the zone, the "
                           "credentials' account, or set hosted_zone_id)" % (record.zone_field, common.name_text(zone)))
    else:
        zone, zone_id = client.find_zone(record.name, record.prefix + "name")
    record.check_zone(zone)
    return zone, zone_id


def _route53_progress(module):
    def progress(change_id, seconds, status):
        module.debug("route53 change %s: %s after %.1f s" % (change_id, status, seconds))
    return progress


def _run_route53(module, request, params, result):
    """Read every RRset from Route 53, plan as for RFC 2136, then ONE change batch per hosted zone, each waited for
    (GetChange until INSYNC) and read back."""
    if request.batch:
        result.update(records=[])
        if not request.records:
            return
    client = route53.Route53(params)
    result["route53_calls"] = client.calls  # the API calls made (the same dict, filled as they are made)
    plans, zone_ids = [], {}
    for record in request.records:
        zone, zone_id = route53_zone(client, record, params)
        zone_ids[zone] = zone_id
        current = client.rrset(zone_id, record.name, record.rdtype, record.prefix + "name")
        plans.append(Plan(record, zone, current))
    label = client.label
    if request.batch:
        result.update(changed=any(item.changed for item in plans), records=[item.as_dict() for item in plans])
        if module._diff:
            result["diff"] = [item.diff(label) for item in plans if item.changed]
    else:
        item = plans[0]
        result.update(zone=common.name_text(item.zone), name=common.name_text(item.record.name),
                      type=dns.rdatatype.to_text(item.record.rdtype), changed=item.changed, before=item.before,
                      after=item.after)
        if module._diff:
            result["diff"] = item.diff(label)
    result["hosted_zone_ids"] = dict((common.name_text(zone), zone_id) for zone, zone_id in zone_ids.items())
    if not result["changed"] or module.check_mode:
        return
    order, groups = [], {}
    for item in plans:
        if item.changed:
            if item.zone not in groups:
                order.append(item.zone)
                groups[item.zone] = []
            groups[item.zone].append(item)
    batches = []
    for zone in order:
        changes = []
        for item in groups[zone]:
            changes.extend(route53.changes_for(item.record.name, item.record.rdtype, item.current, item.desired,
                                               item.ttl))
        records, characters = route53.batch_size(changes)
        if records > route53.MAX_BATCH_RECORDS or characters > route53.MAX_BATCH_CHARACTERS:
            raise DNSError("records: the change batch for zone %s (%d RRsets) exceeds Route 53's quota (%d values, "
                           "%d characters; it has %d and %d); nothing was sent: split the records over several tasks"
                           % (common.name_text(zone), len(groups[zone]), route53.MAX_BATCH_RECORDS,
                              route53.MAX_BATCH_CHARACTERS, records, characters))
        batches.append((zone, changes))
    result["route53_changes"] = []
    for zone, changes in batches:
        members = groups[zone]
        try:
            info = client.change(zone_ids[zone], changes, "mailops.secure_email.dns_record: %s" % ", ".join(
                item.record.label for item in members))
        except DNSError as exc:
            done = [entry["zone"] for entry in result["route53_changes"]]
            raise DNSError("zone %s (%s): %s. A change batch is applied whole or not at all: nothing of it was "
                           "changed (an RRset changed after it was read makes Route 53 refuse the DELETE of the RRset "
                           "as read; run again)%s" % (
                               common.name_text(zone), _fields(members) or "name", exc,
                               "; the change of zone %s was applied before" % ", ".join(done) if done else ""))
        entry = dict(zone=common.name_text(zone), hosted_zone_id=zone_ids[zone], rrsets=len(members),
                     change_id=info["id"], status=info["status"])
        result["route53_changes"].append(entry)
        if params.get("route53_wait", True):
            entry["polls"] = client.wait(info["id"], params.get("route53_wait_timeout") or 300.0,
                                         progress=_route53_progress(module))
            entry["status"] = entry["polls"][-1]["status"]
    for item in plans:
        if item.changed:
            served = client.rrset(zone_ids[item.zone], item.record.name, item.record.rdtype,
                                  item.record.prefix + "name")
            if _state(served) != item.after:
                raise DNSError("%s%s accepted the change but holds %s for %s %s instead of %s" % (
                    item.record.prefix[:-1] + ": " if item.record.prefix else "", label, _state(served),
                    common.name_text(item.record.name), dns.rdatatype.to_text(item.record.rdtype), item.after))


def run(module):
    common.require_dnspython(module.fail_json)
    params = module.params
    result = dict(changed=False)
    if params.get("provider") == "route53":
        route53.require_boto3(module.fail_json)
    try:
        request = Request(params)
        if request.provider == "route53":
            _run_route53(module, request, params, result)
        elif request.batch:
            _run_batch(module, request, params, result)
        else:
            _run_single(module, request, params, result)
    except DNSError as exc:
        module.fail_json(msg=str(exc), **result)
    module.exit_json(**result)
