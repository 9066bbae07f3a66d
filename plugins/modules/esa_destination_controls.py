#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: esa_destination_controls
short_description: Manage the destination controls of a Cisco Secure Email Gateway (ESA/CES)
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Manages the destination controls table (C(destconfig)) of an AsyncOS appliance as one resource - per-domain
    limits on concurrent connections, recipients and messages per connection, and the TLS, DANE, bounce verification,
    bounce profile and IP sort settings of outbound delivery - including the default entry.
  - This is step S3 of the Microsoft 365 guide - the tenant domain with 10 concurrent connections, 20 messages per
    connection and TLS preferred.
  - The table is read with C(destconfig) C(DETAIL all) and changed with C(NEW), C(EDIT), C(DELETE) and C(DEFAULT).
extends_documentation_fragment:
  - mailops.secure_email._esa
  - mailops.secure_email._esa.states
  - mailops.secure_email._esa.attributes
  - mailops.secure_email._esa.table_attributes
options:
  config:
    description:
      - The entries. Each domain appears once. The default entry is O(config[].domain=default).
      - In a domain's entry, an unset option means "use the default entry's value". With V(merged) it leaves the
        current value; with V(replaced) and V(overridden) it resets the domain to the default.
      - The default entry cannot inherit, so its unset options always keep their value. V(overridden) and V(deleted)
        never remove it.
    type: list
    elements: dict
    suboptions:
      domain:
        description:
          - The destination domain (or a partial domain starting with a dot), or V(default) for the default entry.
        type: str
        required: true
      concurrency_limit:
        description: Maximum concurrent connections, 1-1000.
        type: int
      recipient_limit:
        description:
          - Maximum recipients per O(config[].recipient_minutes). On the default entry, V(0) removes the limit.
        type: int
      recipient_minutes:
        description: The period of O(config[].recipient_limit) in minutes, 1-60. Defaults to 60 when a limit is set.
        type: int
      limit_type:
        description:
          - Whether the limits apply to the whole domain (V(domain)) or to each mail exchanger IP (V(mx_ip)).
          - Recorded whenever a limit is set; V(domain) then by default.
        type: str
        choices: [domain, mx_ip]
      limit_apply:
        description:
          - Enforce the limits system wide (V(system)) or per Virtual Gateway (V(virtual_gateway)).
          - Recorded whenever a limit is set; V(system) then by default.
        type: str
        choices: [system, virtual_gateway]
      messages_per_connection:
        description: Maximum messages per connection.
        type: int
      tls:
        description:
          - Outbound TLS - V(off) (No), V(on) (Preferred), V(require) (Required), V(on_verify) (Preferred - Verify),
            V(require_verify) (Required - Verify).
        type: str
        choices: ["off", "on", "require", "on_verify", "require_verify"]
      dane:
        description: DANE support - V(off), V(opportunistic) or V(mandatory). Needs O(config[].tls) other than V(off).
        type: str
        choices: ["off", opportunistic, mandatory]
      bounce_verification:
        description: Bounce verification address tagging.
        type: bool
      bounce_profile:
        description: The bounce profile to use. It must exist on the appliance; the module checks before writing.
        type: str
      ip_sort:
        description: How to sort the IP addresses of an MX host.
        type: str
        choices: [prefer_ipv4, prefer_ipv6, require_ipv4, require_ipv6]
"""

EXAMPLES = r"""
- name: Destination controls for the tenant domain (guide step S3)
  mailops.secure_email.esa_destination_controls:
    config:
      - domain: example.com
        concurrency_limit: 10
        messages_per_connection: 20
        tls: "on"

- name: Exactly these entries; the default entry keeps its values except TLS
  mailops.secure_email.esa_destination_controls:
    config:
      - domain: example.com
        concurrency_limit: 10
        messages_per_connection: 20
        tls: "on"
      - domain: default
        tls: "on"
    state: overridden
    commit: false
"""

RETURN = r"""
before:
  description: The entries before the change, the default entry last.
  returned: when O(state) changes configuration
  type: list
  elements: dict
after:
  description: The entries after the change (what it would be, in check mode).
  returned: when O(state) changes configuration
  type: list
  elements: dict
commands:
  description: The command and the answers sent (or that would be sent).
  returned: when O(state) changes configuration
  type: list
  elements: str
committed:
  description: Whether the task committed.
  returned: when a change was written
  type: bool
inherited_from:
  description: On a cluster, the level the table was read from when it is not configured at O(cluster_mode).
  returned: when O(state) reads the appliance
  type: str
gathered:
  description: The entries on the appliance.
  returned: when O(state=gathered)
  type: list
  elements: dict
rendered:
  description: The command and answers that configure O(config) on a factory table.
  returned: when O(state=rendered)
  type: list
  elements: str
parsed:
  description: The entries parsed from O(running_config) (the output of C(destconfig DETAIL all)).
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import runner
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import destination_controls as dc

ARGUMENT_SPEC = runner.argument_spec(dict(
    domain=dict(type="str", required=True),
    concurrency_limit=dict(type="int"),
    recipient_limit=dict(type="int"),
    recipient_minutes=dict(type="int"),
    limit_type=dict(type="str", choices=sorted(dc.LIMIT_TYPE)),
    limit_apply=dict(type="str", choices=sorted(dc.LIMIT_APPLY)),
    messages_per_connection=dict(type="int"),
    tls=dict(type="str", choices=sorted(dc.TLS)),
    dane=dict(type="str", choices=sorted(dc.DANE)),
    bounce_verification=dict(type="bool"),
    bounce_profile=dict(type="str"),
    ip_sort=dict(type="str", choices=sorted(dc.IP_SORT)),
))


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, required_if=runner.required_if(), supports_check_mode=True)
    runner.run(module, dc.DestinationControls)


if __name__ == "__main__":
    main()
