#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: exo_inbound_connector
short_description: Manage an Exchange Online inbound connector
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Creates, updates or removes one inbound connector (C(New-/Set-/Remove-InboundConnector)) by name.
  - Guide step S2 - a Partner connector for the gateway's IP addresses that rejects mail not sent over TLS; and
    Microsoft's lock-down (C(restrict_domains_to_ip_addresses) or C(restrict_domains_to_certificate)) and Enhanced
    Filtering for Connectors (O(ef_skip_ips), O(ef_skip_last_ip), O(ef_users)).
  - Only the options that are set are managed. Lists are compared as sets. Values Exchange rewrites, such as
    sender domains stored as C(smtp:example.com;1), or C(198.51.100.7/32) read back as C(198.51.100.7), compare
    equal, so a second run changes nothing.
  - IP lists (O(sender_ip_addresses), O(ef_skip_ips)) compare as the addresses they cover - single addresses, CIDR
    ranges and C(a-b) ranges, split or merged, are the same value - and are shown as the minimal list of networks.
    What is written keeps the forms given.
  - Everything is validated before the first write, for example O(sender_ip_addresses) accepts only IPv4 addresses
    and IPv4 CIDR ranges from /24 to /32.
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
        C(Get-InboundConnector | ConvertTo-Json) in Windows PowerShell 5.1 or PowerShell 7 - dates as C(/Date) values
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
    description:
      - V(Partner) for mail from a partner or a third-party service such as a gateway, V(OnPremises) for your own
        servers. New connectors are V(Partner).
    type: str
    choices: [Partner, OnPremises]
  comment:
    description: A comment. An empty string removes it.
    type: str
  sender_domains:
    description:
      - The sender domains the connector applies to; V(*) for all. Required to create the connector.
      - C(smtp:example.com;1) and C(example.com) are the same value.
    type: list
    elements: str
  sender_ip_addresses:
    description:
      - The IP addresses that identify the partner - IPv4 addresses or IPv4 CIDR ranges from /24 to /32. IPv6 and
        ranges wider than /24 are refused before anything is written.
    type: list
    elements: str
  associated_accepted_domains:
    description: Limits the connector to these accepted domains.
    type: list
    elements: str
  require_tls:
    description: Reject mail that is not sent over TLS.
    type: bool
  restrict_domains_to_ip_addresses:
    description:
      - Reject mail from O(sender_domains) that does not come from O(sender_ip_addresses). Partner connectors only.
    type: bool
  restrict_domains_to_certificate:
    description:
      - Reject mail from O(sender_domains) whose TLS certificate does not match O(tls_sender_certificate_name).
        Partner connectors only.
    type: bool
  tls_sender_certificate_name:
    description: The certificate subject (domain, wildcard allowed) that identifies the partner.
    type: str
  treat_messages_as_internal:
    description: Treat mail as internal. OnPremises connectors without O(cloud_services_mail_enabled) only.
    type: bool
  cloud_services_mail_enabled:
    description: Hybrid cross-premises headers. Do not use unless Microsoft tells you to.
    type: bool
  trusted_organizations:
    description: Other Microsoft 365 organizations trusted by this connector.
    type: list
    elements: str
  ef_skip_ips:
    description:
      - Enhanced Filtering for Connectors - the public IP addresses (single, C(a-b) range or CIDR, IPv4 or IPv6) to
        skip, that is every hop of the gateway. A value that is or covers an RFC 1918 address is refused (Exchange
        skips those by itself).
    type: list
    elements: str
  ef_skip_last_ip:
    description:
      - Enhanced Filtering for Connectors - skip only the last hop. V(false) with an empty O(ef_skip_ips) turns
        Enhanced Filtering off. Do not combine with O(ef_skip_ips).
    type: bool
  ef_users:
    description:
      - Limits Enhanced Filtering to these recipients (for a pilot); empty means everybody.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Inbound from the gateway (guide step S2), locked down, with Enhanced Filtering
  mailops.secure_email.exo_inbound_connector:
    name: Inbound from Cisco CES
    connector_type: Partner
    sender_domains: ["*"]
    sender_ip_addresses: [198.51.100.105, 198.51.100.143, 203.0.113.186, 203.0.113.98]
    require_tls: true
    restrict_domains_to_ip_addresses: true
    ef_skip_ips: [198.51.100.105, 198.51.100.143, 203.0.113.186, 203.0.113.98]

- name: Same connector, credentials from module_defaults
  module_defaults:
    group/mailops.secure_email.exo:
      tenant_id: contoso.onmicrosoft.com
      client_id: "{{ exo_client_id }}"
      certificate_path: /etc/ansible/exo-app.pem
  mailops.secure_email.exo_inbound_connector:
    name: Inbound from Cisco CES
    enabled: true

- name: Remove it
  mailops.secure_email.exo_inbound_connector:
    name: Inbound from Cisco CES
    state: absent

- name: An export of the tenant (Get-InboundConnector | ConvertTo-Json) as module options
  mailops.secure_email.exo_inbound_connector:
    state: parsed
    running_config: "{{ lookup('ansible.builtin.file', 'inbound-connectors.json') }}"
  register: exported
"""

RETURN = r"""
connector:
  description:
    - The connector after the task, normalised (option names; sender domains without C(smtp:) and C(;1)); in check
      mode what it would be. C(null) when absent.
  returned: when O(state=present) or O(state=absent)
  type: dict
  sample: {"name": "Inbound from Cisco CES", "connector_type": "Partner", "sender_domains": ["*"],
           "sender_ip_addresses": ["198.51.100.105"], "require_tls": true, "enabled": true}
changes:
  description: The options that differed (and were written, unless in check mode).
  returned: when O(state=present)
  type: list
  elements: str
  sample: ["sender_ip_addresses"]
parsed:
  description:
    - The connectors of O(running_config), each with C(name) and the options the export holds (empty lists and
      strings included, so they are managed too). Sender domains without C(smtp:) and C(;1); IP values as written.
  returned: when O(state=parsed)
  type: list
  elements: dict
  sample: [{"name": "Inbound from Cisco CES", "connector_type": "Partner", "sender_domains": ["*"],
            "sender_ip_addresses": ["198.51.100.0/24"], "ef_skip_ips": ["198.51.100.0-198.51.100.255"],
            "require_tls": true, "enabled": true, "comment": ""}]
http_calls:
  description: HTTP calls made (token endpoint, InvokeCommand, retries among them).
  returned: when O(state=present) or O(state=absent)
  type: dict
  sample: {"token": 2, "invoke": 3, "retries": 0, "total": 5}
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._exo.connector_module import run_inbound, inbound_spec


def main():
    argument_spec, kwargs = inbound_spec()
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **kwargs)
    run_inbound(module)


if __name__ == "__main__":
    main()
