#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: mail_dns_info
short_description: Analyse the mail DNS of a domain - MX provider, SPF lookups, DMARC
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Reads the MX, SPF and DMARC records of a domain and analyses them for a Cisco Secure Email gateway in front of
    Microsoft 365 (the preflight checks of the cutover, guide steps S6 and S14).
  - B(MX) - every host is classified as V(cisco_gateway) (C(*.iphmx.com)), V(exchange_online)
    (C(*.mail.protection.outlook.com) or C(*.mx.microsoft)) or V(other); C(mx.points_to) sums it up.
  - B(SPF) - the record is parsed into its terms, and the DNS lookups that an evaluation costs are counted against
    the limit of 10 of RFC 7208 section 4.6.4 (C(include), C(a), C(mx), C(ptr), C(exists), C(redirect), following
    nested includes and redirects). Whether O(gateway_mechanism) is present is reported.
  - B(DMARC) - the C(_dmarc) record is parsed.
  - The TTLs, and findings with a severity (V(error), V(warning), V(info)).
  - B(Hosts) - O(hosts) are resolved (A and AAAA), for example the gateway's MX hosts before the cutover; a host
    without an address is an V(error) finding.
  - It reads only, through the system resolver or O(nameservers).
extends_documentation_fragment:
  - mailops.secure_email._dns.transport
  - mailops.secure_email._dns.read_attributes
options:
  domain:
    description:
      - The mail domain. Without it (and without O(domains)), only O(hosts) are resolved.
      - One of O(domain), O(domains) and O(hosts) is required. An empty string (or only white space) is an error.
      - A Unicode (internationalised) domain is looked up, and returned, in its A-label form (C(xn--...),
        IDNA 2003), as are O(domains) and O(hosts).
    type: str
  domains:
    description:
      - Several mail domains in one run (one task instead of a loop; the lookups share one resolver, and a name
        that several domains need, such as the SPF include C(spf.protection.outlook.com), is looked up once). Each
        is analysed as O(domain) would be and reported in RV(domains); the top-level RV(findings) hold them all.
      - Mutually exclusive with O(domain).
    type: list
    elements: str
  hosts:
    description:
      - Host names to resolve (A and AAAA), for example the gateway MX hosts of the CES welcome letter.
      - Each one is reported in RV(hosts); one that has no address is an V(error) finding C(host_unresolved).
    type: list
    elements: str
  nameservers:
    description:
      - Resolvers (or authoritative servers) to ask instead of the system resolver. Addresses or host names;
        C(address:port) and C([IPv6]:port) override O(port).
      - Names the servers cannot answer (for example includes outside an authoritative server's zones) are reported
        in C(spf.unresolved), and the lookup count becomes a lower bound.
    type: list
    elements: str
  gateway_mechanism:
    description:
      - The SPF mechanism of the gateway to look for, from the CES welcome letter, for example
        V(exists:%{i}.spf.hc4321-12.iphmx.com).
    type: str
  resolve_includes:
    description:
      - Follow C(include:) and C(redirect=) to count nested lookups. With V(false) the count covers the top record only.
    type: bool
    default: true
requirements:
  - dnspython >= 2.0
notes:
  - SPF mechanisms whose domain contains a macro (such as C(exists:%{i}...)) cost one lookup each; they are expanded
    per message, so they cannot be followed.
  - The lookup count is the worst case (every term evaluated).
seealso:
  - module: mailops.secure_email.dns_record
  - name: RFC 7208 - Sender Policy Framework
    description: Section 4.6.4, the DNS lookup limits.
    link: https://www.rfc-editor.org/rfc/rfc7208#section-4.6.4
"""

EXAMPLES = r"""
- name: Before the cutover - MX must still point at Exchange Online
  mailops.secure_email.mail_dns_info:
    domain: example.com
    gateway_mechanism: exists:%{i}.spf.hc4321-12.iphmx.com
  register: maildns
  delegate_to: localhost

- name: Stop on errors (too many SPF lookups, two SPF records, invalid DMARC, ...)
  ansible.builtin.assert:
    that:
      - maildns.mx.points_to == 'exchange_online'
      - maildns.findings | selectattr('severity', 'equalto', 'error') | list | length == 0
    fail_msg: "{{ maildns.findings | selectattr('severity', 'equalto', 'error') | map(attribute='message') | list }}"
"""

RETURN = r"""
domain:
  description: The domain, lower case without the trailing dot.
  returned: always (V(null) without O(domain), also with O(domains))
  type: str
  sample: example.com
domains:
  description:
    - With O(domains), one entry per domain in the given order, each with C(domain), C(mx), C(spf), C(dmarc), C(ttls),
      C(findings) and C(worst_severity) as described for a single O(domain).
  returned: when O(domains) is given
  type: list
  elements: dict
hosts:
  description: The O(hosts), each with C(name), C(addresses) (sorted) and C(error) (V(null) when it resolved).
  returned: always
  type: list
  elements: dict
  sample: [{name: mx1.hc4321-12.iphmx.com, addresses: [198.51.100.105], error: null}]
mx:
  description:
    - The MX RRset - C(ttl), C(records) (C(preference), C(host), C(provider)), C(values) (the same records as
      C(<preference> <host>) strings, lower case without the trailing dot, in the order of C(records); the form of
      the C(values) of M(mailops.secure_email.dns_record), so that one expression compares many domains with a
      target set - in Jinja write C(mx['values']), because C(mx.values) is the dict method), C(providers),
      C(points_to) (V(cisco_gateway), V(exchange_online), V(other), V(mixed), V(none) or V(null) for a null MX)
      and C(null_mx). C(error) when it could not be read.
  returned: always (V(null) without O(domain), also with O(domains))
  type: dict
  sample:
    ttl: 3600
    records: [{preference: 0, host: example-com.mail.protection.outlook.com, provider: exchange_online}]
    values: ["0 example-com.mail.protection.outlook.com"]
    providers: [exchange_online]
    points_to: exchange_online
    null_mx: false
spf:
  description:
    - The SPF record (C(record), C(ttl), C(records_found)), its C(terms) (C(kind), C(name), C(qualifier), C(value),
      C(cidr4), C(cidr6), C(macro), C(lookups), C(text)), C(all) (the qualifier of C(all) as V(pass), V(fail),
      V(softfail), V(neutral)), C(redirect), C(lookups) (the total with nested includes), C(lookup_limit) (10),
      C(lookups_exact), C(over_limit), C(void_lookups), C(includes) (the tree of nested records), C(unresolved),
      C(errors), C(gateway_mechanism) and C(gateway_mechanism_present).
  returned: always (V(null) without O(domain), also with O(domains))
  type: dict
dmarc:
  description:
    - The DMARC record - C(record), C(ttl), C(records_found), C(valid), C(tags), C(policy), C(subdomain_policy), C(pct),
      C(rua), C(ruf) and C(errors).
  returned: always (V(null) without O(domain), also with O(domains))
  type: dict
ttls:
  description: TTLs of the MX, TXT and DMARC RRsets (V(null) when absent).
  returned: always (V(null) without O(domain), also with O(domains))
  type: dict
  sample: {mx: 3600, txt: 3600, dmarc: 3600}
findings:
  description: What to look at, each with C(severity) (V(error), V(warning), V(info)), a C(code) and a C(message).
  returned: always
  type: list
  elements: dict
  sample:
    - {severity: warning, code: spf_gateway_missing,
       message: "SPF lacks exists:%{i}.spf.hc4321-12.iphmx.com: mail sent through the gateway fails SPF"}
worst_severity:
  description: The highest severity among RV(findings), or V(null).
  returned: always
  type: str
  sample: warning
queries:
  description: How many DNS lookups the module made (each name and type is looked up once per run).
  returned: always
  type: int
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._dns.info_module import ARGUMENT_SPEC, MUTUALLY_EXCLUSIVE, REQUIRED_ONE_OF, run


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, required_one_of=REQUIRED_ONE_OF, mutually_exclusive=MUTUALLY_EXCLUSIVE,
                           supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
