#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: esa_command
short_description: Run commands on the Cisco Secure Email Gateway (ESA/CES) command line
version_added: 1.0.0
author: mailops.secure_email maintainers (@mailops)
extends_documentation_fragment:
  - mailops.secure_email._esa.attributes
description:
  - Runs AsyncOS CLI commands and returns their output, following the pager.
  - Read-only by default - it refuses commands and menu answers that are not known to only display
    (such as C(version), C(showconfig), C(smtproutes) answered with C(PRINT)). Set O(read_only=false) to run others.
  - Questions are answered by the C(answers) of each item of O(commands); an unexpected question or an error line fails the task and the
    appliance is returned to the main prompt with Ctrl-C.
options:
  commands:
    description:
      - Each item is a command string, or a dict with C(command) and C(answers).
      - Commands and answers are single lines of printable text; an empty command, a newline or a control character
        is refused before anything is sent.
      - C(answers) is a list of dicts with C(prompt) (a regular expression matched against the question), C(answer)
        (a string or a list of strings used in turn) and optional C(repeat) and C(menu) (booleans).
    type: list
    elements: raw
    required: true
  read_only:
    description:
      - Refuse anything that is not known to only display. With V(false), the task reports RV(ignore:changed=true)
        and leaves changes pending; commit them with M(mailops.secure_email.esa_commit).
    type: bool
    default: true
  cluster_mode:
    description:
      - V(cluster), V(group:<name>) or V(machine:<host>) on a clustered appliance.
    type: str
  lock_timeout:
    description:
      - With O(read_only=false), seconds to wait for this appliance's write lock, held by another run of this
        collection on the same controller until it commits or clears its changes. Read-only commands take no lock.
    type: int
    default: 900
attributes:
  check_mode:
    support: partial
    description: Read-only commands run in check mode.
    details: With O(read_only=false) nothing is sent in check mode.
  diff_mode:
    support: none
    description: Raw commands have no before and after.
"""

EXAMPLES = r"""
- name: Version and routes
  mailops.secure_email.esa_command:
    commands:
      - version
      - command: smtproutes
        answers:
          - {prompt: "Choose the operation", answer: [PRINT, ""]}
  register: out
"""

RETURN = r"""
stdout:
  description: The output of each command, pager and prompts removed.
  returned: always
  type: list
  elements: str
stdout_lines:
  description: RV(stdout) split into lines.
  returned: always
  type: list
  elements: list
transcripts:
  description:
    - For each command, the questions the appliance asked (the whole question block - a menu with its verbs, or a
      question line with its default) and the answer sent, in order. Empty for a command that asked nothing.
  returned: success
  type: list
  elements: list
  sample: [[{"question": "Choose the operation you want to perform:\n- NEW - Create a new route.\n[]>", "answer": ""}]]
"""

from ansible_collections.mailops.secure_email.plugins.module_utils._module import AnsibleModule

from ansible_collections.mailops.secure_email.plugins.module_utils._esa.command_module import ARGUMENT_SPEC, run


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
