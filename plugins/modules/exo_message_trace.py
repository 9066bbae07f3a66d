#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: exo_message_trace
short_description: Search the Exchange Online message trace
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Runs C(Get-MessageTraceV2) to check test messages (guide steps S7 and S13).
  - Splits the time window into 10-day queries, follows Exchange's truncation warning (keyset of the last row's
    C(Received) and C(RecipientAddress)) and removes the duplicate rows Exchange returns.
extends_documentation_fragment:
  - mailops.secure_email._exo
  - mailops.secure_email._exo.attributes
  - mailops.secure_email._exo.read_attributes
options:
  sender_address:
    description: Sender addresses (C(*@contoso.com) for a whole domain).
    type: list
    elements: str
  recipient_address:
    description: Recipient addresses (C(*@contoso.com) for a whole domain).
    type: list
    elements: str
  message_id:
    description: Internet message IDs (with the angle brackets).
    type: list
    elements: str
  status:
    description:
      - Delivery status values (any case) - C(None), C(GettingStatus), C(Failed), C(Pending), C(Delivered),
        C(Expanded), C(Quarantined), C(FilteredAsSpam).
    type: list
    elements: str
  subject:
    description: Text to look for in the subject.
    type: str
  subject_filter_type:
    description: How O(subject) matches.
    type: str
    choices: [Contains, StartsWith, EndsWith]
    default: Contains
  start_date:
    description: Start of the window (ISO 8601; no zone means UTC); at most 90 days ago. Default O(end_date) minus O(hours).
    type: str
  end_date:
    description: End of the window (ISO 8601); default now.
    type: str
  hours:
    description: The window length when O(start_date) is not set, 1 to 2160 (90 days).
    type: int
    default: 48
  page_size:
    description: C(ResultSize) of one query, 1 to 5000.
    type: int
    default: 1000
  max_results:
    description: Stop after this many messages.
    type: int
    default: 5000
  max_queries:
    description: Stop after this many queries (Exchange accepts 100 message trace queries per 5 minutes).
    type: int
    default: 20
"""

EXAMPLES = r"""
- name: Did the test message arrive? (guide step S7)
  mailops.secure_email.exo_message_trace:
    recipient_address: [user@example.com]
    subject: Inbound test
    hours: 2
  register: trace
  until: trace.messages | selectattr('Status', 'equalto', 'Delivered') | list | length > 0
  retries: 10
  delay: 60
"""

RETURN = r"""
messages:
  description: The trace rows (annotations removed), newest first, one per message trace ID and recipient.
  returned: always
  type: list
  elements: dict
  sample: [{"MessageTraceId": "a4acd0a2-1b62-4d07-db4f-08dee905ee9b", "Received": "2026-07-23T22:01:22.0480000Z",
            "SenderAddress": "a@example.net", "RecipientAddress": "user@example.com", "Status": "Delivered"}]
count:
  description: The number of messages.
  returned: always
  type: int
queries:
  description: The number of C(Get-MessageTraceV2) queries made.
  returned: always
  type: int
truncated:
  description: Whether more rows exist than were read (limits reached).
  returned: always
  type: bool
start_date:
  description: The window's start, UTC.
  returned: always
  type: str
end_date:
  description: The window's end, UTC.
  returned: always
  type: str
http_calls:
  description: HTTP calls made (token endpoint, InvokeCommand, retries among them).
  returned: always
  type: dict
  sample: {"token": 2, "invoke": 3, "retries": 0, "total": 5}
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._exo.info_module import run_trace, trace_spec


def main():
    argument_spec, kwargs = trace_spec()
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **kwargs)
    run_trace(module)


if __name__ == "__main__":
    main()
