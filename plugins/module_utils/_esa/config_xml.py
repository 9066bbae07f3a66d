# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The configuration XML (``showconfig``): read it, and parse its shared parts.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import xml.etree.ElementTree as ET

from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import Rule

# Passphrase menu of newer releases, and the yes/no question of older ones (esa.md section 1.4).
PASSPHRASE_OPTIONS = {"mask": "1", "encrypt": "2"}


def rules(passphrases="mask"):
    return [Rule(r"Choose the passphrase option", PASSPHRASE_OPTIONS[passphrases], optional=True, name="passphrase option"),
            Rule(r"Do you want to mask the passphrase", "Y" if passphrases == "mask" else "N", optional=True,
                 name="mask passphrase")]


def read(client, passphrases="mask"):
    """The XML text, from ``<?xml`` to ``</config>``."""
    output = client.dialogue("showconfig", rules(passphrases))["output"]
    start = output.find("<?xml")
    if start < 0:
        start = output.find("<config")
    end = output.rfind("</config>")
    if start < 0 or end < 0:
        raise ValueError("showconfig did not return a configuration XML")
    return output[start:end + len("</config>")] + "\n"


def _root(xml_text):
    return ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", xml_text[xml_text.find("<"):]))


def summary(xml_text):
    """hostname, listeners and cluster membership from the XML."""
    root = _root(xml_text)
    listeners = []
    for listener in root.iter("listener"):
        listeners.append(dict(name=(listener.findtext("listener_name") or "").strip(),
                              type=(listener.findtext("type") or "").strip(),
                              interface=(listener.findtext("interface_name") or "").strip(),
                              port=int(listener.findtext("port")) if (listener.findtext("port") or "").strip().isdigit() else None))
    cluster = None
    node = root.find("cluster")
    if node is not None:
        cluster = dict(name=(node.findtext("cluster_name") or "").strip(), groups={})
        for group in node.findall("cluster_group"):
            cluster["groups"][(group.findtext("group_name") or "").strip()] = [
                (m.text or "").strip() for m in group.iter() if m.tag in ("machine", "machine_name", "hostname") and m.text]
    return dict(hostname=(root.findtext("hostname") or "").strip(), listeners=listeners, cluster=cluster)
