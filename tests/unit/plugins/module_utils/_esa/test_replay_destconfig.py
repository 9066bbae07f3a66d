# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replay of ``destconfig`` (divergences 4 and 6): NEW/EDIT/DEFAULT ask ``have not entered a certificate`` when
TLS is not No and only the demo certificate exists (ctor/destconfig.py, all releases), and the DANE questions
from 12.0 (phoebe1200-1411). The driver answers the demo-certificate question ``Y`` (docs/asyncos-cli.md §7).
Question substrings are the library's; the rest of each line is a reconstruction."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import destination_controls as dc
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.documents import ReadError
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.release import Release
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Plan, Snapshot
from ansible_collections.mailops.secure_email.tests.unit.plugins.module_utils._esa.test_replay_dialogue import (
    HOST, Replay, menu)

MENU = "There are currently 1 entries configured.\n" + menu("SETUP", "NEW", "EDIT", "DELETE", "DEFAULT", "LIST",
                                                            "DETAIL", "CLEAR")
TLS_LIST = "\n1. No\n2. Preferred\n3. Required\n4. Preferred - Verify\n5. Required - Verify\n[1]> "
DEMO = ("\nYou have not entered a certificate. To assure privacy, run 'certconfig' first.\nYou may use the demo "
        "certificate to test TLS, but this will not be secure.\nDo you wish to use the demo certificate? [Y]> ")
DANE = {"11.0": [], "13.5": [("N", "\nDo you wish to configure DANE Support? [N]> ")],
        "14.1": [("N", "\nDo you wish to configure DANE Support? [N]> ")]}


def _transcript(release, verb, demo=True):
    first = "Enter the domain you wish to %s.\n[]> " % ("configure" if verb == "NEW" else "edit")
    concurrency = "Do you wish to %sconfigure a concurrency limit for example.com? [N]> " % (
        "" if verb == "EDIT" else "")
    steps = [("destconfig", MENU), (verb, "\n" + first), ("example.com", "\n" + concurrency),
             ("N", "\nDo you wish to apply a recipient limit for example.com? [N]> "),
             ("N", "\nDo you wish to apply a messages-per-connection limit to this domain? [N]> "),
             ("N", "\nDo you wish to apply a specific TLS setting for this domain? [N]> "),
             ("Y", "\nDo you want to use TLS support?" + TLS_LIST)]
    after_tls = DANE[release] + ([("Y", DEMO)] if demo else [])
    # each step is (typed, printed); the typed line answers the question printed by the step before
    chain = [("2", after_tls[0][1])] if after_tls else []
    for index in range(len(after_tls) - 1):
        chain.append((after_tls[index][0], after_tls[index + 1][1]))
    last = after_tls[-1][0] if after_tls else "2"
    rest = [(last, "\nDo you wish to apply a specific bounce verification address tagging setting for this domain? [N]> "),
            ("N", "\nDo you wish to apply a specific bounce profile to this domain? [N]> "),
            ("N", "\nDo you wish to apply a specific IP sort preference for this domain? [N]> "),
            ("N", MENU), ("", HOST)]
    if not after_tls:
        return steps + rest
    return steps + chain + rest


RELEASES = {"11.0": "11.0.3", "13.5": "13.5.1", "14.1": "14.1.1"}


def _script(verb, entry, release=None):
    kind = dc.DestinationControls(release=Release(RELEASES.get(release)))
    return kind.render(Plan([(verb, entry)], [], [entry]), Snapshot([]))


@pytest.mark.parametrize("release", ["11.0", "13.5", "14.1"])
@pytest.mark.parametrize("verb", ["NEW", "EDIT"])
def test_demo_certificate_question_is_answered_yes(release, verb):
    entry = dc.normalise_entry(dict(domain="example.com", tls="on"))
    script = _script("create" if verb == "NEW" else "update", entry, release)
    result = Replay(_transcript(release, verb)).run(script.command, script.rules())
    demo = [step for step in result["transcript"] if "have not entered a certificate" in step["question"]]
    assert [step["answer"] for step in demo] == ["Y"]


def test_demo_certificate_question_when_tls_is_off_is_unexpected():
    """TLS off: the driver has no answer for the question (it never guesses)."""
    entry = dc.normalise_entry(dict(domain="example.com", tls="off"))
    script = _script("create", entry)
    steps = _transcript("14.1", "NEW", demo=False)[:7] + [("1", DEMO)]
    with pytest.raises(dlg.DialogueError, match="unexpected question"):
        Replay(steps).run(script.command, script.rules())


def test_dane_question_is_unknown_to_an_11_0_dialogue():
    """11.0 has no DANE questions: a release that asks one is not the release the driver read."""
    entry = dc.normalise_entry(dict(domain="example.com", tls="on"))
    script = _script("create", entry, "11.0")
    steps = _transcript("14.1", "NEW")[:8]
    with pytest.raises(dlg.DialogueError, match="unexpected question: Do you wish to configure DANE"):
        Replay(steps).run(script.command, script.rules())


def test_an_unknown_release_accepts_the_dane_question_or_its_absence():
    entry = dc.normalise_entry(dict(domain="example.com", tls="on"))
    for release in ("11.0", "14.1"):
        script = _script("create", entry)
        Replay(_transcript(release, "NEW")).run(script.command, script.rules())


def test_default_answers_the_demo_certificate_question():
    entry = dc.merge(dc.FACTORY_DEFAULT, dict(domain="DEFAULT", tls="on"))
    rules = _script("update", entry).rules()
    demo = [r for r in rules if r.pattern == dc.Q_DEMO_CERT]
    assert demo and demo[0].answers == ["Y"] and demo[0].optional


def test_count_line_is_checked_against_the_parsed_entries():
    """Divergence 4: the appliance's own count (technote 118177) must match what was parsed."""
    with pytest.raises(ReadError, match="reports 2 destination control entries"):
        dc.SOURCE.prepare("There are currently 2 entries configured.\n")
