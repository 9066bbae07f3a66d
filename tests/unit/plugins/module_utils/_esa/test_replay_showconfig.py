# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replay of ``showconfig`` (divergence 1): the appliance wraps long lines at the terminal width (ctor/showconfig.py
repairs ``message\\r\\ns>``; oxidized unwraps), pages (``-Press Any Key For More-``), asks the passphrase question in
one of two forms, and shows the committed configuration only (keywords/show_config.py), which is why the session
plans on its ledger after a write (test_esa_runner_session.py). Identical in every release 11.0-14.1."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import config_xml
from ansible_collections.mailops.secure_email.tests.unit.plugins.module_utils._esa.test_config_xml import wrap
from ansible_collections.mailops.secure_email.tests.unit.plugins.module_utils._esa.test_replay_dialogue import (
    HOST, Replay)

LONG = '  <smtp_routes><route><domain>example.com</domain><destinations>mx1.example.net, mx2.example.net</destinations></route></smtp_routes>'


QUESTIONS = {
    "mask": "\nDo you want to mask the passphrase? [Y]> ",
    "choose": "\nChoose the passphrase option:\n1. Mask passphrases (Files with masked passphrases cannot be loaded "
              "using loadconfig command)\n2. Encrypt passphrases\n[1]> ",
}


@pytest.mark.parametrize("form", sorted(QUESTIONS))
def test_wrapped_and_paged_showconfig_parses(form):
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<config>\n%s\n  <hostname>esa1.example.com</hostname>\n</config>' % LONG
    printed = wrap(xml, 80)
    rows = printed.split("\r\n")
    # the pager stops after a screen of rows: here between two pieces of the wrapped line
    head, tail = "\r\n".join(rows[:3]), "\r\n".join(rows[3:])
    assert len(rows[2]) == 80
    answer = "Y" if form == "mask" else "1"
    replay = Replay([("showconfig", QUESTIONS[form]), (answer, head + "\r\n-Press Any Key For More-"),
                     ("", tail + "\r\n\r\n" + HOST)])
    result = replay.run("showconfig", config_xml.rules("mask"))
    config = config_xml.parse(result["output"])
    assert config.find("smtp_routes/route/destinations").text == "mx1.example.net, mx2.example.net"
