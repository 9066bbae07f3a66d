#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: exo_info
short_description: Read Exchange Online connectors, transport rules and accepted domains
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Reads inbound and outbound connectors, transport rules and accepted domains, normalised the way the exo_*
    modules compare them (option names, sender domains without C(smtp:) and C(;1), IPs canonical, lists sorted).
  - Transport rule header values are masked (C(********)) unless O(unmask_header_values=true).
extends_documentation_fragment:
  - mailops.secure_email._exo
  - mailops.secure_email._exo.attributes
  - mailops.secure_email._exo.read_attributes
options:
  gather:
    description: What to read; all when not set.
    type: list
    elements: str
    choices: [inbound_connectors, outbound_connectors, transport_rules, accepted_domains]
  unmask_header_values:
    description: Show transport rule header values (they can hold the gateway's shared secret).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Read the tenant's mail flow
  mailops.secure_email.exo_info:
  register: exo

- name: Only the rules
  mailops.secure_email.exo_info:
    gather: [transport_rules]
"""

RETURN = r"""
inbound_connectors:
  description: Inbound connectors, normalised like M(mailops.secure_email.exo_inbound_connector) options.
  returned: when gathered
  type: list
  elements: dict
outbound_connectors:
  description: Outbound connectors (test-mode ones included), normalised, with C(is_validated).
  returned: when gathered
  type: list
  elements: dict
transport_rules:
  description: Transport rules, normalised, with C(priority), C(enabled) and C(state).
  returned: when gathered
  type: list
  elements: dict
accepted_domains:
  description: Accepted domains (C(domain_name), C(domain_type), C(default), C(initial_domain), ...).
  returned: when gathered
  type: list
  elements: dict
http_calls:
  description: HTTP calls made (token endpoint, InvokeCommand, retries among them).
  returned: always
  type: dict
  sample: {"token": 2, "invoke": 3, "retries": 0, "total": 5}
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._exo.info_module import info_spec, run_info


def main():
    argument_spec, kwargs = info_spec()
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **kwargs)
    run_info(module)


if __name__ == "__main__":
    main()
