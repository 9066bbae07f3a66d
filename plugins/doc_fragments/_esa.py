# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Options of every ESA module that changes configuration.
    DOCUMENTATION = r"""
options:
  commit:
    description:
      - Commit the change in the same task, with O(comment).
      - Set V(false) on several tasks and end with M(mailops.secure_email.esa_commit) to make one commit for all of them.
        The pending changes live in the SSH session; if the connection is lost between the tasks they are gone, and
        M(mailops.secure_email.esa_commit) fails.
    type: bool
    default: true
  comment:
    description:
      - Comment for the commit.
      - One line of printable text, like every value the module types at the appliance; a newline or a control
        character is refused before anything is read.
    type: str
    default: Changed by mailops.secure_email
  commit_timeout:
    description:
      - Seconds to wait for the appliance to confirm the commit, in place of the connection's command timeout
        (C(ansible_command_timeout)) when that is shorter. A commit on a loaded appliance or a cluster can take minutes.
      - If the confirmation still does not come, the module logs in again, reads the changed tables back for up to
        this long, and reports what it finds - committed (the task succeeds, with a warning), or unknown (the task
        fails with RV(ignore:commit_outcome=unknown)). It never reports RV(ignore:changed=false) for a commit that may
        have landed.
    type: int
    default: 180
  lock_timeout:
    description:
      - Seconds to wait for this appliance's write lock, held by another run of this collection on the same
        controller until it commits or clears its changes (see the collection's docs/security.md, "Locking").
      - The lock is taken before the module reads what it will change, and only outside check mode. Its directory is
        C(mailops_secure_email_locks) beside Ansible's local temporary directory, or the environment variable
        E(MAILOPS_ESA_LOCK_DIR).
    type: int
    default: 900
  cluster_mode:
    description:
      - The cluster level to work at on a clustered appliance (Centralized Management) - V(cluster), V(group:<name>)
        or V(machine:<host>).
      - The module switches explicitly with C(clustermode) before reading or writing. Leave unset on a standalone appliance.
      - When the table is not configured at that level (it is inherited from a higher one), the module reads it where it
        lives and fails before writing, unless O(create_override=true).
    type: str
  create_override:
    description:
      - Allow creating a configuration at the O(cluster_mode) level when the table is inherited from a higher level.
        The override starts as a copy of the inherited settings; then the change is applied to it.
      - An override stops the level from following later changes made at the higher level.
    type: bool
    default: false
notes:
  - Runs on the controller through the persistent connection C(ansible.netcommon.network_cli) with
    C(ansible_network_os=mailops.secure_email.asyncos).
  - On any error the module runs C(clearchanges), so that no half-made change stays pending, and fails.
    C(clearchanges) drops every change pending in the session, including those of earlier tasks with O(commit=false).
"""

    # Resource-module states.
    STATES = r"""
options:
  state:
    description:
      - V(merged) adds or updates the entries in O(config) and leaves the others alone.
      - V(replaced) makes each entry in O(config) exactly as given and leaves the others alone.
      - V(overridden) makes the whole table exactly O(config).
      - V(deleted) removes the entries named in O(config), or all entries if O(config) is empty.
      - V(gathered) reads the table from the appliance into RV(gathered). It changes nothing.
      - V(rendered) returns in RV(rendered) the answers that would configure O(config) on an empty table, without
        connecting.
      - V(parsed) turns O(running_config) into structured data in RV(parsed), without connecting.
    type: str
    choices: [merged, replaced, overridden, deleted, gathered, rendered, parsed]
    default: merged
  running_config:
    description:
      - With O(state=parsed), the raw output to parse.
    type: str
"""

    # Check and diff mode of the table modules.
    TABLE_ATTRIBUTES = r"""
attributes:
  check_mode:
    support: full
    description: Computes the dialogue and the diff and sends no write to the appliance.
  diff_mode:
    support: full
    description: Returns the table before and after.
"""

    # The open-relay guard options of the HAT modules (esa_sender_groups, esa_mail_flow_policies).
    RELAY_GUARD = r"""
options:
  planned_filters:
    description:
      - In check mode only, message filters that an earlier task of the same play adds, for the open-relay guard
        (in check mode that task wrote nothing, so the appliance does not show them). Pass the RV(mailops.secure_email.esa_message_filters#module:after)
        of that task. In a real run the guard only trusts what the appliance holds, committed or pending.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The filter name.
        type: str
        required: true
      body:
        description: The filter body.
        type: str
      active:
        description: Whether the filter is active.
        type: bool
        default: true
  allow_open_relay:
    description:
      - Let the change make or keep an open relay that the open-relay guard would refuse - a relaying C(ALL) row, a
        relaying catch-all or reputation member, a group matching Microsoft 365's shared address space without its
        guarding message filter, or hosts outside O(relay_sources). The module warns instead of failing.
    type: bool
    default: false
  relay_sources:
    description:
      - The hosts the gateway may relay for, in the forms of sender-group members - IPv4 or IPv6 addresses, partial
        IPv4 addresses (C(10.1.)), last-octet ranges (C(10.1.1.1-20)), CIDR (C(10.0.0.0/8)), hostnames and partial
        domains (C(.example.com) covers the hosts and subdomains under C(example.com), not C(example.com) itself).
      - When given, every host a relaying row matches after the change must be inside these sources (a hostname
        member must be covered by a listed name; an address range cannot vouch for a name); the guard refuses the
        change otherwise. An empty list allows no relaying at all.
      - When omitted, the declared relay sources are the specific hosts, networks and domains of the relaying
        sender groups themselves (everything but the catch-alls, reputation terms and unguarded shared space).
      - Listing Microsoft 365's shared space here does not replace the guarding message filter.
    type: list
    elements: str
"""

    # Every ESA module.
    ATTRIBUTES = r"""
attributes:
  platform:
    support: full
    platforms: asyncos
    description: Cisco AsyncOS (Secure Email Gateway on premises, and the Cloud Gateway through its SSH proxy).
  action_group:
    support: full
    membership: [mailops.secure_email.esa]
    description: Use C(group/mailops.secure_email.esa) in C(module_defaults) to set options for all ESA modules.
"""
