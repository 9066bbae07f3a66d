# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The documents read from the configuration XML: the listeners, and per listener its RAT and its HAT.

This module is PRIVATE to the collection. It can change at any time.

``showconfig`` shows the committed configuration only (docs/asyncos-cli.md,
"showconfig and saveconfig"); what this login changed since comes from the
pending-changes ledger (``documents.Reader``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import cluster, config_xml, hat
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.documents import Document, Source
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.mail_flow_policies import policies_from_hat
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.recipient_access import entries_from_xml
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.script import Q_LISTENERS, Script
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.sender_groups import groups_from_hat


def _read_script():
    return Script("showconfig").extend_rules(config_xml.rules("mask") + cluster.read_rules("showconfig"))


def _prepare(output):
    return config_xml.parse(output)


def _rat(config, listener):
    node = config_xml.listener(config, listener)
    return entries_from_xml(node) if node is not None else None


def _hat(config, listener):
    node = config_xml.listener(config, listener)
    if node is None:
        return None
    try:
        table = hat.parse(node.findtext("hat") or "")
    except hat.HatError as exc:
        raise ValueError("the HAT of listener %s could not be parsed: %s" % (listener, exc))
    defaults = dict((child.tag[len("hat_default_"):], (child.text or "").strip()) for child in node
                    if child.tag.startswith("hat_default_"))
    return dict(sender_groups=groups_from_hat(table), policies=policies_from_hat(table), defaults=defaults)


def _level_script():
    # Entering listenerconfig asks the cluster-level question when the listeners are configured at another level;
    # showconfig never asks it. Reading the listener list once per login tells where the RAT and HAT live.
    return Script("listenerconfig").menu("listeners menu", Q_LISTENERS, "").extend_rules(cluster.read_rules("Listeners"))


SHOWCONFIG = Source("showconfig", _read_script, _prepare)
LISTENERCONFIG = Source("listenerconfig", _level_script)
LISTENER_LEVEL = Document("listener_level", LISTENERCONFIG, lambda output, scope: None)
LISTENERS = Document("listeners", SHOWCONFIG, lambda config, scope: config_xml.listeners(config))
SUMMARY = Document("summary", SHOWCONFIG, lambda config, scope: config_xml.summary(config))
RAT = Document("rat", SHOWCONFIG, _rat)
HAT = Document("hat", SHOWCONFIG, _hat)
DOCUMENTS = (LISTENERS, SUMMARY, RAT, HAT, LISTENER_LEVEL)
