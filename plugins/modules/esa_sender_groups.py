#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: esa_sender_groups
short_description: Manage the HAT sender groups of a listener on a Cisco Secure Email Gateway (ESA/CES)
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Manages the sender groups of one listener's Host Access Table (C(listenerconfig) > C(edit) > C(hostaccess)) as one
    resource - each group's members, SenderBase Reputation Score range, mail flow policy, comment, DNS host
    verification and (with V(overridden)) the order.
  - This is step S8 of the Microsoft 365 guide - the C(RELAY_O365) group on the outgoing listener that relays mail
    from C(.protection.outlook.com) through C($RELAYED).
  - The table is read from C(showconfig) (the C(<hat>) of the listener). New groups are added with C(NEW) before
    C(ALL); a changed group is edited in its own sub-menu (C(NEW) hosts, C(DELETE) host, C(POLICY), C(COMMENT),
    C(VERIFY)); groups are removed with C(DELETE) and ordered with C(MOVE).
  - C(ALL) is always the last group and cannot be deleted; its policy and comment can be changed.
  - The sender groups are matched in order and the first match wins. With V(merged) and V(replaced) existing groups
    keep their position and new ones go just before C(ALL), in the order of O(config). With V(overridden) the order
    of the groups on the appliance becomes the order of O(config).
  - B(Open-relay guard.) Before any write (and in check mode) the module computes the effective Host Access Table
    of every listener after the change - the rows in match order (sender groups, bare host entries with an inline
    behaviour, C(ALL)), their members, and each row's policy resolved to its behaviour - and which connecting hosts
    end in a RELAY behaviour. It refuses the change when it makes or keeps, on a row it modifies, relaying for hosts
    outside the declared relay sources - the C(ALL) row on a relaying policy (an open relay), a catch-all or very
    broad member (C(0.0.0.0/0), C(::/0), more than a /8 of IPv4 or a /16 of IPv6, a whole top-level domain),
    reputation or list terms (C(SBRS[...]), C(SBO:), C(dnslist[...]), DNS host verification), or hosts outside
    O(relay_sources) when given. A group that matches address space every Microsoft 365 tenant shares
    (C(.protection.outlook.com), Microsoft's published outbound ranges) relays only if an active message filter
    checks C(sendergroup == "<that group>") and a secret header and drops the rest (guide step S12; the filters are
    read from the appliance, committed or pending in the session).
  - The error names the listener, the row, the policy and the fix. An open relay already on the appliance on a row
    the change does not modify is reported as a warning and does not block the change. Set
    O(allow_open_relay=true) to accept the risk; the module then warns.
extends_documentation_fragment:
  - mailops.secure_email._esa
  - mailops.secure_email._esa.states
  - mailops.secure_email._esa.attributes
  - mailops.secure_email._esa.table_attributes
  - mailops.secure_email._esa.relay_guard
options:
  listener:
    description:
      - The listener whose sender groups to manage, for example C(OutgoingMail) or C(IncomingMail). The module checks
        that it exists before writing.
    type: str
    required: true
  confirm_overridden:
    description:
      - Must be V(true) with O(state=overridden). Overriding the sender groups removes every group not listed, which
        can make the listener refuse or relay mail it should not.
    type: bool
    default: false
  config:
    description:
      - The sender groups, keyed by O(config[].name) (case-insensitive, like the appliance).
      - With V(merged) unset options keep their value and O(config[].members) are added to the group's members. With
        V(replaced) and V(overridden) the group becomes exactly the entry (no members, no SBRS range, no comment and
        no DNS verification unless given).
      - Members are compared as a set, in the appliance's canonical form (hostnames lower case, IPv6 compressed), so
        their order does not matter and a second run reports no change. New members are added after the existing ones.
      - O(config[].comment) is the group's comment; the top-level O(comment) is the commit comment.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - The sender group name - a letter, then letters, digits, C(-) and C(_), up to 60 characters - or V(ALL).
        type: str
        required: true
      members:
        description:
          - The senders the group matches - IPv4 or IPv6 addresses (C(192.0.2.10)), partial IPv4 addresses (C(10.1.)),
            last-octet ranges (C(10.1.1.1-20)), CIDR (C(10.0.0.0/8), C(2001:db8::/32)), hostnames
            (C(mail.example.com)), partial domains (C(.protection.outlook.com)), C(SBO:<number>) and
            C(dnslist[<zone>]).
          - Give a SenderBase Reputation Score range with O(config[].sbrs), not here.
          - Not for V(ALL).
        type: list
        elements: str
      sbrs:
        description:
          - A SenderBase Reputation Score range, added to the group as the member C(SBRS[min:max]) - a dict with C(min)
            and C(max) from -10.0 to 10.0 - or V(none) for C(SBRS[none]) (senders without a score).
          - With V(merged) it replaces the group's range.
        type: raw
      policy:
        description:
          - The mail flow policy of the group, without C($), for example C(RELAYED). It must exist on the listener
            (see M(mailops.secure_email.esa_mail_flow_policies)). Required for a new group; when omitted an existing
            group keeps its policy.
        type: str
      comment:
        description:
          - The comment of the group (one line). An empty string removes it.
        type: str
      dns_verification:
        description:
          - DNS host verification - the group also matches connecting hosts whose PTR record does not exist
            (V(record_not_exist)), whose PTR lookup fails temporarily (V(lookup_fail)), or whose reverse lookup does
            not match the forward lookup (V(not_matched)).
          - Not for V(ALL).
        type: list
        elements: str
        choices: [record_not_exist, lookup_fail, not_matched]
notes:
  - Members are validated before anything is read or written; the policy of each group is checked against the
    listener after the read, before any write. In check mode a policy that does not exist yet is only a warning,
    because an earlier task of the play (M(mailops.secure_email.esa_mail_flow_policies)) may create it.
"""

EXAMPLES = r"""
- name: Relay mail from Microsoft 365 (guide step S8; needs the S12 filter, see esa_message_filters)
  mailops.secure_email.esa_sender_groups:
    listener: OutgoingMail
    config:
      - name: RELAY_O365
        members:
          - .protection.outlook.com
        policy: RELAYED
        comment: Relay mail from Microsoft 365

- name: A blocklist with a reputation range and DNS verification, on the inbound listener
  mailops.secure_email.esa_sender_groups:
    listener: IncomingMail
    config:
      - name: BLOCKED_LIST
        members: [192.0.2.66, .spam.example]
        sbrs: {min: -10.0, max: -3.0}
        dns_verification: [record_not_exist]
        policy: BLOCKED

- name: Exactly these groups, in this order (ALL stays last)
  mailops.secure_email.esa_sender_groups:
    listener: OutgoingMail
    state: overridden
    confirm_overridden: true
    config:
      - name: RELAY_O365
        members: [.protection.outlook.com]
        policy: RELAYED
      - name: RELAYLIST
        members: [10.0.0.0/8]
        policy: RELAYED
"""

RETURN = r"""
before:
  description: The sender groups before the change, in match order.
  returned: when O(state) changes configuration
  type: list
  elements: dict
after:
  description: The sender groups after the change (what it would be, in check mode), in match order.
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
  description:
    - The sender groups on the appliance, in match order, in the form of O(config).
    - A bare host entry of the HAT (a host with an inline behaviour, such as C(10.1.1.1) / C(RELAY)) is a row of its
      own, named by its host, with C(bare=true) and its C(behavior) (or C(policy)).
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
    - The sender groups parsed from O(running_config) - C(showconfig) XML (the C(<hat>) of O(listener)), or the HAT
      text of C(PRINT) or an export file (then O(listener) is not used), in the form of RV(gathered).
    - A comment wrapped onto the next line (the rest in column 1, as narrow pages show it) is joined. Text that is not
      a whole HAT - not HAT text, starting inside a block, or cut short before C(ALL) - fails the task with a message
      that names the line and what was expected there; nothing is guessed (docs/asyncos-cli.md section 8).
  returned: when O(state=parsed)
  type: list
  elements: dict
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import relay_guard, runner
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import sender_groups as sg

ARGUMENT_SPEC = runner.argument_spec(
    dict(
        name=dict(type="str", required=True),
        members=dict(type="list", elements="str"),
        sbrs=dict(type="raw"),
        policy=dict(type="str"),
        comment=dict(type="str"),
        dns_verification=dict(type="list", elements="str", choices=list(sg.DNS_VERIFICATION)),
    ),
    listener=dict(type="str", required=True),
    confirm_overridden=dict(type="bool", default=False),
    allow_open_relay=dict(type="bool", default=False),
    relay_sources=relay_guard.RELAY_SOURCES,
    planned_filters=relay_guard.PLANNED_FILTERS,
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, required_if=runner.required_if(), supports_check_mode=True)
    runner.run(module, sg.SenderGroups, scope_option="listener")


if __name__ == "__main__":
    main()
