#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: esa_info
short_description: Read the state of a Cisco Secure Email Gateway (ESA/CES)
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Returns the AsyncOS version, the hostname, the cluster mode and membership, the listeners, and every table the
    collection manages (SMTP routes, destination controls, the RAT of each public listener) as structured data, in
    the same shapes the resource modules use.
  - Reads only; it sends no write and runs in check mode.
extends_documentation_fragment:
  - mailops.secure_email._esa.attributes
attributes:
  check_mode:
    support: full
    description: Reads only, so it runs unchanged in check mode.
  diff_mode:
    support: none
    description: Reads only; there is nothing to compare.
options:
  gather:
    description:
      - What to read. The hostname and cluster are always returned. V(all) reads everything.
      - Every listing is read at most once per SSH login and shared with the other tasks of the play. V(hat),
        V(recipient_access) and V(bounce_profiles) come from the configuration XML, which is read anyway;
        V(message_filters) and V(tls_ciphers) cost one command each the first time.
    type: list
    elements: str
    choices: [version, listeners, bounce_profiles, destination_controls, recipient_access, smtp_routes, hat, message_filters,
              tls_ciphers, all]
    default: [version, listeners, smtp_routes, destination_controls, recipient_access]
  cluster_mode:
    description:
      - V(cluster), V(group:<name>) or V(machine:<host>) on a clustered appliance. Tables that are not configured at
        that level are read where they live.
    type: str
  secret_headers:
    description:
      - Headers whose values are secrets, in addition to C(X-OUTBOUND-AUTH). The facts never hold filter bodies, but
        an error message can quote what the appliance printed; there, the value a filter compares such a header with
        or sets it to is replaced by C(********). See C(docs/secrets.md) of the collection.
      - Header field names, compared without regard to case.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Everything the collection manages
  mailops.secure_email.esa_info:
  register: esa

- name: Show the routes
  ansible.builtin.debug:
    var: esa.esa.smtp_routes
"""

RETURN = r"""
esa:
  description: The facts.
  returned: success
  type: dict
  contains:
    version:
      description: The AsyncOS version.
      type: str
      sample: 14.1.1-010
    model:
      description: The appliance model.
      type: str
    serial:
      description: The serial number.
      type: str
    version_details:
      description: Every field of the C(version) output, keys in snake case.
      type: dict
    hostname:
      description: The hostname.
      type: str
    cluster:
      description: Null on a standalone appliance; otherwise the current C(mode) and C(mode_name), the cluster C(name)
        and its C(groups) (group name to machines).
      type: dict
    listeners:
      description: Name, type (public or private), interface and port of each listener.
      type: list
      elements: dict
    smtp_routes:
      description: As RV(mailops.secure_email.esa_smtp_routes#module:gathered).
      type: list
      elements: dict
    bounce_profiles:
      description: As RV(mailops.secure_email.esa_bounce_profiles#module:gathered).
      type: list
      elements: dict
    destination_controls:
      description: As RV(mailops.secure_email.esa_destination_controls#module:gathered).
      type: list
      elements: dict
    recipient_access:
      description: Listener name to its RAT entries, as RV(mailops.secure_email.esa_recipient_access#module:gathered).
      type: dict
    hat:
      description:
        - Listener name to its HAT - C(sender_groups) (C(name), C(members), C(sbrs), C(policy)) and C(policies)
          (C(name), C(behavior) in lower case), in table order.
      type: dict
      sample: {OutgoingMail: {sender_groups: [{name: RELAY_O365, members: [.protection.outlook.com], sbrs: null,
                                               policy: RELAYED}],
                              policies: [{name: RELAYED, behavior: relay}]}}
    message_filters:
      description:
        - Each message filter's C(name) and C(active) flag, in order. Bodies are not returned, because they can embed
          secrets; M(mailops.secure_email.esa_message_filters) with O(mailops.secure_email.esa_message_filters#module:state=gathered)
          returns them masked (the values of C(X-OUTBOUND-AUTH) and of
          O(mailops.secure_email.esa_message_filters#module:secret_headers), and the strings in
          O(mailops.secure_email.esa_message_filters#module:secrets)).
      type: list
      elements: dict
    tls_ciphers:
      description: The outbound TLS C(methods) and C(ciphers), as RV(mailops.secure_email.esa_tls_ciphers#module:before).
      type: dict
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._esa.info_module import ARGUMENT_SPEC, run


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
