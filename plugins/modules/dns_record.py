#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: dns_record
short_description: Manage whole DNS RRsets with RFC 2136 dynamic updates (TSIG) or the Route 53 API
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Makes one RRset (all records of one name and type, for example every MX of a domain) exactly O(values) with
    O(ttl), or removes it, on the primary nameserver of a dynamic zone such as BIND with C(update-policy).
  - With O(records), many RRsets in one task (for example the MX of every domain of a tenant), instead of a loop.
  - The module first reads each RRset from O(server) with a query. When a change is needed it sends B(one) UPDATE
    message per zone whose prerequisite section pins every RRset of that zone as it was read (RFC 2136 section 2.4),
    followed by the deletes and the adds. The server applies all of it or nothing, and refuses it when one of the
    RRsets was changed by someone else in between.
  - Every record is checked before anything is sent; an error names the field, for example C(records[3].values[0]).
  - In check mode only the queries are sent, never an UPDATE (with O(provider=route53), only the C(List*) calls, never
    C(ChangeResourceRecordSets)).
  - Guide steps S6 (MX cutover) and S14 (SPF) use it; see C(docs/dns.md) in the collection for the cutover
    pattern (lower the TTL, wait out the old TTL, switch the MX RRset, wait on every nameserver, restore).
  - With O(provider=route53) the RRsets of a zone hosted in Amazon Route 53 are read with C(ListResourceRecordSets)
    and written as B(one) C(ChangeResourceRecordSets) change batch per hosted zone (applied whole or not at all),
    then C(GetChange) is polled until the change is C(INSYNC). See C(docs/dns.md), section "Hosted DNS - Route 53".
extends_documentation_fragment:
  - mailops.secure_email._dns
  - mailops.secure_email._dns.transport
requirements:
  - boto3 (only with O(provider=route53))
options:
  provider:
    description:
      - V(rfc2136) sends TSIG-signed RFC 2136 updates to O(server).
      - V(route53) writes through the Amazon Route 53 API with boto3. Each changed RRset becomes a C(DELETE) of the
        RRset as read (Route 53 refuses it when the TTL or the values differ from the current ones, the same pin as the
        RFC 2136 prerequisite) and a C(CREATE) of the new one; a new RRset is a C(CREATE), a removed one a C(DELETE).
        C(UPSERT) is not used, because it would silently replace a change made by someone else since the read.
      - With V(route53), O(server), O(port), O(protocol), O(query_timeout) and the TSIG options are not used.
    type: str
    default: rfc2136
    choices: [rfc2136, route53]
  server:
    description:
      - The nameserver that accepts updates for the zone (usually the primary), as an IPv4 or IPv6 address or a host
        name (its addresses are tried in turn). C(address:port) and C([IPv6]:port) override O(port).
      - Required with O(provider=rfc2136).
    type: str
  hosted_zone_id:
    description:
      - With O(provider=route53), the id of the hosted zone (C(Z0123456789ABCDEFGHIJ) or C(/hostedzone/Z...)) that
        holds every record of the task.
      - When not set, the hosted zone is looked up by name with C(ListHostedZonesByName) - by O(zone) when given,
        else from each record's name upwards (the closest public hosted zone). Two public hosted zones with the same
        name are an error that asks for this option.
    type: str
  aws_access_key_id:
    description:
      - With O(provider=route53), the access key id. Set together with O(aws_secret_access_key).
      - If not set, the environment variable E(AWS_ACCESS_KEY_ID) is used; without both, boto3's own chain (
        O(aws_profile), the shared credentials file, an instance or container role).
    type: str
    aliases: [aws_access_key]
  aws_secret_access_key:
    description:
      - With O(provider=route53), the secret access key. It is never logged or returned.
      - If not set, the environment variable E(AWS_SECRET_ACCESS_KEY) is used.
    type: str
    aliases: [aws_secret_key]
  aws_session_token:
    description:
      - With O(provider=route53), the session token of temporary credentials. It is never logged or returned.
      - If not set, the environment variable E(AWS_SESSION_TOKEN) is used.
    type: str
  aws_profile:
    description:
      - With O(provider=route53), a profile of the shared AWS configuration files, used when no access key is given.
      - If not set, the environment variable E(AWS_PROFILE) is used.
    type: str
  endpoint_url:
    description:
      - With O(provider=route53), another API endpoint (the lab's, or a VPC endpoint), for example
        V(http://127.0.0.1:5380).
      - If not set, the environment variable E(AWS_ENDPOINT_URL_ROUTE_53), else E(AWS_ENDPOINT_URL), else the AWS
        default.
    type: str
  route53_wait:
    description:
      - With O(provider=route53), poll C(GetChange) after each change batch until its status is C(INSYNC) (the change
        reached every Route 53 authoritative server). The polls are returned in RV(route53_changes).
    type: bool
    default: true
  route53_wait_timeout:
    description:
      - Seconds to wait for C(INSYNC) per change batch before the task fails (the change itself stays applied).
    type: float
    default: 300.0
  route53_retries:
    description:
      - How often one API call is retried after C(Throttling), C(PriorRequestNotComplete) or an HTTP 5xx answer,
        with exponential backoff (0.5 s, 1 s, 2 s ... at most 20 s, with jitter).
    type: int
    default: 6
  zone:
    description:
      - The zone, fully qualified (the trailing dot is optional). When not set, it is found by an SOA walk from
        O(name) (with O(records), from each record's name) upwards against O(server). An empty string is an error
        (omit the option instead).
      - A Unicode (internationalised) zone is converted to its A-label form (C(xn--...)) exactly like O(name), so
        the two are compared in the same form.
    type: str
  name:
    description:
      - The owner name of the RRset. It is read by these rules, in this order (comparisons ignore case), and
        checked before anything is sent.
      - A name that ends with a dot is absolute. With O(zone) it must be the zone or inside it, else the task fails.
      - Without O(zone), every name is fully qualified (the trailing dot is optional) and V(@) is an error.
      - With O(zone), V(@) is the zone apex.
      - With O(zone), a name equal to the zone, or ending with C(.<zone>), is taken as written, with or without the
        trailing dot. So V(example.com) with O(zone=example.com) is the apex, and V(www.example.com) is
        C(www.example.com), never C(www.example.com.example.com).
      - With O(zone), a single label such as V(www) or V(_dmarc) is relative and joined to the zone
        (C(www.example.com)).
      - With O(zone), any other name (more than one label, not inside the zone, no trailing dot, for example
        V(mail.other.com) with O(zone=example.com)) is ambiguous and the task fails before anything is sent.
        Write the full name inside the zone (V(mail.other.example.com)).
      - Unicode (internationalised) labels are converted to A-labels (C(xn--...)) by IDNA 2003 (RFC 3490, Python's
        C(encodings.idna)), in O(name), O(zone) and host names in O(values). Labels with the four characters
        that IDNA 2003 and IDNA 2008 map differently (sharp s, final sigma, ZWJ, ZWNJ) are refused; write them as
        A-labels. RV(name) and RV(zone) are returned in the A-label form.
      - Required unless O(records) is given; mutually exclusive with O(records).
    type: str
    aliases: [record]
  type:
    description:
      - The record type.
      - Required with O(name); mutually exclusive with O(records).
    type: str
    choices: [A, AAAA, CNAME, MX, TXT, SRV, CAA, NS]
  values:
    description:
      - The records of the RRset, in zone-file syntax without owner, TTL and type, for example V(10 mx1.example.com)
        for MX. Host names are absolute; their trailing dot is optional. The order does not matter.
      - For TXT, give the text itself (V(v=spf1 -all)), not quoted. It is split into strings of 255 octets.
        A value that starts with a double quote is zone-file syntax (V("part one" "part two")).
      - With O(state=present) and no O(values), the RRset must exist and only its TTL is set to O(ttl)
        (the first cutover step, lowering the TTL).
      - With O(state=absent), only these values are removed and the rest of the RRset stays. Without O(values) the
        whole RRset is removed.
      - Mutually exclusive with O(records).
    type: list
    elements: str
    aliases: [value]
  ttl:
    description:
      - TTL of the RRset in seconds. When not set, an existing RRset keeps its TTL and a new one gets 3600.
      - Mutually exclusive with O(records).
    type: int
  state:
    description:
      - V(present) makes the RRset exactly O(values); V(absent) removes it (or only O(values) from it).
      - Mutually exclusive with O(records).
    type: str
    default: present
    choices: [present, absent]
  records:
    description:
      - Many RRsets in one task, each with the meaning of the single-record options O(name), O(type), O(values),
        O(ttl) and O(state). Mutually exclusive with them.
      - All records are checked first, and nothing is sent when one of them is wrong; the error names the record,
        for example C(records[2].name). Each RRset (name and type) may appear once.
      - The RRsets are read one by one; all changes of one zone then go out in B(one) UPDATE message (one per zone
        when the records span several zones), with a prerequisite for every RRset as it was read, so the server
        applies the changes of a zone together or not at all. Nothing is sent when nothing changes.
      - O(zone) (or O(records[].zone)) applies to every record; without it each record's zone is found by an SOA walk.
      - An empty list changes nothing and sends nothing.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - The owner name, by the same rules as O(name). Required.
        type: str
        aliases: [record]
      type:
        description:
          - The record type, one of V(A), V(AAAA), V(CNAME), V(MX), V(TXT), V(SRV), V(CAA), V(NS). Required.
        type: str
      values:
        description:
          - The records of the RRset, as O(values). Without them (and O(records[].state=present)) only the TTL of an
            existing RRset is set.
        type: list
        elements: str
        aliases: [value]
      ttl:
        description:
          - TTL of the RRset in seconds, as O(ttl).
        type: int
      state:
        description:
          - V(present) or V(absent), as O(state).
        type: str
        default: present
      zone:
        description:
          - The zone of this record, when it differs from O(zone).
        type: str
attributes:
  check_mode:
    support: full
    description: Reads the RRsets with queries and sends no UPDATE.
  diff_mode:
    support: full
    description: Returns each changed RRset before and after in zone-file lines (a list with O(records)).
  action_group:
    support: full
    membership: [mailops.secure_email.dns]
    description: Use C(group/mailops.secure_email.dns) in C(module_defaults) to set O(server), O(port) and the TSIG
      options once.
notes:
  - The query that reads the RRset is TSIG-signed when a key is given, so servers that restrict queries to the key
    work.
  - NS records at the zone apex are never deleted as a whole, because servers ignore that (RFC 2136 section 3.4.2.4).
    New values are added and only stale values deleted.
  - After the update the module reads the RRsets again and fails if the server serves something else (servers skip
    records silently, for example a CNAME next to other data).
  - One UPDATE message holds at most 65535 octets, about 500 MX RRsets switched (prerequisite, delete and adds of
    each); when the changes of one zone do not fit, the task fails before anything is sent. Split such a list over
    several tasks.
  - The module changes the primary only. To know when every authoritative nameserver serves the change, follow it
    with M(mailops.secure_email.dns_wait).
seealso:
  - module: mailops.secure_email.dns_wait
  - module: mailops.secure_email.mail_dns_info
  - name: RFC 2136 - Dynamic Updates in the Domain Name System
    description: Prerequisites and update semantics.
    link: https://www.rfc-editor.org/rfc/rfc2136
"""

EXAMPLES = r"""
- name: Switch the MX of the tenant domain to the gateway (guide step S6), TSIG from DNS_TSIG_* variables
  mailops.secure_email.dns_record:
    server: ns1.example.com
    zone: example.com
    name: "@"
    type: MX
    ttl: 300
    values:
      - 10 mx1.hc4321-12.iphmx.com
      - 20 mx2.hc4321-12.iphmx.com
  delegate_to: localhost

- name: DMARC record; with zone, a single label is relative (_dmarc.example.com)
  mailops.secure_email.dns_record:
    server: ns1.example.com
    zone: example.com
    name: _dmarc
    type: TXT
    values:
      - v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com
  delegate_to: localhost

- name: SPF with the gateway mechanism (guide step S14)
  mailops.secure_email.dns_record:
    server: 192.0.2.53
    key_name: ansible-update
    key_secret: "{{ vault_tsig_secret }}"
    name: example.com
    type: TXT
    values:
      - "{{ current_spf | mailops.secure_email.spf_merge('exists:%{i}.spf.hc4321-12.iphmx.com') }}"
  delegate_to: localhost

- name: Lower the TTL of the MX RRset only (keeps the values); the old TTL is in before.ttl
  mailops.secure_email.dns_record:
    server: ns1.example.com
    name: example.com
    type: MX
    ttl: 300
  register: lowered
  delegate_to: localhost

- name: The MX of a domain hosted in Route 53 (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or a profile)
  mailops.secure_email.dns_record:
    provider: route53
    name: example.com
    type: MX
    ttl: 300
    values: [10 mx1.hc4321-12.iphmx.com, 20 mx2.hc4321-12.iphmx.com]
  delegate_to: localhost

- name: Remove a TXT RRset
  mailops.secure_email.dns_record:
    server: ns1.example.com
    name: old-verification.example.com
    type: TXT
    state: absent
  delegate_to: localhost

- name: The MX of every domain to the gateway, one UPDATE per zone instead of a loop
  mailops.secure_email.dns_record:
    server: ns1.example.com
    records:
      - name: example.com
        type: MX
        ttl: 300
        values: [10 mx1.hc4321-12.iphmx.com, 20 mx2.hc4321-12.iphmx.com]
      - name: sales.example.com
        type: MX
        ttl: 300
        values: [10 mx1.hc4321-12.iphmx.com, 20 mx2.hc4321-12.iphmx.com]
  register: switched
  delegate_to: localhost

- name: The same records built from a list of domains (lower the TTL of each MX RRset, values kept)
  mailops.secure_email.dns_record:
    server: ns1.example.com
    records: "{{ dict(domains | product([300])) | dict2items(key_name='name', value_name='ttl')
                 | map('combine', {'type': 'MX'}) | list }}"
  vars:
    domains: [example.com, sales.example.com]
  delegate_to: localhost
"""

RETURN = r"""
zone:
  description: The zone (given or found by the SOA walk), internationalised labels as A-labels (C(xn--...)).
  returned: when the server was reached, without O(records)
  type: str
  sample: example.com
name:
  description: The owner name, fully qualified without the trailing dot, internationalised labels as A-labels.
  returned: when the server was reached, without O(records)
  type: str
  sample: example.com
type:
  description: The record type.
  returned: when the server was reached, without O(records)
  type: str
  sample: MX
before:
  description: The RRset on the server before the task, V(null) when there was none. TXT values are the joined text.
  returned: when the RRset was read, without O(records)
  type: dict
  sample: {"ttl": 3600, "values": ["0 example-com.mail.protection.outlook.com."]}
after:
  description: The RRset after the task (what it would be, in check mode), V(null) when removed.
  returned: when the RRset was read, without O(records)
  type: dict
  sample: {"ttl": 300, "values": ["10 mx1.hc4321-12.iphmx.com.", "20 mx2.hc4321-12.iphmx.com."]}
dns_rc:
  description: The response code of the UPDATE.
  returned: when an UPDATE was sent, without O(records)
  type: int
  sample: 0
dns_rc_str:
  description: The response code of the UPDATE as text.
  returned: when an UPDATE was sent, without O(records)
  type: str
  sample: NOERROR
records:
  description:
    - With O(records), one entry per record in the same order - C(name), C(zone), C(type), C(state), C(changed),
      and C(before) and C(after) as RV(before) and RV(after) (C(after) is what it would be, in check mode).
  returned: when O(records) is given and every RRset was read
  type: list
  elements: dict
  sample:
    - name: example.com
      zone: example.com
      type: MX
      state: present
      changed: true
      before: {"ttl": 3600, "values": ["0 example-com.mail.protection.outlook.com."]}
      after: {"ttl": 300, "values": ["10 mx1.hc4321-12.iphmx.com.", "20 mx2.hc4321-12.iphmx.com."]}
route53_changes:
  description:
    - With O(provider=route53), the change batches sent, one per hosted zone - C(zone), C(hosted_zone_id), C(rrsets),
      C(change_id), C(status) (C(INSYNC) after the wait) and C(polls), the C(GetChange) polls (C(seconds) since the
      first poll, C(status)).
  returned: when a change batch was sent
  type: list
  elements: dict
  sample: [{"zone": "example.com", "hosted_zone_id": "Z0123456789ABCDEFGHIJ", "rrsets": 2, "change_id": "C2682N5HXP0BZ4",
            "status": "INSYNC", "polls": [{"seconds": 0.0, "status": "PENDING"}, {"seconds": 1.0, "status": "INSYNC"}]}]
route53_calls:
  description: With O(provider=route53), the number of API calls per boto3 method (retries included).
  returned: with O(provider=route53)
  type: dict
  sample: {"list_hosted_zones_by_name": 1, "list_resource_record_sets": 2}
hosted_zone_ids:
  description: With O(provider=route53), zone name -> hosted zone id of the zones the records are in.
  returned: with O(provider=route53), when every zone was found
  type: dict
  sample: {"example.com": "Z0123456789ABCDEFGHIJ"}
updates:
  description:
    - With O(records), the UPDATE messages sent, one per zone - C(zone), C(rrsets) (how many RRsets it changed),
      C(dns_rc) and C(dns_rc_str).
  returned: when O(records) is given and an UPDATE was sent
  type: list
  elements: dict
  sample: [{"zone": "example.com", "rrsets": 2, "dns_rc": 0, "dns_rc_str": "NOERROR"}]
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._dns.record_module import (
    ARGUMENT_SPEC,
    MUTUALLY_EXCLUSIVE,
    REQUIRED_ONE_OF,
    REQUIRED_TOGETHER,
    run,
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, mutually_exclusive=MUTUALLY_EXCLUSIVE,
                           required_one_of=REQUIRED_ONE_OF, required_together=REQUIRED_TOGETHER,
                           supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
