#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: esa_config_backup
short_description: Back up the configuration of a Cisco Secure Email Gateway (ESA/CES) to a local file
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
description:
  - Reads the configuration XML with C(showconfig) and writes it on the controller to
    O(dest)/C(<hostname>-<UTC timestamp>.xml), mode 0600, with a C(.sha256) file beside it.
  - Passphrases are masked by default; V(encrypt) keeps them encrypted, so the file can be loaded again with
    C(loadconfig). Plain passphrases are not offered.
  - When the newest backup of the host in O(dest) holds the same configuration (ignoring the header's C(Current Time)),
    no new file is written and the task reports no change.
  - On a cluster, C(showconfig) shows the merged view of the level the session is in.
  - The file holds the configuration as the appliance shows it, message filter bodies included - with the outbound
    header secret of guide step S12 in clear. Keep O(dest) private (the module writes every backup with mode 0600)
    and encrypt backups you copy elsewhere; C(docs/secrets.md) of the collection says what a backup contains.
  - The module's own output holds no configuration. Its error messages can quote the appliance's output; there, the
    value a filter compares C(X-OUTBOUND-AUTH) (or a header of O(secret_headers)) with is replaced by C(********).
extends_documentation_fragment:
  - mailops.secure_email._esa.attributes
options:
  dest:
    description: The directory on the controller. It is created (mode 0700) when missing.
    type: path
    required: true
  passphrases:
    description: V(mask) (cannot be loaded back) or V(encrypt).
    type: str
    choices: [mask, encrypt]
    default: mask
  cluster_mode:
    description: V(cluster), V(group:<name>) or V(machine:<host>) on a clustered appliance.
    type: str
  secret_headers:
    description:
      - Headers whose values are secrets, in addition to C(X-OUTBOUND-AUTH), masked in error messages. The backup
        file itself is not masked.
      - Header field names, compared without regard to case.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    description: Reads the configuration and reports the path it would write; writes no file.
  diff_mode:
    support: none
    description: A backup has no before and after.
"""

EXAMPLES = r"""
- name: Back up before changing anything
  mailops.secure_email.esa_config_backup:
    dest: "{{ playbook_dir }}/backups"
  register: backup

- name: Where it went
  ansible.builtin.debug:
    msg: "{{ backup.path }} sha256 {{ backup.checksum }}"
"""

RETURN = r"""
path:
  description: The backup file (the existing one when nothing changed).
  returned: success
  type: str
checksum:
  description: SHA-256 of the file.
  returned: success
  type: str
size:
  description: Size of the file in bytes.
  returned: success
  type: int
hostname:
  description: The appliance's hostname from the configuration.
  returned: success
  type: str
passphrases:
  description: How passphrases are stored in the file.
  returned: success
  type: str
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._esa.backup_module import ARGUMENT_SPEC, run


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
