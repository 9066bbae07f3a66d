# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cluster-level questions (Centralized Management), docs/asyncos-cli.md "Cluster levels".

This module is PRIVATE to the collection. It can change at any time.

A configuration command run at a level where its table is not configured
asks first whether to switch to the level where it lives, start an empty
configuration here, or copy settings here. Starting or copying creates an
override at the lower level: a silent change of meaning. The modules answer
only as told: read where the table lives, and create an override only with
``create_override: true``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import Rule

Q_NOT_CONFIGURED = r"has not yet been configured for[\s\S]*What would you like to do"
Q_COPY_FROM = r"Choose the mode from which to copy settings"
Q_RESTRICTED = r"This command is restricted to"
Q_OTHER_MACHINE = r"switch to a different machine to run the command on"

PROMPT_LEVEL_RE = re.compile(r"^\((Cluster|Group|Machine) ([^)]+)\)>?$")


def prompt_level(prompt):
    """'(Machine esa1.lab)>' -> ('Machine', 'esa1.lab'); a standalone prompt -> (None, None)."""
    match = PROMPT_LEVEL_RE.match((prompt or "").strip())
    return (match.group(1), match.group(2)) if match else (None, None)


def level_to_mode(level):
    """('Machine', 'esa1.lab') -> 'machine:esa1.lab'; ('Cluster', 'X') -> 'cluster'."""
    kind, name = level
    return "cluster" if kind == "Cluster" else "%s:%s" % (kind.lower(), name)


def mode_label(mode):
    level, dummy, name = (mode or "").partition(":")
    return "%s %s" % (level.capitalize(), name) if name else "Cluster"


def read_rules(label):
    """Reading: follow the table to the level where it lives (nothing is written)."""
    return [
        Rule(Q_NOT_CONFIGURED, "choose:^Switch modes", optional=True, name="not configured at this cluster level"),
        Rule(Q_RESTRICTED, fail="%s: the command is restricted to another cluster mode; set cluster_mode accordingly" % label),
        Rule(Q_OTHER_MACHINE, fail="%s: the appliance asks to switch to another machine; set cluster_mode" % label),
    ]


def write_rules(label, create_override, inherited_from=None):
    """Writing: never start or copy a configuration unless told to."""
    if create_override:
        source = re.escape(inherited_from) if inherited_from else "."
        rules = [Rule(Q_NOT_CONFIGURED, "choose:^Copy settings", optional=True, name="create override"),
                 Rule(Q_COPY_FROM, "choose:%s" % source, optional=True, name="copy settings from")]
    else:
        rules = [Rule(Q_NOT_CONFIGURED, fail="%s: not configured at the current cluster mode; refusing to create an "
                                             "override without create_override=true" % label)]
    return rules + read_rules(label)[1:]


def refused_before_change(question):
    """Whether a dialogue stopped at the "not configured at this level" question (nothing was changed by it)."""
    return bool(question) and re.search(Q_NOT_CONFIGURED, question, re.IGNORECASE) is not None
