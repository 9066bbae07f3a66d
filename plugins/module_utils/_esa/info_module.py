# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""esa_info: version, hostname, cluster, listeners and every managed table.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import cluster, message_filters, redact, registry
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.client import EsaClient, EsaError, validate_cluster_mode
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import DialogueError
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.documents import Reader

DEFAULT_GATHER = ("version", "listeners", "smtp_routes", "destination_controls", "recipient_access")
# every kind in the registry has an info key (sender groups and mail flow policies share "hat")
GATHER = ("version", "listeners") + tuple(key for index, key in enumerate(kind.info_key for kind in registry.RESOURCES)
                                          if key not in [k.info_key for k in registry.RESOURCES[:index]])

ARGUMENT_SPEC = dict(
    gather=dict(type="list", elements="str", default=list(DEFAULT_GATHER), choices=list(GATHER) + ["all"]),
    cluster_mode=dict(type="str"),
    secret_headers=dict(type="list", elements="str", default=[], no_log=False),
)


def parse_version(text):
    """``version`` output: ``Key: value`` lines -> dict with snake_case keys."""
    info = {}
    for line in text.replace("\r\n", "\n").split("\n"):
        match = re.match(r"^\s*([A-Za-z][A-Za-z #/()-]*?)\s*:\s*(\S.*?)\s*$", line)
        if match:
            name = re.sub(r"[^a-z0-9]+", "_", match.group(1).lower().replace("#", "number")).strip("_")
            info[name] = match.group(2)
    return info


def run(module):
    # Filter bodies are never returned (message_filters gives names and flags), but an error can quote what the
    # appliance printed: the values tested or set for the secret headers are masked everywhere (docs/secrets.md).
    secrets = redact.Secrets(headers=module.params.get("secret_headers") or [])
    gather = set(module.params["gather"])
    if "all" in gather:
        gather = set(GATHER)
    facts = {}
    try:
        message_filters.check_secret_headers(module.params.get("secret_headers"))
        mode = validate_cluster_mode(module.params["cluster_mode"])
        client = EsaClient(module)
        client.cluster_mode(mode)
        prompt = client.state()["prompt"]
        level = cluster.prompt_level(prompt)
        if "version" in gather:
            version = parse_version(client.run("version"))
            facts["version"] = version.get("version")
            facts["model"] = version.get("model")
            facts["serial"] = version.get("serial_number")
            facts["version_details"] = version
        reader = Reader(client, registry.DOCUMENTS)
        summary = reader.get("summary")
        facts["hostname"] = summary["hostname"] or re.sub(r">\s*$", "", prompt.strip())
        facts["cluster"] = None
        if level[0]:
            facts["cluster"] = dict(mode=level[0].lower(), mode_name=level[1],
                                    name=(summary["cluster"] or {}).get("name"),
                                    groups=(summary["cluster"] or {}).get("groups", {}))
        if "listeners" in gather:
            facts["listeners"] = summary["listeners"]
        for kind in registry.RESOURCES:
            if kind.info_key in gather:
                merge(facts.setdefault(kind.info_key, None if kind.scoped is False else {}), kind.gather(reader), facts,
                      kind.info_key)
        if mode:
            # reading may have followed a table to another level; go back to the requested one
            client.cluster_mode(mode)
    except ValueError as exc:
        module.fail_json(msg=redact.mask(str(exc), secrets))
    except (EsaError, DialogueError) as exc:
        module.fail_json(msg=redact.mask("reading the appliance failed: %s" % exc.message, secrets))
    module.exit_json(changed=False, esa=redact.mask(facts, secrets))


def merge(current, value, facts, key):
    """Per-listener facts of several kinds (the HAT's two halves) go into one dict per listener."""
    if isinstance(current, dict) and isinstance(value, dict):
        for name, item in value.items():
            if isinstance(item, dict) and isinstance(current.get(name), dict):
                current[name].update(item)
            else:
                current[name] = item
    else:
        facts[key] = value
