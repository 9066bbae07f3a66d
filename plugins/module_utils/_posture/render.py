# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Renderers of the posture audit: JSON, Markdown, a self-contained HTML page and JUnit XML (docs/posture.md).

This module is PRIVATE to the collection. It can change at any time.

Every renderer takes a ``report`` dict as ``build_report`` makes it. One page per run, grouped by tenant, then side,
then severity (worst first). Every value is escaped for its format (HTML, XML, Markdown table cells).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.mailops.secure_email.plugins.module_utils._posture.rules import RULES, SEVERITIES, SIDES, rank

try:
    from html import escape as _escape
except ImportError:  # pragma: no cover - Python 2
    from cgi import escape as _escape  # pylint: disable=deprecated-module

NO_TENANT = "(no tenant)"
COLOURS = dict(critical="#7f1d1d", error="#b91c1c", warning="#b45309", info="#1d4ed8")


def esc(value):
    return _escape(u"%s" % ("" if value is None else value), True)


def build_report(findings, tenants, gateways, threshold=None, title=None, generated=None):
    """The report: summary counts per tenant and severity, findings per tenant (a finding of a shared gateway is listed
    under every tenant it serves)."""
    names = sorted(set(tenants) | set(t for f in findings for t in f["tenants"]))
    if any(not f["tenants"] for f in findings):
        names.append(NO_TENANT)
    per_tenant = dict((name, [f for f in findings if name in f["tenants"] or (name == NO_TENANT and not f["tenants"])])
                      for name in names)
    summary = dict((name, dict((s, sum(1 for f in items if f["severity"] == s)) for s in SEVERITIES))
                   for name, items in per_tenant.items())
    totals = dict((s, sum(1 for f in findings if f["severity"] == s)) for s in SEVERITIES)
    return dict(title=title or "Secure email posture", generated=generated, threshold=threshold,
                gateways=sorted(gateways), tenants=names, totals=totals, summary=summary, findings=findings,
                per_tenant=per_tenant, rules=sorted(RULES))


def _groups(items):
    """(side, severity, findings) in report order."""
    for side in SIDES:
        for severity in reversed(SEVERITIES):
            found = [f for f in items if f["side"] == side and f["severity"] == severity]
            if found:
                yield side, severity, found


def _evidence_text(evidence):
    return json.dumps(evidence, sort_keys=True, default=str)


def render_json(report):
    data = dict((k, v) for k, v in report.items() if k != "per_tenant")
    return json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"


def _md(value):
    text = u"%s" % ("" if value is None else value)
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return re.sub(r"([<>`*_\[\]])", r"\\\1", text)


def render_markdown(report, tenants=None):
    lines = ["# %s" % _md(report["title"]), ""]
    if report.get("generated"):
        meta = (_md(report["generated"]), _md(", ".join(report["gateways"]) or "none"),
                _md(report.get("threshold") or "none"))
        lines += ["Generated %s. Gateways: %s. Threshold: %s." % meta, ""]
    lines += ["## Summary", "", "| Tenant | " + " | ".join(reversed(SEVERITIES)) + " |",
              "|---|" + "---|" * len(SEVERITIES)]
    for name in tenants or report["tenants"]:
        counts = report["summary"].get(name, {})
        lines.append("| %s | %s |" % (_md(name), " | ".join(str(counts.get(s, 0)) for s in reversed(SEVERITIES))))
    lines.append("")
    for name in tenants or report["tenants"]:
        lines += ["## Tenant %s" % _md(name), ""]
        items = report["per_tenant"].get(name) or []
        if not items:
            lines += ["No findings.", ""]
        for side, severity, found in _groups(items):
            lines += ["### %s - %s" % (side, severity), "", "| Code | Object | Finding | Evidence | Fix |",
                      "|---|---|---|---|---|"]
            for f in found:
                lines.append("| `%s` | %s | %s | %s | %s |" % (f["code"], _md(f["object"]),
                                                               "**%s**: %s" % (_md(f.get("title")), _md(f["message"])),
                                                               _md(_evidence_text(f["evidence"])), _md(f["fix"])))
            lines.append("")
    lines += ["See docs/posture.md of mailops.secure_email for every rule: why it matters, the source, the fix.", ""]
    return "\n".join(lines)


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#111;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:20px;border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:28px}
h3{font-size:16px;margin:16px 0 6px}p.meta{color:#555;margin:0 0 16px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}
th,td{border:1px solid #ccc;padding:6px 8px;text-align:left;vertical-align:top}th{background:#f3f4f6}
td.evidence{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.sev{display:inline-block;color:#fff;border-radius:4px;padding:1px 8px;font-weight:600}
.ok{color:#166534;font-weight:600}
"""


def _badge(severity):
    colour = COLOURS.get(severity, "#444")
    return '<span class="sev sev-%s" style="background:%s">%s</span>' % (esc(severity), colour, esc(severity))


def render_html(report, tenants=None):
    names = tenants or report["tenants"]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
           "<title>%s</title><style>%s</style></head><body>" % (esc(report["title"]), CSS),
           "<h1>%s</h1>" % esc(report["title"]),
           '<p class="meta">Generated %s &middot; gateways: %s &middot; threshold: %s &middot; %d finding(s)</p>' % (
               esc(report.get("generated") or "-"), esc(", ".join(report["gateways"]) or "none"),
               esc(report.get("threshold") or "none"), sum(len(report["per_tenant"].get(n) or []) for n in names)),
           '<h2>Summary</h2><table class="summary"><thead><tr><th>Tenant</th>%s</tr></thead><tbody>'
           % "".join("<th>%s</th>" % esc(s) for s in reversed(SEVERITIES))]
    for name in names:
        counts = report["summary"].get(name, {})
        out.append('<tr><td><a href="#tenant-%s">%s</a></td>%s</tr>' % (
            esc(re.sub(r"[^A-Za-z0-9_-]", "-", name)), esc(name),
            "".join("<td>%d</td>" % counts.get(s, 0) for s in reversed(SEVERITIES))))
    out.append("</tbody></table>")
    for name in names:
        items = report["per_tenant"].get(name) or []
        out.append('<section class="tenant" id="tenant-%s"><h2>Tenant %s</h2>' % (
            esc(re.sub(r"[^A-Za-z0-9_-]", "-", name)), esc(name)))
        if not items:
            out.append('<p class="ok">No findings.</p>')
        for side, severity, found in _groups(items):
            out.append('<h3>%s &middot; %s</h3><table class="findings" data-side="%s" data-severity="%s"><thead><tr>'
                       "<th>Code</th><th>Severity</th><th>Object</th><th>Finding</th><th>Evidence</th><th>Fix</th>"
                       "</tr></thead><tbody>" % (esc(side), _badge(severity), esc(side), esc(severity)))
            for f in found:
                out.append('<tr class="finding" data-code="%s"><td><code>%s</code></td><td>%s</td><td>%s</td>'
                           '<td>%s</td><td class="evidence">%s</td><td>%s</td></tr>' % (
                               esc(f["code"]), esc(f["code"]), _badge(f["severity"]), esc(f["object"]),
                               "<strong>%s</strong><br>%s" % (esc(f.get("title")), esc(f["message"])),
                               esc(_evidence_text(f["evidence"])), esc(f["fix"])))
            out.append("</tbody></table>")
        out.append("</section>")
    out.append("<p class=\"meta\">Every rule, why it matters, its source and its fix: docs/posture.md of "
               "mailops.secure_email.</p></body></html>")
    return "\n".join(out) + "\n"


def _xml(value):
    text = re.sub(u"[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd]", u"?", u"%s" % ("" if value is None else value))
    return esc(text)


def render_junit(report, threshold=None):
    """One testsuite per tenant; one testcase per rule and object: a finding at or above ``threshold`` (default
    warning) fails, a lower one passes with its text in system-out, and each rule without a finding passes."""
    limit = rank(threshold if threshold not in (None, "none") else "warning")
    suites = []
    total_tests = total_failures = 0
    for name in report["tenants"]:
        items = report["per_tenant"].get(name) or []
        cases = []
        failures = 0
        for f in items:
            case = '    <testcase classname="posture.%s.%s" name="%s: %s">' % (
                _xml(name), _xml(f["side"]), _xml(f["code"]), _xml(f["object"]))
            detail = "%s\nevidence: %s\nfix: %s" % (f["message"], _evidence_text(f["evidence"]), f["fix"])
            if rank(f["severity"]) >= limit:
                failures += 1
                case += '\n      <failure type="%s" message="%s">%s</failure>\n    </testcase>' % (
                    _xml(f["severity"]), _xml(f["message"]), _xml(detail))
            else:
                case += "\n      <system-out>%s</system-out>\n    </testcase>" % _xml(detail)
            cases.append(case)
        fired = set(f["code"] for f in items)
        for code in sorted(RULES):
            if code not in fired:
                cases.append('    <testcase classname="posture.%s.%s" name="%s"/>'
                             % (_xml(name), _xml(RULES[code][1]), _xml(code)))
        total_tests += len(cases)
        total_failures += failures
        suites.append('  <testsuite name="posture %s" tests="%d" failures="%d" errors="0" skipped="0">\n%s\n'
                      "  </testsuite>" % (_xml(name), len(cases), failures, "\n".join(cases)))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="%s" tests="%d" failures="%d">\n%s\n'
            "</testsuites>\n" % (_xml(report["title"]), total_tests, total_failures, "\n".join(suites)))
