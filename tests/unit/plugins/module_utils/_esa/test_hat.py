# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HAT text parse and render round trips."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import hat

# The hostaccess PRINT transcript of the AsyncOS 9.7 CLI reference (p. 3-263; docs/asyncos-cli.md section 8). The page
# ends before the ALL entry; the 7.3 guide's "Importing the HAT" shows ALL after the bare entries.
PAGE = """$ACCEPTED
    ACCEPT
$THROTTLED
    ACCEPT {
        spam_check = "on"
        max_msgs_per_session = 10
        max_concurrency = 10
        max_rcpts_per_msg = 25
        max_rcpts_per_hour = 1
        dhap_limit = 0
        virus_check = "on"
        max_message_size = 1048576
        use_sb = "on"
        tls = "off"
    }
$TRUSTED
    ACCEPT {
        spam_check = "off"
        max_msgs_per_session = 5000
        max_concurrency = 600
        max_rcpts_per_msg = 5000
        max_rcpts_per_hour = -1
        dhap_limit = 0
        virus_check = "on"
        max_message_size = 104857600
        use_sb = "off"
        tls = "off"
    }
$BLOCKED
    REJECT
WHITELIST:
        $TRUSTED (My trusted senders have no anti-spam scanning or rate limiting)
BLACKLIST:
        $BLOCKED (Spammers are rejected)
SUSPECTLIST:
        $THROTTLED (Suspicious senders are throttled)
UNKNOWNLIST:
        $ACCEPTED (Reviewed but undecided, continue normal acceptance)
spamdomain.com
    REJECT (reject the domain "spamdomain.com")
.spamdomain.com
    REJECT (reject all subdomains of ".spamdomain.com")
"""
DOCUMENTED = PAGE + "ALL\n    $ACCEPTED (Everyone else)\n"


def test_documented_transcript():
    table = hat.parse(DOCUMENTED)
    assert [p["name"] for p in table["policies"]] == ["ACCEPTED", "THROTTLED", "TRUSTED", "BLOCKED"]
    assert table["policies"][1]["parameters"]["max_rcpts_per_hour"] == 1
    assert table["policies"][2]["parameters"]["spam_check"] == "off"
    groups = table["sender_groups"]
    first_two = [(g["name"], g["policy"], g["behavior"]) for g in groups][:2]
    assert first_two == [("WHITELIST", "TRUSTED", None), ("BLACKLIST", "BLOCKED", None)]
    assert groups[4] == dict(name="spamdomain.com", members=["spamdomain.com"], policy=None, behavior="REJECT",
                             comment='reject the domain "spamdomain.com"', bare=True)
    assert groups[-1] == dict(name="ALL", members=[], policy="ACCEPTED", behavior=None, comment="Everyone else", bare=False)
    assert hat.parse(hat.render(table)) == table


def test_the_page_cut_before_all_is_refused():
    """Text cut short (here by the page) is refused: the rows after the cut would be missing silently."""
    with pytest.raises(hat.HatError, match=r"^line 42: the text ends without the ALL entry"):
        hat.parse(PAGE)


MEMBERS = ["192.0.2.1", "10.1.", "10.1.1.1-20", "192.0.2.0/24", "mail.example.com", ".protection.outlook.com",
           "SBRS[-10.0:-3.0]", "SBRS[none]", "2001:db8::/32"]


@pytest.mark.parametrize("size", [0, 1, 3, 9])
def test_generated_tables_round_trip(size):
    policies = [dict(name="P%d" % i, behavior=hat.BEHAVIORS[i % len(hat.BEHAVIORS)],
                     parameters={} if i % 2 else {"max_concurrency": 10 + i, "tls": "on", "spam_check": "off"})
                for i in range(size)]
    groups = [dict(name="G%d" % i, members=list(itertools.islice(itertools.cycle(MEMBERS), i, i + 1 + i % 3)),
                   policy="P%d" % i, behavior=None, comment="group %d" % i if i % 2 else None, bare=False) for i in range(size)]
    groups.append(dict(name="ALL", members=[], policy="P0" if size else None, behavior=None if size else "ACCEPT",
                       comment="Everyone else", bare=False))
    table = dict(policies=policies, sender_groups=groups)
    assert hat.parse(hat.render(table)) == table


def test_bad_text_is_refused():
    with pytest.raises(hat.HatError):
        hat.parse("$P\n    EXPLODE\n")
    with pytest.raises(hat.HatError):
        hat.parse("    indented first line\n")
