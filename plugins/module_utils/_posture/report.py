# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The posture_report module's work: evaluate, render, write the files, decide the gate (docs/posture.md).

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import re

from ansible_collections.mailops.secure_email.plugins.module_utils._posture import render, rules

FORMATS = ("json", "markdown", "html", "junit")
EXTENSIONS = dict(json="json", markdown="md", html="html", junit="xml")
THRESHOLDS = ("none",) + rules.SEVERITIES

ARGUMENT_SPEC = dict(
    gateways=dict(type="dict", default={}),
    tenants=dict(type="dict", default={}),
    secrets=dict(type="dict", default={}, no_log=True),
    output_dir=dict(type="path"),
    formats=dict(type="list", elements="str", choices=list(FORMATS), default=list(FORMATS)),
    per_tenant=dict(type="bool", default=True),
    threshold=dict(type="str", choices=list(THRESHOLDS), default="none"),
    title=dict(type="str", default="Secure email posture"),
)


def safe_name(name):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name).lstrip(".") or "_"


def _write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "wb") as handle:
        handle.write(text.encode("utf-8"))
    os.chmod(tmp, 0o640)
    os.rename(tmp, path)


def write_reports(report, directory, formats=FORMATS, per_tenant=True, threshold=None):
    """Write the run's files (posture.<ext>) and, with ``per_tenant``, tenants/<tenant>.<ext>; returns the paths."""
    if not os.path.isdir(directory):
        os.makedirs(directory)
    paths = {}
    renderers = dict(json=lambda r, t=None: render.render_json(r) if t is None else render.render_json(_only(r, t)),
                     markdown=render.render_markdown, html=render.render_html,
                     junit=lambda r, t=None: render.render_junit(r if t is None else _only(r, t), threshold))
    for fmt in formats:
        path = os.path.join(directory, "posture.%s" % EXTENSIONS[fmt])
        _write(path, renderers[fmt](report))
        paths[fmt] = path
    if per_tenant:
        sub = os.path.join(directory, "tenants")
        if not os.path.isdir(sub):
            os.makedirs(sub)
        paths["tenants"] = {}
        for name in report["tenants"]:
            paths["tenants"][name] = {}
            for fmt in formats:
                path = os.path.join(sub, "%s.%s" % (safe_name(name), EXTENSIONS[fmt]))
                _write(path, renderers[fmt](report, [name]) if fmt in ("markdown", "html") else renderers[fmt](report, name))
                paths["tenants"][name][fmt] = path
    return paths


def _only(report, name):
    """The report restricted to one tenant."""
    data = dict(report)
    data["tenants"] = [name]
    data["findings"] = report["per_tenant"].get(name) or []
    data["summary"] = {name: report["summary"].get(name, {})}
    data["per_tenant"] = {name: data["findings"]}
    data["totals"] = data["summary"][name]
    return data


def run(params, now=None):
    """Evaluate and write; returns the module result (``failed`` when a finding is at or above the threshold).
    ``changed`` stays false: the report files are the audit's output, not a change to anything audited."""
    findings = rules.evaluate(params.get("gateways") or {}, params.get("tenants") or {}, params.get("secrets") or {})
    generated = (now or datetime.datetime.utcnow()).strftime("%Y-%m-%d %H:%M UTC")
    report = render.build_report(findings, params.get("tenants") or {}, params.get("gateways") or {},
                                 threshold=params.get("threshold"), title=params.get("title"), generated=generated)
    result = dict(changed=False, findings=findings, summary=report["summary"], totals=report["totals"],
                  worst=rules.worst(findings), paths={})
    if params.get("output_dir"):
        result["paths"] = write_reports(report, params["output_dir"], params.get("formats") or FORMATS,
                                        params.get("per_tenant", True), params.get("threshold"))
    over = rules.at_or_above(findings, params.get("threshold"))
    result["over_threshold"] = len(over)
    if over:
        result["failed"] = True
        result["msg"] = "posture: %d finding(s) at or above %s: %s" % (
            len(over), params["threshold"], ", ".join(sorted(set("%s (%s)" % (f["code"], f["object"]) for f in over))))
    return result
