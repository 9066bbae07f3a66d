#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: esa_commit
short_description: Commit the pending changes of a Cisco Secure Email Gateway (ESA/CES) session
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
extends_documentation_fragment:
  - mailops.secure_email._esa.attributes
description:
  - Commits, in one C(commit), the changes that earlier tasks left pending with O(mailops.secure_email.esa_smtp_routes#module:commit=false).
  - AsyncOS keeps uncommitted changes in the SSH session. If the persistent connection was lost between those tasks
    (for example after C(ansible_connect_timeout) of idle time), the changes are gone. This module then fails,
    commits nothing and clears whatever the new session holds, so the appliance stays in its old state.
  - Reports RV(ignore:changed=false) when there was nothing to commit.
options:
  comment:
    description:
      - The commit comment.
    type: str
    default: Changed by mailops.secure_email
  commit_timeout:
    description:
      - Seconds to wait for the appliance to confirm the commit, in place of the connection's command timeout when
        that is shorter.
      - If the confirmation still does not come, the module logs in again and reads the changed tables back for up to
        this long. It reports RV(commit_outcome=committed) when they show the changes, and fails with
        RV(commit_outcome=unknown) otherwise (the commit may still land). It never reports RV(ignore:changed=false)
        for a commit that may have landed.
    type: int
    default: 180
  pending:
    description:
      - The records of changes left pending by earlier tasks, one per SSH session.
      - The collection's action plugin fills this from the facts C(mailops_esa_pending_<session>) that the ESA config
        modules set. Leave it unset.
    type: list
    elements: dict
    default: []
    suboptions:
      session:
        description: The session id.
        type: str
        required: true
      changes:
        description: What was changed in that session.
        type: list
        elements: str
        default: []
attributes:
  check_mode:
    support: full
    description: Reports what would be committed; does not commit.
  diff_mode:
    support: none
    description: The changes themselves were shown by the tasks that made them.
notes:
  - Runs on the controller through C(ansible.netcommon.network_cli) with C(ansible_network_os=mailops.secure_email.asyncos).
"""

EXAMPLES = r"""
- name: Three changes, one commit
  hosts: esa_gateways
  gather_facts: false
  tasks:
    - name: Route example.com
      mailops.secure_email.esa_smtp_routes:
        config: [{domain: example.com, destinations: [{host: example-com.mail.protection.outlook.com, port: 25}]}]
        commit: false
    - name: Route example.net
      mailops.secure_email.esa_smtp_routes:
        config: [{domain: example.net, destinations: [{host: example-net.mail.protection.outlook.com, port: 25}]}]
        commit: false
    - name: Commit both
      mailops.secure_email.esa_commit:
        comment: Microsoft 365 routes
"""

RETURN = r"""
committed:
  description: Whether a commit happened.
  returned: always
  type: bool
pending_changes:
  description: The changes that were (or, in check mode, would be) committed.
  returned: always
  type: list
  elements: str
commit_outcome:
  description:
    - V(committed), V(not committed) (the appliance had nothing to commit) or, when the commit was not confirmed in
      time and the read-back could not show it landed, V(unknown).
  returned: when a commit was attempted
  type: str
  sample: committed
session:
  description: The id of the SSH session the commit ran in.
  returned: always
  type: str
lost_changes:
  description: Changes that were lost with an earlier session.
  returned: failure
  type: list
  elements: str
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._esa.commit_module import ARGUMENT_SPEC, run


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
