# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The registry says what exists: every kind and document is complete, has a module, and reads from the lab."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import info_module, registry
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.client import EsaClient
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.documents import Reader
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Resource
from ansible_collections.mailops.secure_email.tests.unit.plugins.modules.esa_lab import Lab

KINDS = [pytest.param(kind, id=kind.name) for kind in registry.RESOURCES]


@pytest.mark.parametrize("kind", KINDS)
def test_kind_is_complete_and_registered(kind):
    assert issubclass(kind, Resource) and not getattr(kind, "__abstractmethods__", None)
    assert [k.name for k in registry.RESOURCES].count(kind.name) == 1
    assert kind.stored_in in registry.DOCUMENTS, "the document of %s is not registered" % kind.name
    assert kind.info_key in info_module.GATHER
    assert kind.command and kind.label


@pytest.mark.parametrize("kind", KINDS)
def test_kind_has_its_module(kind):
    module = importlib.import_module("ansible_collections.mailops.secure_email.plugins.modules.esa_%s" % kind.name)
    source = open(module.__file__).read()
    assert "runner.run(module, " in source and kind.__name__ in source
    assert "config" in module.ARGUMENT_SPEC or kind.name == "tls_ciphers"


def test_every_document_reads_from_the_lab_once_per_source():
    lab = Lab()
    reader = Reader(EsaClient(None, connection=lab.cli), registry.DOCUMENTS)
    listeners = [item["name"] for item in reader.get("listeners")]
    values = {}
    for prefix, document in sorted(registry.DOCUMENTS.items()):
        scopes = listeners if prefix in ("rat", "hat") else [None]
        for scope in scopes:
            values[(prefix, scope)] = reader.get("%s/%s" % (prefix, scope) if scope else prefix)
    assert values[("smtp_routes", None)] == []
    assert values[("destination_controls", None)][-1]["domain"] == "DEFAULT"
    assert [g["name"] for g in values[("hat", "OutgoingMail")]["sender_groups"]] == ["RELAYLIST", "ALL"]
    assert values[("rat", "OutgoingMail")] == []       # a private listener has no RAT entries
    reads = lab.counters()["config_reads"]
    assert dict((k, v) for k, v in reads.items() if v) == dict((name, 1) for name in registry.SOURCES)
