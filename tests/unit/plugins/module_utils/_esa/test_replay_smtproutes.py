# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replay of ``smtproutes`` (divergences 4 and 7): EDIT asks for a new domain name before its sub-menu (Enter
keeps it), and ADD/REPLACE/REMOVE may ask SMTP-authentication follow-ups; DELETE of a route other than the
default may or may not confirm (ctor/smtproutes.py, identical in every release 11.0-14.1). Question substrings
are the library's; the rest of each line, and the menu lines, are reconstructions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import smtp_routes as sr
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.documents import ReadError
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Plan, Snapshot
from ansible_collections.mailops.secure_email.tests.unit.plugins.module_utils._esa.test_replay_dialogue import (
    HOST, Replay, menu)

MENU = menu("NEW", "EDIT", "DELETE", "PRINT", "IMPORT", "EXPORT", "CLEAR")
EDIT_MENU = menu("ADD", "REPLACE", "REMOVE")


def _route(domain, *hosts):
    return sr.normalise_route(dict(domain=domain, destinations=[dict(host=h) for h in hosts]))


def _script(*ops):
    return sr.SmtpRoutes().render(Plan(list(ops), [], []), Snapshot([]))


AUTH = {
    "none": [],
    "profile": [("N", "\nDo you want to associate an SMTP authentication profile with this route? [N]> ")],
    "associated": [("N", "\nDo you want to associate another SMTP authentication profile with this route? [N]> "),
                   ("N", "\nDo you want to disassociate the SMTP authentication profile from this route? [N]> ")],
}


@pytest.mark.parametrize("release", ["11.0", "13.5", "14.1"])
@pytest.mark.parametrize("auth", sorted(AUTH))
def test_edit_keeps_the_domain_and_answers_the_auth_follow_ups(release, auth):
    script = _script(("update", _route("example.com", "a.example.net", "b.example.net")))
    follow = AUTH[auth]
    steps = [("smtproutes", MENU), ("EDIT", "\nEnter the domain name of the route you wish to edit.\n[]> "),
             ("example.com", "\nEnter the new domain for which you want to set up a permanent route.\n[example.com]> "),
             ("", EDIT_MENU),
             ("REPLACE", "\nEnter the destination hosts, separated by commas, which you want mail for example.com to "
                         "be delivered.\n[]> ")]
    typed = "a.example.net, b.example.net"
    for answer, question in follow:
        steps.append((typed, question))
        typed = answer
    steps += [(typed, MENU), ("", HOST)]
    result = Replay(steps).run(script.command, script.rules())
    assert result["transcript"][2]["answer"] == "", "Enter keeps the route's domain"


def test_edit_without_the_new_domain_question_is_tolerated():
    """The question is documented; should a release not ask it, the optional rule is simply not used."""
    script = _script(("update", _route("example.com", "a.example.net")))
    steps = [("smtproutes", MENU), ("EDIT", "\nEnter the domain name of the route you wish to edit.\n[]> "),
             ("example.com", EDIT_MENU),
             ("REPLACE", "\nEnter the destination hosts, separated by commas.\n[]> "), ("a.example.net", MENU),
             ("", HOST)]
    Replay(steps).run(script.command, script.rules())


@pytest.mark.parametrize("confirm", [False, True])
def test_delete_of_a_route_with_or_without_confirmation(confirm):
    script = _script(("delete", _route("example.com", "a.example.net")))
    steps = [("smtproutes", MENU), ("DELETE", "\nEnter the domain of the route you wish to delete.\n[]> ")]
    if confirm:
        steps += [("example.com", "\nAre you sure you want to delete the route for example.com? [N]> "), ("Y", MENU)]
    else:
        steps += [("example.com", MENU)]
    Replay(steps + [("", HOST)]).run(script.command, script.rules())


def test_delete_of_the_default_route_confirms():
    script = _script(("delete", _route("ALL", "USEDNS")))
    steps = [("smtproutes", MENU), ("DELETE", "\nEnter the domain of the route you wish to delete.\n[]> "),
             ("ALL", "\nAre you sure you want to reset the default route? [N]> "), ("Y", MENU), ("", HOST)]
    Replay(steps).run(script.command, script.rules())


def test_new_asks_for_an_auth_profile_only_when_profiles_exist():
    script = _script(("create", _route("example.com", "a.example.net")))
    steps = [("smtproutes", MENU), ("NEW", "\nEnter the domain for which you want to set up a permanent route.\n[]> "),
             ("example.com", "\nEnter the destination hosts, separated by commas.\n[]> "), ("a.example.net", MENU),
             ("", HOST)]
    Replay(steps).run(script.command, script.rules())


def test_unknown_follow_up_fails():
    script = _script(("update", _route("example.com", "a.example.net")))
    steps = [("smtproutes", MENU), ("EDIT", "\nEnter the domain name of the route you wish to edit.\n[]> "),
             ("example.com", EDIT_MENU), ("REPLACE", "\nEnter the destination hosts, separated by commas.\n[]> "),
             ("a.example.net", "\nSelect the SMTP authentication profile to use:\n1. prof1\n[]> ")]
    with pytest.raises(dlg.DialogueError, match="unexpected question"):
        Replay(steps).run(script.command, script.rules())


def test_count_line_is_checked_against_the_parsed_routes():
    with pytest.raises(ReadError, match="reports 3 routes"):
        sr.SOURCE.prepare("There are currently 3 routes defined.\n")
