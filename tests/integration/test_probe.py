# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/probe.yml against the lab: a transcript on the controller, no secret in it, nothing written."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import stat

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.path.join(os.path.dirname(os.path.dirname(HERE)), "playbooks", "probe.yml")
SECRET = "Pr0be-Hdr-S3cret-7Qx2"
S12 = '''office365_outbound:
if (sendergroup == "RELAY_O365") {
    if header("X-OUTBOUND-AUTH") == "^%s$" {
        strip-header("X-OUTBOUND-AUTH");
    } else {
        drop();
    }
}''' % SECRET
ROUTE = dict(domain="probe.example.test", destinations=[dict(host="mx.probe.example.net", port=25)])
UNCHANGED = ("writes", "commits", "lost_uncommitted", "clears")


def _transcript(tmp_path):
    files = sorted((tmp_path / "esa-probe").glob("esa1-*.txt"))
    assert len(files) == 1, "expected one transcript in %s, found %s" % (tmp_path / "esa-probe", files)
    assert re.match(r"^esa1-\d{8}T\d{6}Z\.txt$", files[0].name), files[0].name
    return files[0]


def _sections(text):
    """'## <title>' -> the text under it."""
    sections = {}
    for block in re.split(r"\n(?=## )", text):
        if block.startswith("## "):
            title, dummy, body = block.partition("\n")
            sections[title[3:]] = body
    return sections


def _section(sections, prefix):
    found = [body for title, body in sections.items() if title.startswith(prefix)]
    assert len(found) == 1, "no single section %r in %s" % (prefix, list(sections))
    return found[0]


def _password(lab):
    with open(os.path.join(lab.state_dir, "password")) as handle:
        return handle.read().strip()


def test_probe_records_every_command_and_no_secret(lab, playbook, tmp_path):
    playbook("message_filters.yml", dict(filters=[dict(name="office365_outbound", body=S12)], secret=SECRET))
    playbook("routes.yml", dict(routes=[ROUTE]))
    assert SECRET in lab.config()["filters"][0]["body"], "the appliance holds the real secret"
    before = lab.counters()

    run = playbook(PROBE, args=("-vvv",))

    after = lab.counters()
    for name in UNCHANGED:
        assert after[name] == before[name], "the probe moved the %s counter: %s -> %s" % (name, before[name], after[name])
    assert after["logins"] == before["logins"] + 1, "one SSH login for the whole probe"
    path = _transcript(tmp_path)
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    assert str(path) in run.output, "the playbook prints where the transcript is"
    text = path.read_text()

    # no secret: not the filter's header secret, not the admin password, no filter body at all
    for secret in (SECRET, _password(lab)):
        assert secret not in text, "a secret is in the transcript"
        assert secret not in run.output, "a secret is in the ansible-playbook -vvv output"
        assert secret not in repr(run.records)
    assert "X-OUTBOUND-AUTH" not in text and "strip-header" not in text and "<filters>" not in text

    sections = _sections(text)
    info = _section(sections, "esa_info")
    version = re.search(r"^version: (\S+)", info, re.M).group(1)
    assert "cluster: standalone" in info and "IncomingMail" in info
    assert re.search(r"^Version: %s$" % re.escape(version), _section(sections, "version"), re.M)
    assert re.search(r"^Serial #: \*{5}$", _section(sections, "version"), re.M), "the serial number is masked"
    showconfig = _section(sections, "showconfig")
    assert showconfig.startswith("<?xml") and "<config>" in showconfig
    assert re.search(r"^\[\.\.\. \d+ more lines not recorded\]$", showconfig, re.M)
    assert len([line for line in showconfig.splitlines() if line.startswith("[...")]) == 1
    assert len(showconfig.split("[...")[0].splitlines()) == 15
    routes = _section(sections, "smtproutes (at the menu: PRINT, <Enter>)")
    assert "probe.example.test" in routes and "mx.probe.example.net" in routes
    destconfig = _section(sections, "destconfig (at the menu: LIST, <Enter>)")
    assert "Concurrency" in destconfig and "DEFAULT" in destconfig
    listeners = _section(sections, "listenerconfig (at the menu: <Enter>)")
    assert "Currently configured listeners:" in listeners and "1. IncomingMail" in listeners
    filters = _section(sections, "filters (at the menu: LIST, <Enter>)")
    assert "office365_outbound" in filters
    # the label's case and layout differ between the lab's release profiles (LAB_RELEASE)
    assert re.search(r"^\s*Outbound SMTP ciphers:", _section(sections, "sslconfig"), re.M | re.I)
    assert "1. Default" in _section(sections, "bounceconfig")
    # read_only esa_command refuses EDIT/HOSTACCESS/RCPTACCESS: the transcript says so instead of guessing
    edit = _section(sections, "listenerconfig > EDIT")
    assert edit.startswith("NOT RECORDED:") and "may change configuration" in edit
    assert "skipped: standalone appliance" in _section(sections, "clustermode")
    assert "FAILED" not in text


def test_probe_on_a_cluster_in_check_mode(cluster_lab, cluster_playbook, tmp_path):
    before = cluster_lab.counters()

    run = cluster_playbook(PROBE, check=True)

    after = cluster_lab.counters()
    for name in UNCHANGED:
        assert after[name] == before[name], "the probe moved the %s counter" % name
    text = _transcript(tmp_path).read_text()
    assert "# check mode: True" in text
    assert _password(cluster_lab) not in text and _password(cluster_lab) not in run.output
    sections = _section(_sections(text), "esa_info")
    assert '"mode": "cluster"' in sections and '"name": "ESA-CL"' in sections
    cluster = _section(_sections(text), "clustermode")
    assert "$ clustermode" in cluster and "$ clusterconfig" in cluster
    # no filters on a factory appliance: the probe only enters and leaves the filters menu
    assert "filters (at the menu: <Enter>)" in text
