# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""exo_info and exo_message_trace.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import connectors, transport_rules
from ansible_collections.mailops.secure_email.plugins.module_utils._exo import normalise as n
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.common import validation_error

GATHER = ["inbound_connectors", "outbound_connectors", "transport_rules", "accepted_domains"]
DOMAIN_KEYS = ("DomainName", "DomainType", "Default", "InitialDomain", "MatchSubDomains", "OutboundOnly",
               "SendingFromDomainDisabled", "SendingToDomainDisabled", "AuthenticationType", "SmtpDaneStatus")


def _snake(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _mask_rule(record, unmask):
    shown = transport_rules.shown(record)
    if unmask and record.get("SetHeaderValue") is not None:
        shown["set_header_value"] = record.get("SetHeaderValue")
    return shown


def gather(exo):
    module, client = exo.module, exo.client
    wanted = module.params["gather"] or GATHER
    facts = {}
    if "inbound_connectors" in wanted:
        facts["inbound_connectors"] = [connectors.shown(connectors.INBOUND, r)
                                       for r in client.list_all("Get-InboundConnector")]
    if "outbound_connectors" in wanted:
        facts["outbound_connectors"] = [connectors.shown(connectors.OUTBOUND, r) for r in
                                        client.list_all("Get-OutboundConnector", connectors.OUTBOUND.get_params)]
    if "transport_rules" in wanted:
        facts["transport_rules"] = [_mask_rule(r, module.params["unmask_header_values"])
                                    for r in client.list_all("Get-TransportRule")]
    if "accepted_domains" in wanted:
        facts["accepted_domains"] = [dict((_snake(k), r.get(k)) for k in DOMAIN_KEYS)
                                     for r in client.list_all("Get-AcceptedDomain")]
    exo.exit(changed=False, **facts)


# -- message trace (docs/exchange-rest.md section 12) ---------------------------------------------
WINDOW = datetime.timedelta(days=10)
KEYSET = re.compile(r'-EndDate\s+"([^"]+)"\s+-StartingRecipientAddress\s+"([^"]+)"', re.I)


def _time(value, field):
    try:
        return datetime.datetime.strptime(n.utc_datetime(value), "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        raise validation_error(["%s: %r is not an ISO 8601 date and time" % (field, value)])


def _fmt(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def trace(exo):
    module, client = exo.module, exo.client
    p = module.params
    now = datetime.datetime.now(datetime.timezone.utc)
    end = _time(p["end_date"], "end_date") if p["end_date"] else now
    start = _time(p["start_date"], "start_date") if p["start_date"] else end - datetime.timedelta(hours=p["hours"])
    problems = []
    if start >= end:
        problems.append("start_date: must be before end_date")
    if start < now - datetime.timedelta(days=90):
        problems.append("start_date: Exchange keeps message trace data for 90 days only")
    if not 1 <= p["page_size"] <= 5000:
        problems.append("page_size: 1 to 5000")
    if problems:
        raise validation_error(problems)
    base = {}
    for option, param in (("sender_address", "SenderAddress"), ("recipient_address", "RecipientAddress"),
                          ("message_id", "MessageId"), ("status", "Status")):
        if p[option]:
            base[param] = p[option]
    if p["subject"]:
        base["Subject"] = p["subject"]
        base["SubjectFilterType"] = p["subject_filter_type"]
    seen, messages, queries, truncated = set(), [], 0, False
    window_end = end
    while window_end > start and len(messages) < p["max_results"]:  # 10-day windows, newest first
        window_start = max(start, window_end - WINDOW)
        page_end, starting = _fmt(window_end), None
        while len(messages) < p["max_results"]:
            params = dict(base, StartDate=_fmt(window_start), EndDate=page_end, ResultSize=p["page_size"])
            if starting:
                params["StartingRecipientAddress"] = starting
            result = client.invoke("Get-MessageTraceV2", params)
            queries += 1
            added = 0
            for row in result.value:
                key = (str(row.get("MessageTraceId")).lower(), str(row.get("RecipientAddress")).lower())
                if key in seen:  # live rows repeat (exchange-rest.md s. 12): dedupe on id + recipient
                    continue
                seen.add(key)
                messages.append(row)
                added += 1
            match = None
            for warning in result.warnings:
                match = KEYSET.search(warning) or match
            if not match:
                break
            if added == 0 or queries >= p["max_queries"]:
                truncated = True
                break
            page_end, starting = match.group(1), match.group(2)  # keyset: passed back verbatim
        if truncated:
            break
        window_end = window_start
    if len(messages) >= p["max_results"]:
        truncated = truncated or len(messages) > p["max_results"]
        messages = messages[:p["max_results"]]
    if truncated:
        module.warn("message trace truncated after %d queries / %d messages; narrow the filters or raise "
                    "max_queries/max_results" % (queries, len(messages)))
    exo.exit(changed=False, messages=messages, count=len(messages), queries=queries, truncated=truncated,
             start_date=_fmt(start), end_date=_fmt(end))
