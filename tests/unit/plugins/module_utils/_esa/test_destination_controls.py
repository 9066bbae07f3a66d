# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""destconfig parse/render, round trips against the lab's in-process engine."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import destination_controls as dc
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg
from ansible_collections.mailops.secure_email.tests.unit.plugins.module_utils._esa.gateway import Gateway


@pytest.fixture
def gateway():
    """One lab login; destconfig DETAIL shows the login's pending changes."""
    return Gateway()


def read(gateway):
    return gateway.read(dc.DestinationControls())


def converge(gateway, config, state="merged"):
    plan, dummy = gateway.converge(dc.DestinationControls(), config, state)
    return plan.operations, plan.after


SEED = dict(domain="example.com", concurrency_limit=10, messages_per_connection=20, tls="on")
FULL = dict(domain="full.example", concurrency_limit=1000, recipient_limit=100, recipient_minutes=30, limit_type="mx_ip",
            limit_apply="virtual_gateway", messages_per_connection=1, tls="require_verify", dane="mandatory",
            bounce_verification=True, bounce_profile="Default", ip_sort="require_ipv4")


def test_factory_default_entry(gateway):
    entries = read(gateway)
    assert entries == [dict(domain="DEFAULT", concurrency_limit=500, recipient_limit=0, recipient_minutes=None, limit_type="domain",
                            limit_apply="system", messages_per_connection=50, tls="off", dane="off", bounce_verification=False,
                            bounce_profile="Default", ip_sort="prefer_ipv6")]


@pytest.mark.parametrize("entry", [SEED, FULL, dict(domain=".sub.example", recipient_limit=5),
                                   dict(domain="tls.example", tls="on_verify", dane="opportunistic", ip_sort="prefer_ipv4"),
                                   dict(domain="bv.example", bounce_verification=False)])
def test_every_field_round_trips(gateway, entry):
    want = [entry]
    ops, after = converge(gateway, want)
    assert [verb for verb, dummy in ops] == ["create"]
    assert read(gateway) == after
    assert converge(gateway, want)[0] == [], "second run is a no-op"


def test_edit_replace_and_default_entry(gateway):
    converge(gateway, [FULL])
    # replaced: unset fields go back to the default
    ops, after = converge(gateway, [dict(domain="full.example", concurrency_limit=10)], "replaced")
    assert [verb for verb, dummy in ops] == ["update"]
    got = [e for e in read(gateway) if e["domain"] == "full.example"][0]
    assert got["tls"] is None and got["recipient_limit"] is None and got["concurrency_limit"] == 10
    assert read(gateway) == after
    # merged on the default entry changes only what is given
    ops, after = converge(gateway, [dict(domain="default", tls="on", recipient_limit=200)])
    default = [e for e in read(gateway) if e["domain"] == "DEFAULT"][0]
    assert default["tls"] == "on" and default["recipient_limit"] == 200 and default["concurrency_limit"] == 500
    assert read(gateway) == after
    # overridden deletes domains but never the default entry
    ops, after = converge(gateway, [], "overridden")
    assert [e["domain"] for e in read(gateway)] == ["DEFAULT"]


@pytest.mark.parametrize("entry,message", [
    (dict(domain="x.example", concurrency_limit=0), "config[0].concurrency_limit: 0 is out of range 1-1000"),
    (dict(domain="x.example", concurrency_limit=1001), "config[0].concurrency_limit: 1001 is out of range 1-1000"),
    (dict(domain="bad domain"), "config[0].domain"),
    (dict(domain="x.example", tls="preferred"), "config[0].tls"),
    (dict(domain="x.example", dane="mandatory"), "DANE needs tls"),
    (dict(domain="x.example", recipient_minutes=5), "needs recipient_limit"),
    (dict(domain="x.example", limit_type="mx_ip"), "only apply with"),
    (dict(domain="x.example", bounce_profile="bad name!"), "config[0].bounce_profile"),
])
def test_invalid_input_names_field_and_rule(entry, message):
    with pytest.raises(dc.DestinationError) as exc:
        dc.normalise_entry(entry, 0)
    assert message in str(exc.value)


def test_unknown_bounce_profile_is_refused_by_the_dialogue(gateway):
    kind = dc.DestinationControls()
    snapshot, plan = gateway.plan(kind, [dict(domain="x.example", bounce_profile="Nope")])
    with pytest.raises(dlg.DialogueError) as exc:
        gateway.write(kind, plan, snapshot)
    assert "Nope" in exc.value.message
