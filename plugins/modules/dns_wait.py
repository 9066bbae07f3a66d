#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: dns_wait
short_description: Wait until every authoritative nameserver serves the expected DNS records
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - For a list of names and types (any record type), waits until B(every) authoritative nameserver of the zone serves
    the expected values, in mode V(equals), V(subset), V(superset) or V(absent).
  - The nameservers are found from the zone's NS records and their addresses (glue first, then A and AAAA), over IPv4
    and IPv6, or given in O(nameservers). Each address is asked directly, without recursion, so caches do not
    matter.
  - One task waits for any number of records (for example the MX of every domain of a cutover), instead of a loop;
    O(settle) is waited once for all of them.
  - Each round asks every nameserver for every record, prints one progress line per nameserver (how many records it
    serves as expected, and the first few it does not), and sleeps with a capped exponential backoff (O(sleep),
    doubled each round, at most O(max_sleep)). SERVFAIL, REFUSED, timeouts and unreachable servers are retried in the
    next round (and O(query_retries) times within a round).
  - On timeout the task fails and names, per record, each nameserver that lags and what it serves.
  - This is an action plugin that runs on the controller, so that the progress is visible while the task waits (a
    module returns its output only at the end). DNS queries therefore go out from the controller.
extends_documentation_fragment:
  - mailops.secure_email._dns
  - mailops.secure_email._dns.transport
  - mailops.secure_email._dns.read_attributes
attributes:
  action:
    support: full
    description: The wait runs in the action plugin on the controller.
  async:
    support: none
    description: The task cannot run asynchronously; use O(timeout).
  action_group:
    support: full
    membership: [mailops.secure_email.dns]
    description: Use C(group/mailops.secure_email.dns) in C(module_defaults) to set O(server), O(port) and the TSIG
      options once for M(mailops.secure_email.dns_record) and this module.
options:
  records:
    description:
      - The RRsets to wait for. The task finishes when all of them are done on every nameserver.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - The owner name. CNAMEs are not followed.
          - Without O(zone), fully qualified (the trailing dot is optional).
          - With O(zone), the same rules as the C(name) option of
            M(mailops.secure_email.dns_record) - V(@) is the apex, a name equal to the zone or ending with
            C(.<zone>) is taken as written, a single label (V(www)) is joined to the zone, a name ending with a dot
            must be inside the zone, and any other name is ambiguous and fails the task before a query is sent.
          - Unicode (internationalised) labels are converted to A-labels (C(xn--...), IDNA 2003) like in
            M(mailops.secure_email.dns_record).
        type: str
        required: true
      type:
        description:
          - Record type, for example V(MX), V(TXT), V(A), V(AAAA), V(CNAME), V(NS), V(SRV), V(CAA), V(PTR), V(TLSA).
        type: str
        default: A
      values:
        description:
          - The expected values, in the same syntax as M(mailops.secure_email.dns_record) (TXT as plain text).
        type: list
        elements: str
        default: []
      mode:
        description:
          - V(equals) - the served RRset is exactly O(records[].values).
          - V(subset) - O(records[].values) are all served; other values may be served too.
          - V(superset) - everything served is in O(records[].values); an empty answer also passes.
          - V(absent) - the name has no RRset of this type (NXDOMAIN or no data).
        type: str
        default: equals
        choices: [equals, subset, superset, absent]
      max_ttl:
        description:
          - Also require the served TTL to be at most this many seconds (to confirm a lowered TTL everywhere).
        type: int
  zone:
    description:
      - The zone of all O(records), fully qualified (the trailing dot is optional; Unicode as A-labels). When not
        set it is found by an SOA walk against O(server), or with the system resolver without O(server).
      - An empty string is an error (omit the option instead).
    type: str
  server:
    description:
      - A nameserver to ask for the zone's NS records and their addresses (for example the primary). Without it the
        system resolver is used. C(address:port) and C([IPv6]:port) override O(port).
      - An empty string is an error (omit the option to use the system resolver).
    type: str
  nameservers:
    description:
      - Ask exactly these nameservers instead of the zone's NS. Addresses or host names (all their addresses are
        asked); C(address:port) and C([IPv6]:port) override O(port).
      - An invalid entry fails the task with its position, for example C(nameservers[1]).
    type: list
    elements: str
  ip_versions:
    description:
      - Which address families of the nameservers to ask.
    type: list
    elements: int
    choices: [4, 6]
    default: [4, 6]
  timeout:
    description:
      - Seconds to wait in total before failing.
    type: float
    default: 300.0
  sleep:
    description:
      - Seconds to sleep after the first round; doubled after each further round, capped at O(max_sleep).
    type: float
    default: 1.0
  max_sleep:
    description:
      - The longest sleep between two rounds.
    type: float
    default: 10.0
  query_retries:
    description:
      - How often a query that failed (SERVFAIL, REFUSED, timeout, unreachable) is repeated within one round.
    type: int
    default: 1
  settle:
    description:
      - Seconds to wait after every nameserver agrees, for example the old TTL after lowering it, so that caches
        holding the old RRset expire.
      - It is waited B(once) for all O(records), however many there are, after the last of them is done; after
        lowering the TTL of many RRsets, give the longest of their old TTLs.
      - A progress line says so when it starts, then every O(progress_interval) seconds, and when it is over.
    type: float
    default: 0.0
  progress_interval:
    description:
      - While O(settle) is waited out, a progress line every this many seconds (the seconds waited and to go).
    type: float
    default: 60.0
notes:
  - "Each round prints one progress line per nameserver address. It names the host, the round, the seconds waited,
    the nameserver, how many of the records it serves as expected and up to five that it does not yet, with what it
    serves, for example C(dns_wait round 2 (1.5 s): ns2.example.com (2001:db8::53): 98/100 ok; waiting for
    d007.example.com MX [superset] pending ['0 d007-example-com.mail.protection.outlook.com.'] ttl=3600, ...
    (and 1 more)). So the lines stay short with many records."
  - In check mode the wait runs too (it only sends queries). A wait for a change that check mode did not make will
    time out; skip such a wait when C(ansible_check_mode) is true.
seealso:
  - module: mailops.secure_email.dns_record
  - name: community.dns.wait_for_txt
    description: The TXT-only wait this generalises.
    link: https://docs.ansible.com/ansible/latest/collections/community/dns/wait_for_txt_module.html
"""

EXAMPLES = r"""
- name: Wait until every authoritative nameserver serves the gateway MX (guide step S6)
  mailops.secure_email.dns_wait:
    server: ns1.example.com
    records:
      - name: example.com
        type: MX
        values:
          - 10 mx1.hc4321-12.iphmx.com
          - 20 mx2.hc4321-12.iphmx.com
    timeout: 600

- name: The SPF contains the gateway mechanism (other TXT records may exist)
  mailops.secure_email.dns_wait:
    records:
      - name: example.com
        type: TXT
        mode: subset
        values:
          - v=spf1 include:spf.protection.outlook.com exists:%{i}.spf.hc4321-12.iphmx.com -all

- name: Lowered TTL everywhere, then wait out the old TTL
  mailops.secure_email.dns_wait:
    server: ns1.example.com
    records:
      - name: example.com
        type: MX
        mode: superset
        values: "{{ lowered.after['values'] }}"
        max_ttl: 300
    settle: "{{ lowered.before.ttl }}"
  when: not ansible_check_mode

- name: After lowering the TTL of many MX RRsets in one dns_record task (records), wait once for all of them
  mailops.secure_email.dns_wait:
    server: ns1.example.com
    records: "{{ dict(lowered.records | map(attribute='name') | zip(lowered.records | map(attribute='after')
                      | map(attribute='values'))) | dict2items(key_name='name', value_name='values')
                 | map('combine', {'type': 'MX', 'mode': 'superset', 'max_ttl': 300}) | list }}"
    settle: "{{ lowered.records | selectattr('changed') | map(attribute='before') | map(attribute='ttl')
                | max | default(0, true) }}"
  when: not ansible_check_mode
"""

RETURN = r"""
completed:
  description: Whether every record is done on every nameserver.
  returned: always
  type: bool
rounds:
  description: How many check rounds ran.
  returned: always
  type: int
  sample: 3
elapsed:
  description: Seconds spent waiting (O(settle) included).
  returned: always
  type: float
  sample: 3.04
settled:
  description: Seconds waited for O(settle) (once for all records); V(0) when there was nothing to settle.
  returned: always
  type: float
  sample: 300.0
records:
  description: Per record, whether it is done, how often it was checked, and the state per nameserver.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The owner name.
      type: str
    type:
      description: The record type.
      type: str
    mode:
      description: The comparison mode.
      type: str
    expected:
      description: The expected values, normalised.
      type: list
      elements: str
    done:
      description: Whether every nameserver serves what is expected.
      type: bool
    check_count:
      description: Rounds in which the record was checked.
      type: int
    nameservers:
      description:
        - One entry per nameserver address - C(name), C(address), C(port), C(state) (V(ok), V(pending), V(servfail),
          V(refused), V(timeout), V(unreachable) or V(error)), the values (C(served)) and C(ttl) it served last, C(checks),
          and C(error) when its last check failed.
      type: list
      elements: dict
  sample:
    - name: example.com
      type: MX
      mode: equals
      expected: ["10 mx1.hc4321-12.iphmx.com.", "20 mx2.hc4321-12.iphmx.com."]
      done: true
      check_count: 3
      nameservers:
        - {name: ns1.example.com, address: 192.0.2.53, port: 53, state: ok, ttl: 300, checks: 3,
           served: ["10 mx1.hc4321-12.iphmx.com.", "20 mx2.hc4321-12.iphmx.com."]}
"""
