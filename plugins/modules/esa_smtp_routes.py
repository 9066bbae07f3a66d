#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: esa_smtp_routes
short_description: Manage the SMTP routes of a Cisco Secure Email Gateway (ESA/CES)
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Manages the SMTP routes table (C(smtproutes)) of an AsyncOS appliance as one resource.
  - A route sends mail for a receiving domain (or a partial domain such as C(.example.com), or V(ALL) for the default
    route) to one or more destination hosts, each with an optional port and priority.
  - This is step S5 of the Microsoft 365 guide - the tenant domain routed to
    C(<domain-with-dashes>.mail.protection.outlook.com), port 25.
extends_documentation_fragment:
  - mailops.secure_email._esa
  - mailops.secure_email._esa.states
  - mailops.secure_email._esa.attributes
  - mailops.secure_email._esa.table_attributes
options:
  config:
    description:
      - The routes. Each receiving domain appears once.
      - V(overridden) and V(deleted) without O(config) never remove the default route V(ALL) unless it is listed.
    type: list
    elements: dict
    suboptions:
      domain:
        description:
          - The receiving domain, a partial domain starting with a dot, an IP address, or V(ALL) for the default route.
        type: str
        required: true
      destinations:
        description:
          - Where mail for O(config[].domain) goes. Compared as a set, so their order does not matter.
          - V(USEDNS) (normal DNS resolution) and V(/dev/null) (discard) must be the only destination of their route.
        type: list
        elements: dict
        suboptions:
          host:
            description:
              - Hostname, IPv4 or IPv6 address, a host in square brackets (A records only, no MX lookup),
                V(USEDNS) or V(/dev/null).
            type: str
            required: true
          port:
            description:
              - TCP port, 1-65535. Unset means the standard port 25.
            type: int
          priority:
            description:
              - Priority, 0-65535, 0 is the highest. Unset means no C(/pri=) suffix.
            type: int
"""

EXAMPLES = r"""
- name: Route the tenant domain to Microsoft 365 (guide step S5)
  mailops.secure_email.esa_smtp_routes:
    config:
      - domain: example.com
        destinations:
          - host: example-com.mail.protection.outlook.com
            port: 25
    state: merged

- name: Make the table exactly this, keep ALL, one commit at the end
  mailops.secure_email.esa_smtp_routes:
    config:
      - domain: example.com
        destinations:
          - {host: example-com.mail.protection.outlook.com, port: 25}
      - domain: .example.net
        destinations:
          - {host: relay1.example.net, priority: 10}
          - {host: relay2.example.net, priority: 20}
    state: overridden
    commit: false

- name: Commit once
  mailops.secure_email.esa_commit:
    comment: SMTP routes for example.com

- name: What is configured now
  mailops.secure_email.esa_smtp_routes:
    state: gathered
  register: routes

- name: Turn saved PRINT output into data, offline
  mailops.secure_email.esa_smtp_routes:
    state: parsed
    running_config: "{{ lookup('ansible.builtin.file', 'smtproutes_print.txt') }}"
"""

RETURN = r"""
before:
  description: The routes before the change.
  returned: when O(state) changes configuration
  type: list
  elements: dict
  sample: []
after:
  description: The routes after the change (what it would be, in check mode).
  returned: when O(state) changes configuration
  type: list
  elements: dict
  sample: [{"domain": "example.com", "destinations": [{"host": "example-com.mail.protection.outlook.com", "port": 25, "priority": null}]}]
commands:
  description: The command and the answers sent (or, in check mode, that would be sent). C(<Enter>) is an empty answer.
  returned: when O(state) changes configuration
  type: list
  elements: str
  sample: ["smtproutes", "NEW", "example.com", "example-com.mail.protection.outlook.com:25", "N", "<Enter>"]
committed:
  description: Whether the task committed.
  returned: when a change was written
  type: bool
gathered:
  description: The routes on the appliance.
  returned: when O(state=gathered)
  type: list
  elements: dict
rendered:
  description: The command and answers that configure O(config) on an empty table.
  returned: when O(state=rendered)
  type: list
  elements: str
parsed:
  description: The routes parsed from O(running_config).
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import runner
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.smtp_routes import SmtpRoutes

ARGUMENT_SPEC = runner.argument_spec(dict(
    domain=dict(type="str", required=True),
    destinations=dict(type="list", elements="dict", options=dict(
        host=dict(type="str", required=True),
        port=dict(type="int"),
        priority=dict(type="int"),
    )),
))


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, required_if=runner.required_if(), supports_check_mode=True)
    runner.run(module, SmtpRoutes)


if __name__ == "__main__":
    main()
