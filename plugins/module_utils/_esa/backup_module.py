# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""esa_config_backup: the configuration XML to a local file, with a checksum.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import glob
import hashlib
import os
import re
import tempfile

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import config_xml, listener_documents, message_filters, redact
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.client import EsaClient, EsaError, validate_cluster_mode
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import DialogueError

ARGUMENT_SPEC = dict(
    dest=dict(type="path", required=True),
    passphrases=dict(type="str", default="mask", choices=["mask", "encrypt"]),
    cluster_mode=dict(type="str"),
    secret_headers=dict(type="list", elements="str", default=[], no_log=False),
)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def content_digest(text):
    """The checksum of what the configuration says: the header's ``Current Time:`` changes on every read."""
    return sha256("".join(line for line in text.splitlines(True) if not re.match(r"^\s*Current Time:", line)).encode("utf-8"))


def read_xml(client, passphrases):
    """The configuration XML. With masked passphrases it is the login's showconfig source, which the other modules
    read too (one read per login); encrypted passphrases need a read of their own."""
    script = listener_documents.SHOWCONFIG.script()
    source = "showconfig" if passphrases == "mask" else "showconfig-encrypted"
    rules = script.rules() if passphrases == "mask" else config_xml.rules(passphrases)
    return config_xml.extract(client.read_source(source, "showconfig", rules)["output"])


def _latest(dest, prefix):
    files = sorted(glob.glob(os.path.join(dest, glob.escape(prefix) + "-*.xml")))
    return files[-1] if files else None


def run(module):
    # The backup file holds the configuration as the appliance shows it; the module's own output (and its errors,
    # which can quote the appliance's output) mask the values tested or set for the secret headers.
    secrets = redact.Secrets(headers=module.params.get("secret_headers") or [])
    dest = module.params["dest"]
    try:
        message_filters.check_secret_headers(module.params.get("secret_headers"))
        mode = validate_cluster_mode(module.params["cluster_mode"])
        if not dest or not dest.strip():
            raise ValueError("dest: is empty; give the directory the backup is written to")
        if os.path.exists(dest) and not os.path.isdir(dest):
            raise ValueError("dest: %s exists and is not a directory" % dest)
        client = EsaClient(module)
        client.cluster_mode(mode)
        xml_text = read_xml(client, module.params["passphrases"])
        hostname = config_xml.summary(config_xml.root(xml_text))["hostname"] or "esa"
    except ValueError as exc:
        module.fail_json(msg=redact.mask(str(exc), secrets))
    except (EsaError, DialogueError) as exc:
        module.fail_json(msg=redact.mask("reading the configuration failed: %s" % exc.message, secrets))
    data = xml_text.encode("utf-8")
    checksum = sha256(data)
    prefix = re.sub(r"[^A-Za-z0-9_.-]", "_", hostname)
    latest = _latest(dest, prefix) if os.path.isdir(dest) else None
    result = dict(changed=False, checksum=checksum, size=len(data), passphrases=module.params["passphrases"], hostname=hostname)
    if latest:
        with open(latest, "rb") as handle:
            previous = handle.read()
        if content_digest(previous.decode("utf-8", "replace")) == content_digest(xml_text):
            result.update(checksum=sha256(previous), size=len(previous))
            module.exit_json(path=latest, **result)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = os.path.join(dest, "%s-%s.xml" % (prefix, stamp))
    result.update(changed=True, path=path)
    if module.check_mode:
        module.exit_json(**result)
    if not os.path.isdir(dest):
        os.makedirs(dest, 0o700)
    handle, tmp = tempfile.mkstemp(dir=dest, prefix=".esa-backup-")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.chmod(tmp, 0o600)
    os.rename(tmp, path)
    with open(path + ".sha256", "w") as out:
        out.write("%s  %s\n" % (checksum, os.path.basename(path)))
    module.exit_json(**result)
