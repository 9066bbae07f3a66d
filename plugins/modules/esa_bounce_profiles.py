#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: esa_bounce_profiles
short_description: Manage the bounce profiles of a Cisco Secure Email Gateway (ESA/CES)
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Manages the bounce profiles (C(bounceconfig)) of an AsyncOS appliance as one resource - how often and how long
    the gateway retries a soft-bounced message, and whether it sends hard bounce and delay warning messages.
  - The Microsoft 365 guide keeps the V(Default) profile. This module is for a profile that the destination control
    of the tenant domain (step S3, M(mailops.secure_email.esa_destination_controls) option C(bounce_profile)) names,
    for example shorter retries towards Microsoft 365. Create the profile before the destination control that uses it.
  - Only the settings below are managed; the others (subjects, DSN status parsing, delay warning interval and count,
    alternate address, signing, and the Default profile's host retry settings) keep their values.
  - The settings are read from the configuration (C(showconfig)), which shows committed changes only; changes of
    earlier tasks of the same connection come from the collection's own record of them.
extends_documentation_fragment:
  - mailops.secure_email._esa
  - mailops.secure_email._esa.states
  - mailops.secure_email._esa.attributes
  - mailops.secure_email._esa.table_attributes
notes:
  - The profile V(Default) is never deleted - not by O(state=overridden), and listing it with O(state=deleted) fails.
  - A profile that destination controls use is not deleted; the module fails and names them.
  - A profile cannot be renamed; a new name creates a new profile.
options:
  config:
    description:
      - The profiles. Each name appears once.
      - V(replaced) and V(overridden) set the unset numbers to the factory values of the Default profile (100
        retries, 259200, 60 and 3600 seconds) and make the unset yes/no settings follow the Default profile (the
        Default profile itself takes the factory values V(true), V(true), V(false)).
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - The profile name - a letter or C(_), then letters, digits, C(_) and C(-). V(default) in any case means the
            Default profile.
        type: str
        required: true
      max_retries:
        description: Maximum number of retries of a soft-bounced message, 0-10000.
        type: int
      max_queue_lifetime:
        description: Maximum time in seconds a message may stay in the queue before it is hard bounced, 0-3000000.
        type: int
      initial_retry:
        description: Seconds to wait before the first retry of a message, 60-86400.
        type: int
      max_retry_timeout:
        description: Maximum seconds to wait before retrying a message, 60-86400.
        type: int
      send_bounces:
        description: Send a hard bounce message for each hard-bounced recipient.
        type: bool
      use_dsn_bounce_format:
        description:
          - Use the Delivery Status Notification (DSN) format for bounce messages.
          - The appliance asks for it only while the profile sends hard bounce messages, so it cannot be set together
            with O(config[].send_bounces=false).
        type: bool
      send_warnings:
        description: Send delay warning messages to the sender of a message that is not yet delivered.
        type: bool
"""

EXAMPLES = r"""
- name: A bounce profile for the Microsoft 365 route, then the destination control that uses it
  mailops.secure_email.esa_bounce_profiles:
    config:
      - name: M365
        max_retries: 20
        max_queue_lifetime: 86400
        send_warnings: false
    commit: false

- name: Destination control of the tenant domain (guide step S3) with that profile
  mailops.secure_email.esa_destination_controls:
    config:
      - domain: example.com
        concurrency_limit: 10
        messages_per_connection: 20
        tls: "on"
        bounce_profile: M365
    commit: false

- name: Commit once
  mailops.secure_email.esa_commit:
    comment: bounce profile and destination control for example.com

- name: Keep only Default and M365 (Default is never removed)
  mailops.secure_email.esa_bounce_profiles:
    config:
      - name: M365
        max_retries: 20
        max_queue_lifetime: 86400
    state: overridden

- name: What is configured now
  mailops.secure_email.esa_bounce_profiles:
    state: gathered
  register: profiles
"""

RETURN = r"""
before:
  description:
    - The profiles before the change, in the appliance's order (V(Default) first).
    - A yes/no setting that is V(null) follows the Default profile.
  returned: when O(state) changes configuration
  type: list
  elements: dict
  sample: [{"name": "Default", "max_retries": 100, "max_queue_lifetime": 259200, "initial_retry": 60,
            "max_retry_timeout": 3600, "send_bounces": true, "use_dsn_bounce_format": true, "send_warnings": false}]
after:
  description: The profiles after the change (what it would be, in check mode).
  returned: when O(state) changes configuration
  type: list
  elements: dict
commands:
  description:
    - The command and the answers sent (or, in check mode, that would be sent). C(<Enter>) is an empty answer.
    - EDIT and DELETE take the profile's number in the appliance's list.
  returned: when O(state) changes configuration
  type: list
  elements: str
  sample: ["bounceconfig", "NEW", "M365", "20", "86400", "60", "3600", "Default", "N", "<Enter>"]
committed:
  description: Whether the task committed.
  returned: when a change was written
  type: bool
gathered:
  description: The profiles on the appliance.
  returned: when O(state=gathered)
  type: list
  elements: dict
rendered:
  description: The command and answers that configure O(config) on an appliance with only the factory Default profile.
  returned: when O(state=rendered)
  type: list
  elements: str
parsed:
  description: The profiles parsed from O(running_config), the configuration XML (C(showconfig) or C(saveconfig)).
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import runner
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.bounce_profiles import BounceProfiles

ARGUMENT_SPEC = runner.argument_spec(dict(
    name=dict(type="str", required=True),
    max_retries=dict(type="int"),
    max_queue_lifetime=dict(type="int"),
    initial_retry=dict(type="int"),
    max_retry_timeout=dict(type="int"),
    send_bounces=dict(type="bool"),
    use_dsn_bounce_format=dict(type="bool"),
    send_warnings=dict(type="bool"),
))


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, required_if=runner.required_if(), supports_check_mode=True)
    runner.run(module, BounceProfiles)


if __name__ == "__main__":
    main()
