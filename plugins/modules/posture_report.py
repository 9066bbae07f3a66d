#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: posture_report
short_description: Evaluate the posture rules over gateway, tenant and DNS facts and write the reports
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Evaluates the posture rule set of the collection (C(docs/posture.md)) - bypass of the gateway, open relay through
    Microsoft 365's shared address space, SCL -1 with Enhanced Filtering, weak or reused outbound header secrets,
    TLS, SPF, DMARC, drift from the inventory - over facts gathered once by the C(posture) role.
  - Each finding has a stable C(code), a C(severity) (V(info), V(warning), V(error), V(critical)), the C(side)
    (V(gateway), V(tenant), V(dns)), the C(tenants) it concerns, the C(object), a C(message), the C(evidence) and
    the C(fix) (the module and option, or the role variable).
  - Secrets are only measured. A weak secret is reported by its properties (length, character classes,
    metacharacters, reuse), never by its value.
  - With O(output_dir), writes one report per run (C(posture.json), C(posture.md), C(posture.html) - a
    self-contained page, C(posture.xml) - JUnit XML), grouped by tenant, then side, then severity, and with
    O(per_tenant) the same per tenant under C(tenants/).
  - Runs on the controller (the C(posture) role delegates it to C(localhost) once per run). It reports
    C(changed=false) also when it writes the report files - they are its output, not a change to what it audits.
options:
  gateways:
    description:
      - Per gateway inventory host, a dict with C(esa) (the C(esa) result of M(mailops.secure_email.esa_info)),
        C(filters) (the C(gathered) filters of M(mailops.secure_email.esa_message_filters), secrets masked),
        C(domains) (the domains the gateway serves) and C(expected) (C(sender_group), C(filter_name),
        C(tls_ciphers)).
    type: dict
    default: {}
  tenants:
    description:
      - Per tenant inventory host, a dict with C(exo) (the result of M(mailops.secure_email.exo_info)), C(dns) (the
        C(domains) result of M(mailops.secure_email.mail_dns_info)), C(domains), C(gateways) (the gateway hosts
        that serve it), C(gateway_ips) (from the CES welcome letter) and C(expected) (C(inbound_connector),
        C(outbound_connector), C(transport_rule)).
    type: dict
    default: {}
  secrets:
    description:
      - The outbound header secrets to measure, keyed C(gateway:<host>) or C(tenant:<host>). Never shown.
    type: dict
    default: {}
  output_dir:
    description:
      - Directory for the report files (created). Without it, the findings are only returned.
    type: path
  formats:
    description: The report files to write.
    type: list
    elements: str
    choices: [json, markdown, html, junit]
    default: [json, markdown, html, junit]
  per_tenant:
    description: Also write one report per tenant under C(tenants/) of O(output_dir).
    type: bool
    default: true
  threshold:
    description:
      - Fail when a finding has this severity or a higher one (after the reports are written). V(none) never fails.
      - In the JUnit report, findings at or above it (V(warning) when V(none)) are failures.
    type: str
    choices: [none, info, warning, error, critical]
    default: none
  title:
    description: The title of the reports.
    type: str
    default: Secure email posture
attributes:
  check_mode:
    support: full
    description: The module reads facts it is given and writes only report files; check mode behaves as a normal run.
  diff_mode:
    support: none
    description: No configuration changes, so there is no diff.
notes:
  - The rules, their sources and their fixes are in C(docs/posture.md) of the collection.
"""

EXAMPLES = r"""
- name: Audit everything and fail at error or worse (see playbooks/posture.yml, roles/posture)
  ansible.builtin.import_role:
    name: mailops.secure_email.posture
    tasks_from: report
  vars:
    posture_threshold: error

- name: The module alone, with facts gathered earlier
  mailops.secure_email.posture_report:
    gateways: "{{ my_gateway_facts }}"
    tenants: "{{ my_tenant_facts }}"
    output_dir: "{{ playbook_dir }}/posture"
    threshold: critical
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
findings:
  description: The findings, ordered by tenant, side, severity (worst first), code and object.
  returned: always
  type: list
  elements: dict
  sample:
    - {code: enhanced_filtering_missing, severity: warning, side: tenant, tenants: [tenant1],
       object: "tenant1: inbound connector Inbound from Cisco CES", title: Enhanced Filtering for Connectors not configured,
       message: "Enhanced Filtering is off on Inbound from Cisco CES", evidence: {ef_skip_ips: []},
       fix: "exo_inbound_connector: ef_skip_ips=<gateway IPs>; role inbound: inbound_enhanced_filtering: true"}
summary:
  description: Per tenant, the number of findings per severity.
  returned: always
  type: dict
  sample: {tenant1: {info: 0, warning: 1, error: 0, critical: 0}}
totals:
  description: The number of findings per severity over all tenants.
  returned: always
  type: dict
worst:
  description: The highest severity found, or V(null).
  returned: always
  type: str
  sample: warning
over_threshold:
  description: How many findings are at or above O(threshold).
  returned: always
  type: int
paths:
  description: The files written, per format, and under C(tenants) per tenant and format.
  returned: always
  type: dict
  sample: {html: /srv/posture/posture.html, tenants: {tenant1: {html: /srv/posture/tenants/tenant1.html}}}
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._posture.report import ARGUMENT_SPEC, run


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    try:
        result = run(module.params)
    except (IOError, OSError) as exc:
        module.fail_json(msg="posture: could not write the reports: %s" % exc)
    if result.get("failed"):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
