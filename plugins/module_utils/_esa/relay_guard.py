# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The open-relay guard (docs/design.md, "The open-relay guard"; guide steps S8 and S12).

This module is PRIVATE to the collection. It can change at any time.

A sender group that matches address space shared by every Microsoft 365
tenant (``.protection.outlook.com``, Microsoft's outbound ranges) and uses a
RELAY policy relays for anyone on Microsoft 365, unless a message filter
drops what lacks the tenant's secret header. Such a group is refused unless a
guarding filter exists (in the same session or committed) or the user opts
out with ``allow_open_relay``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

# The option of esa_sender_groups and esa_mail_flow_policies that names filters an earlier task of the play adds.
PLANNED_FILTERS = dict(type="list", elements="dict", default=[], options=dict(
    name=dict(type="str", required=True),
    body=dict(type="str"),
    active=dict(type="bool", default=True),
))

SHARED_DOMAIN_SUFFIXES = ("protection.outlook.com", "outlook.com")
# Exchange Online Protection's published SMTP ranges (Microsoft "Office 365 URLs and IP address
# ranges", endpoint set 2). Not from this project's references; refresh from Microsoft's list.
SHARED_NETWORKS = [ipaddress.ip_network(n) for n in (
    "40.92.0.0/15", "40.107.0.0/16", "52.100.0.0/15", "52.102.0.0/16", "52.103.0.0/17", "104.47.0.0/17",
    "2a01:111:f400::/48", "2a01:111:f403::/48")]


def _networks(member):
    """The networks a sender-group member covers, or [] for names and SBRS terms."""
    text = member.strip()
    try:
        return [ipaddress.ip_network(text, strict=False)]
    except ValueError:
        pass
    match = re.match(r"^(\d{1,3}(?:\.\d{1,3}){0,3})\.?$", text)
    if match and text.endswith(".") or (match and text.count(".") < 3):
        octets = [o for o in match.group(1).split(".") if o]
        return [ipaddress.ip_network("%s/%d" % (".".join(octets + ["0"] * (4 - len(octets))), 8 * len(octets)), strict=False)]
    match = re.match(r"^(\d{1,3}(?:\.\d{1,3}){3})-(\d{1,3})$", text)
    if match:
        start = ipaddress.ip_address(match.group(1))
        end = ipaddress.ip_address(".".join(match.group(1).split(".")[:3] + [match.group(2)]))
        return list(ipaddress.summarize_address_range(start, end)) if end >= start else []
    return []


def shared_members(members):
    """The members that match address space shared by all Microsoft 365 tenants."""
    found = []
    for member in members:
        name = member.strip().lower().lstrip(".")
        if any(name == s or name.endswith("." + s) for s in SHARED_DOMAIN_SUFFIXES):
            found.append(member)
            continue
        for network in _networks(member):
            if any(network.version == shared.version and network.overlaps(shared) for shared in SHARED_NETWORKS):
                found.append(member)
                break
    return found


def guards(filter_body, group):
    """Whether a (normalised) filter body enforces a secret header for ``group``: it tests the sender
    group by its real name, tests a header, and drops."""
    body = filter_body or ""
    names_group = re.search(r'sendergroup\s*==\s*["\']%s["\']' % re.escape(group), body, re.I)
    return bool(names_group and re.search(r"\bheader\s*\(", body) and re.search(r"\bdrop\s*\(\s*\)", body))


def check(groups, policies, filters):
    """Return a list of explanations, one per unguarded relaying group.

    ``groups``: [{name, members, policy, behavior}]; ``policies``: {name: behavior};
    ``filters``: [{name, body, active}] as on the appliance after the change.
    """
    problems = []
    for group in groups:
        behavior = policies.get(group.get("policy")) if group.get("policy") else group.get("behavior")
        if (behavior or "").upper() != "RELAY":
            continue
        shared = shared_members(group.get("members") or [])
        if not shared:
            continue
        if any(f.get("active", True) and guards(f.get("body"), group["name"]) for f in filters):
            continue
        problems.append(
            "sender group %s relays (policy %s) for %s, address space every Microsoft 365 tenant shares: without a "
            "message filter that checks sendergroup == \"%s\" and a secret header and drops the rest (guide step S12), "
            "the gateway relays for anyone on Microsoft 365. Add the filter first (in this play or already on the "
            "appliance), or set allow_open_relay=true to accept the risk."
            % (group["name"], "$" + group["policy"] if group.get("policy") else "RELAY", ", ".join(shared), group["name"]))
    return problems


def check_change(reader, params, check_mode, before, after):
    """Problems and warnings of a HAT change. ``before``/``after``: (groups, {policy: behavior}) of the listener.

    The filters are the session's (committed or written earlier in this login). In check mode an earlier task's
    filter is not on the appliance, so the play's ``planned_filters`` count too.
    """
    filters = [dict(f) for f in reader.get("message_filters")]
    if check_mode:
        filters += [f for f in params.get("planned_filters") or [] if f.get("body")]
    problems = check(after[0], after[1], filters)
    if not problems:
        return [], []
    already = set(check(before[0], before[1], filters))
    problems = [("(already on the appliance, kept by this change) " if p in already else "") + p for p in problems]
    if params.get("allow_open_relay"):
        return [], ["allow_open_relay=true: " + p for p in problems]
    return problems, []
