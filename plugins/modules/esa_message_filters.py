#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: esa_message_filters
short_description: Manage the message filters of a Cisco Secure Email Gateway (ESA/CES)
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Manages the ordered list of message filters (C(filters)) of an AsyncOS appliance as one resource - each filter's
    body, whether it is active, and (with V(overridden)) the order.
  - This is step S12 of the Microsoft 365 guide - the C(office365_outbound) filter that lets mail from the relaying
    sender group through only with the tenant's secret header, and drops the rest.
  - Bodies are compared in a normal form (whitespace and C(#) comments do not count; the appliance does not keep
    comments), so an identical filter reports no change.
  - The module checks the filter syntax before it writes anything. A changed body is deleted and added again (AsyncOS
    has no edit for a filter body); a changed active flag alone is one C(SET); nothing else is touched.
  - It also refuses, before anything is read, a header name that is not an RFC 5322 field name (printable US-ASCII
    without spaces or C(:)) in C(header), C(strip-header), C(insert-header) and the other header rules and actions.
  - It refuses to delete, deactivate or change a filter that guards a relaying sender group matching Microsoft 365's
    shared address space, unless O(allow_open_relay=true). The check is the open-relay guard of
    M(mailops.secure_email.esa_sender_groups) on the effective Host Access Table of every listener, with the filters
    before and after the change; a group that was already unguarded does not block the change.
extends_documentation_fragment:
  - mailops.secure_email._esa
  - mailops.secure_email._esa.states
  - mailops.secure_email._esa.attributes
  - mailops.secure_email._esa.table_attributes
options:
  config:
    description:
      - The filters. With V(overridden) the appliance ends with exactly these, in this order.
      - With V(merged) and V(replaced), existing filters keep their place and new ones are added at the end.
    type: list
    elements: dict
    suboptions:
      name:
        description: The filter name.
        type: str
        required: true
      body:
        description:
          - The filter, with or without the leading C(name:) - C(if (...) { ... } else { ... }) or a list of actions.
          - Required for a filter that does not exist yet.
        type: str
      active:
        description: Whether the filter is active. New filters are active unless V(false).
        type: bool
  secrets:
    description:
      - Values that appear in the bodies and must never be shown, such as the outbound header secret. Each is
        replaced by C(********) in the diff, the returned commands, the before and after lists and in errors.
    type: list
    elements: str
    default: []
  secret_headers:
    description:
      - Headers whose values are secrets. Wherever the module shows a filter (before, after, diff, V(gathered),
        V(parsed), commands, warnings, errors), the value a filter compares such a header with (a C(header) rule
        with C(==) or C(!=)) or sets it to (C(insert-header), C(edit-header-text)) is replaced by C(********), even
        without O(secrets). Filters on the appliance are compared with their real
        values, so masking changes nothing in the plan.
      - C(X-OUTBOUND-AUTH), the header of the outbound role's filter (guide step S12), is always included. Add the
        role's C(outbound_header_name) here when you changed it.
      - Names are compared without regard to case and must be header field names (printable US-ASCII without
        spaces or C(:)).
      - See C(docs/secrets.md) of the collection for what is masked where.
    type: list
    elements: str
    default: []
  allow_open_relay:
    description:
      - Allow removing or weakening a filter that guards a relaying sender group which matches Microsoft 365's shared
        address space. Without that filter, the gateway relays for any Microsoft 365 tenant. The module then warns,
        naming the listener and the group.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: The outbound filter of guide step S12, with the real sender group name
  mailops.secure_email.esa_message_filters:
    config:
      - name: office365_outbound
        body: |
          if (sendergroup == "RELAY_O365") {
            if header("X-OUTBOUND-AUTH") == "^{{ outbound_secret }}$" {
              strip-header("X-OUTBOUND-AUTH");
            } else {
              drop();
            }
          }
    secrets:
      - "{{ outbound_secret }}"

- name: Deactivate a filter, touching nothing else
  mailops.secure_email.esa_message_filters:
    config:
      - name: legacy_footer
        active: false
"""

RETURN = r"""
before:
  description: The filters before the change, in order, secrets masked.
  returned: when O(state) changes configuration
  type: list
  elements: dict
after:
  description: The filters after the change, in order, secrets masked.
  returned: when O(state) changes configuration
  type: list
  elements: dict
commands:
  description: The command and answers sent (or that would be sent), secrets masked.
  returned: when O(state) changes configuration
  type: list
  elements: str
committed:
  description: Whether the task committed.
  returned: when a change was written
  type: bool
inherited_from:
  description: On a cluster, the level the list was read from when it is not configured at O(cluster_mode).
  returned: when O(state) reads the appliance
  type: str
gathered:
  description: The filters on the appliance.
  returned: when O(state=gathered)
  type: list
  elements: dict
rendered:
  description: The command and answers that add O(config), secrets masked.
  returned: when O(state=rendered)
  type: list
  elements: str
parsed:
  description: The filters parsed from O(running_config) (the output of C(filters DETAIL all)).
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import runner
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.message_filters import MessageFilters

ARGUMENT_SPEC = runner.argument_spec(
    dict(
        name=dict(type="str", required=True),
        body=dict(type="str"),
        active=dict(type="bool"),
    ),
    secrets=dict(type="list", elements="str", no_log=True, default=[]),
    secret_headers=dict(type="list", elements="str", default=[], no_log=False),
    allow_open_relay=dict(type="bool", default=False),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, required_if=runner.required_if(), supports_check_mode=True)
    runner.run(module, MessageFilters)


if __name__ == "__main__":
    main()
