#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: esa_message_tracking
short_description: Search message tracking on the gateway or the SMA (AsyncOS API)
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Queries C(GET /esa/api/v2.0/message-tracking/messages) (or C(/sma/api/v2.0/...) on a Secure Email and Web
    Manager) for a time window, to find test messages (guide steps S7 and S13).
  - Follows the C(offset)/C(limit) pages. Returns each message with its MID, status and timestamp.
  - The AsyncOS API must be enabled on the appliance (HTTPS port 6443 by default). Endpoint, window and
    authentication follow Cisco's AsyncOS API Getting Started Guide; see C(docs/mail-flow.md) for the sources and
    what is reconstructed.
options:
  host:
    description: The appliance's host name or address.
    type: str
    required: true
  port:
    description: The AsyncOS API HTTPS port.
    type: int
    default: 6443
  appliance:
    description: V(esa) for a gateway, V(sma) for a Secure Email and Web Manager (centralised tracking).
    type: str
    choices: [esa, sma]
    default: esa
  username:
    description: An appliance user allowed to use the API.
    type: str
    default: admin
  password:
    description: The user's password.
    type: str
    required: true
  auth:
    description:
      - V(basic) sends HTTP Basic authentication on each request; V(jwt) logs in once (C(POST .../login)) and
        sends the token in the C(jwtToken) header.
    type: str
    choices: [basic, jwt]
    default: basic
  validate_certs:
    description: Verify the appliance's TLS certificate. Only turn this off for tests.
    type: bool
    default: true
  ca_path:
    description: A CA bundle to verify the appliance's certificate with.
    type: path
  timeout:
    description: Seconds to wait for each HTTP answer.
    type: int
    default: 30
  start_date:
    description: Start of the window (ISO 8601; no zone means UTC). Default O(end_date) minus O(minutes).
    type: str
  end_date:
    description: End of the window (ISO 8601); default now.
    type: str
  minutes:
    description: The window length when O(start_date) is not set.
    type: int
    default: 60
  subject:
    description: Text to look for in the subject.
    type: str
  subject_match:
    description: How O(subject) matches.
    type: str
    choices: [is, begins_with, contains]
    default: contains
  sender:
    description: The envelope sender (exact address).
    type: str
  recipient:
    description: An envelope recipient (exact address).
    type: str
  message_id:
    description: The Message-ID header (with or without the angle brackets).
    type: str
  page_size:
    description: C(limit) of one query.
    type: int
    default: 100
  max_results:
    description: Stop after this many messages.
    type: int
    default: 1000
extends_documentation_fragment:
  - mailops.secure_email._exo.read_attributes
attributes:
  platform:
    support: full
    platforms: asyncos
    description: Cisco AsyncOS (Secure Email Gateway, or the Secure Email and Web Manager with O(appliance=sma)).
notes:
  - Runs on the controller (C(connection=local)); it uses HTTPS, not the SSH connection of the other ESA modules.
  - The result has C(http_calls), the number of HTTP calls made.
"""

EXAMPLES = r"""
- name: Did the outbound test message pass the gateway? (guide step S13)
  mailops.secure_email.esa_message_tracking:
    host: esa1.example.com
    password: "{{ vault_esa_api_password }}"
    subject: Outbound test
    minutes: 30
  delegate_to: localhost
  register: tracking
  until: tracking.messages | selectattr('status', 'equalto', 'Delivered') | list | length > 0
  retries: 10
  delay: 30
"""

RETURN = r"""
messages:
  description: The messages found, newest first.
  returned: always
  type: list
  elements: dict
  sample: [{"mid": 7, "mids": [7], "icid": 12, "status": "Delivered", "timestamp": "05 Dec 2026 02:00:00 (GMT +00:00)",
            "sender": "user@contoso.example", "recipients": ["x@example.net"], "subject": "Outbound test",
            "message_id": "<probe-1@contoso.example>", "sender_ip": "40.107.1.10", "host": "esa1.example.com"}]
count:
  description: The number of messages returned.
  returned: always
  type: int
total_count:
  description: The number of matching messages the appliance reported (C(meta.totalCount)).
  returned: always
  type: int
truncated:
  description: Whether more messages matched than were read (O(max_results)).
  returned: always
  type: bool
start_date:
  description: The window's start, UTC, as sent.
  returned: always
  type: str
end_date:
  description: The window's end, UTC, as sent.
  returned: always
  type: str
http_calls:
  description: HTTP calls made.
  returned: always
  type: int
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._esa.tracking import (
    OPERATORS,
    TrackingClient,
    TrackingError,
    api_time,
    window,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            host=dict(type="str", required=True),
            port=dict(type="int", default=6443),
            appliance=dict(type="str", choices=["esa", "sma"], default="esa"),
            username=dict(type="str", default="admin"),
            password=dict(type="str", required=True, no_log=True),
            auth=dict(type="str", choices=["basic", "jwt"], default="basic"),
            validate_certs=dict(type="bool", default=True),
            ca_path=dict(type="path"),
            timeout=dict(type="int", default=30),
            start_date=dict(type="str"),
            end_date=dict(type="str"),
            minutes=dict(type="int", default=60),
            subject=dict(type="str"),
            subject_match=dict(type="str", choices=list(OPERATORS), default="contains"),
            sender=dict(type="str"),
            recipient=dict(type="str"),
            message_id=dict(type="str"),
            page_size=dict(type="int", default=100),
            max_results=dict(type="int", default=1000),
        ),
        supports_check_mode=True,
    )
    params = module.params
    for name in ("minutes", "page_size", "max_results", "timeout"):
        if params[name] < 1:
            module.fail_json(msg="%s must be 1 or more" % name)
    client = TrackingClient(params["host"], params["username"], params["password"], port=params["port"],
                            appliance=params["appliance"], auth=params["auth"],
                            validate_certs=params["validate_certs"], ca_path=params["ca_path"],
                            timeout=params["timeout"])
    try:
        start, end = window(params["start_date"], params["end_date"], params["minutes"])
        messages, total, truncated = client.messages(
            start, end, page_size=params["page_size"], max_results=params["max_results"],
            subject=params["subject"], subject_match=params["subject_match"], sender=params["sender"],
            recipient=params["recipient"], message_id=params["message_id"])
    except TrackingError as exc:
        module.fail_json(msg=str(exc), http_calls=client.calls)
    module.exit_json(changed=False, messages=messages, count=len(messages), total_count=total, truncated=truncated,
                     start_date=api_time(start), end_date=api_time(end), http_calls=client.calls)


if __name__ == "__main__":
    main()
