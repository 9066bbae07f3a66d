# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""dns_wait with many records (issue 14): one progress line per nameserver and round whose length does not grow
with the records, and ``settle`` waited once for all records with a line per ``progress_interval``. The
nameservers are simulated (Waiter.check is replaced); the clock and the sleeps are injected."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

dns = pytest.importorskip("dns")

import dns.rrset  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import common  # noqa: E402
from ansible_collections.mailops.secure_email.plugins.module_utils._dns import wait  # noqa: E402

GATEWAY = ["10 mx1.hc1-1.iphmx.com", "20 mx2.hc1-1.iphmx.com"]


def params(count, **kwargs):
    base = dict(records=[dict(name="d%02d.example.test" % index, type="MX", values=GATEWAY, mode="equals", max_ttl=None)
                         for index in range(count)],
                zone=None, server=None, nameservers=["127.0.0.1:5300", "[::1]:5300"], ip_versions=[4, 6],
                timeout=60.0, sleep=1.0, max_sleep=4.0, query_retries=0, settle=0.0, progress_interval=60.0,
                key_name=None, key_secret=None, key_algorithm="hmac-sha256", port=53, protocol="tcp",
                query_timeout=1.0)
    base.update(kwargs)
    return base


class Clock(object):
    def __init__(self):
        self.time = 0.0
        self.sleeps = []

    def now(self):
        return self.time

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.time += seconds


def waiter(count, lag_rounds, **kwargs):
    """A Waiter whose second nameserver serves the old MX for the first ``lag_rounds`` rounds."""
    clock, lines = Clock(), []
    item = wait.Waiter(params(count, **kwargs), display=lines.append, now=clock.now, sleep=clock.sleep)
    item.rounds_seen = []

    def check(record, endpoint):
        if endpoint.address == "::1" and len(item.rounds_seen) < lag_rounds:
            old = dns.rrset.from_text(record.name, 3600, "IN", "MX", "0 old.mail.protection.outlook.com.")
            return wait.PENDING, old, None
        return wait.OK, dns.rrset.from_text(record.name, 300, "IN", "MX", *[v + "." for v in GATEWAY]), None

    original_round = item.round

    def counted_round():
        original_round()
        item.rounds_seen.append(True)

    item.check = check
    item.round = counted_round
    return item, clock, lines


def test_one_short_line_per_nameserver_and_round_with_many_records():
    item, _clock, lines = waiter(100, lag_rounds=2)
    result = item.run()
    assert result["completed"] is True and result["rounds"] == 3 and result["settled"] == 0
    rounds = [line for line in lines if line.startswith("dns_wait round")]
    assert len(rounds) == 2 * 3  # two nameservers, three rounds
    first = [line for line in rounds if line.startswith("dns_wait round 1 ")]
    assert first[0] == "dns_wait round 1 (0.0 s): 127.0.0.1:5300: 100/100 ok"
    assert first[1].startswith("dns_wait round 1 (0.0 s): [::1]:5300: 0/100 ok; waiting for d00.example.test MX "
                               "[equals] pending ['0 old.mail.protection.outlook.com.'] ttl=3600, d01.example.test MX")
    assert first[1].endswith("(and 95 more)") and first[1].count(" pending ") == 5
    assert max(len(line) for line in rounds) < 600  # five records named, whatever the number of records
    assert rounds[-1].endswith("[::1]:5300: 100/100 ok")
    assert all(record["done"] and record["check_count"] == 3 for record in result["records"])


def test_settle_is_waited_once_for_all_records_with_a_line_per_interval():
    item, clock, lines = waiter(50, lag_rounds=1, settle=150.0, progress_interval=60.0)
    result = item.run()
    assert result["completed"] is True and result["settled"] == 150.0
    # One backoff sleep between the two rounds, then the settle in steps of at most 60 s: 150 s in total, once.
    assert clock.sleeps == [1.0, 60.0, 60.0, 30.0]
    settle = lines[lines.index([line for line in lines if "(settle, once" in line][0]):]
    assert settle == [
        "dns_wait: every nameserver serves all 50 record(s); waiting 150 s more (settle, once for all of them) so "
        "that caches holding the old data expire",
        "dns_wait settle: 60 of 150 s waited, 90 s to go",
        "dns_wait settle: 120 of 150 s waited, 30 s to go",
        "dns_wait settle: done (150 s)",
    ]
    assert result["elapsed"] == 151.0


def test_no_settle_when_the_wait_times_out():
    item, clock, lines = waiter(3, lag_rounds=1000, settle=100.0, timeout=5.0)
    result = item.run()
    assert result["completed"] is False and result["settled"] == 0
    assert not [line for line in lines if "settle" in line]
    assert sum(clock.sleeps) <= 5.0
    assert result["msg"].startswith("dns_wait timed out after")


@pytest.mark.parametrize("value", [0, -1])
def test_progress_interval_must_be_positive(value):
    with pytest.raises(common.DNSError, match="progress_interval: must be greater than 0"):
        wait.Waiter(params(1, progress_interval=value))
