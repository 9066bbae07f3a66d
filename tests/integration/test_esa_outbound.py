# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The seed's outbound gateway objects (S8, S9, S12, S15) in one commit, over SSH."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SECRET = "Jd82kLq0Zx7Rw4Pm"
CIPHERS = "ECDH+aRSA:ECDH+ECDSA:DHE+DSS+AES:AES128:AES256:!SRP:!aNULL:!eNULL:!DES:!3DES:!IDEA:!RC4:!SSLv2:!SSLv3"


def test_outbound_one_commit_noop_rerun_and_no_secret(lab, playbook):
    extra = dict(outbound_secret=SECRET, ciphers=CIPHERS)
    check = playbook("outbound.yml", extra, check=True, diff=True, args=("-vvv",))
    assert check.recap["failed"] == 0 and lab.counters()["writes"] == 0
    first = playbook("outbound.yml", extra, diff=True, args=("-vvv",))
    counters = lab.counters()
    assert counters["commits"] == 1 and counters["logins"] == 2, "one login per run (check, converge)"
    config = lab.config()
    outgoing = [l for l in config["listeners"] if l["name"] == "OutgoingMail"][0]["hat"]
    group = [g for g in outgoing["sender_groups"] if g["name"] == "RELAY_O365"][0]
    assert group["members"] == [".protection.outlook.com"] and group["policy"] == "RELAYED"
    assert [f["name"] for f in config["filters"]] == ["office365_outbound"] and SECRET in config["filters"][0]["body"]
    assert config["ssl"]["outbound_ciphers"] == CIPHERS
    second = playbook("outbound.yml", extra, diff=True, args=("-vvv",))
    assert second.recap["changed"] == 0 and lab.counters()["commits"] == 1 and lab.counters()["writes"] == counters["writes"]
    for run in (check, first, second):
        assert SECRET not in run.output and SECRET not in repr(run.records)
