#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: mail_flow_test
short_description: Send a probe message through the gateway and Exchange Online and follow it hop by hop
version_added: 1.1.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Proves mail flow end to end for guide steps S7 (inbound) and S13 (outbound), and that Exchange Online refuses
    mail that goes around the gateway.
  - V(inbound) submits the probe by SMTP to the gateway's public listener (hop C(gateway-accept)), follows it in the
    gateway's message tracking (AsyncOS API) until it is Delivered (C(gateway-tracking)), then in Exchange Online's
    message trace (C(Get-MessageTraceV2)) until it is Delivered (C(tenant-trace)).
  - V(outbound) submits the probe with Microsoft Graph C(POST /users/{sender}/sendMail) as O(sender)
    (C(tenant-submit)), follows it in the message trace until it is Delivered to the outbound connector's smart host
    (C(tenant-trace)), then in the gateway's tracking until the gateway has Delivered it (C(gateway-tracking)).
  - V(bypass) sends the probe by SMTP straight to the tenant's inbound endpoint (the domain's
    C(*.mail.protection.outlook.com) host, port 25), not through the gateway (C(tenant-refuse)). It passes when the
    tenant refuses it with a 5xx reply (the inbound connector's restriction works) and fails when the tenant accepts
    it; the failure then names the inbound connectors and whether they restrict (read with C(Get-InboundConnector)).
  - Every probe carries the header C(X-Mailops-Probe) with O(probe_id), and its subject contains O(probe_id); the
    searches look for that subject.
  - "The task fails at the first hop that fails or is still pending at O(timeout), with a message naming the hop and
    why, for example C(hop gateway-tracking: message 12 Dropped) (the lab adds the verdict, C(Dropped by filter
    outbound_auth)) or C(hop tenant-refuse: the tenant accepted the probe ...: connector restriction missing)."
  - This is an action plugin that runs on the controller, so that every poll prints a progress line while the task
    waits (a module returns its output only at the end). SMTP, the AsyncOS API and Microsoft's APIs are therefore
    reached from the controller.
  - The result is never C(changed). The probe is a real message, but no configuration changes.
  - The secret header (O(header_name)) is not read. Whether the gateway stripped it cannot be seen on a real system,
    so only what tracking and trace show is reported.
attributes:
  check_mode:
    support: full
    description: Nothing is sent; the result has C(skipped=true).
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
  action:
    support: full
    description: The probe runs in the action plugin on the controller.
  async:
    support: none
    description: The task cannot run asynchronously; use O(timeout).
options:
  probe:
    description: Which probe to send.
    type: str
    required: true
    choices: [inbound, outbound, bypass]
  recipient:
    description:
      - The recipient. V(inbound) and V(bypass) - a mailbox of a tenant domain. V(outbound) - an address outside the
        organisation.
    type: str
    required: true
  sender:
    description:
      - The envelope and header sender. Required for V(outbound), where it is the mailbox Graph sends as.
      - For V(inbound) and V(bypass) the default is C(mail-flow-test@mailops.invalid).
    type: str
  gateway:
    description: The gateway's SMTP listener and AsyncOS API (message tracking). Needed for V(inbound) and V(outbound).
    type: dict
    suboptions:
      smtp_host:
        description: The gateway's public listener (the domain's MX host). Required for V(inbound).
        type: str
      smtp_port:
        description: Its port.
        type: int
        default: 25
      api_host:
        description: The AsyncOS API host (the gateway or the SMA).
        type: str
      api_port:
        description: The AsyncOS API port.
        type: int
        default: 6443
      api_username:
        description: The API user.
        type: str
        default: admin
      api_password:
        description: The API user's password.
        type: str
      api_ca_path:
        description: A CA bundle to verify the API's certificate with.
        type: path
      validate_certs:
        description: Verify the API's TLS certificate. Only turn this off for tests.
        type: bool
        default: true
  tenant:
    description:
      - Exchange Online and Microsoft Graph. The credential options are those of the C(exo_*) modules (see
        M(mailops.secure_email.exo_message_trace)); the same app needs C(Exchange.ManageAsApp) (message trace,
        C(Get-InboundConnector)) and, for V(outbound), the Microsoft Graph application permission C(Mail.Send).
      - Needed for V(inbound) and V(outbound); for V(bypass) only to name the connectors on failure, and for
        O(tenant.smtp_host)/O(tenant.smtp_port).
    type: dict
    suboptions:
      tenant_id:
        description: The tenant, as its GUID or its initial domain.
        type: str
        aliases: [tenant]
      client_id:
        description: The application (client) ID of the app registration.
        type: str
      client_secret:
        description: A client secret of the app.
        type: str
      certificate_path:
        description: A PEM file with the private key of the app's certificate (and normally the certificate).
        type: path
      certificate_content:
        description: The same PEM content as a string.
        type: str
      certificate_password:
        description: The passphrase of an encrypted private key.
        type: str
      certificate_thumbprint:
        description: The SHA-1 thumbprint of the certificate, when the PEM holds no certificate.
        type: str
      cloud:
        description: The Microsoft cloud (Exchange host, Entra authority, token scopes).
        type: str
        choices: [china, commercial, dod, gcc, gcc_high]
        default: commercial
      base_url:
        description: Overrides the Exchange host of O(tenant.cloud), for example the lab.
        type: str
      authority:
        description: Overrides the Entra authority host of O(tenant.cloud).
        type: str
      ca_path:
        description: A CA bundle to verify the authority, Exchange and Graph with.
        type: path
      validate_certs:
        description: Verify TLS certificates. Only turn this off for tests.
        type: bool
        default: true
      timeout:
        description: Seconds to wait for one HTTP answer.
        type: int
        default: 120
      max_retries:
        description: Retries of one Exchange call on throttling and server errors.
        type: int
        default: 6
      retry_max_delay:
        description: The cap, in seconds, of one wait between retries.
        type: float
        default: 30.0
      graph_url:
        description:
          - The Microsoft Graph endpoint base; C(/v1.0/users/{sender}/sendMail) is appended. The lab serves Graph on
            its Exchange HTTPS port. The token is always for the cloud's Graph resource.
        type: str
        default: https://graph.microsoft.com
      smtp_host:
        description:
          - V(bypass) - the tenant's inbound endpoint. Default the recipient domain's
            C(<domain-with-dashes>.mail.protection.outlook.com).
        type: str
      smtp_port:
        description: V(bypass) - its port.
        type: int
        default: 25
  header_name:
    description:
      - The secret header of guide steps S11 and S12. Kept for reporting only; its value is never read or shown.
    type: str
    default: X-OUTBOUND-AUTH
  timeout:
    description: Seconds the whole probe may take; a hop still waiting then is reported C(pending) and the task fails.
    type: int
    default: 300
  interval:
    description: Seconds between two polls of tracking or trace.
    type: int
    default: 5
  probe_id:
    description: The probe's identifier, in its subject and C(X-Mailops-Probe) header. Default a new UUID.
    type: str
  smtp_client_ip:
    description:
      - Lab only - the client address to present with C(XCLIENT ADDR=) (Postfix's XCLIENT extension, which the lab
        offers to loopback clients). A real gateway or tenant does not offer XCLIENT; the task then fails.
    type: str
notes:
  - Message trace in Exchange Online can lag by several minutes; keep O(timeout) generous on a real tenant.
  - No secret (client secret, API password, the outbound header's value) appears in the result, the progress lines or
    a failure message.
requirements:
  - msal
  - requests
"""

EXAMPLES = r"""
- name: S7 - inbound mail goes through the gateway to the mailbox
  mailops.secure_email.mail_flow_test:
    probe: inbound
    recipient: user@example.com
    gateway:
      smtp_host: mx1.hc1234-56.iphmx.com
      api_host: dh1234-esa1.iphmx.com
      api_password: "{{ vault_esa_api_password }}"
    tenant:
      tenant_id: "{{ exo_tenant_id }}"
      client_id: "{{ exo_client_id }}"
      client_secret: "{{ vault_exo_client_secret }}"
    timeout: 900
    interval: 30

- name: S13 - outbound mail leaves through the gateway
  mailops.secure_email.mail_flow_test:
    probe: outbound
    sender: probe-mailbox@example.com
    recipient: someone@example.org
    gateway:
      api_host: dh1234-esa1.iphmx.com
      api_password: "{{ vault_esa_api_password }}"
    tenant:
      tenant_id: "{{ exo_tenant_id }}"
      client_id: "{{ exo_client_id }}"
      client_secret: "{{ vault_exo_client_secret }}"

- name: Mail around the gateway is refused by the inbound connector
  mailops.secure_email.mail_flow_test:
    probe: bypass
    recipient: user@example.com
"""

RETURN = r"""
probe_id:
  description: The probe's identifier (in its subject and C(X-Mailops-Probe) header).
  returned: always
  type: str
  sample: 3f0c1a62-5b8e-4f3e-9d0a-6f1d2c3b4a59
passed:
  description: Whether every hop passed.
  returned: always
  type: bool
failed_hop:
  description: The first hop that failed or was still pending, or null.
  returned: always
  type: str
  sample: gateway-tracking
hops:
  description: The hops in order, as far as the probe got.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: C(gateway-accept), C(gateway-tracking), C(tenant-submit), C(tenant-trace) or C(tenant-refuse).
      type: str
    status:
      description: V(passed), V(failed) or V(pending) (still waiting at O(timeout)).
      type: str
    seconds:
      description: How long the hop took.
      type: float
    detail:
      description: What was seen, for example C(message 12 Delivered) or C(refused 550 5.7.1 ...).
      type: str
  sample:
    - {name: gateway-accept, status: passed, seconds: 0.2, detail: "accepted 250 ok:  Message 12 accepted"}
    - {name: gateway-tracking, status: passed, seconds: 5.1, detail: message 12 Delivered}
    - {name: tenant-trace, status: passed, seconds: 10.3, detail: "trace 7d0c... Delivered from 198.51.100.105"}
skipped:
  description: True in check mode (nothing was sent).
  returned: check mode
  type: bool
"""
