# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""dns_record: one RRset, one RFC 2136 UPDATE with prerequisites (private; the API may change)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import common
from ansible_collections.mailops.secure_email.plugins.module_utils._dns.common import (
    RECORD_TYPES,
    DNSError,
    DNSTimeout,
    DNSUnreachable,
)

try:
    import dns.name
    import dns.rcode
    import dns.rdatatype
    import dns.update
except ImportError:
    pass  # reported by common.require_dnspython()

MAX_TTL = 2147483647
DEFAULT_TTL = 3600

ARGUMENT_SPEC = dict(
    server=dict(type="str", required=True),
    zone=dict(type="str"),
    name=dict(type="str", required=True, aliases=["record"]),
    type=dict(type="str", required=True, choices=list(RECORD_TYPES)),
    values=dict(type="list", elements="str", aliases=["value"]),
    ttl=dict(type="int"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)
ARGUMENT_SPEC.update(common.TSIG_SPEC)
ARGUMENT_SPEC.update(common.TRANSPORT_SPEC)


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


class Request(object):
    """Validated input: everything is checked before anything is sent."""

    def __init__(self, params):
        self.params = params
        self.keyring, self.keyname, self.algorithm = common.check_tsig(params)
        self.rdtype = common.parse_rdtype(params["type"], allowed=RECORD_TYPES)
        self.state = params["state"]
        ttl = params.get("ttl")
        if ttl is not None and not 0 <= ttl <= MAX_TTL:
            raise DNSError("ttl: must be between 0 and %d seconds, got %d" % (MAX_TTL, ttl))
        self.ttl = ttl
        values = params.get("values")
        self.rdatas = None
        if values is not None:
            seen = set()
            self.rdatas = []
            for index, value in enumerate(values):
                rdata = common.parse_value(self.rdtype, value, "values[%d]" % index)
                if common.rdata_key(rdata) not in seen:
                    seen.add(common.rdata_key(rdata))
                    self.rdatas.append(rdata)
            if not self.rdatas and self.state == "present":
                raise DNSError("values: an empty list with state=present; use state=absent to delete the RRset")
            if self.rdtype == dns.rdatatype.CNAME and len(self.rdatas) > 1:
                raise DNSError("values: a CNAME RRset holds exactly one value, got %d" % len(self.rdatas))
        # zone and name follow common.owner_name (documented in the module's name/zone options and docs/dns.md):
        # a name equal to or under the zone is taken as written, only a single label or @ is joined to the zone.
        self.zone = common.zone_name(params["zone"], "zone") if params.get("zone") is not None else None
        self.name = common.owner_name(params["name"], "name", zone=self.zone)
        self.server, self.port = common.split_endpoint(params["server"], params["port"], "server")
        if params.get("query_timeout") is not None and params["query_timeout"] <= 0:
            raise DNSError("query_timeout: must be greater than 0")


def _client(request, params):
    """A client for the first address of ``server`` that answers."""
    last = None
    for address in common.resolve_host(request.server, "server"):
        client = common.Client(address, request.port, params["protocol"], params["query_timeout"], request.keyring,
                               request.keyname, request.algorithm,
                               label="server %s" % common.endpoint_text(address, request.port))
        try:
            zone = request.zone or client.find_zone(request.name)
            return client, zone
        except (DNSTimeout, DNSUnreachable) as exc:
            last = exc
    raise last


def plan(request, current):
    """(desired rdatas, ttl, changed) for the RRset ``current`` (None when absent)."""
    current_rdatas = list(current) if current is not None else []
    current_keys = set(common.rdata_key(r) for r in current_rdatas)
    if request.state == "present":
        if request.rdatas is None:
            if not current_rdatas:
                raise DNSError("values: required, because %s %s does not exist yet (without values only the TTL of "
                               "an existing RRset is changed)" % (common.name_text(request.name),
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


def build_update(zone, name, rdtype, current, desired, ttl):
    """One UPDATE: the prerequisite pins the RRset as read, then the RRset is replaced (atomic on the server)."""
    message = dns.update.UpdateMessage(zone)
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


def run(module):
    common.require_dnspython(module.fail_json)
    params = module.params
    result = dict(changed=False)
    try:
        request = Request(params)
        if request.rdtype == dns.rdatatype.NS and request.state == "absent" and request.rdatas is None \
                and request.zone is not None and request.name == request.zone:
            raise DNSError("values: required to remove NS records at the zone apex (the whole apex NS RRset "
                           "cannot be deleted)")
        client, zone = _client(request, params)
        if not request.name.is_subdomain(zone):
            raise DNSError("name: %s is not inside zone %s" % (common.name_text(request.name), common.name_text(zone)))
        result.update(zone=common.name_text(zone), name=common.name_text(request.name),
                      type=dns.rdatatype.to_text(request.rdtype))
        current, _rcode = client.rrset(request.name, request.rdtype)
        desired, ttl, changed = plan(request, current)
        before = _state(current)
        after = dict(ttl=ttl, values=common.values_text(desired)) if desired else None
        result.update(changed=changed, before=before, after=after)
        if module._diff:
            header = "%s %s (%s)" % (result["name"], result["type"], client.label)
            result["diff"] = dict(before=_zone_lines(request.name, request.rdtype, before),
                                  after=_zone_lines(request.name, request.rdtype, after),
                                  before_header=header, after_header=header)
        if not changed or module.check_mode:
            module.exit_json(**result)
        message = build_update(zone, request.name, request.rdtype, current, desired, ttl)
        rcode = client.update(message)
        result.update(dns_rc=rcode, dns_rc_str=dns.rcode.to_text(rcode))
        if rcode != dns.rcode.NOERROR:
            raise DNSError("%s: %s" % (client.label, common.update_error(rcode, zone, request.name)))
        served, _rcode = client.rrset(request.name, request.rdtype)
        if _state(served) != after:
            raise DNSError("%s accepted the update but serves %s for %s %s instead of %s (a CNAME and other data at "
                           "one name, or a server policy, can make a server skip records silently)" % (
                               client.label, _state(served), result["name"], result["type"], after))
    except DNSError as exc:
        module.fail_json(msg=str(exc), **result)
    module.exit_json(**result)
