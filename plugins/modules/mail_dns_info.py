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
    (C(*.mail.protection.outlook.com) or C(*.mx.microsoft)), V(other) or V(invalid) (not a valid host name - an
    empty label, a single label, a label over 63 or a name over 253 characters, a bad character, an IP address -
    whatever its suffix); C(mx.points_to) sums it up. A single C(0 .) is the null MX of RFC 7505.
  - B(SPF) - the record is parsed into its terms and evaluated as RFC 7208 does it. A syntax error anywhere is a
    permerror. Evaluation stops at C(all) (section 5.1), so terms after it are never evaluated and cost no lookup
    (a finding, not an error); C(redirect) is ignored next to C(all) (section 6.1). The DNS lookups of the evaluated
    terms (C(include), C(a), C(mx), C(ptr), C(exists), C(redirect)) are counted against the limit of 10 of section
    4.6.4, following nested includes and redirects, to the worst case (no term matches).
  - B(Gateway term) - whether O(gateway_mechanism) is present, and whether it is B(effective) - evaluated (before
    C(all)), in a record without syntax error, after no permerror and within the lookup limit - with the reason.
    Without O(gateway_mechanism), the record's first Cisco term C(exists:%{i}.spf.<allocation>.iphmx.com) is judged.
  - B(DMARC) - the C(_dmarc) record is parsed.
  - The TTLs, and findings with a severity (V(error), V(warning), V(info)) and a stable code (see RV(findings) and
    the table in C(docs/dns.md) of the collection).
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
      - Its allocation (C(hc4321-12)) is the expected one; a Cisco term of another allocation in the record is the
        finding C(spf_gateway_other_allocation).
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
  - The lookup count is the worst case (every evaluated term, that is every mechanism before C(all), evaluated).
  - The filters P(mailops.secure_email.spf_parse#filter) and P(mailops.secure_email.mx_classify#filter) give the same
    analysis without DNS lookups, for records pasted from C(dig).
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
      C(points_to) (V(cisco_gateway), V(exchange_online), V(other), V(invalid), V(mixed), V(none) or V(null) for a
      null MX), C(null_mx) and C(invalid_hosts) (the hosts classed V(invalid)). A record with an invalid host also
      has C(problem), the reason. C(error) when it could not be read.
  returned: always (V(null) without O(domain), also with O(domains))
  type: dict
  sample:
    ttl: 3600
    records: [{preference: 0, host: example-com.mail.protection.outlook.com, provider: exchange_online}]
    values: ["0 example-com.mail.protection.outlook.com"]
    providers: [exchange_online]
    points_to: exchange_online
    null_mx: false
    invalid_hosts: []
spf:
  description:
    - The SPF record (C(record), C(ttl), C(records_found)), its C(terms) (C(kind), C(name), C(qualifier), C(value),
      C(cidr4), C(cidr6), C(macro), C(lookups), C(text), C(evaluated) - V(false) after C(all) and for C(redirect)
      next to C(all), which then cost no lookup), C(all) (the qualifier of the first C(all) as V(pass), V(fail),
      V(softfail), V(neutral)), C(redirect), C(valid) (no syntax error), C(lookups) (the total of the evaluated terms
      with nested includes), C(lookup_limit) (10), C(lookups_exact), C(over_limit), C(void_lookups), C(includes)
      (the tree of nested records), C(unresolved), C(errors) (syntax errors and permerrors of nested records),
      C(notes) (the findings about the record itself, also in RV(findings)), C(permerror) (receivers return
      permerror for mail that no term matches).
    - The gateway term - C(gateway_mechanism), C(gateway_mechanism_present) (anywhere in the record), C(gateway_term)
      (the term judged), C(gateway_effective) (V(true) when evaluated, in a record without syntax error, after no
      permerror, within the lookup limit; V(null) without a gateway term), C(gateway_reason),
      C(gateway_lookups_before) (the lookups spent before it), C(gateway_allocation) (the allocation of
      O(gateway_mechanism)) and C(gateway_allocations) (those of the Cisco terms in the record).
  returned: always (V(null) without O(domain), also with O(domains))
  type: dict
  sample:
    record: "v=spf1 include:spf.protection.outlook.com exists:%{i}.spf.hc4321-12.iphmx.com -all"
    valid: true
    permerror: false
    lookups: 3
    gateway_mechanism_present: true
    gateway_effective: true
    gateway_reason: reached after 2 DNS lookups
    gateway_lookups_before: 2
    gateway_allocation: hc4321-12
    gateway_allocations: [hc4321-12]
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
  description:
    - What to look at, each with C(severity) (V(error), V(warning), V(info)), a stable C(code) and a C(message).
      C(docs/dns.md) of the collection has the table of codes with their meaning and fix.
    - MX - V(mx_lookup_failed) (error), V(mx_missing) (warning), V(mx_null) (info, RFC 7505), V(mx_null_preference)
      (warning), V(mx_null_mixed) (error), V(mx_invalid_host) (error), V(mx_mixed) (warning, for example gateway and
      Exchange Online - senders can bypass the gateway), V(mx_cisco_gateway), V(mx_exchange_online), V(mx_other),
      V(mx_ttl_high) (info).
    - SPF record - V(spf_lookup_failed) (error), V(spf_missing) (warning, no record), V(spf_multiple) (error),
      V(spf_invalid) (error, a syntax error), V(spf_doubled_prefix) (error, C(include:include:x)),
      V(spf_mechanism_as_modifier) (warning, C(include=x)), V(spf_ptr) (warning, RFC 7208 5.5),
      V(spf_terms_after_all) (warning), V(spf_redirect_with_all) (warning), V(spf_pass_all) (error, C(+all)),
      V(spf_no_all) (warning, neither C(all) nor C(redirect)), V(spf_neutral_all) (warning).
    - SPF lookups and nested records - V(spf_too_many_lookups) (error, over 10), V(spf_lookups_near_limit) (warning),
      V(spf_lookups_lower_bound) (info), V(spf_void_lookups) (error, over 2), V(spf_include_no_record) (error, an
      include or redirect target without SPF), V(spf_include_multiple), V(spf_include_invalid),
      V(spf_include_loop), V(spf_nesting_too_deep) (errors).
    - Gateway - V(spf_gateway_present) (info), V(spf_gateway_missing) (warning), V(spf_gateway_unreachable) (error,
      present but not effective), V(spf_gateway_other_allocation) (warning, a Cisco term of another allocation).
    - DMARC - V(dmarc_lookup_failed), V(dmarc_multiple), V(dmarc_invalid) (errors), V(dmarc_missing) (warning),
      V(dmarc_monitor_only) (info). Hosts - V(host_unresolved) (error).
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
