# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import bounce_profiles as bp
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import destination_controls as dc
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import DialogueError
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import PlanError, Snapshot
from ansible_collections.mailops.secure_email.tests.unit.plugins.module_utils._esa.gateway import Gateway

DEFAULT = dict(name="Default", max_retries=100, max_queue_lifetime=259200, initial_retry=60, max_retry_timeout=3600,
               send_bounces=True, use_dsn_bounce_format=True, send_warnings=False)


def profile(name, **fields):
    entry = dict(name=name, max_retries=None, max_queue_lifetime=None, initial_retry=None, max_retry_timeout=None,
                 send_bounces=None, use_dsn_bounce_format=None, send_warnings=None)
    entry.update(fields)
    return entry


@pytest.fixture(name="gateway")
def gateway_fixture():
    return Gateway()


def converge(gateway, config, state="merged", commit=True):
    """Plan, write and (by default) commit with the runner's read-back; returns the plan."""
    plan, dummy = gateway.converge(bp.BounceProfiles(), config, state, commit=commit)
    return plan


def read(gateway):
    return gateway.read(bp.BounceProfiles())


# -- validation ------------------------------------------------------------------------------------------------


def test_normalise_canonical_form():
    assert bp.normalise_profile(dict(name="default", max_retries=5)) == dict(DEFAULT, max_retries=5, **dict(
        (f, None) for f in bp.FIELDS if f != "max_retries"))
    assert bp.normalise_profile(dict(name=" _M365-a ", send_warnings=True))["name"] == "_M365-a"


@pytest.mark.parametrize("entry,message", [
    (dict(name="1abc"), "config[0].name"),
    (dict(name="with space"), "config[0].name"),
    (dict(name="a.b"), "config[0].name"),
    (dict(name="x" * 81), "config[0].name"),
    (dict(name="a", max_retries=10001), "config[0].max_retries: 10001 is out of range 0-10000"),
    (dict(name="a", max_queue_lifetime=-1), "config[0].max_queue_lifetime"),
    (dict(name="a", initial_retry=59), "config[0].initial_retry: 59 is out of range 60-86400"),
    (dict(name="a", max_retry_timeout=86401), "config[0].max_retry_timeout"),
    (dict(name="a", max_retries=True), "config[0].max_retries"),
    (dict(name="a", send_bounces="yes"), "config[0].send_bounces: must be true or false"),
    (dict(name="a", send_bounces=False, use_dsn_bounce_format=True), "config[0].use_dsn_bounce_format: applies only"),
])
def test_invalid_profiles_name_the_field(entry, message):
    with pytest.raises(bp.BounceProfileError) as exc:
        bp.normalise_profile(entry, 0)
    assert message in str(exc.value)


# -- parsing -----------------------------------------------------------------------------------------------------


def test_listing_names():
    text = ("\nCurrent bounce profiles:\n1. Default\n2. M365\n3. _slow\n\nChoose the operation you want to perform:\n"
            "- NEW - Create a new profile.\n[]> ")
    assert bp.parse_listing(text) == ["Default", "M365", "_slow"]


def test_parsed_from_saved_xml_and_from_a_fragment():
    kind = bp.BounceProfiles()
    fragment = ("<bounce_profiles><bounce_profile><profile_name>Default</profile_name><max_retries>100</max_retries>"
                "<max_queue_lifetime>259200</max_queue_lifetime><initial_retry>60</initial_retry>"
                "<max_retry_timeout>3600</max_retry_timeout><send_bounces>yes</send_bounces>"
                "<use_dsn_bounce_format>yes</use_dsn_bounce_format><send_warnings>no</send_warnings></bounce_profile>"
                "<bounce_profile><profile_name>M365</profile_name><max_retries>20</max_retries>"
                "<send_bounces>default</send_bounces><send_warnings>yes</send_warnings></bounce_profile>"
                "</bounce_profiles>")
    assert kind.parse(fragment) == [DEFAULT, profile("M365", max_retries=20, send_warnings=True)]
    whole = '<?xml version="1.0"?>\n<!DOCTYPE config SYSTEM "config.dtd">\n<config>%s</config>\n' % fragment
    assert kind.parse(whole) == kind.parse(fragment)
    with pytest.raises(ValueError):
        kind.parse("<config><hostname>h</hostname></config>")


def test_factory_appliance_reads_default_only(gateway):
    assert read(gateway) == [DEFAULT]


# -- plan ----------------------------------------------------------------------------------------------------------


M365 = profile("M365", max_retries=20, max_queue_lifetime=3600, initial_retry=60, max_retry_timeout=3600)


def plan(config, state="merged", entries=None):
    kind = bp.BounceProfiles()
    want = [kind.normalise(e, i) for i, e in enumerate(config)]
    return kind.plan(Snapshot(entries or [DEFAULT, M365]), want, state)


def test_plan_merged_update_keeps_other_fields():
    result = plan([dict(name="M365", send_warnings=True)])
    assert result.operations == [("update", dict(result.before[1], send_warnings=True))]


def test_plan_replaced_completes_with_factory_numbers_and_default_flags():
    result = plan([dict(name="M365", max_retries=20)], "replaced")
    assert result.operations == [("update", profile("M365", max_retries=20, max_queue_lifetime=259200, initial_retry=60,
                                                    max_retry_timeout=3600))]


def test_overridden_never_removes_default_and_deleted_refuses_it():
    assert plan([], "overridden").operations == [("delete", plan([]).before[1])]
    assert plan([], "deleted").operations == [("delete", plan([]).before[1])]
    with pytest.raises(PlanError) as exc:
        plan([dict(name="Default")], "deleted")
    assert "The default profile may not be deleted" in str(exc.value)


def test_name_differing_in_case_is_refused():
    with pytest.raises(PlanError) as exc:
        plan([dict(name="m365")])
    assert "'m365' differs only in case from the existing profile 'M365'" in str(exc.value)


def test_dsn_format_is_not_planned_when_no_hard_bounces_are_sent():
    entries = [dict(DEFAULT, send_bounces=False), profile("M365", max_retries=20, max_queue_lifetime=3600,
                                                          initial_retry=60, max_retry_timeout=3600,
                                                          use_dsn_bounce_format=True)]
    # replaced would set the format to "follow Default", but the appliance does not ask for it: it stays
    assert plan([dict(name="M365", max_retries=20, max_queue_lifetime=3600)], "replaced", entries).operations == []
    with pytest.raises(PlanError) as exc:
        plan([dict(name="M365", use_dsn_bounce_format=False)], "merged", entries)
    assert "M365.use_dsn_bounce_format can only be changed while the profile sends hard bounce messages" in str(exc.value)


# -- render and the appliance ---------------------------------------------------------------------------------


def test_create_edit_delete_round_trip(gateway):
    created = converge(gateway, [dict(name="M365", max_retries=20, max_queue_lifetime=86400, send_warnings=True),
                                 dict(name="slow", initial_retry=600, max_retry_timeout=7200, send_bounces=False)])
    assert [verb for verb, dummy in created.operations] == ["create", "create"]
    assert read(gateway) == created.after
    assert read(gateway)[2] == profile("slow", max_retries=100, max_queue_lifetime=259200, initial_retry=600,
                                       max_retry_timeout=7200, send_bounces=False)
    edited = converge(gateway, [dict(name="slow", send_bounces=True, use_dsn_bounce_format=False),
                                dict(name="Default", max_retries=50, send_warnings=True)])
    assert read(gateway) == edited.after
    assert [e["max_retries"] for e in read(gateway)] == [50, 20, 100]
    assert read(gateway)[2]["use_dsn_bounce_format"] is False
    deleted = converge(gateway, [dict(name="M365")], "deleted")
    assert deleted.operations == [("delete", edited.after[1])]
    assert [e["name"] for e in read(gateway)] == ["Default", "slow"]
    assert not converge(gateway, [dict(name="slow", send_bounces=True, use_dsn_bounce_format=False)]).changed


def test_edit_and_delete_type_the_listing_number(gateway):
    converge(gateway, [dict(name="a"), dict(name="b"), dict(name="c")])
    kind = bp.BounceProfiles()
    snapshot, result = gateway.plan(kind, [dict(name="a"), dict(name="c", max_retries=7)], "overridden")
    commands = kind.render(result, snapshot).commands()
    # b (number 3) goes first, then c is number 3
    assert commands[:5] == ["bounceconfig", "DELETE", "3", "Y", "EDIT"]
    assert commands[5] == "3"
    gateway.write(kind, result, snapshot)
    gateway.commit()
    assert [(e["name"], e["max_retries"]) for e in read(gateway)] == [("Default", 100), ("a", 100), ("c", 7)]


def test_a_wrong_number_changes_nothing(gateway):
    converge(gateway, [dict(name="a"), dict(name="b")])
    kind = bp.BounceProfiles()
    snapshot, result = gateway.plan(kind, [dict(name="b", max_retries=1)])
    # the appliance lists the profiles in another order than the one read: the name question names "a"
    stale = Snapshot([snapshot.entries[0], snapshot.entries[2], snapshot.entries[1]])
    writes = gateway.app.counters["writes"]
    with pytest.raises(DialogueError) as exc:
        gateway.write(kind, result, stale)
    assert "unexpected question" in exc.value.message and "[a]>" in exc.value.message
    assert gateway.app.counters["writes"] == writes
    snapshot, result = gateway.plan(kind, [dict(name="b")], "deleted")
    with pytest.raises(DialogueError):
        gateway.write(kind, result, stale)
    assert gateway.app.counters["writes"] == writes


def test_rendered_on_the_factory_appliance():
    kind = bp.BounceProfiles()
    want = [kind.normalise(dict(name="Default", send_warnings=True), 0)]
    commands = kind.render(kind.plan(kind.empty(), want, "merged"), kind.empty()).commands()
    assert commands[:9] == ["bounceconfig", "EDIT", "1", "<Enter>", "100", "259200", "60", "3600", "Y"]


def test_delete_refused_while_destination_controls_use_the_profile(gateway):
    converge(gateway, [dict(name="M365")])
    gateway.converge(dc.DestinationControls(), [dict(domain="example.com", bounce_profile="M365")], commit=True)
    kind = bp.BounceProfiles()
    snapshot, result = gateway.plan(kind, [], "overridden")
    with pytest.raises(ValueError) as exc:
        kind.preflight(gateway.reader(), result)
    assert "M365 (destination controls of example.com)" in str(exc.value)


# -- the name check of destination controls -----------------------------------------------------------------


def test_check_profiles_sees_uncommitted_profiles_of_this_login(gateway):
    converge(gateway, [dict(name="M365")], commit=False)
    bp.check_profiles(gateway.reader(), ["M365", "Default"])
    with pytest.raises(ValueError) as exc:
        bp.check_profiles(gateway.reader(), ["Nope"])
    assert "'Nope' not configured on the appliance (known: Default, M365)" in str(exc.value)


def test_check_profiles_falls_back_to_the_listing_without_xml_profiles(gateway, monkeypatch):
    monkeypatch.setattr(bp, "profiles_from_xml", lambda config: None)
    assert bp.profile_names(gateway.reader()) == ["Default"]
    assert bp.BounceProfiles.gather(gateway.reader()) == [dict(name="Default")]
    with pytest.raises(ValueError) as exc:
        bp.BounceProfiles().read(gateway.reader())
    assert "reconstruction" in str(exc.value)
