#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: esa_tls_ciphers
short_description: Check and set the outbound SMTP TLS ciphers of a Cisco Secure Email Gateway (ESA/CES)
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Reads the outbound SMTP TLS methods and cipher string with C(sslconfig) and sets them through its C(OUTBOUND)
    menu when they differ. This is step S15 of the Microsoft 365 guide - Cisco's recommended cipher string.
  - In check mode it only reports whether the appliance matches (RV(ignore:changed)), with the diff.
extends_documentation_fragment:
  - mailops.secure_email._esa.attributes
options:
  ciphers:
    description: The OpenSSL cipher string for outbound SMTP.
    type: str
    required: true
  methods:
    description: The TLS methods for outbound SMTP. Unset keeps the current ones.
    type: list
    elements: str
  commit:
    description: Commit in the same task. With V(false), end with M(mailops.secure_email.esa_commit).
    type: bool
    default: true
  comment:
    description: Comment for the commit (one line of printable text).
    type: str
    default: Changed by mailops.secure_email
  commit_timeout:
    description:
      - Seconds to wait for the appliance to confirm the commit, in place of the connection's command timeout when
        that is shorter. If it still does not come, the module logs in again and reads back, and reports the commit
        as committed or fails with RV(ignore:commit_outcome=unknown); never RV(ignore:changed=false) for a commit that
        may have landed.
    type: int
    default: 180
  lock_timeout:
    description:
      - Seconds to wait for this appliance's write lock, held by another run of this collection on the same
        controller until it commits or clears its changes.
    type: int
    default: 900
  cluster_mode:
    description: V(cluster), V(group:<name>) or V(machine:<host>) on a clustered appliance.
    type: str
attributes:
  check_mode:
    support: full
    description: Compares and reports; sends no write.
  diff_mode:
    support: full
    description: Shows the methods and ciphers before and after.
"""

EXAMPLES = r"""
- name: Check the outbound cipher string (guide step S15), changing nothing
  mailops.secure_email.esa_tls_ciphers:
    ciphers: "ECDH+aRSA:ECDH+ECDSA:DHE+DSS+AES:AES128:AES256:!SRP:!AESGCM+DH+aRSA:!AESGCM+RSA:!aNULL:!eNULL:!DES:!3DES:!IDEA:!RC4:!SSLv2:!SSLv3"
  check_mode: true
  register: s15
"""

RETURN = r"""
before:
  description: The outbound C(methods) and C(ciphers) before.
  returned: success
  type: dict
after:
  description: The outbound C(methods) and C(ciphers) after (what they would be, in check mode).
  returned: success
  type: dict
committed:
  description: Whether the task committed.
  returned: when a change was written
  type: bool
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import runner
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.tls_ciphers import TlsCiphers

ARGUMENT_SPEC = dict(
    ciphers=dict(type="str", required=True),
    methods=dict(type="list", elements="str"),
)
ARGUMENT_SPEC.update(runner.COMMIT_ARGSPEC)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    runner.run(module, TlsCiphers)


if __name__ == "__main__":
    main()
