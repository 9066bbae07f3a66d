#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: exo_transport_rule
short_description: Manage an Exchange Online transport (mail flow) rule
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Creates, updates or removes one transport rule (C(New-/Set-/Remove-TransportRule)) by name, and turns it on or
    off with C(Enable-/Disable-TransportRule) (C(Set-TransportRule) has no C(Enabled)).
  - Guide steps S1 (sender IP ranges of the gateway, set SCL -1) and S11 (sender inside, recipient outside the
    organization, route through the outbound connector and set the secret header).
  - Only the options that are set are managed; lists are compared as sets; an empty list or string clears a value.
  - O(sender_ip_ranges) and O(except_if_sender_ip_ranges) compare as the addresses they cover - single addresses,
    CIDR ranges and C(a-b) ranges, split or merged, are the same value - and are shown as the minimal list of
    networks; what is written keeps the forms given.
  - O(set_header_value) is a secret - it never appears in output, logs or the diff (C(********)), with or without
    C(no_log) on the task. The value the rule holds in Exchange is masked as well (also in error messages), and so
    are the patterns and words of a condition on the rule's own header or on C(X-OUTBOUND-AUTH) (the outbound
    secret header); see C(docs/secrets.md) of the collection.
  - Header names (O(set_header_name), O(remove_header) and the header conditions) must be RFC 5322 field names -
    printable US-ASCII without spaces or C(:); any other name is refused before anything is written.
  - O(priority) is set only when given. Exchange then shifts the other rules; their new priorities are not drift.
  - A rule without any condition applies to all messages, so it needs O(allow_no_conditions=true).
extends_documentation_fragment:
  - mailops.secure_email._exo
  - mailops.secure_email._exo.attributes
  - mailops.secure_email._exo.write_attributes
options:
  name:
    description: The rule name (at most 64 characters), matched case-insensitively. Required unless O(state=parsed).
    type: str
  state:
    description:
      - V(present) creates or updates the rule, V(absent) removes it.
      - V(parsed) turns O(running_config), an export of existing rules, into this module's options in RV(parsed),
        without connecting to Exchange.
    type: str
    choices: [present, absent, parsed]
    default: present
  running_config:
    description:
      - With O(state=parsed), the export to read - JSON text or the decoded data. Accepted are the records of the
        REST gateway (one record, a list, or the whole answer, which holds them in C(value)) and the output of
        C(Get-TransportRule | ConvertTo-Json) in Windows PowerShell 5.1 or PowerShell 7 - dates as C(/Date) values
        (milliseconds since 1970) or ISO 8601, arrays written as an object with C(value) and C(Count), a leading
        byte-order mark.
      - C(State) becomes O(enabled) and C(Priority) O(priority). Enumerations must be names (for example
        C(Enforce)); a number is refused naming the property. Every problem names the record, the property and the
        option.
      - Secrets are left out of RV(parsed) and named in RV(omitted_secrets) - the value a rule sets in a header,
        and the patterns or words of a condition on the rule's own header or on C(X-OUTBOUND-AUTH).
    type: raw
  enabled:
    description: Whether the rule is on (C(State) Enabled). New rules are on unless this is V(false).
    type: bool
  priority:
    description: The rule's position, 0 being the highest; with N rules, 0 to N-1 (0 to N for a new rule).
    type: int
  allow_no_conditions:
    description: Allow a rule without conditions, which acts on every message.
    type: bool
    default: false
  comments:
    description: Comments, at most 1024 characters.
    type: str
  mode:
    description: V(Enforce), or one of the audit modes.
    type: str
    choices: [Audit, AuditAndNotify, Enforce]
  activation_date:
    description: When the rule starts to act (ISO 8601; no zone means UTC). Compared in UTC.
    type: str
  expiry_date:
    description: When the rule stops acting (ISO 8601; no zone means UTC). Compared in UTC.
    type: str
  rule_error_action:
    description: What to do when the rule cannot be processed.
    type: str
    choices: [Ignore, Defer]
  sender_address_location:
    description: Where sender conditions look.
    type: str
    choices: [Header, Envelope, HeaderOrEnvelope]
  sender_ip_ranges:
    description:
      - Condition - the sender IP (in Exchange Online the last hop before the service, so behind a gateway the
        gateway's IP) is one of these addresses, C(a-b) ranges or CIDR ranges.
    type: list
    elements: str
  from_scope:
    description: Condition - the sender is inside or outside the organization.
    type: str
    choices: [InOrganization, NotInOrganization]
  sent_to_scope:
    description: Condition - the recipient is inside or outside the organization.
    type: str
    choices: [InOrganization, NotInOrganization, ExternalPartner, ExternalNonPartner]
  sender_domain_is:
    description: Condition - the sender's domain (or a subdomain) is one of these.
    type: list
    elements: str
  recipient_domain_is:
    description: Condition - a recipient's domain is one of these.
    type: list
    elements: str
  from_addresses:
    description: Condition - the sender is one of these addresses (C(From)).
    type: list
    elements: str
  sent_to:
    description: Condition - a recipient is one of these addresses (C(SentTo)).
    type: list
    elements: str
  header_matches_message_header:
    description: Condition - this header matches one of O(header_matches_patterns).
    type: str
  header_matches_patterns:
    description: Regular expressions for O(header_matches_message_header).
    type: list
    elements: str
  header_contains_message_header:
    description: Condition - this header contains one of O(header_contains_words).
    type: str
  header_contains_words:
    description: Words for O(header_contains_message_header).
    type: list
    elements: str
  subject_contains_words:
    description: Condition - the subject contains one of these words.
    type: list
    elements: str
  except_if_sender_ip_ranges:
    description: Exception - the sender IP is in one of these ranges.
    type: list
    elements: str
  except_if_from_scope:
    description: Exception - the sender is inside or outside the organization.
    type: str
    choices: [InOrganization, NotInOrganization]
  except_if_sent_to_scope:
    description: Exception - the recipient is inside or outside the organization.
    type: str
    choices: [InOrganization, NotInOrganization, ExternalPartner, ExternalNonPartner]
  except_if_sender_domain_is:
    description: Exception - the sender's domain is one of these.
    type: list
    elements: str
  except_if_header_matches_message_header:
    description: Exception - this header matches one of O(except_if_header_matches_patterns).
    type: str
  except_if_header_matches_patterns:
    description: Regular expressions for O(except_if_header_matches_message_header).
    type: list
    elements: str
  set_scl:
    description:
      - Action - set the spam confidence level, -1 (bypass spam filtering) or 0 to 9.
      - V(-1) draws a warning - Microsoft recommends Enhanced Filtering for Connectors instead.
    type: int
  set_header_name:
    description: Action - set this header (with O(set_header_value)).
    type: str
  set_header_value:
    description: Action - the value of O(set_header_name). Treated as a secret.
    type: str
  remove_header:
    description: Action - remove this header.
    type: str
  route_message_outbound_connector:
    description: Action - route through this outbound connector (which should be scoped to transport rules).
    type: str
  route_message_outbound_require_tls:
    description: Action - require TLS for outbound delivery.
    type: bool
  prepend_subject:
    description: Action - prepend this text to the subject.
    type: str
  set_audit_severity:
    description: Action - the audit severity.
    type: str
    choices: [DoNotAudit, Low, Medium, High]
  stop_rule_processing:
    description: Stop processing more rules.
    type: bool
  delete_message:
    description: Action - delete the message.
    type: bool
  quarantine:
    description: Action - quarantine the message.
    type: bool
"""

EXAMPLES = r"""
- name: An export of the tenant's rules (Get-TransportRule | ConvertTo-Json) as module options
  mailops.secure_email.exo_transport_rule:
    state: parsed
    running_config: "{{ lookup('ansible.builtin.file', 'transport-rules.json') }}"
  register: exported

- name: Outbound to the gateway with the shared secret header (guide step S11)
  mailops.secure_email.exo_transport_rule:
    name: Outbound to Cisco CES
    from_scope: InOrganization
    sent_to_scope: NotInOrganization
    route_message_outbound_connector: Outbound to Cisco CES
    set_header_name: X-OUTBOUND-AUTH
    set_header_value: "{{ outbound_secret }}"
    priority: 0

- name: Bypass spam filtering for the gateway (guide step S1; prefer Enhanced Filtering)
  mailops.secure_email.exo_transport_rule:
    name: Bypass spam filtering - inbound email from Cisco CES
    sender_ip_ranges: [198.51.100.105, 198.51.100.143, 203.0.113.186, 203.0.113.98]
    set_scl: -1

- name: Turn it off
  mailops.secure_email.exo_transport_rule:
    name: Bypass spam filtering - inbound email from Cisco CES
    enabled: false
"""

RETURN = r"""
parsed:
  description:
    - The rules of O(running_config), each with C(name), C(enabled), C(priority) and the options the export holds
      (empty lists and strings included, so they are managed too), secrets left out.
  returned: when O(state=parsed)
  type: list
  elements: dict
  sample: [{"name": "Route outbound through Cisco CES", "enabled": true, "priority": 0, "mode": "Enforce",
            "from_scope": "InOrganization", "sent_to_scope": "NotInOrganization", "set_header_name": "X-OUTBOUND-AUTH",
            "route_message_outbound_connector": "Outbound to Cisco CES"}]
omitted_secrets:
  description: The options left out of RV(parsed) because they hold secrets, as C(running_config[i] (name).option).
  returned: when O(state=parsed)
  type: list
  elements: str
  sample: ["running_config[0] (Route outbound through Cisco CES).set_header_value"]
rule:
  description: The rule after the task, normalised (option names, C(enabled), C(priority)); secrets masked.
  returned: always
  type: dict
  sample: {"name": "Outbound to Cisco CES", "set_header_name": "x-outbound-auth", "set_header_value": "********",
           "enabled": true, "priority": 0}
changes:
  description: The options that differed (C(enabled) and C(priority) included).
  returned: when O(state=present)
  type: list
  elements: str
http_calls:
  description: HTTP calls made (token endpoint, InvokeCommand, retries among them).
  returned: always
  type: dict
  sample: {"token": 2, "invoke": 3, "retries": 0, "total": 5}
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._exo.transport_rule_module import rule_spec, run


def main():
    argument_spec, kwargs = rule_spec()
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **kwargs)
    run(module)


if __name__ == "__main__":
    main()
