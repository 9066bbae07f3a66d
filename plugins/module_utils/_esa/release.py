# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AsyncOS release of the appliance, and the dialogue variants that depend on it.

This module is PRIVATE to the collection. It can change at any time.

The session reads ``version`` once per login (``session.CliSession.release``); the runner gives each kind a
``Release`` (``kind.release``). The differences come from Cisco's CLI test library, one directory per release
from 11.0 to 14.1.1 (docs/asyncos-cli.md §1, "Releases"). Most are questions a later release adds; a kind asks
``release.asks(since)`` and adds an optional rule for the question when it is true.

- A release from 11.0 up to 14.x is covered by the evidence: ``asks`` is exact, so a question that release
  does not have fails the dialogue as any unknown question does.
- 15.x and 16.x are tolerated: nothing public describes their CLI, so they get the most tolerant variant
  (every question of 14.1 may be asked), as does an unknown release. ``known`` is False only for a release
  that could not be read or lies outside 11.0-16.x; the runner warns then.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

FIRST = (11, 0, 0)
LAST_DOCUMENTED = (14, 1, 1)
LAST_TOLERATED = (16, 99, 99)

# Release differences a driver must follow (docs/asyncos-cli.md §1 table).
DANE = (12, 0, 0)                    # destconfig DANE questions
COLON_PROMPT = (12, 0, 0)            # ".*:>" sub-prompts, paging inside dialogues
TLS_RENEGOTIATION = (13, 0, 0)       # sslconfig GUI/INBOUND renegotiation question
THREAT_FEED = (12, 0, 0)             # sender-group EXTERNAL THREAT FEED SOURCE verb
POLICY_SCANNERS = (13, 8, 7)         # HAT policy: SDR, outbreak filters, phishing, graymail, content/message filters


def parse(text):
    """``"14.1.1"`` or ``"14.1.1-010"`` -> (14, 1, 1); None when unreadable."""
    match = re.match(r"^\s*(\d+)\.(\d+)(?:\.(\d+))?", text or "")
    if not match:
        return None
    return (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


class Release(object):
    """The appliance's release (``version`` as read by the session), or an unknown one."""

    def __init__(self, text=None):
        self.text = text
        self.number = parse(text) if text else None

    @property
    def known(self):
        """Read and within the releases the driver runs on (11.0 to 16.x)."""
        return self.number is not None and FIRST <= self.number <= LAST_TOLERATED

    @property
    def documented(self):
        """Within 11.0-14.x, the releases Cisco's CLI test library describes."""
        return self.number is not None and FIRST <= self.number < (15, 0, 0)

    def asks(self, since):
        """Whether a question added in ``since`` may be asked: exact for a documented release, True otherwise
        (the most tolerant variant)."""
        if not self.documented:
            return True
        return self.number >= since

    def warning(self):
        """The warning for a release the driver does not know, or None."""
        if self.known:
            return None
        return ("the appliance's AsyncOS release %s is not one this collection knows (11.0 to 16.x); it uses the "
                "most tolerant dialogues, and fails on any question it does not know" % (self.text or "(unreadable)"))

    def __repr__(self):
        return "Release(%r)" % self.text
