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

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import cluster, config_xml
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import destination_controls as dc
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import message_filters as mf
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import recipient_access as rat
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import sender_groups as sg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import smtp_routes as sr
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import tls_ciphers as tls
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.client import EsaClient, EsaError, validate_cluster_mode
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import DialogueError

DEFAULT_GATHER = ("version", "listeners", "smtp_routes", "destination_controls", "recipient_access")
# hat comes with the configuration XML that is read anyway; the other two cost one command each.
GATHER = DEFAULT_GATHER + ("hat", "message_filters", "tls_ciphers")

ARGUMENT_SPEC = dict(
    gather=dict(type="list", elements="str", default=list(DEFAULT_GATHER), choices=list(GATHER) + ["all"]),
    cluster_mode=dict(type="str"),
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


def _table(client, kind, command=None):
    out = client.dialogue(command or kind.COMMAND, kind.rules_for(kind.read_steps()) + cluster.read_rules(command or kind.COMMAND))
    return kind.parse(out["output"])


def run(module):
    gather = set(module.params["gather"])
    if "all" in gather:
        gather = set(GATHER)
    facts = {}
    try:
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
        xml_text = config_xml.read(client)
        summary = config_xml.summary(xml_text)
        facts["hostname"] = summary["hostname"] or re.sub(r">\s*$", "", prompt.strip())
        facts["cluster"] = None
        if level[0]:
            facts["cluster"] = dict(mode=level[0].lower(), mode_name=level[1],
                                    name=(summary["cluster"] or {}).get("name"),
                                    groups=(summary["cluster"] or {}).get("groups", {}))
        if "listeners" in gather:
            facts["listeners"] = summary["listeners"]
        if "recipient_access" in gather:
            facts["recipient_access"] = {}
            for listener in summary["listeners"]:
                if listener["type"] == "public":
                    facts["recipient_access"][listener["name"]] = rat.RecipientAccess(listener["name"]).parse_xml(xml_text)
        if "hat" in gather:
            facts["hat"] = {}
            for listener in summary["listeners"]:
                table = sg.HatTable(listener["name"])
                table.read_hat(xml_text)
                facts["hat"][listener["name"]] = dict(
                    sender_groups=[dict(name=g["name"], members=g["members"], sbrs=g["sbrs"], policy=g["policy"])
                                   for g in table.groups],
                    policies=[dict(name=p["name"], behavior=p["behavior"].lower()) for p in table.policies])
        if "message_filters" in gather:
            # Names and flags only: bodies can embed secrets (the outbound header secret).
            facts["message_filters"] = [dict(name=f["name"], active=f["active"]) for f in mf.read_filters(client)]
        if "tls_ciphers" in gather:
            facts["tls_ciphers"] = tls.parse(client.dialogue(tls.COMMAND, tls.read_rules())["output"])
        if "smtp_routes" in gather:
            facts["smtp_routes"] = _table(client, sr)
        if "destination_controls" in gather:
            facts["destination_controls"] = _table(client, dc)
        if mode:
            # reading may have followed a table to another level; go back to the requested one
            client.cluster_mode(mode)
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    except (EsaError, DialogueError) as exc:
        module.fail_json(msg="reading the appliance failed: %s" % exc.message)
    module.exit_json(changed=False, esa=facts)
