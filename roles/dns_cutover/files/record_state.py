# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write the dns_cutover rollback records on the controller (run by the role with ansible_playbook_python).

Reads one JSON object on stdin::

    {"directory": "<dns_cutover_state_dir>", "check": false, "low_ttl": 60,
     "records": {"<domain>.mx.json": {...content...}, "<domain>.spf.json": {...}}}

and writes every content as ``<directory>/<file name>`` (sorted keys, mode 0600 in a 0700 directory, through a
temporary file and a rename). A file whose content is already the same is left alone. In check mode nothing is
written. Prints the JSON list of the paths written (or that would be written in check mode).

An MX record (``*.mx.json``) is never overwritten by the state of an interrupted cutover: when the file already
holds the same MX values and the MX now has the lowered TTL (``low_ttl``, the cutover's own first change), the
recorded TTL is the one from before the cutover and is kept.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys
import tempfile


def _text(content):
    return json.dumps(content, indent=4, sort_keys=True, separators=(",", ": ")) + "\n"


def _keep(path, content, low_ttl):
    """True when ``path`` holds a record that must not be replaced by ``content``."""
    try:
        with open(path) as handle:
            text = handle.read()
    except (IOError, OSError):
        return False
    if text == _text(content):
        return True
    if not path.endswith(".mx.json") or low_ttl is None:
        return False
    try:
        recorded = json.loads(text)
    except ValueError:
        return False
    return (isinstance(recorded, dict) and content.get("ttl") == low_ttl and recorded.get("ttl") != low_ttl
            and sorted(recorded.get("values") or []) == sorted(content.get("values") or []))


def _write(directory, path, content):
    try:
        os.makedirs(directory, 0o700)
    except OSError:
        # Another host of the same run (forks: the tenants of an MSP inventory share the state directory) may have
        # created it in between; anything else wrong with the directory shows in mkstemp below.
        if not os.path.isdir(directory):
            raise
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".record.")
    with os.fdopen(descriptor, "w") as handle:
        handle.write(_text(content))
    os.chmod(temporary, 0o600)
    os.rename(temporary, path)


def main():
    data = json.load(sys.stdin)
    directory, written = data["directory"], []
    for name, content in sorted(data["records"].items()):
        if os.path.basename(name) != name or name.startswith("."):
            sys.exit("record_state: %r is not a plain file name" % name)
        path = os.path.join(directory, name)
        if _keep(path, content, data.get("low_ttl")):
            continue
        written.append(path)
        if not data["check"]:
            _write(directory, path, content)
    print(json.dumps(written))


if __name__ == "__main__":
    main()
