#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: esa_mail_flow_policies
short_description: Manage the HAT mail flow policies of a listener on a Cisco Secure Email Gateway (ESA/CES)
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Manages the mail flow policies of one listener's Host Access Table (C(listenerconfig) > C(edit) > C(hostaccess)) as
    one resource - each policy's behaviour, the parameters it overrides, and its comment.
  - This is the policy side of step S8 of the Microsoft 365 guide - C($RELAYED) on the outgoing listener, with TLS
    preferred.
  - The table is read from C(showconfig) (the C(<hat>) of the listener). Policies are added with C(NEW), changed with
    C(EDIT) (the behaviour, then the parameter wizard, where every question is answered - C(default) for a parameter
    the policy does not override) and removed with C(DELETE).
  - A parameter not in O(config[].parameters) uses the listener's default (C(hostaccess) C(DEFAULT)). The module
    reports and compares only the parameters a policy overrides.
  - A policy used by a sender group cannot be deleted; the module fails before writing and names the groups.
  - B(Open-relay guard.) A policy's behaviour is the behaviour of every row that uses it, C(ALL) included. Before
    any write (and in check mode) the module computes the effective Host Access Table of every listener after the
    change (rows in match order, their members, each row's policy resolved to its behaviour) and refuses when a row
    that uses a changed policy relays for hosts outside the declared relay sources - C(ALL) (an open relay - for
    example C($ACCEPTED) switched to relay on a public listener), a catch-all or very broad member, reputation or
    list terms, hosts outside O(relay_sources) when given, or a group matching the address space every Microsoft 365
    tenant shares without an active message filter that checks C(sendergroup == "<that group>") and a secret header
    and drops the rest (guide step S12). A RELAY policy that no row uses relays for nobody and is not refused.
  - The error names the listener, the row, the policy and the fix. An open relay already on the appliance on a row
    the change does not modify is only a warning. Set O(allow_open_relay=true) to accept the risk; the module then
    warns.
extends_documentation_fragment:
  - mailops.secure_email._esa
  - mailops.secure_email._esa.states
  - mailops.secure_email._esa.attributes
  - mailops.secure_email._esa.table_attributes
  - mailops.secure_email._esa.relay_guard
options:
  listener:
    description:
      - The listener whose mail flow policies to manage, for example C(OutgoingMail). The module checks that it exists
        before writing.
    type: str
    required: true
  config:
    description:
      - The policies, keyed by O(config[].name) (case-insensitive, like the appliance).
      - With V(merged) unset options keep their value and the given parameters are added to the policy's overrides.
        With V(replaced) and V(overridden) the policy overrides exactly the given parameters and has only the given
        comment.
      - With V(overridden) a policy that is not listed is deleted; the module fails when a sender group uses it.
        With V(deleted) and no O(config), every policy no sender group uses is deleted.
      - New policies are added at the end; the order of policies does not matter to the appliance.
      - O(config[].comment) is the policy's comment; the top-level O(comment) is the commit comment.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - The policy name without C($) - a letter, then letters, digits, C(-) and C(_), up to 60 characters.
        type: str
        required: true
      behavior:
        description:
          - What the policy does with a connection. V(accept) by default for a new policy; when omitted an existing
            policy keeps its behaviour.
        type: str
        choices: [accept, continue, reject, relay, tcprefuse]
      comment:
        description:
          - The comment of the policy (one line). An empty string removes it.
        type: str
      parameters:
        description:
          - The parameters the policy overrides. A parameter left out uses the listener's default.
        type: dict
        suboptions:
          max_message_size:
            description: Maximum message size, in bytes or with a C(K) or C(M) suffix (C(10M)). 1 byte to 1024M.
            type: raw
          max_concurrency:
            description: Maximum concurrent connections from a single IP address, 1-1000.
            type: int
          max_messages_per_connection:
            description: Maximum messages per connection, 1-10000.
            type: int
          max_recipients_per_message:
            description: Maximum recipients per message, 1-100000.
            type: int
          max_recipients_per_hour:
            description: Rate limiting - maximum recipients per hour from a remote host, 1-1000000, or C(-1) for no rate
              limit.
            type: int
          dhap_limit:
            description: Directory Harvest Attack Prevention - maximum invalid recipients per hour from a remote host,
              1-1000000, or C(0) to turn it off.
            type: int
          senderbase_flow_control:
            description: Use SenderBase for flow control.
            type: bool
          anti_spam:
            description: Anti-spam scanning.
            type: bool
          anti_virus:
            description: Anti-virus scanning.
            type: bool
          tls:
            description: Allow TLS connections.
            type: str
            choices: ["off", preferred, required]
          verify_client_certificate:
            description:
              - Verify the client certificate (with O(config[].parameters.tls) V(preferred) or V(required); the
                appliance sets both with one answer, so give O(config[].parameters.tls) too). Defaults to V(false)
                when O(config[].parameters.tls) is set.
            type: bool
          smtp_auth:
            description: Allow SMTP authentication.
            type: str
            choices: ["off", preferred, required]
          require_tls_for_smtp_auth:
            description:
              - Require TLS to offer SMTP authentication. Only when SMTP authentication (of the policy, or the listener
                default) is V(preferred) or V(required).
            type: bool
"""

EXAMPLES = r"""
- name: $RELAYED relays with TLS preferred (guide step S8)
  mailops.secure_email.esa_mail_flow_policies:
    listener: OutgoingMail
    config:
      - name: RELAYED
        behavior: relay
        parameters:
          tls: preferred

- name: A throttling policy for the inbound listener
  mailops.secure_email.esa_mail_flow_policies:
    listener: IncomingMail
    config:
      - name: SLOW
        behavior: accept
        comment: Throttle unknown senders
        parameters:
          max_concurrency: 5
          max_recipients_per_hour: 100
          max_message_size: 5M
          dhap_limit: 20
"""

RETURN = r"""
before:
  description: The policies before the change.
  returned: when O(state) changes configuration
  type: list
  elements: dict
after:
  description: The policies after the change (what it would be, in check mode).
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
  description: The policies on the appliance, in the form of O(config) (only the overridden parameters).
  returned: when O(state=gathered)
  type: list
  elements: dict
rendered:
  description: The command and answers that add O(config) to the listener.
  returned: when O(state=rendered)
  type: list
  elements: str
parsed:
  description:
    - The policies parsed from O(running_config) - C(showconfig) XML (the C(<hat>) of O(listener)), or the HAT text of
      C(PRINT) or an export file (then O(listener) is not used).
    - Text that is not a whole HAT - not HAT text, starting inside a block, or cut short before C(ALL) - fails the
      task with a message that names the line and what was expected there, and so does a value of a managed
      parameter the module cannot read (for example C(max_concurrency = many)); nothing is guessed
      (docs/asyncos-cli.md section 8).
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import relay_guard, runner
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import mail_flow_policies as mfp

LEVEL_CHOICES = list(mfp.LEVELS)
ARGUMENT_SPEC = runner.argument_spec(
    dict(
        name=dict(type="str", required=True),
        behavior=dict(type="str", choices=sorted(mfp.BEHAVIORS)),
        parameters=dict(type="dict", options=dict(
            max_message_size=dict(type="raw"),
            max_concurrency=dict(type="int"),
            max_messages_per_connection=dict(type="int"),
            max_recipients_per_message=dict(type="int"),
            max_recipients_per_hour=dict(type="int"),
            dhap_limit=dict(type="int"),
            senderbase_flow_control=dict(type="bool"),
            anti_spam=dict(type="bool"),
            anti_virus=dict(type="bool"),
            tls=dict(type="str", choices=LEVEL_CHOICES),
            verify_client_certificate=dict(type="bool"),
            smtp_auth=dict(type="str", choices=LEVEL_CHOICES),
            require_tls_for_smtp_auth=dict(type="bool"),
        )),
        comment=dict(type="str"),
    ),
    listener=dict(type="str", required=True),
    allow_open_relay=dict(type="bool", default=False),
    relay_sources=relay_guard.RELAY_SOURCES,
    planned_filters=relay_guard.PLANNED_FILTERS,
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, required_if=runner.required_if(), supports_check_mode=True)
    runner.run(module, mfp.MailFlowPolicies, scope_option="listener")


if __name__ == "__main__":
    main()
