# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import smtp_routes as sr
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Plan, Snapshot

ROUTES = [
    dict(domain="example.com", destinations=[dict(host="example-com.mail.protection.outlook.com", port=25, priority=None)]),
    dict(domain=".example.net", destinations=[dict(host="relay1.example.net", port=None, priority=10),
                                              dict(host="relay2.example.net", port=2525, priority=20)]),
    dict(domain="blackhole.example", destinations=[dict(host="/dev/null", port=None, priority=None)]),
    dict(domain="10.1.2.3", destinations=[dict(host="[mx.example.org]", port=None, priority=None)]),
    dict(domain="v6.example", destinations=[dict(host="2001:db8::25", port=None, priority=5)]),
    dict(domain="ALL", destinations=[dict(host="USEDNS", port=None, priority=None)]),
]


def test_export_parse_round_trip():
    text = sr.render_export(ROUTES)
    assert sr.parse(text) == sorted(ROUTES, key=sr.sort_key)
    assert text.splitlines()[-1] == "ALL USEDNS"


def test_print_layout_is_parsed():
    text = (
        "Domain                 Destinations\n"
        "example.com            example-com.mail.protection.outlook.com:25\n"
        ".example.net           relay1.example.net/pri=10, relay2.example.net:2525/pri=20\n"
        "ALL                    USEDNS\n"
        "\n"
        "There are currently 3 routes defined.\n"
    )
    parsed = sr.parse(text)
    assert [r["domain"] for r in parsed] == [".example.net", "example.com", "ALL"]
    assert parsed[0]["destinations"][1] == dict(host="relay2.example.net", port=2525, priority=20)


def test_empty_table_parses_to_nothing():
    assert sr.parse("There are no routes configured.\n") == []


@pytest.mark.parametrize("text", ["h.example", "h.example:25", "h.example/pri=3", "h.example:2525/pri=0", "[h.example]",
                                  "10.0.0.1:26", "USEDNS", "/dev/null"])
def test_destination_text_round_trip(text):
    assert sr.destination_to_text(sr.destination_from_text(text)) == text


def test_normalise_route_canonical_form():
    route = sr.normalise_route(dict(domain="Example.COM", destinations=[dict(host="MX.Example.com", port=25)]))
    assert route == dict(domain="example.com", destinations=[dict(host="mx.example.com", port=25, priority=None)])
    assert sr.normalise_route(dict(domain="all", destinations=[dict(host="usedns")]))["domain"] == "ALL"


@pytest.mark.parametrize("route,message", [
    (dict(domain="bad domain", destinations=[dict(host="h")]), "config[0].domain"),
    (dict(domain="example.com", destinations=[]), "at least one destination"),
    (dict(domain="example.com", destinations=[dict(host="bad host!")]), "config[0].destinations[0].host"),
    (dict(domain="example.com", destinations=[dict(host="h", port=0)]), "out of range 1-65535"),
    (dict(domain="example.com", destinations=[dict(host="h", port=70000)]), "out of range 1-65535"),
    (dict(domain="example.com", destinations=[dict(host="h", priority=65536)]), "out of range 0-65535"),
    (dict(domain="example.com", destinations=[dict(host="/dev/null"), dict(host="h")]), "must be the only destination"),
    (dict(domain="example.com", destinations=[dict(host="USEDNS", port=25)]), "stands alone"),
    (dict(domain="example.com", destinations=[dict(host="h"), dict(host="h", port=26)]), "listed twice"),
    (dict(domain="example.com", destinations=[dict(host="2001:db8::1", port=25)]), "IPv6"),
])
def test_invalid_routes_name_the_field(route, message):
    with pytest.raises(sr.RouteError) as exc:
        sr.normalise_route(route, 0)
    assert message in str(exc.value)


def _route(domain, *dests):
    return sr.normalise_route(dict(domain=domain, destinations=[dict(host=d) for d in dests]))


def test_plan_states():
    kind = sr.SmtpRoutes()
    have = [_route("a.example", "h1"), _route("b.example", "h2"), _route("ALL", "USEDNS")]
    snapshot = Snapshot(have)
    want = [_route("a.example", "h3"), _route("c.example", "h4")]

    plan = kind.plan(snapshot, want, "merged")
    assert plan.operations == [("update", _route("a.example", "h1", "h3")), ("create", want[1])]
    assert [r["domain"] for r in plan.after] == ["a.example", "b.example", "c.example", "ALL"]

    plan = kind.plan(snapshot, want, "replaced")
    assert plan.operations == [("update", want[0]), ("create", want[1])]

    plan = kind.plan(snapshot, want, "overridden")
    assert plan.operations[0] == ("delete", have[1])
    assert "ALL" in [r["domain"] for r in plan.after], "overridden keeps ALL unless declared"

    plan = kind.plan(snapshot, [], "deleted")
    assert [verb for verb, dummy in plan.operations] == ["delete", "delete"] and [r["domain"] for r in plan.after] == ["ALL"]

    plan = kind.plan(snapshot, [_route("ALL", "USEDNS")], "deleted")
    assert plan.operations == [("delete", have[2])]

    assert kind.plan(snapshot, have, "overridden").operations == []
    assert kind.plan(snapshot, [_route("a.example", "h1")], "merged").operations == []


def _script(ops):
    return sr.SmtpRoutes().render(Plan(list(ops), [], []), Snapshot([]))


def test_change_steps_and_rules():
    script = _script([("create", _route("c.example", "h4")), ("update", _route("a.example", "h1", "h3")),
                      ("delete", _route("ALL", "USEDNS"))])
    assert script.commands() == [sr.COMMAND, "NEW", "c.example", "h4", "N", "EDIT", "a.example", "<Enter>", "REPLACE", "h1, h3",
                                 "DELETE", "ALL", "Y", "<Enter>"]
    rules = script.rules()
    menu = [r for r in rules if r.name == "smtproutes menu"][0]
    assert menu.answers == ["NEW", "EDIT", "DELETE", ""] and menu.menu


def test_no_operations_type_nothing():
    kind = sr.SmtpRoutes()
    have = [_route("a.example", "h1")]
    plan = kind.plan(Snapshot(have), have, "merged")
    assert plan.operations == [] and not plan.changed and plan.document is None
