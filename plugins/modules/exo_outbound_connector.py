#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: exo_outbound_connector
short_description: Manage an Exchange Online outbound connector, and validate it
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Creates, updates or removes one outbound connector (C(New-/Set-/Remove-OutboundConnector)) by name.
  - Guide step S10 - a Partner connector used only by a transport rule, that routes through the gateway's smart
    host with TLS, then validated.
  - Only the options that are set are managed; lists are compared as sets. The IP entries of O(smart_hosts)
    compare as the addresses they cover (C(192.0.2.10/31) is C(192.0.2.10) and C(192.0.2.11)); host names without
    case or trailing dot.
  - With O(validate), the module runs C(Validate-OutboundConnector) (SMTP to each smart host, then test messages)
    when the connector is new, changed or not validated yet, and sets C(IsValidated) only after every task passed.
    A failed validation fails the task and leaves C(IsValidated) as it was. It never runs in check mode.
extends_documentation_fragment:
  - mailops.secure_email._exo
  - mailops.secure_email._exo.attributes
  - mailops.secure_email._exo.write_attributes
options:
  name:
    description:
      - The connector name (at most 64 characters), matched case-insensitively. Required unless O(state=parsed).
    type: str
  state:
    description:
      - V(present) creates or updates the connector, V(absent) removes it.
      - V(parsed) turns O(running_config), an export of existing connectors, into this module's options in
        RV(parsed), without connecting to Exchange.
    type: str
    choices: [present, absent, parsed]
    default: present
  running_config:
    description:
      - With O(state=parsed), the export to read - JSON text or the decoded data. Accepted are the records of the
        REST gateway (one record, a list, or the whole answer, which holds them in C(value)) and the output of
        C(Get-OutboundConnector | ConvertTo-Json) in Windows PowerShell 5.1 or PowerShell 7 - dates as C(/Date) values
        (milliseconds since 1970) or ISO 8601, arrays written as an object with C(value) and C(Count), a leading
        byte-order mark.
      - Enumerations must be names (for example C(Partner)); a number is refused naming the property, since Microsoft
        documents the names but not the numbers - export with C(ConvertTo-Json -EnumsAsStrings) (PowerShell 7) or
        turn the property into text first. Every problem names the record, the property and the option.
    type: raw
  enabled:
    description: Whether the connector is on.
    type: bool
  connector_type:
    description: V(Partner) (a partner or a service such as the gateway) or V(OnPremises). New connectors are V(Partner).
    type: str
    choices: [Partner, OnPremises]
  comment:
    description: A comment. An empty string removes it.
    type: str
  recipient_domains:
    description: The recipient domains the connector applies to (C(*.example.com) allowed).
    type: list
    elements: str
  smart_hosts:
    description:
      - Host names, IP addresses or CIDR ranges to route through (no C(a-b) ranges). Needs O(use_mx_record=false).
    type: list
    elements: str
  use_mx_record:
    description: Deliver by MX records (V(true), the default of new connectors) or through O(smart_hosts) (V(false)).
    type: bool
  tls_settings:
    description:
      - TLS towards the destination. V(EncryptionOnly) is the guide's "always use TLS, any certificate".
    type: str
    choices: [EncryptionOnly, CertificateValidation, DomainValidation]
  tls_domain:
    description: The domain the certificate must match; only with O(tls_settings=DomainValidation).
    type: str
  is_transport_rule_scoped:
    description: Use the connector only for mail a transport rule routes to it.
    type: bool
  route_all_messages_via_on_premises:
    description: Centralized mail transport. OnPremises connectors only.
    type: bool
  cloud_services_mail_enabled:
    description: Hybrid cross-premises headers. Do not use unless Microsoft tells you to.
    type: bool
  all_accepted_domains:
    description: Use the connector for all accepted domains. OnPremises connectors only.
    type: bool
  sender_rewriting_enabled:
    description: Sender rewriting (SRS). OnPremises connectors only.
    type: bool
  test_mode:
    description: Test mode.
    type: bool
  mta_sts_mode:
    description: MTA-STS behaviour.
    type: str
    choices: [Opportunistic, None]
  smtp_dane_mode:
    description: DANE behaviour.
    type: str
    choices: [Opportunistic, Mandatory, None]
  validation_recipients:
    description: Recipients stored on the connector for validation (C(ValidationRecipients), set after creation).
    type: list
    elements: str
  validate:
    description:
      - Validate the connector (C(Validate-OutboundConnector)) when it is new, changed, or not validated yet.
    type: dict
    suboptions:
      recipients:
        description: Addresses in the connector's recipient domains that receive the test messages.
        type: list
        elements: str
        required: true
      force:
        description: Validate even when the connector is already validated and unchanged.
        type: bool
        default: false
"""

EXAMPLES = r"""
- name: Outbound to the gateway (guide step S10), validated
  mailops.secure_email.exo_outbound_connector:
    name: Outbound to Cisco CES
    connector_type: Partner
    is_transport_rule_scoped: true
    use_mx_record: false
    smart_hosts: [ob1.hc1234.iphmx.com]
    tls_settings: EncryptionOnly
    validate:
      recipients: [postmaster@example.net]

- name: An export of the tenant (Get-OutboundConnector | ConvertTo-Json) as module options
  mailops.secure_email.exo_outbound_connector:
    state: parsed
    running_config: "{{ lookup('ansible.builtin.file', 'outbound-connectors.json') }}"
  register: exported
"""

RETURN = r"""
connector:
  description: The connector after the task, normalised, with C(is_validated); C(null) when absent.
  returned: when O(state=present) or O(state=absent)
  type: dict
  sample: {"name": "Outbound to Cisco CES", "smart_hosts": ["ob1.hc1234.iphmx.com"], "is_validated": true}
changes:
  description: The options that differed.
  returned: when O(state=present)
  type: list
  elements: str
validation:
  description:
    - Whether validation ran; when it ran, C(succeeded) and the per-task results of C(Validate-OutboundConnector)
      (C(TaskName), C(Target), C(IsTaskSuccessful), C(Details)).
  returned: when O(validate) is set
  type: dict
  sample: {"run": true, "succeeded": true, "tasks": [{"TaskName": "SMTP EHLO", "IsTaskSuccessful": true}]}
parsed:
  description:
    - The connectors of O(running_config), each with C(name) and the options the export holds (empty lists and
      strings included). C(is_validated) and C(last_validation_timestamp) are not options and are left out.
  returned: when O(state=parsed)
  type: list
  elements: dict
  sample: [{"name": "Outbound to Cisco CES", "smart_hosts": ["ob1.hc1234.iphmx.com"], "use_mx_record": false,
            "tls_settings": "EncryptionOnly", "is_transport_rule_scoped": true}]
http_calls:
  description: HTTP calls made (token endpoint, InvokeCommand, retries among them).
  returned: when O(state=present) or O(state=absent)
  type: dict
  sample: {"token": 2, "invoke": 3, "retries": 0, "total": 5}
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._exo.connector_module import outbound_spec, run_outbound


def main():
    argument_spec, kwargs = outbound_spec()
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **kwargs)
    run_outbound(module)


if __name__ == "__main__":
    main()
