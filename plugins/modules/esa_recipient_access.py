#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: esa_recipient_access
short_description: Manage the Recipient Access Table (RAT) of a listener on a Cisco Secure Email Gateway (ESA/CES)
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Manages the Recipient Access Table of one public listener (C(listenerconfig) > C(edit) > C(rcptaccess)) as one
    resource. The RAT decides for which recipients the listener accepts mail.
  - This is step S4 of the Microsoft 365 guide - the tenant domain set to accept on the inbound listener.
  - The table is read from C(showconfig) (passphrases masked), which carries every field of every entry, and
    changed with C(NEW), C(EDIT) and C(DELETE). New entries go before C(ALL), which is always last.
  - The C(ALL) entry cannot be deleted; its action can be changed.
extends_documentation_fragment:
  - mailops.secure_email._esa
  - mailops.secure_email._esa.states
  - mailops.secure_email._esa.attributes
  - mailops.secure_email._esa.table_attributes
options:
  listener:
    description:
      - The public listener whose RAT to manage, for example C(IncomingMail). The module checks that it exists and is
        public before writing.
    type: str
    required: true
  confirm_overridden:
    description:
      - Must be V(true) with O(state=overridden). Overriding the RAT removes every entry not listed, which can make the
        gateway reject all inbound mail.
    type: bool
    default: false
  config:
    description:
      - The entries, keyed by O(config[].address).
      - With V(merged) unset options keep their value; with V(replaced) and V(overridden) they take the defaults
        (action V(accept), no custom response, no bypass).
    type: list
    elements: dict
    suboptions:
      address:
        description:
          - C(example.com), C(.example.com), C(@example.com), C(@.example.com), C(user@), C(user@example.com),
            C(user@[192.0.2.1]), C([192.0.2.1]), or V(ALL).
        type: str
        required: true
      action:
        description: What to do with mail for the address.
        type: str
        choices: [accept, reject, tcprefuse, continue]
      smtp_response:
        description: A custom SMTP response.
        type: dict
        suboptions:
          code:
            description: SMTP code, 200-599.
            type: int
            required: true
          text:
            description: The response text; several lines are allowed.
            type: str
      bypass_receiving_control:
        description: Bypass receiving control (O(config[].action=accept) only).
        type: bool
      bypass_ldap_accept:
        description: Bypass the LDAP accept query (O(config[].action=accept) only).
        type: bool
      bypass_call_ahead:
        description: Bypass SMTP call-ahead (O(config[].action=accept) only).
        type: bool
"""

EXAMPLES = r"""
- name: Accept mail for the tenant domain on the inbound listener (guide step S4)
  mailops.secure_email.esa_recipient_access:
    listener: IncomingMail
    config:
      - address: example.com
        action: accept

- name: Exactly these entries; everything else is rejected by ALL
  mailops.secure_email.esa_recipient_access:
    listener: IncomingMail
    config:
      - address: example.com
      - address: ALL
        action: reject
    state: overridden
    confirm_overridden: true
"""

RETURN = r"""
before:
  description: The entries before the change, in table order.
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
  description: The command and answers that add O(config) to the table.
  returned: when O(state=rendered)
  type: list
  elements: str
parsed:
  description: The entries parsed from O(running_config) - C(showconfig) XML, C(PRINT) output or an export file.
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import runner
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import recipient_access as rat

ARGUMENT_SPEC = runner.argument_spec(
    dict(
        address=dict(type="str", required=True),
        action=dict(type="str", choices=sorted(rat.ACTIONS)),
        smtp_response=dict(type="dict", options=dict(
            code=dict(type="int", required=True),
            text=dict(type="str"),
        )),
        bypass_receiving_control=dict(type="bool"),
        bypass_ldap_accept=dict(type="bool"),
        bypass_call_ahead=dict(type="bool"),
    ),
    listener=dict(type="str", required=True),
    confirm_overridden=dict(type="bool", default=False),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, required_if=runner.required_if(), supports_check_mode=True)
    runner.run(module, rat.RecipientAccess, scope_option="listener")


if __name__ == "__main__":
    main()
