# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""showconfig XML: unwrapping at any terminal width, pager lines, extraction; against the lab engine's own output."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.lab.esa.engine import Appliance
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import config_xml
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg

# 401 characters: not a multiple of any width tested. A line exactly N times the width is ambiguous (its last
# piece looks like a wrapped one); docs/asyncos-cli.md §5 says so.
LONG_HAT = "RELAY_O365:\n    " + ", ".join(".tenant%d.protection.outlook.com" % n for n in range(12)) + ",\n$RELAYED\n"


def wrap(text, width):
    out = []
    for line in text.split("\n"):
        while len(line) > width:
            out.append(line[:width])
            line = line[width:]
        out.append(line)
    return "\r\n".join(out)


def xml(body):
    return '<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE config SYSTEM "config.dtd">\n<config>\n%s\n</config>' % body


@pytest.mark.parametrize("width", [80, 100, 132])
def test_unwrap_restores_lines_cut_at_the_terminal_width(width):
    original = xml("  <listener>\n    <listener_name>OutgoingMail</listener_name>\n    <hat>%s</hat>\n  </listener>" % LONG_HAT)
    wrapped = wrap(original, width)
    assert max(len(line) for line in wrapped.split("\r\n")) == width
    assert config_xml.unwrap(wrapped) == original
    root = config_xml.root(config_xml.extract(wrapped))
    assert config_xml.listener(root, "OutgoingMail").findtext("hat") == LONG_HAT


def test_unwrap_leaves_output_alone_when_nothing_was_wrapped():
    text = "short\nlines only\n" + "x" * 79
    assert config_xml.unwrap(text) == text


def test_unwrap_with_a_known_width():
    assert config_xml.unwrap("a" * 10 + "\nbc\nd", width=10) == "a" * 10 + "bc\nd"


def test_extract_without_xml_fails():
    with pytest.raises(ValueError, match="did not return a configuration XML"):
        config_xml.extract("Unknown command\n")


@pytest.mark.parametrize("width", [60, 80, 200])
def test_lab_showconfig_wrapped_and_paged_parses(width):
    """The lab wraps showconfig at the session's width and pages it; the driver's read gives the same tree."""
    app = Appliance(hostname="esa1.lab")
    session = app.open_session(user="admin", width=width)
    session.start()
    out = dlg.run_dialogue(session.send_line, "showconfig", config_xml.rules("mask"))["output"]
    lines = dlg.normalise(out).split("\n")
    assert max(len(line) for line in lines) <= width
    assert any(len(line) == width for line in lines) or width == 200
    root = config_xml.root(config_xml.extract(out))
    summary = config_xml.summary(root)
    assert summary["hostname"] == "esa1.lab"
    assert [item["name"] for item in summary["listeners"]] == ["IncomingMail", "OutgoingMail"]
    assert config_xml.listener(root, "OutgoingMail").findtext("hat").strip()
