# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Argument errors that name the field (module_utils/_module.py), through a real module's argument check."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._module import shape_problem
from ansible_collections.mailops.secure_email.plugins.modules import esa_smtp_routes as ROUTES
from ansible_collections.mailops.secure_email.plugins.modules import exo_outbound_connector as OUTBOUND
from ansible_collections.mailops.secure_email.tests.unit.plugins.modules.esa_lab import Lab

SPEC = dict(config=dict(type="list", elements="dict", options=dict(
    domain=dict(type="str"),
    destinations=dict(type="list", elements="dict", options=dict(host=dict(type="str"), port=dict(type="int"))),
    members=dict(type="list", elements="str"),
)), settings=dict(type="dict", options=dict(tls=dict(type="str"))), secret=dict(type="dict", no_log=True))


@pytest.mark.parametrize("params, expected", [
    (dict(config="example.com"), "config: must be a list of dicts (each with destinations, domain, members); got a string"),
    (dict(config=["example.com"]), "config[0]: must be a dict (with destinations, domain, members); got a string"),
    (dict(config=[dict(domain="a", destinations="mx.a")]), "config[0].destinations: must be a list of dicts"),
    (dict(config=[dict(destinations=[dict(host="x"), 5])]), "config[0].destinations[1]: must be a dict (with host, port); got a number"),
    (dict(config=[dict(members=[dict(a=1)])]), "config[0].members[0]: must be a string; got a dict"),
    (dict(settings="on"), "settings: must be a dict (with tls); got a string 'on'"),
])
def test_the_first_misshapen_option_is_named(params, expected):
    assert shape_problem(SPEC, params).startswith(expected)


def test_fitting_shapes_and_secrets_give_nothing():
    assert shape_problem(SPEC, dict(config=[dict(domain="a", destinations=[dict(host="x")])], settings=dict())) is None
    # a secret's value is never described
    assert shape_problem(SPEC, dict(secret="s3cr3t")) is None


def test_a_real_module_names_the_field_where_ansible_would_not(monkeypatch):
    result = Lab().run(monkeypatch, ROUTES, config=[dict(domain="example.com", destinations="mx.example.com")])
    assert result["failed"]
    assert result["msg"].startswith("config[0].destinations: must be a list of dicts (each with host, port, priority); "
                                    "got a string 'mx.example.com'")


def test_an_exchange_module_too(monkeypatch):
    result = Lab().run(monkeypatch, OUTBOUND, name="x", validate="yes please")
    assert result["failed"] and result["msg"].startswith("validate: must be a dict (with "), result["msg"]
