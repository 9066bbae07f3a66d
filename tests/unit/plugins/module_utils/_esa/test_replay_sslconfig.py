# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replay of ``sslconfig`` (divergence 3): the verbs GUI/INBOUND/OUTBOUND/VERIFY (plus OTHER_CLIENT_TLSV10,
PEER_CERT_FQDN, PEER_CERT_X509 from 13.8.7), OUTBOUND's ``... SMTP ssl method ...`` numbered list and
``... SMTP ssl cipher ...`` question (ctor/sslconfig.py 1100, 1300, 1411), the settings block's ``Label: value``
lines whose labels vary in case, and ciphers printed one per line.

The method-list labels are a reconstruction: the library selects by number or by text, and its ESA suite tries
``TLS v1/TLS v1.2``, then ``TLS v1.0``, then item 3 (csa/resources/esa/global.txt), so the labels differ by release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import tls_ciphers as tc
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Plan, Snapshot
from ansible_collections.mailops.secure_email.tests.unit.plugins.module_utils._esa.test_replay_dialogue import (
    HOST, Replay, menu)

VERBS = {"11.0": ("GUI", "INBOUND", "OUTBOUND", "VERIFY"),
         "13.5": ("GUI", "INBOUND", "OUTBOUND", "VERIFY"),
         "14.1": ("GUI", "INBOUND", "OUTBOUND", "VERIFY", "OTHER_CLIENT_TLSV10", "PEER_CERT_FQDN", "PEER_CERT_X509")}
SETTINGS = {
    "11.0": "sslconfig settings:\n  GUI HTTPS method:  tlsv1/tlsv1_2\n  GUI HTTPS ciphers: RC4-SHA:RC4-MD5:ALL\n"
            "  Inbound SMTP method:  tlsv1/tlsv1_2\n  Inbound SMTP ciphers: RC4-SHA:RC4-MD5:ALL\n"
            "  Outbound SMTP method:  tlsv1/tlsv1_2\n  Outbound SMTP ciphers: RC4-SHA:RC4-MD5:ALL\n",
    "13.5": "sslconfig settings:\n  GUI HTTPS method: TLS v1.2\n  GUI HTTPS ciphers: ALL\n"
            "  Inbound SMTP method: TLS v1.2\n  Inbound SMTP ciphers: ALL\n"
            "  Outbound SMTP Method: TLS v1.1, TLS v1.2\n  Outbound SMTP Ciphers: ECDHE-RSA-AES256-GCM-SHA384:!aNULL\n",
    "14.1": "sslconfig settings:\n  GUI HTTPS method: tlsv1_2\n  GUI HTTPS ciphers:\n    ALL\n"
            "  Inbound SMTP method: tlsv1_2\n  Inbound SMTP ciphers:\n    ALL\n"
            "  OUTBOUND SMTP METHOD: tlsv1_2\n  OUTBOUND SMTP CIPHERS:\n    ECDHE-RSA-AES256-GCM-SHA384\n"
            "    ECDHE-RSA-AES128-GCM-SHA256\n    !aNULL\n",
}
PARSED = {
    "11.0": dict(methods=["TLSv1.0", "TLSv1.2"], ciphers="RC4-SHA:RC4-MD5:ALL"),
    "13.5": dict(methods=["TLSv1.1", "TLSv1.2"], ciphers="ECDHE-RSA-AES256-GCM-SHA384:!aNULL"),
    "14.1": dict(methods=["TLSv1.2"], ciphers="ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:!aNULL"),
}
METHOD_LIST = {
    "11.0": "1. TLS v1/TLS v1.2\n2. TLS v1.2\n3. TLS v1.0",
    "13.5": "1. TLS v1.0\n2. TLS v1.1\n3. TLS v1.2\n4. TLS v1.1 and TLS v1.2\n5. TLS v1.0, v1.1 and v1.2",
    "14.1": "1. TLS v1.0\n2. TLS v1.1\n3. TLS v1.2\n4. TLS v1.1 and TLS v1.2\n5. TLS v1.0, v1.1 and v1.2",
}


def _screen(release):
    return SETTINGS[release] + menu(*VERBS[release])


@pytest.mark.parametrize("release", sorted(SETTINGS))
def test_read_parses_the_settings_block(release):
    script = tc.SOURCE.script()
    result = Replay([("sslconfig", _screen(release)), ("", HOST)]).run(script.command, script.rules())
    assert tc.SOURCE.prepare(result["output"]) == PARSED[release]


@pytest.mark.parametrize("release, methods, number", [
    ("11.0", ["TLSv1.2"], "2"), ("11.0", ["TLSv1.0", "TLSv1.2"], "1"),
    ("13.5", ["TLSv1.1", "TLSv1.2"], "4"), ("14.1", ["TLSv1.2"], "3"),
])
def test_outbound_picks_the_method_item_by_its_versions(release, methods, number):
    after = dict(methods=methods, ciphers="ECDHE-RSA-AES256-GCM-SHA384:!aNULL")
    script = tc.TlsCiphers().render(Plan([("update", after)], PARSED[release], after), Snapshot(PARSED[release]))
    replay = Replay([
        ("sslconfig", _screen(release)),
        ("OUTBOUND", "\nEnter the outbound SMTP ssl method you want to use.\n%s\n[3]> " % METHOD_LIST[release]),
        (number, "\nEnter the outbound SMTP ssl cipher you want to use.\n[ALL]> "),
        ("ECDHE-RSA-AES256-GCM-SHA384:!aNULL", _screen(release)),
        ("", HOST),
    ])
    result = replay.run(script.command, script.rules())
    assert [step["answer"] for step in result["transcript"]] == ["OUTBOUND", number, after["ciphers"], ""]


def test_no_item_with_exactly_the_wanted_methods_fails_before_answering():
    after = dict(methods=["TLSv1.3"], ciphers="ALL")
    script = tc.TlsCiphers().render(Plan([("update", after)], PARSED["14.1"], after), Snapshot(PARSED["14.1"]))
    replay = Replay([
        ("sslconfig", _screen("14.1")),
        ("OUTBOUND", "\nEnter the outbound SMTP ssl method you want to use.\n%s\n[3]> " % METHOD_LIST["14.1"]),
    ])
    with pytest.raises(dlg.DialogueError, match="no TLS method item enables exactly TLS 1.3"):
        replay.run(script.command, script.rules())


def test_inbound_renegotiation_question_is_unknown_to_the_outbound_script():
    """OUTBOUND has no renegotiation question in any release; if one came, the driver would not guess."""
    after = dict(methods=["TLSv1.2"], ciphers="ALL")
    script = tc.TlsCiphers().render(Plan([("update", after)], PARSED["14.1"], after), Snapshot(PARSED["14.1"]))
    replay = Replay([
        ("sslconfig", _screen("14.1")),
        ("OUTBOUND", "\nEnter the outbound SMTP ssl method you want to use.\n%s\n[3]> " % METHOD_LIST["14.1"]),
        ("3", "\nEnter the outbound SMTP ssl cipher you want to use.\n[ALL]> "),
        ("ALL", "\nDo you want to enable TLS Renegotiation for outbound SMTP? [N]> "),
    ])
    with pytest.raises(dlg.DialogueError, match="unexpected question"):
        replay.run(script.command, script.rules())
