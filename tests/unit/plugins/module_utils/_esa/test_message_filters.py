# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Message filters against the lab's in-process engine."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import message_filters as mf
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import redact
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import sender_groups as sg
from ansible_collections.mailops.secure_email.tests.unit.plugins.module_utils._esa.gateway import Gateway

S12 = '''office365_outbound:
if (sendergroup == "RELAY_O365") {
    if header("X-OUTBOUND-AUTH") == "^s3cr3tvalue$" {   # the tenant's secret
        strip-header("X-OUTBOUND-AUTH");
    } else {
        drop();
    }
}'''


@pytest.fixture
def gateway():
    """One lab login; filters DETAIL shows the login's pending changes."""
    return Gateway()


@pytest.fixture
def appliance(gateway):
    return gateway.app


def converge(gateway, want, state="merged"):
    kind = mf.MessageFilters()
    plan, dummy = gateway.converge(kind, want, state)
    got = gateway.read(kind)
    assert got == plan.after
    return plan.operations, got


def test_create_then_noop(gateway):
    ops, got = converge(gateway, [dict(name="office365_outbound", body=S12)])
    assert [v for v, dummy in ops] == ["create"] and got[0]["active"] is True
    assert converge(gateway, [dict(name="office365_outbound", body=S12.replace("    ", "\t"))])[0] == []


def test_active_flag_alone_is_one_set(appliance, gateway):
    converge(gateway, [dict(name="office365_outbound", body=S12), dict(name="second", body="if (true) { log-entry('x'); }")])
    writes = appliance.counters["writes"]
    ops, got = converge(gateway, [dict(name="second", active=False)])
    assert [v for v, dummy in ops] == ["update"]
    assert appliance.counters["writes"] == writes + 1
    assert [(f["name"], f["active"]) for f in got] == [("office365_outbound", True), ("second", False)]


def test_body_change_keeps_flag_and_overridden_orders(gateway):
    converge(gateway, [dict(name="a", body="if (true) { drop(); }"), dict(name="b", body="if (true) { drop(); }", active=False)])
    ops, got = converge(gateway, [dict(name="b", body="if (true) { bounce(); }", active=False)], "replaced")
    assert [(f["name"], f["active"]) for f in got] == [("a", True), ("b", False)]
    ops, got = converge(gateway, [dict(name="b", body="if (true) { bounce(); }", active=False),
                                  dict(name="a", body="if (true) { drop(); }")], "overridden")
    assert [f["name"] for f in got] == ["b", "a"]
    ops, got = converge(gateway, [dict(name="a", body="if (true) { drop(); }")], "overridden")
    assert [f["name"] for f in got] == ["a"]


@pytest.mark.parametrize("entry,message", [
    (dict(name="x", body="if (true) { dorp(); }"), "config[0].body: invalid filter syntax: unknown action 'dorp'"),
    (dict(name="bad name", body="if (true) { drop(); }"), "config[0].name"),
    (dict(name="if", body="if (true) { drop(); }"), "reserved word"),
])
def test_bad_filters_fail_before_writing(entry, message):
    with pytest.raises(mf.FilterError) as exc:
        mf.normalise_entry(entry, 0)
    assert message in str(exc.value)


def test_new_filter_without_body_is_refused(gateway):
    with pytest.raises(ValueError):
        converge(gateway, [dict(name="ghost", active=False)])


def test_weakening_the_guard_of_a_relaying_group_is_refused(gateway):
    """MessageFilters.guard reads the HAT of every listener (the session's view: here an uncommitted sender group)."""
    converge(gateway, [dict(name="office365_outbound", body=S12)])
    groups = sg.SenderGroups("OutgoingMail")
    gateway.converge(groups, [dict(name="RELAY_O365", members=[".protection.outlook.com"], policy="RELAYED")])
    for allow, config, state, refused in ((False, [dict(name="office365_outbound", active=False)], "merged", True),
                                          (False, [dict(name="office365_outbound")], "deleted", True),
                                          (False, [dict(name="other", body="if (true) { drop(); }")], "merged", False),
                                          (True, [dict(name="office365_outbound")], "deleted", False)):
        kind = mf.MessageFilters(params=dict(allow_open_relay=allow))
        reader = gateway.reader()
        snapshot, plan = gateway.plan(kind, config, state, snapshot=kind.read(reader))
        problems = kind.guard(reader, snapshot, plan, False)
        assert bool(problems) is refused, (config, state, problems)
        assert not refused or "RELAY_O365" in problems[0]


# -- issue 15: header names, and the values of secret headers masked without ``secrets`` ----------------------

SECRET = "s3cr3tvalue"


@pytest.mark.parametrize("body,header,used_in,problem", [
    ('if header("X OUTBOUND") == "a" { drop(); }', "X OUTBOUND", "header", "a space at position 2"),
    ('if (true) { strip-header("X-Outbound Auth"); }', "X-Outbound Auth", "strip-header", "a space"),
    ('if (true) { insert-header(" X-A", "v"); }', " X-A", "insert-header", "a space at position 1"),
    ('if (true) { edit-header-text("X:A", "a", "b"); }', "X:A", "edit-header-text", "':' at position 2"),
    ('if header-repeats("X A", 2) { drop(); }', "X A", "header-repeats", "a space"),
    ('if header("") { drop(); }', "", "header", "it is empty"),
    (u'if header("X-\u00e9") { drop(); }', u"X-\u00e9", "header", "U+00E9"),
])
def test_a_header_name_that_is_not_an_rfc5322_field_name_is_refused(body, header, used_in, problem):
    with pytest.raises(mf.FilterError) as exc:
        mf.normalise_entry(dict(name="f", body=body), 2)
    message = str(exc.value)
    assert message.startswith("config[2].body: the header name %r of %s() (line 1, column " % (header, used_in))
    assert problem in message and "RFC 5322" in message and "no spaces" in message


def test_valid_header_names_pass_and_the_line_of_a_bad_one_is_given():
    body = 'if header("X-OUTBOUND-AUTH") == "v" and header("x_odd!#$%&*+.^`|~") { strip-header("X-A"); }'
    assert mf.normalise_entry(dict(name="f", body=body))["body"]
    with pytest.raises(mf.FilterError) as exc:
        mf.normalise_entry(dict(name="office365_outbound",
                                body=S12.replace('strip-header("X-OUTBOUND-AUTH")', 'strip-header("X OUT")')))
    assert "strip-header() (line 4, column 22)" in str(exc.value)


def test_secret_headers_must_be_header_names():
    kind = mf.MessageFilters(params=dict(secret_headers=["X-Tenant-Key", "X Tenant"]))
    with pytest.raises(mf.FilterError) as exc:
        kind.want(dict(config=[], secret_headers=["X-Tenant-Key", "X Tenant"]))
    assert str(exc.value).startswith("secret_headers[1]: 'X Tenant' is not a header name: it contains a space")


def _shown(kind, value):
    return redact.mask(value, kind.secrets())


@pytest.mark.parametrize("body", [
    S12,
    S12.replace('"^s3cr3tvalue$"', "'^s3cr3tvalue$'"),                             # single quotes
    S12.replace('header("X-OUTBOUND-AUTH") ==', 'header("x-outbound-auth") !='),   # case, !=
    'if header("X-OUTBOUND-AUTH") == "s3cr3tvalue" { drop(); }',
    'if (true) { insert-header("X-OUTBOUND-AUTH", "s3cr3tvalue"); }',
    'if (true) { edit-header-text("X-Outbound-Auth", "^.*$", "s3cr3tvalue"); }',
])
def test_the_outbound_header_value_is_masked_without_secrets(body):
    kind = mf.MessageFilters(params={})
    entry = kind.normalise(dict(name="office365_outbound", body=body), 0)
    assert SECRET in entry["body"], "the plan keeps the real value"
    shown = _shown(kind, [entry, "office365_outbound: " + entry["body"], body])
    assert SECRET not in repr(shown) and "********" in shown[0]["body"]


def test_other_headers_are_not_masked_unless_listed_in_secret_headers():
    body = 'if header("X-Tenant-Key") == "tenantkey99" and header("X-Spam") == "yes" { drop(); }'
    plain = mf.MessageFilters(params={})
    assert _shown(plain, plain.normalise(dict(name="f", body=body), 0)) == plain.normalise(dict(name="f", body=body), 0)
    kind = mf.MessageFilters(params=dict(secret_headers=["x-tenant-key"]))
    shown = _shown(kind, kind.normalise(dict(name="f", body=body), 0))
    assert shown["body"] == 'if header("X-Tenant-Key") == "********" and header("X-Spam") == "yes" { drop(); }'


def test_a_syntax_error_quoting_the_value_is_masked():
    kind = mf.MessageFilters(params={})
    with pytest.raises(mf.FilterError) as exc:
        kind.normalise(dict(name="f", body='if header("X-OUTBOUND-AUTH") "%s" { drop(); }' % SECRET), 0)
    assert SECRET in str(exc.value)
    assert SECRET not in _shown(kind, str(exc.value))


def test_masking_is_for_output_only_a_new_secret_is_a_change(gateway):
    converge(gateway, [dict(name="office365_outbound", body=S12)])
    kind = mf.MessageFilters(params={})
    snapshot, plan = gateway.plan(kind, [dict(name="office365_outbound", body=S12)])
    assert plan.operations == [] and SECRET in snapshot.entries[0]["body"]
    kind = mf.MessageFilters(params={})
    snapshot, plan = gateway.plan(kind, [dict(name="office365_outbound", body=S12.replace(SECRET, "an0th3rvalue"))])
    assert [verb for verb, dummy in plan.operations] == ["update"]
    shown = _shown(kind, dict(before=plan.before, after=plan.after, commands=kind.render(plan, snapshot).commands()))
    assert shown["before"] == shown["after"]            # both masked alike: the diff hides the values ...
    assert SECRET not in repr(shown) and "an0th3rvalue" not in repr(shown)
    assert "an0th3rvalue" in plan.after[0]["body"]      # ... and the plan holds the real one
