# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The open-relay guard (docs/design.md, "The open-relay guard"; guide steps S8 and S12).

This module is PRIVATE to the collection. It can change at any time.

The guard reasons about the **effective HAT** of each listener: its rows in match order (the sender groups, bare
host entries with an inline behaviour, and ``ALL`` last), each row's members, and each row's behaviour (its
policy's behaviour on that listener, or its inline behaviour). A connecting host takes the first row that matches
it; a ``CONTINUE`` row lets it go on to the next rows. The hosts that end in a ``RELAY`` row may send mail through
the gateway to any domain.

``evaluate`` gives the findings of one listener, one per (row, category):

- ``open``: the row relays for everyone, or for more address space than any relay source has: the ``ALL`` row (or a
  member ``*`` / ``.``), a network that leaves more than a /8 of IPv4 or a /16 of IPv6 unmatched by earlier rows
  (``0.0.0.0/0``, ``0/0``, ``::/0``, ``0.0.0.0/1`` ...), a partial domain of one label (``.com``);
- ``dynamic``: the row matches hosts anywhere on the Internet by a property, not by who they are - ``SBRS[...]``,
  ``SBO:<n>``, ``dnslist[...]`` members, DNS host verification;
- ``unknown``: a member the guard cannot read (so it cannot tell which hosts it matches);
- ``shared``: the row matches address space shared by every Microsoft 365 tenant (``.protection.outlook.com``,
  Microsoft's outbound ranges) and no active message filter tests ``sendergroup == "<row>"`` and a secret header
  and drops the rest (guide step S12). A bare entry cannot be named by a filter, so it is never guarded;
- ``undeclared``: only when the module is given ``relay_sources``: members those sources do not cover.

What is left - the specific hosts, networks and domains of relaying rows - are the **declared relay sources**. With
``relay_sources`` the declaration is explicit and the rows must stay inside it.

``review`` compares the findings before and after a change: a finding the change creates, or one on a row the
change modifies (members, policy, the policy's behaviour), refuses the change; a finding already on the appliance on
a row the change does not modify is only a warning. ``allow_open_relay`` turns every refusal into a warning.
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
# The option of esa_sender_groups and esa_mail_flow_policies that declares the hosts relaying may be for.
RELAY_SOURCES = dict(type="list", elements="str")

SHARED_DOMAIN_SUFFIXES = ("protection.outlook.com", "outlook.com")
# Exchange Online Protection's published SMTP ranges (Microsoft "Office 365 URLs and IP address
# ranges", endpoint set 2). Not from this project's references; refresh from Microsoft's list.
SHARED_NETWORKS = [ipaddress.ip_network(n) for n in (
    u"40.92.0.0/15", u"40.107.0.0/16", u"52.100.0.0/15", u"52.102.0.0/16", u"52.103.0.0/17", u"104.47.0.0/17",
    u"2a01:111:f400::/48", u"2a01:111:f403::/48")]

ALL = "ALL"
TERMINAL = ("ACCEPT", "REJECT", "TCPREFUSE", "RELAY")   # CONTINUE goes on to the next rows
EVERYTHING = (ipaddress.ip_network(u"0.0.0.0/0"), ipaddress.ip_network(u"::/0"))
# More unmatched address space than this is no relay source: the whole Internet, or a large part of it.
BROAD = {4: 2 ** 24, 6: 2 ** 112}           # a /8 of IPv4, a /16 of IPv6
CATCH_ALL_MEMBERS = ("*", ".")              # not member syntax (the modules refuse them); read defensively
CATEGORIES = ("open", "dynamic", "unknown", "shared", "undeclared")


def _text(value):
    return u"%s" % value


# -- members ---------------------------------------------------------------------------------
def _ipv4_span(text):
    """Partial IPv4 (``10.1.``, ``10.1``), a range in the last given octet (``10.1.1.1-20``, ``10.2.3-9.``):
    the networks covered, or None."""
    body = text[:-1] if text.endswith(".") else text
    parts = body.split(".")
    if not 1 <= len(parts) <= 4 or (len(parts) == 4 and text.endswith(".")):
        return None
    low, dash, high = parts[-1].partition("-")
    high = high if dash else low
    for value in parts[:-1] + [low, high]:
        if not value.isdigit() or len(value) > 3 or int(value) > 255:
            return None
    if int(low) > int(high):
        return None
    fill = 4 - len(parts)
    start = ipaddress.ip_address(_text(".".join(parts[:-1] + [low] + ["0"] * fill)))
    end = ipaddress.ip_address(_text(".".join(parts[:-1] + [high] + ["255"] * fill)))
    return list(ipaddress.summarize_address_range(start, end))


def networks(member):
    """The IP networks a member covers, or None when it is not an IP form."""
    text = member.strip()
    if "/" in text:
        address, dummy, prefix = text.partition("/")
        if ":" not in address:
            parts = address.rstrip(".").split(".")
            if not (1 <= len(parts) <= 4 and all(p.isdigit() for p in parts)):
                return None
            address = ".".join(parts + ["0"] * (4 - len(parts)))     # 10/8 is 10.0.0.0/8
        try:
            return [ipaddress.ip_network(_text("%s/%s" % (address, prefix)), strict=False)]
        except ValueError:
            return None
    if ":" in text:
        try:
            return [ipaddress.ip_network(_text(text))]
        except ValueError:
            return None
    if re.match(r"^[\d.-]+$", text):
        return _ipv4_span(text)
    return None


def _domain(text):
    """A hostname or partial domain in lower case, or None."""
    value = text.strip().lower()
    body = value[1:] if value.startswith(".") else value
    if not body or not all(re.match(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$", label) for label in body.split(".")):
        return None
    return value


def classify(member):
    """(form, value): ``("all", None)``, ``("ip", [networks])``, ``("name", host or .partial)``,
    ``("dynamic", None)`` for SBRS/SBO/dnslist terms, ``("unknown", None)``."""
    text = member.strip()
    if text in CATCH_ALL_MEMBERS:
        return "all", None
    if re.match(r"^(sbrs\[|sbo:|dnslist\[)", text, re.IGNORECASE):
        return "dynamic", None
    found = networks(text)
    if found:
        return "ip", found
    name = _domain(text)
    if name and not name.lstrip(".").rsplit(".", 1)[-1].isdigit():
        return "name", name
    return "unknown", None


def _name_covers(source, name):
    """Whether every host ``name`` matches is matched by ``source`` (a partial domain covers its subdomains)."""
    return source == name or (source.startswith(".") and name.endswith(source))


def shared_members(members):
    """The members that match address space shared by all Microsoft 365 tenants."""
    found = []
    for member in members:
        form, value = classify(member)
        if form == "name":
            name = value.lstrip(".")
            if any(name == s or name.endswith("." + s) for s in SHARED_DOMAIN_SUFFIXES):
                found.append(member)
        elif form == "ip" and any(n.version == s.version and n.overlaps(s) for n in value for s in SHARED_NETWORKS):
            found.append(member)
    return found


def guards(filter_body, group):
    """Whether a (normalised) filter body enforces a secret header for ``group``: it tests the sender
    group by its real name, tests a header, and drops."""
    body = filter_body or ""
    names_group = re.search(r'sendergroup\s*==\s*["\']%s["\']' % re.escape(group), body, re.I)
    return bool(names_group and re.search(r"\bheader\s*\(", body) and re.search(r"\bdrop\s*\(\s*\)", body))


def might_guard(entry):
    """Whether a filter (name, body, active) can be the S12 guard of some sender group."""
    body = entry.get("body") or ""
    return bool(entry.get("active", True) and "sendergroup" in body and re.search(r"\bheader\s*\(", body)
                and re.search(r"\bdrop\s*\(\s*\)", body))


# -- address space arithmetic ------------------------------------------------------------------
def _collapse(items):
    out = []
    for version in (4, 6):
        out += list(ipaddress.collapse_addresses([n for n in items if n.version == version]))
    return out


def _inside(inner, outer):
    return inner.network_address >= outer.network_address and inner.broadcast_address <= outer.broadcast_address


def uncovered(network, covered):
    """How many addresses of ``network`` are outside ``covered`` (collapsed, so disjoint)."""
    size = network.num_addresses
    for other in covered:
        if other.version != network.version or not other.overlaps(network):
            continue
        if _inside(network, other):
            return 0
        size -= other.num_addresses
    return size


# -- rows ----------------------------------------------------------------------------------------
def _sbrs_term(sbrs):
    if sbrs is None:
        return None
    if sbrs == "none":
        return "SBRS[none]"
    return "SBRS[%.1f:%.1f]" % (sbrs["min"], sbrs["max"])


def rows(document):
    """The rows of a listener's HAT document (``hat/<listener>``) in match order:
    [{name, kind (group, bare, all), members, dns_verification, policy, behavior (upper case or None)}]."""
    document = document or {}
    behaviors = dict((p["name"].lower(), (p.get("behavior") or "").upper() or None) for p in document.get("policies") or [])
    out = []
    for group in document.get("sender_groups") or []:
        members = list(group.get("members") or [])
        term = _sbrs_term(group.get("sbrs"))
        if term and term not in members:
            members.append(term)
        policy = group.get("policy")
        behavior = behaviors.get(policy.lower()) if policy else (group.get("behavior") or "").upper() or None
        kind = "all" if group["name"] == ALL and not group.get("bare") else ("bare" if group.get("bare") else "group")
        out.append(dict(name=group["name"], kind=kind, members=members, dns_verification=list(group.get("dns_verification") or []),
                        policy=policy, behavior=behavior, known=bool(policy is None or policy.lower() in behaviors)))
    return out


def _signature(row):
    return (row["kind"], tuple(sorted(row["members"])), tuple(row["dns_verification"]), (row["policy"] or "").lower(),
            row["behavior"])


class Shadow(object):
    """What the terminal rows seen so far match: their IP networks, names, and whether they cover every address."""

    def __init__(self):
        self.nets = []
        self.names = []

    def add(self, row):
        if row["kind"] == "all":
            self.nets = list(EVERYTHING)
            return
        for member in row["members"]:
            form, value = classify(member)
            if form == "all":
                self.nets = list(EVERYTHING)
            elif form == "ip":
                self.nets = _collapse(self.nets + value)
            elif form == "name":
                self.names.append(value)

    def everything(self):
        return all(uncovered(n, self.nets) == 0 for n in EVERYTHING)

    def hides_name(self, name):
        return self.everything() or any(_name_covers(other, name) for other in self.names)


def parse_sources(sources):
    """``relay_sources`` (canonical member forms) -> (networks, names). None when not given."""
    if sources is None:
        return None
    nets, names = [], []
    for source in sources:
        form, value = classify(source)
        if form == "ip":
            nets += value
        elif form == "name":
            names.append(value)
        else:
            raise ValueError("relay_sources: %r is not a host, network or domain" % source)
    return _collapse(nets), names


def _row_label(listener, row):
    if row["kind"] == "all":
        what = "the ALL row"
    elif row["kind"] == "bare":
        what = "the bare entry %s" % row["name"]
    else:
        what = "sender group %s" % row["name"]
    return "on listener %s, %s" % (listener, what)


def _via(row):
    if row["policy"]:
        return "policy $%s, behaviour RELAY" % row["policy"]
    return "inline behaviour RELAY"


def _fix(row):
    """How to stop the row relaying, naming the row and its policy."""
    if row["kind"] == "bare":
        return ("delete the bare entry %s (or give it a behaviour that does not relay) and list the hosts that may "
                "relay in a sender group" % row["name"])
    if row["kind"] == "all":
        text = ("point ALL at a policy that does not relay (esa_sender_groups policy:, for example $ACCEPTED on a public "
                "listener or $BLOCKED on a private one)")
    else:
        text = "point %s at a policy that does not relay (esa_sender_groups policy:)" % row["name"]
    if row["policy"]:
        text += " or give $%s a behaviour other than relay (esa_mail_flow_policies behavior:)" % row["policy"]
    return text


def _finding(listener, row, category, members, sources=None):
    label, via, fix = _row_label(listener, row), _via(row), _fix(row)
    listed = ", ".join(members)
    if category == "open" and row["kind"] == "all":
        text = ("%s relays (%s): every connecting host that no earlier row matches may send mail through the gateway "
                "to any domain - an open relay. Fix: %s, and put the hosts that may relay in their own sender group; "
                "or set allow_open_relay=true to accept the risk." % (label, via, fix))
    elif category == "open":
        text = ("%s relays (%s) for %s: more address space than any relay source (everyone, or more than a /8 of "
                "IPv4 or a /16 of IPv6 that no earlier row matches) - an open relay. Fix: list only the hosts that may "
                "relay, or %s; or set allow_open_relay=true to accept the risk." % (label, via, listed, fix))
    elif category == "dynamic":
        text = ("%s relays (%s) for %s: these match hosts anywhere on the Internet by reputation, network owner, "
                "blocklist or DNS state, not declared relay sources. Fix: remove them from %s (use them in groups that "
                "accept or reject), or %s; or set allow_open_relay=true to accept the risk."
                % (label, via, listed, row["name"], fix))
    elif category == "unknown":
        text = ("%s relays (%s) for %s: the open-relay guard cannot tell which hosts these match. Fix: write them "
                "as addresses, networks or host names, or %s; or set allow_open_relay=true to accept the risk."
                % (label, via, listed, fix))
    elif category == "shared" and row["kind"] == "bare":
        text = ("%s relays (%s) for %s, address space every Microsoft 365 tenant shares; a message filter cannot name "
                "a bare entry (it tests sendergroup), so the gateway relays for anyone on Microsoft 365. Fix: %s "
                "guarded by the S12 filter; or set allow_open_relay=true to accept the risk." % (label, via, listed, fix))
    elif category == "shared":
        text = ("%s relays (%s) for %s, address space every Microsoft 365 tenant shares: without a message filter that "
                "checks sendergroup == \"%s\" and a secret header and drops the rest (guide step S12), the gateway relays "
                "for anyone on Microsoft 365. Add the filter first (in this play or already on the appliance), or %s; "
                "or set allow_open_relay=true to accept the risk." % (label, via, listed, row["name"], fix))
    else:
        text = ("%s relays (%s) for %s, which relay_sources (%s) does not cover. Fix: add them to relay_sources if "
                "they may relay, remove them from %s, or %s; or set allow_open_relay=true to accept the risk."
                % (label, via, listed, ", ".join(sources or []) or "empty: no relaying", row["name"], fix))
    return dict(key=(listener.lower(), row["name"].lower(), category), signature=_signature(row), text=text,
                listener=listener, row=row["name"], category=category, members=list(members), policy=row["policy"])


def evaluate(listener, document, filters, sources=None):
    """(findings, notes) of one listener's HAT document. ``filters``: [{name, body, active}] (the guard filters);
    ``sources``: the ``relay_sources`` given to the module (canonical forms), or None. ``notes`` name rows whose
    policy is not on the listener (check mode: an earlier task may create it), which the guard cannot judge."""
    declared = parse_sources(sources)
    shadow = Shadow()
    findings, notes = [], []
    for row in rows(document):
        if not row["known"]:
            notes.append("on listener %s, sender group %s uses policy $%s, which is not on the listener yet: the open-relay "
                         "guard cannot tell whether it relays (the real run checks it)" % (listener, row["name"], row["policy"]))
        if row["behavior"] == "RELAY" and not shadow.everything():
            findings += _relaying(listener, row, shadow, filters, declared, sources)
        if row["behavior"] in TERMINAL:
            shadow.add(row)
    return findings, notes


def _relaying(listener, row, shadow, filters, declared, sources):
    found = dict((c, []) for c in CATEGORIES)
    if row["kind"] == "all":
        found["open"].append(ALL)
    if row["dns_verification"]:
        found["dynamic"].append("DNS host verification (%s)" % ", ".join(row["dns_verification"]))
    for member in row["members"]:
        form, value = classify(member)
        if form == "all":
            found["open"].append(member)
        elif form in ("dynamic", "unknown"):
            found[form].append(member)
        elif form == "ip":
            left = sum(uncovered(n, shadow.nets) for n in value)
            if not left:
                continue            # every address is matched by an earlier row
            if left > BROAD[value[0].version]:
                found["open"].append(member)
                continue
            if shared_members([member]) and any(uncovered(_overlap(n, s), shadow.nets)
                                                for n in value for s in SHARED_NETWORKS if n.version == s.version and n.overlaps(s)):
                found["shared"].append(member)
            if declared is not None and any(uncovered(n, _collapse(shadow.nets + declared[0])) for n in value):
                found["undeclared"].append(member)
        elif form == "name":
            if shadow.hides_name(value):
                continue
            if value.startswith(".") and "." not in value[1:]:
                found["open"].append(member)         # a whole top-level domain
                continue
            if shared_members([member]):
                found["shared"].append(member)
            if declared is not None and not any(_name_covers(source, value) for source in declared[1]):
                found["undeclared"].append(member)
    if found["shared"] and row["kind"] != "bare" and any(
            f.get("active", True) and guards(f.get("body"), row["name"]) for f in filters or []):
        found["shared"] = []
    if found["open"]:
        # an open row relays for everyone: the narrower findings of the same row add nothing
        found["shared"], found["undeclared"] = [], []
    return [_finding(listener, row, category, found[category], sources) for category in CATEGORIES if found[category]]


def _overlap(network, other):
    return network if _inside(network, other) else other


# -- the change -----------------------------------------------------------------------------------
def review(before, after, allow=False):
    """Problems (refusals) and warnings of a change. ``before``/``after``: the findings of every listener evaluated,
    before and after it.

    A finding the change creates refuses it; one that was already there refuses it too when the change modifies
    its row (members, policy, the policy's behaviour: "kept by this change"); one on a row the change does not
    modify is a warning. ``allow`` (allow_open_relay) turns the refusals into warnings.
    """
    old = dict((f["key"], f) for f in before)
    problems, warnings = [], []
    for finding in after:
        previous = old.get(finding["key"])
        if previous is None:
            problems.append(finding["text"])
        elif previous["signature"] != finding["signature"]:
            problems.append("(already on the appliance, kept by this change) " + finding["text"])
        else:
            warnings.append("already on the appliance, not changed by this task: " + finding["text"])
    if allow:
        return [], ["allow_open_relay=true: " + p for p in problems] + warnings
    return problems, warnings


def session_filters(reader, params, check_mode):
    """The filters the guard trusts: the session's (committed, or written earlier in this login). In check mode an
    earlier task's filter is not on the appliance, so the play's ``planned_filters`` count too."""
    filters = [dict(f) for f in reader.get("message_filters") or []]
    if check_mode:
        filters += [f for f in params.get("planned_filters") or [] if f.get("body")]
    return filters


def listener_change(reader, listeners, scope, before, after, filters, params):
    """(problems, warnings) of a change to the HAT of listener ``scope``: ``before``/``after`` its HAT documents;
    the other listeners (``listeners``: [{name}]) are read from the session and do not change."""
    sources = params.get("relay_sources")
    found_before, found_after, notes = [], [], []
    names = [item["name"] for item in listeners or []]
    for name in names + ([scope] if scope not in names else []):
        if name == scope:
            old, new = before, after
        else:
            old = new = reader.get("hat/%s" % name)
        if old is None and new is None:
            continue
        found_before += evaluate(name, old, filters, sources)[0]
        findings, extra = evaluate(name, new, filters, sources)
        found_after += findings
        notes += extra if name == scope else []
    problems, warnings = review(found_before, found_after, params.get("allow_open_relay"))
    return problems, notes + warnings


def filter_change(reader, before, after, params):
    """(problems, warnings) of a change to the message filters (``before``/``after``: the filter lists). Only a
    guard-like filter that is removed, deactivated or changed can open a relay; then every listener's HAT is read
    from the session and the findings compared."""
    kept = dict((f["name"].lower(), f) for f in after if might_guard(f))
    weakened = [f for f in before if might_guard(f) and (
        f["name"].lower() not in kept or kept[f["name"].lower()].get("body") != f.get("body"))]
    if not weakened:
        return [], []
    found_before, found_after = [], []
    for item in reader.get("listeners") or []:
        document = reader.get("hat/%s" % item["name"])
        found_before += evaluate(item["name"], document, before)[0]
        found_after += evaluate(item["name"], document, after)[0]
    # the filters changed, not the rows: a finding that was already there is not this change's
    before_keys = set(f["key"] for f in found_before)
    problems = [f["text"] for f in found_after if f["key"] not in before_keys]
    if params.get("allow_open_relay"):
        return [], ["allow_open_relay=true: " + p for p in problems]
    return problems, []
