# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The posture reports (issue 16): JSON, Markdown, self-contained HTML (checked in headless Chromium when it is
installed), JUnit XML; grouping by tenant, side, severity; escaping; the threshold; no secret in any file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET


from ansible_collections.mailops.secure_email.plugins.module_utils._posture import render, report, rules

from ansible_collections.mailops.secure_email.tests.unit.plugins.module_utils._posture.test_posture_rules import SECRET, converged

try:
    from hypothesis import given, settings, strategies as st
except ImportError:  # pragma: no cover
    given = None

NOW = datetime.datetime(2026, 1, 2, 3, 4)
EVIL = '<script>alert("x")</script>&"\'|`*'


def _findings():
    gateways, tenants, secrets = converged()
    tenants["tenant2"] = dict(json.loads(json.dumps(tenants["tenant1"])), domains=[], dns=[])
    gateways["esa1"]["esa"]["tls_ciphers"]["ciphers"] = "ALL:!aNULL"
    tenants["tenant1"]["exo"]["inbound_connectors"][0].update(ef_skip_ips=[], name="Inbound " + EVIL)
    tenants["tenant1"]["expected"]["inbound_connector"] = "Inbound " + EVIL
    tenants["tenant2"]["exo"]["inbound_connectors"][0]["restrict_domains_to_ip_addresses"] = False
    secrets["gateway:esa1"] = secrets["tenant:tenant1"] = secrets["tenant:tenant2"] = "short-" + SECRET[:4]
    return gateways, tenants, secrets


def _run(tmp_path, threshold="none", **extra):
    gateways, tenants, secrets = _findings()
    params = dict(gateways=gateways, tenants=tenants, secrets=secrets, output_dir=str(tmp_path / "out"),
                  formats=list(report.FORMATS), per_tenant=True, threshold=threshold, title="Posture " + EVIL)
    params.update(extra)
    return report.run(params, now=NOW), secrets


def _files(tmp_path):
    return [os.path.join(d, f) for d, _s, fs in os.walk(str(tmp_path / "out")) for f in fs]


def test_files_grouping_and_no_secret(tmp_path):
    result, secrets = _run(tmp_path)
    assert not result.get("failed") and result["worst"] == "critical"
    names = sorted(os.path.relpath(p, str(tmp_path / "out")) for p in _files(tmp_path))
    assert names == sorted(["posture.json", "posture.md", "posture.html", "posture.xml"]
                           + ["tenants/%s.%s" % (t, e) for t in ("tenant1", "tenant2") for e in ("json", "md", "html", "xml")])
    for path in _files(tmp_path):
        with open(path) as handle:
            text = handle.read()
        for value in set(secrets.values()):
            assert value not in text, path
    with open(str(tmp_path / "out" / "posture.json")) as handle:
        data = json.load(handle)
    assert data["tenants"] == ["tenant1", "tenant2"]
    assert data["summary"]["tenant2"]["critical"] == 1
    # the shared gateway's finding is listed under both tenants
    md = open(str(tmp_path / "out" / "posture.md")).read()
    assert md.count("`tls_ciphers_differ`") == 2
    t1 = md.index("## Tenant tenant1")
    t2 = md.index("## Tenant tenant2")
    assert t1 < md.index("### gateway - error", t1) < md.index("### gateway - warning", t1) < md.index("### tenant", t1) < t2
    with open(str(tmp_path / "out" / "tenants" / "tenant2.md")) as handle:
        only = handle.read()
    assert "tenant1" not in only and "inbound_connector_unrestricted" in only


def test_html_is_self_contained_and_escaped(tmp_path):
    _run(tmp_path)
    html = open(str(tmp_path / "out" / "posture.html")).read()
    assert "<script" not in html and "&lt;script&gt;" in html
    for marker in ("http://", "https://", "src=", "<link", "@import", "url("):
        assert marker not in html, marker
    assert html.count('<table class="findings"') >= 4


def test_markdown_escapes_table_cells(tmp_path):
    _run(tmp_path)
    md = open(str(tmp_path / "out" / "posture.md")).read()
    assert "<script>" not in md and "\\<script\\>" in md
    for line in md.splitlines():
        if line.startswith("| `"):
            assert line.replace("\\|", "").count("|") == 6, line


def test_junit_parses_and_fails_at_threshold(tmp_path):
    result, _secrets = _run(tmp_path, threshold="critical")
    assert result["failed"] and result["over_threshold"] == 1
    assert "inbound_connector_unrestricted" in result["msg"]
    tree = ET.parse(str(tmp_path / "out" / "posture.xml"))
    suites = tree.getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == ["posture tenant1", "posture tenant2"]
    failures = [c for c in tree.iter("testcase") if c.find("failure") is not None]
    assert len(failures) == 1 and failures[0].find("failure").get("type") == "critical"
    # default limit warning when no threshold
    _run(tmp_path, threshold="none")
    tree = ET.parse(str(tmp_path / "out" / "posture.xml"))
    assert int(tree.getroot().get("failures")) == len([c for c in tree.iter("testcase") if c.find("failure") is not None]) > 1
    assert len(list(tree.iter("testcase"))) >= 2 * len(rules.RULES)


def test_no_output_dir_writes_nothing(tmp_path):
    result, _secrets = _run(tmp_path, output_dir=None)
    assert result["paths"] == {} and not result["changed"] and not (tmp_path / "out").exists()


def test_clean_report_says_no_findings(tmp_path):
    gateways, tenants, secrets = converged()
    result = report.run(dict(gateways=gateways, tenants=tenants, secrets=secrets, output_dir=str(tmp_path / "out"),
                             formats=["html", "markdown"], per_tenant=False, threshold="info", title="t"), now=NOW)
    assert not result.get("failed") and result["findings"] == []
    assert "No findings." in open(str(tmp_path / "out" / "posture.html")).read()
    assert sorted(os.listdir(str(tmp_path / "out"))) == ["posture.html", "posture.md"]


if given is not None:
    @settings(max_examples=60, deadline=None)
    @given(st.text(min_size=0, max_size=40))
    def test_any_value_is_escaped(value):
        finding = rules.finding("tls_ciphers_differ", value, value, evidence={"v": value}, tenant="t" + value[:3])
        data = render.build_report([finding], {}, {"esa1": {}}, title=value)
        html = render.render_html(data)
        assert "<script" not in html.lower().replace("&lt;script", "")
        ET.fromstring(render.render_junit(data).encode("utf-8"))
        json.loads(render.render_json(data))


# -- a real browser ----------------------------------------------------------------------------------------------
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--window-size=1280,2000"]


def _screenshot(url, tmp_path, name):
    """A 1280x2000 PNG of ``url`` taken by headless Chromium; returns its bytes."""
    shot = str(tmp_path / ("%s.png" % name))
    proc = subprocess.run([CHROMIUM] + FLAGS + ["--user-data-dir=" + str(tmp_path / ("profile-" + name)),
                                                "--screenshot=" + shot, url],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, check=False)
    assert os.path.exists(shot), proc.stderr.decode("utf-8", "replace")[-2000:]
    with open(shot, "rb") as handle:
        data = handle.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 2000)
    return data


def test_html_in_headless_chromium(tmp_path):
    assert CHROMIUM, "needs Chromium: `make units` installs it (.ci/install_chromium.sh), or set CHROMIUM"
    _run(tmp_path)
    page = "file://" + str(tmp_path / "out" / "posture.html")
    # a blank page of the same size compresses to almost nothing; the report's text, tables and badges do not
    blank = tmp_path / "blank.html"
    blank.write_text(u"<!DOCTYPE html><html><body></body></html>")
    empty = _screenshot("file://" + str(blank), tmp_path, "blank")
    shot = _screenshot(page, tmp_path, "report")
    assert len(shot) > 5 * len(empty) and len(shot) > 20000, (len(shot), len(empty))
    profile = str(tmp_path / "profile")
    dom = subprocess.run([CHROMIUM] + FLAGS + ["--user-data-dir=" + profile + "2", "--dump-dom", page],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, check=True).stdout.decode("utf-8")
    assert '<table class="findings"' in dom
    for code in ("inbound_connector_unrestricted", "tls_ciphers_differ", "enhanced_filtering_missing", "secret_weak"):
        assert 'data-code="%s"' % code in dom, code
    assert "<script" not in dom.lower()  # the evidence's <script> stayed text
    assert "&lt;script&gt;alert" in dom
