# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Destination controls (``destconfig``): validation, parse and render.

This module is PRIVATE to the collection. It can change at any time.

An entry is a dict with ``domain`` and the fields below. ``None`` in a
domain's field means "use the default entry's value". The default entry has
``domain: DEFAULT`` and every field set (``recipient_limit: 0`` = no limit).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import cluster, release
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.bounce_profiles import check_profiles
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.documents import Document, Source, check_count
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import TableResource
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.script import Script

COMMAND = "destconfig"
DEFAULT = "DEFAULT"

FIELDS = ("concurrency_limit", "recipient_limit", "recipient_minutes", "limit_type", "limit_apply",
          "messages_per_connection", "tls", "dane", "bounce_verification", "bounce_profile", "ip_sort")

# option value -> label printed by DETAIL and offered in the numbered lists (docs/asyncos-cli.md, "destconfig")
TLS = {"off": "No", "on": "Preferred", "require": "Required", "on_verify": "Preferred - Verify",
       "require_verify": "Required - Verify"}
DANE = {"off": "No", "opportunistic": "Opportunistic", "mandatory": "Mandatory"}
IP_SORT = {"prefer_ipv4": "Prefer IPv4", "prefer_ipv6": "Prefer IPv6", "require_ipv4": "Require IPv4",
           "require_ipv6": "Require IPv6"}
LIMIT_TYPE = {"domain": "Entire domain", "mx_ip": "Each MX IP"}
LIMIT_TYPE_CHOICE = {"domain": "entire domain", "mx_ip": "each mail exchanger"}
LIMIT_APPLY = {"system": "System Wide", "virtual_gateway": "Per Virtual Gateway"}
LIMIT_APPLY_CHOICE = {"system": "System Wide", "virtual_gateway": "Virtual Gateway"}

MAX_CONCURRENCY = 1000

# The default entry of a factory appliance (lab/README.md; not from a reference).
FACTORY_DEFAULT = dict(domain="DEFAULT", concurrency_limit=500, recipient_limit=0, recipient_minutes=None, limit_type="domain",
                       limit_apply="system", messages_per_connection=50, tls="off", dane="off", bounce_verification=False,
                       bounce_profile="Default", ip_sort="prefer_ipv6")

_DOMAIN_RE = re.compile(r"^\.?(?!-)[A-Za-z0-9_-]{1,63}(?<!-)(?:\.(?!-)[A-Za-z0-9_-]{1,63}(?<!-))*$")


class DestinationError(ValueError):
    """Invalid input; the message names the field and the rule."""


def _int_in(value, field, low, high=None):
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DestinationError("%s: %r is not a whole number" % (field, value))
    if number < low or (high is not None and number > high):
        raise DestinationError("%s: %d is out of range %d-%s" % (field, number, low, high if high is not None else "any"))
    return number


def _choice(value, field, table):
    if value is None:
        return None
    if value not in table:
        raise DestinationError("%s: %r is not one of %s" % (field, value, ", ".join(sorted(table))))
    return value


def normalise_entry(entry, index=None):
    where = "config[%s]" % index if index is not None else "config"
    domain = (entry.get("domain") or "").strip()
    if not domain:
        raise DestinationError("%s.domain: is required (a domain, or 'default' for the default entry)" % where)
    if domain.upper() == DEFAULT:
        domain = DEFAULT
    elif not _DOMAIN_RE.match(domain):
        raise DestinationError("%s.domain: %r is not a domain name" % (where, domain))
    else:
        domain = domain.lower()
    out = dict(domain=domain)
    out["concurrency_limit"] = _int_in(entry.get("concurrency_limit"), where + ".concurrency_limit", 1, MAX_CONCURRENCY)
    out["recipient_limit"] = _int_in(entry.get("recipient_limit"), where + ".recipient_limit", 0 if domain == DEFAULT else 1)
    out["recipient_minutes"] = _int_in(entry.get("recipient_minutes"), where + ".recipient_minutes", 1, 60)
    out["limit_type"] = _choice(entry.get("limit_type"), where + ".limit_type", LIMIT_TYPE)
    out["limit_apply"] = _choice(entry.get("limit_apply"), where + ".limit_apply", LIMIT_APPLY)
    out["messages_per_connection"] = _int_in(entry.get("messages_per_connection"), where + ".messages_per_connection", 1, 1000)
    out["tls"] = _choice(entry.get("tls"), where + ".tls", TLS)
    out["dane"] = _choice(entry.get("dane"), where + ".dane", DANE)
    out["bounce_verification"] = None if entry.get("bounce_verification") is None else bool(entry.get("bounce_verification"))
    profile = entry.get("bounce_profile")
    if profile is not None and not re.match(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$", str(profile)):
        raise DestinationError("%s.bounce_profile: %r is not a valid profile name (letters, digits, '_', '.', '-')" % (where, profile))
    out["bounce_profile"] = profile
    out["ip_sort"] = _choice(entry.get("ip_sort"), where + ".ip_sort", IP_SORT)
    if out["recipient_minutes"] is not None and not out["recipient_limit"]:
        raise DestinationError("%s.recipient_minutes: needs recipient_limit" % where)
    if out["recipient_limit"] and out["recipient_minutes"] is None:
        out["recipient_minutes"] = 60
    has_limits = bool(out["concurrency_limit"] or out["recipient_limit"])
    if domain != DEFAULT:
        if not has_limits and (out["limit_type"] or out["limit_apply"]):
            raise DestinationError("%s.limit_type/limit_apply: only apply with concurrency_limit or recipient_limit" % where)
        if has_limits:
            # the appliance records how limits apply whenever a limit is set
            out["limit_type"] = out["limit_type"] or "domain"
            out["limit_apply"] = out["limit_apply"] or "system"
        if out["dane"] not in (None, "off") and out["tls"] in (None, "off"):
            raise DestinationError("%s.dane: DANE needs tls set to something other than off" % where)
    elif out["dane"] not in (None, "off") and out["tls"] == "off":
        raise DestinationError("%s.dane: DANE needs tls set to something other than off" % where)
    return out


def sort_key(entry):
    return (entry["domain"] == DEFAULT, entry["domain"])


def merge(have, want):
    merged = dict(have)
    for field in FIELDS:
        if want.get(field) is not None:
            merged[field] = want[field]
    if merged.get("recipient_limit") == 0 and have["domain"] == DEFAULT:
        merged["recipient_minutes"] = None
    return merged


_DETAIL_KEYS = {
    "concurrency limit": "concurrency_limit", "recipient limit": "recipient_limit", "limit type": "limit_type",
    "limits applied": "limit_apply", "messages per connection": "messages_per_connection", "tls": "tls", "dane": "dane",
    "bounce verification": "bounce_verification", "bounce profile": "bounce_profile", "ip sort preference": "ip_sort",
}


def _reverse(table, label):
    for value, text in table.items():
        if text.lower() == label.lower():
            return value
    raise ValueError("unknown value %r" % label)


def _parse_value(field, text, entry):
    if field in ("concurrency_limit", "messages_per_connection"):
        entry[field] = int(text)
    elif field == "recipient_limit":
        match = re.match(r"^(\d+) per (\d+) minutes?$", text)
        if match:
            entry["recipient_limit"], entry["recipient_minutes"] = int(match.group(1)), int(match.group(2))
        elif text.lower() == "none":
            entry["recipient_limit"], entry["recipient_minutes"] = 0, None
        else:
            raise ValueError("unknown recipient limit %r" % text)
    elif field == "limit_type":
        entry[field] = _reverse(LIMIT_TYPE, text)
    elif field == "limit_apply":
        entry[field] = _reverse(LIMIT_APPLY, text)
    elif field == "tls":
        entry[field] = _reverse(TLS, text)
    elif field == "dane":
        entry[field] = _reverse(DANE, text)
    elif field == "ip_sort":
        entry[field] = _reverse(IP_SORT, text)
    elif field == "bounce_verification":
        entry[field] = text.lower() in ("on", "yes", "enabled")
    elif field == "bounce_profile":
        entry[field] = text


def parse(text):
    """Entries from the output of ``destconfig > DETAIL > all``."""
    entries = []
    current = None
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        match = re.match(r"^Domain:\s*(\S+)$", line)
        if match:
            domain = match.group(1)
            current = dict((f, None) for f in FIELDS)
            current["domain"] = DEFAULT if domain.upper() == DEFAULT else domain.lower()
            entries.append(current)
            continue
        match = re.match(r"^([A-Za-z ]+):\s*(.*)$", line)
        if current is None or not match or match.group(1).lower() not in _DETAIL_KEYS:
            continue
        field, value = _DETAIL_KEYS[match.group(1).lower()], match.group(2).strip()
        if current["domain"] != DEFAULT and re.match(r"^Default \(.*\)$", value):
            continue
        _parse_value(field, value, current)
    return sorted(entries, key=sort_key)


# -- render --------------------------------------------------------------------

Q_MENU = r"Choose the operation you want to perform:[\s\S]*-\s*DEFAULT\s*-"
Q_DETAIL_DOMAIN = r"domain you wish to view"
# NEW/EDIT/DEFAULT with TLS on and only the demo certificate installed (Cisco's CLI test library,
# ``ctor/destconfig.py``, all releases; docs/asyncos-cli.md §7). Answered "Y": the TLS setting the play asks
# for then takes effect as planned (the read-back expects it). The demo certificate is only what this
# appliance presents as a TLS *client*; the encryption, and the check of the remote server's certificate
# (the "Verify" settings), do not depend on it. "N" would leave the domain in a state the plan cannot
# predict (the library does not show what the appliance does then).
Q_DEMO_CERT = r"have not entered a certificate"


def _yes(flag):
    return "Y" if flag else "N"


def _domain_questions(entry, verb):
    """(pattern, answer, optional) for NEW/EDIT of one domain."""
    q = [(r"domain you wish to (configure|edit)", entry["domain"], False),
         (r"to configure a concurrency limit", _yes(entry["concurrency_limit"]), False),
         (r"max concurrency limit", str(entry["concurrency_limit"] or ""), True),
         (r"apply a recipient limit", _yes(entry["recipient_limit"]), False),
         (r"measure the recipient limit", str(entry["recipient_minutes"] or ""), True),
         (r"max number of recipients", str(entry["recipient_limit"] or ""), True),
         (r"to apply the limits for", "choose:%s" % LIMIT_TYPE_CHOICE.get(entry["limit_type"] or "domain"), True),
         (r"limits will be enforced", "choose:%s" % LIMIT_APPLY_CHOICE.get(entry["limit_apply"] or "system"), True),
         (r"apply a messages-per-connection limit", _yes(entry["messages_per_connection"]), False),
         (r"max number of messages", str(entry["messages_per_connection"] or ""), True),
         (r"to apply a specific TLS setting", _yes(entry["tls"]), False),
         (r"use TLS support", "choose:^%s$" % re.escape(TLS.get(entry["tls"] or "off")), True),
         (r"wish to configure DANE Support", _yes(entry["dane"]), True),
         (r"choose a DANE option", "choose:^%s$" % re.escape(DANE.get(entry["dane"] or "off")), True),
         (Q_DEMO_CERT, "Y", True) if entry["tls"] not in (None, "off") else None,
         (r"apply a specific bounce verification", _yes(entry["bounce_verification"] is not None), False),
         (r"bounce verification address tagging", _yes(entry["bounce_verification"]), True),
         (r"apply a specific bounce profile", _yes(entry["bounce_profile"]), False),
         (r"bounce profile to apply", "choose:^%s$" % re.escape(entry["bounce_profile"] or "Default"), True),
         (r"apply a specific IP sort preference", _yes(entry["ip_sort"]), False),
         (r"sort IP addresses within an MX", "choose:^%s$" % re.escape(IP_SORT.get(entry["ip_sort"] or "prefer_ipv6")), True)]
    return [item for item in q if item]


def _default_questions(entry):
    q = [(r"default maximum concurrency limit", str(entry["concurrency_limit"]), False),
         (r"specify a default recipient limit", _yes(entry["recipient_limit"]), False),
         (r"measure (the )?recipient limit", str(entry["recipient_minutes"] or ""), True),
         (r"Enter number of recipients", str(entry["recipient_limit"] or ""), True),
         (r"to apply the limits for", "choose:%s" % LIMIT_TYPE_CHOICE[entry["limit_type"]], True),
         (r"limits will be enforced", "choose:%s" % LIMIT_APPLY_CHOICE[entry["limit_apply"]], True),
         (r"maximum number of messages", str(entry["messages_per_connection"]), False),
         (r"use TLS support", "choose:^%s$" % re.escape(TLS[entry["tls"]]), False),
         (r"use DANE Support", "choose:^%s$" % re.escape(DANE[entry["dane"] or "off"]), True),
         (Q_DEMO_CERT, "Y", True) if entry["tls"] != "off" else None,
         (r"verification address tagging", _yes(entry["bounce_verification"]), False),
         (r"bounce profile to apply", "choose:^%s$" % re.escape(entry["bounce_profile"]), True),   # not in the library's DEFAULT map (docs §7)
         (r"sort IP addresses within an MX", "choose:^%s$" % re.escape(IP_SORT[entry["ip_sort"]]), False)]
    return [item for item in q if item]


def _read_script():
    return Script(COMMAND).menu("destconfig menu", Q_MENU, "DETAIL", operation=True).ask(Q_DETAIL_DOMAIN, "all") \
        .menu("destconfig menu", Q_MENU, "").extend_rules(cluster.read_rules("Destination controls"))


def _prepare(output):
    entries = parse(output)
    # technote 118177: the menu starts with "There are currently N entries configured." (DEFAULT not counted)
    check_count(output, r"There are currently (\d+) entries configured", len([e for e in entries if e["domain"] != DEFAULT]),
                "destination control entries")
    return entries


SOURCE = Source("destconfig", _read_script, _prepare)
DOCUMENT = Document("destination_controls", SOURCE, lambda entries, scope: entries)


class DestinationControls(TableResource):
    """Destination controls (guide step S3). ``None`` in a domain's field means: use the default entry's value."""

    name = "destination_controls"
    label = "Destination controls"
    info_key = "destination_controls"
    command = COMMAND
    stored_in = DOCUMENT.prefix

    def normalise(self, entry, index):
        return normalise_entry(entry, index)

    def parse(self, text):
        return parse(text)

    def key(self, entry):
        return entry["domain"]

    def equal(self, have, want):
        return all(have.get(f) == want.get(f) for f in FIELDS)

    def merge(self, have, want):
        return merge(have, want)

    def replace(self, have, want):
        """replaced: a domain gets exactly ``want``; the default entry cannot inherit, so unset fields keep their value."""
        if want["domain"] == DEFAULT:
            return merge(have, want)
        return dict(want)

    def protected(self, key, snapshot):
        return key == DEFAULT

    def sort_key(self, entry, order):
        return sort_key(entry)

    def preflight(self, reader, plan):
        check_profiles(reader, [e["bounce_profile"] for verb, e in plan.operations if verb != "delete" and e.get("bounce_profile")])

    def render(self, plan, snapshot):
        script = Script(COMMAND)
        for verb, entry in plan.operations:
            if verb == "delete":
                script.menu("destconfig menu", Q_MENU, "DELETE", operation=True).ask(r"domain you wish to delete", entry["domain"])
                continue
            if entry["domain"] == DEFAULT:
                script.menu("destconfig menu", Q_MENU, "DEFAULT", operation=True)
                questions = _default_questions(merge(FACTORY_DEFAULT, entry))
            else:
                script.menu("destconfig menu", Q_MENU, "NEW" if verb == "create" else "EDIT", operation=True)
                questions = _domain_questions(entry, verb)
            for pattern, answer, optional in questions:
                if "DANE" in pattern and not self.release.asks(release.DANE):
                    continue    # 11.0 has no DANE questions (ctor/destconfig.py, phoebe1100)
                script.ask(pattern, answer, optional=optional)
        return script.menu("destconfig menu", Q_MENU, "")

    def to_diff(self, entries):
        return dict((e["domain"], dict((f, e[f]) for f in FIELDS if e.get(f) is not None)) for e in entries)
