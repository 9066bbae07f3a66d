# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""esa_message_filters and esa_tls_ciphers against the lab over SSH."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

SECRET = "Xq7vR2kP9mZt4Lw8"
S12 = '''office365_outbound:
if (sendergroup == "RELAY_O365") {
    if header("X-OUTBOUND-AUTH") == "^%s$" {
        strip-header("X-OUTBOUND-AUTH");
    } else {
        drop();
    }
}''' % SECRET
OTHER = dict(name="tag_all", body='if (true) { log-entry("seen"); }')
CIPHERS = "ECDH+aRSA:ECDH+ECDSA:DHE+DSS+AES:AES128:AES256:!SRP:!aNULL:!eNULL:!DES:!3DES:!IDEA:!RC4:!SSLv2:!SSLv3"


def _filters(lab):
    return [(f["name"], f["active"]) for f in lab.config()["filters"]]


def test_filters_converge_idempotent_check_diff_and_secret_hidden(lab, playbook):
    extra = dict(filters=[dict(name="office365_outbound", body=S12), OTHER], secret=SECRET)
    check = playbook("message_filters.yml", extra, check=True, diff=True, args=("-vvv",))
    assert check.task("Filters")["result"]["changed"] is True
    assert lab.counters()["writes"] == 0 and _filters(lab) == []
    first = playbook("message_filters.yml", extra, diff=True, args=("-vvv",))
    result = first.task("Filters")["result"]
    assert "********" in result["diff"]["after"]["office365_outbound"]["body"]
    assert _filters(lab) == [("office365_outbound", True), ("tag_all", True)]
    assert SECRET in lab.config()["filters"][0]["body"], "the appliance holds the real secret"
    assert lab.counters()["commits"] == 1
    second = playbook("message_filters.yml", extra, diff=True, args=("-vvv",))
    assert second.recap["changed"] == 0 and lab.counters()["commits"] == 1
    for run in (check, first, second):
        assert SECRET not in run.output, "the secret leaked into ansible-playbook -vvv output"
        assert SECRET not in repr(run.records)


def test_only_the_active_flag_changes(lab, playbook):
    playbook("message_filters.yml", dict(filters=[dict(name="office365_outbound", body=S12), OTHER], secret=SECRET))
    writes = lab.counters()["writes"]
    body_before = lab.config()["filters"][0]["body"]
    run = playbook("message_filters.yml", dict(filters=[dict(name="tag_all", active=False)]))
    assert run.task("Filters")["result"]["commands"] == ["filters", "SET", "tag_all", "inactive", "<Enter>"]
    assert lab.counters()["writes"] == writes + 1
    assert _filters(lab) == [("office365_outbound", True), ("tag_all", False)]
    assert lab.config()["filters"][0]["body"] == body_before


def test_syntax_error_fails_before_any_write(lab, playbook):
    bad = dict(filters=[dict(name="broken", body='if (sendergroup == "X") { strip-header("A") }')])
    run = playbook("message_filters.yml", bad, expect_rc=2)
    msg = run.task("Filters")["result"]["msg"]
    assert "config[0].body: invalid filter syntax" in msg and "line 1" in msg
    assert lab.counters()["logins"] == 0 and lab.counters()["writes"] == 0


def test_overridden_orders_and_removes(lab, playbook):
    playbook("message_filters.yml", dict(filters=[dict(name="office365_outbound", body=S12), OTHER], secret=SECRET))
    playbook("message_filters.yml", dict(filters=[OTHER, dict(name="office365_outbound", body=S12)], filter_state="overridden",
                                         secret=SECRET))
    assert [n for n, dummy in _filters(lab)] == ["tag_all", "office365_outbound"]
    again = playbook("message_filters.yml", dict(filters=[OTHER, dict(name="office365_outbound", body=S12)],
                                                 filter_state="overridden", secret=SECRET))
    assert again.recap["changed"] == 0


def test_tls_ciphers_check_then_set(lab, playbook):
    check = playbook("tls_ciphers.yml", dict(ciphers=CIPHERS), check=True, diff=True)
    result = check.task("Ciphers")["result"]
    assert result["changed"] is True and result["after"]["ciphers"] == CIPHERS
    assert lab.counters()["writes"] == 0
    # the 14.1 method list offers "TLS v1.1 and TLS v1.2", not TLS 1.3 (docs/asyncos-cli.md §10)
    playbook("tls_ciphers.yml", dict(ciphers=CIPHERS, methods=["TLSv1.1", "TLSv1.2"]))
    assert lab.config()["ssl"]["outbound_ciphers"] == CIPHERS
    assert playbook("tls_ciphers.yml", dict(ciphers=CIPHERS)).recap["changed"] == 0
    bad = playbook("tls_ciphers.yml", dict(ciphers="BAD CIPHERS"), expect_rc=2)
    assert "ciphers: 'BAD CIPHERS' is not an OpenSSL cipher string" in bad.task("Ciphers")["result"]["msg"]


# -- issue 15: the secret header's value without `secrets`, and header names -----------------------------------


def test_a_secret_header_filter_never_shows_its_secret_without_secrets(lab, playbook, tmp_path):
    # on the appliance before the play (as the outbound role or a person left it); Ansible never sees the secret
    lab.cli("seed", "--level", "local", "--table", "filters", "--json",
            json.dumps([dict(name="office365_outbound", body=S12)]))
    backup_dir = tmp_path / "backups"
    extra = dict(backup_dir=str(backup_dir))
    check = playbook("secrets_filters.yml", extra, check=True, diff=True, args=("-v",))
    assert check.task("Add a filter next to it")["result"]["changed"] is True and lab.counters()["writes"] == 0
    run = playbook("secrets_filters.yml", extra, diff=True, args=("-v",))
    gathered = run.task("Gathered")["result"]["gathered"]
    assert gathered[0]["name"] == "office365_outbound" and 'header("X-OUTBOUND-AUTH") == "********"' in gathered[0]["body"]
    added = run.task("Add a filter next to it")["result"]
    assert added["changed"] is True and "********" in added["diff"]["before"]["office365_outbound"]["body"]
    assert [f["name"] for f in lab.config()["filters"]] == ["office365_outbound", "tag_all"]
    assert SECRET in lab.config()["filters"][0]["body"], "the appliance keeps the real secret"
    again = playbook("secrets_filters.yml", extra, diff=True, args=("-vvv",))
    assert again.task("Add a filter next to it")["result"]["changed"] is False
    for each in (check, run, again):
        assert SECRET not in each.output, "the secret leaked into the ansible-playbook output"
        assert SECRET not in repr(each.records)
    # the backup is the configuration as it is: the secret is in the file, which only its owner can read
    backup = run.task("Backup")["result"]["path"]
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    with open(backup) as handle:
        assert SECRET in handle.read()


def test_a_header_name_with_a_space_is_refused_with_nothing_written(lab, playbook):
    body = S12.replace('strip-header("X-OUTBOUND-AUTH")', 'strip-header("X OUTBOUND AUTH")')
    run = playbook("message_filters.yml", dict(filters=[dict(name="office365_outbound", body=body)], secret=SECRET),
                   expect_rc=2)
    msg = run.task("Filters")["result"]["msg"]
    assert msg.startswith("config[0].body: the header name 'X OUTBOUND AUTH' of strip-header() (line 4, column 22)")
    assert "RFC 5322" in msg and "no spaces" in msg
    counters = lab.counters()
    assert counters["writes"] == 0 and counters["logins"] == 0 and lab.config()["filters"] == []
    assert SECRET not in run.output
