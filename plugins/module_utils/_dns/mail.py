# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mail DNS analysis: MX parsing and classification (RFC 7505 null MX), DMARC parsing, findings (private; the API
may change). Pure Python.

Every public function raises only :class:`MXError` (a ValueError) or reports errors in its result; odd input
(None, numbers, lists, Unicode) never gives a TypeError or AttributeError."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import names
from ansible_collections.mailops.secure_email.plugins.module_utils._dns import spf as spf_lib

CISCO_GATEWAY = "cisco_gateway"
EXCHANGE_ONLINE = "exchange_online"
OTHER = "other"
INVALID = "invalid"
CLASSES = (CISCO_GATEWAY, EXCHANGE_ONLINE, OTHER, INVALID)

_SUFFIXES = (
    (".iphmx.com", CISCO_GATEWAY),  # Cisco Secure Email (CES / hosted ESA): mx1.<alloc>.iphmx.com
    (".mail.protection.outlook.com", EXCHANGE_ONLINE),  # Exchange Online Protection
    (".mx.microsoft", EXCHANGE_ONLINE),  # Exchange Online with DNSSEC/DANE inbound
)
# A host name label (RFC 1123 2.1, RFC 5321 4.1.2): letters, digits and hyphens, not at either end.
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\Z")
_MX_FORM = ("'<preference> <host>', for example '10 mx1.example.com' (or a dig answer line "
            "'example.com. 300 IN MX 10 mx1.example.com.')")
DMARC_POLICIES = ("none", "quarantine", "reject")
HIGH_TTL = 3600

finding = spf_lib.finding


class MXError(ValueError):
    """MX input that is not an MX record; the message names the value and the expected form."""


def host_problem(host):
    """Why ``host`` is not a usable MX host name, or None: empty labels, a single label, a label over 63 or a name
    over 253 octets, characters other than letters, digits and hyphens, an IP address, the root. Never raises."""
    if not isinstance(host, str):
        return "not a host name (%s)" % type(host).__name__
    name = host.strip()
    if not name:
        return "empty"
    if name.startswith("[") or _is_address(name):
        return "an IP address literal (an MX record names a host, RFC 5321 5.1)"
    if name in (".", ""):
        return "the root '.' (only valid as the single null MX of RFC 7505)"
    try:
        name = names.to_ascii(name, "host")
    except names.IDNAError as exc:
        return str(exc)
    name = name[:-1] if name.endswith(".") else name
    labels = name.lower().split(".")
    if any(not label for label in labels):
        return "an empty label"
    if len(labels) < 2:
        return "a single label (no top-level domain)"
    if len(name) > 253:
        return "longer than 253 characters"
    for label in labels:
        if len(label) > 63:
            return "a label longer than 63 characters"
        if not _LABEL.match(label):
            return "label %r has characters other than letters, digits and inner hyphens" % label
    if labels[-1].isdigit():
        return "an all-numeric top-level domain"
    return None


def _is_address(text):
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def classify_mx_host(host):
    """'cisco_gateway', 'exchange_online', 'other' or 'invalid' for an MX target host. Never raises.

    Invalid host names (see :func:`host_problem`) are 'invalid', whatever their suffix."""
    if host_problem(host):
        return INVALID
    name = names.to_ascii(host.strip(), "host").rstrip(".").lower()
    for suffix, provider in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return provider
    return OTHER


def _preference(value, shown):
    if isinstance(value, bool) or not isinstance(value, (int, str)) or \
            (isinstance(value, str) and not re.match(r"^[0-9]{1,5}\Z", value.strip())) or not 0 <= int(value) <= 65535:
        raise MXError("MX record %s: preference %r is not a number 0-65535; expected %s" % (shown, value, _MX_FORM))
    return int(value)


def parse_mx_record(value):
    """One MX record -> (preference, host). Raises MXError naming the value and the expected form.

    Accepts a (preference, host) pair, a dict with ``preference`` (or ``priority``) and ``host`` (or ``exchange``),
    '<preference> <host>' and a dig/zone-file answer line ('<name> [ttl] [class] MX <preference> <host>'). A
    report line 'domain -> host' has no preference and is refused."""
    shown = repr(value)
    if isinstance(value, dict):
        preference = value.get("preference", value.get("priority"))
        host = value.get("host", value.get("exchange"))
        value = (preference, host)
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise MXError("MX record %s: expected a (preference, host) pair or %s" % (shown, _MX_FORM))
        preference, host = value
        if not isinstance(host, str) or not host.strip() or len(host.split()) != 1:
            raise MXError("MX record %s: host %r is not a host name; expected %s" % (shown, host, _MX_FORM))
        return _preference(preference, shown), host.strip()
    if not isinstance(value, str):
        raise MXError("MX record %s: expected %s" % (shown, _MX_FORM))
    text = value.strip()
    if "->" in text or "=>" in text:
        raise MXError("MX record %s: a report line (domain -> host) has no preference and says nothing about the "
                      "record; expected %s" % (shown, _MX_FORM))
    tokens = text.split()
    upper = [token.upper() for token in tokens]
    if "MX" in upper[1:] and len(tokens) - upper.index("MX", 1) == 3:
        tokens = tokens[upper.index("MX", 1) + 1:]
    if len(tokens) != 2:
        raise MXError("MX record %s: expected %s" % (shown, _MX_FORM))
    return _preference(tokens[0], shown), tokens[1]


def parse_mx(records):
    """MX records in any accepted form -> [(preference, host)].

    ``records`` is a list (see :func:`parse_mx_record`) or text with one record per line (dig output: empty lines
    and ';' comments are skipped). Raises MXError."""
    if isinstance(records, str):
        records = [line for line in records.splitlines() if line.strip() and not line.strip().startswith(";")]
    if not isinstance(records, (list, tuple)):
        raise MXError("MX records: expected a list of records or text with one record per line, got %r; each record "
                      "is %s" % (records, _MX_FORM))
    return [parse_mx_record(item) for item in records]


def mx_summary(records, ttl=None):
    """records: [(preference, host)] (or any form of :func:`parse_mx`) -> dict(ttl, records, values, providers,
    points_to, null_mx, invalid_hosts). Raises MXError for input that is not MX records."""
    items = []
    for preference, host in sorted(parse_mx(records), key=lambda item: (item[0], item[1].lower())):
        host = host.rstrip(".").lower() or "."
        problem = host_problem(host) if host != "." else None
        items.append(dict(preference=preference, host=host, provider=classify_mx_host(host) if host != "." else INVALID))
        if problem:
            items[-1]["problem"] = problem
    null_mx = len(items) == 1 and items[0]["host"] == "."
    # The RRset as '<preference> <host>' strings (lower case, no trailing dot), in the order of ``records``: what
    # dns_record's values and the dns_cutover role's state files hold, so that one task can compare many domains.
    values = ["%d %s" % (item["preference"], item["host"]) for item in items]
    providers = sorted(set(item["provider"] for item in items)) if not null_mx else []
    if not items:
        points_to = "none"
    elif null_mx:
        points_to = "null"
    elif len(providers) == 1:
        points_to = providers[0]
    else:
        points_to = "mixed"
    return dict(ttl=ttl, records=items, values=values, providers=providers, points_to=points_to, null_mx=null_mx,
                invalid_hosts=[item["host"] for item in items if item["provider"] == INVALID and not null_mx])


def parse_dmarc(text):
    """A DMARC TXT record -> dict(record, valid, tags, policy, subdomain_policy, pct, rua, ruf, errors)."""
    record = text.strip() if isinstance(text, str) else ""
    result = dict(record=record, valid=False, tags={}, policy=None, subdomain_policy=None, pct=100, rua=[], ruf=[],
                  errors=[])
    parts = [part.strip() for part in record.split(";")]
    parts = [part for part in parts if part]
    if not parts or parts[0].replace(" ", "") != "v=DMARC1":
        result["errors"].append("must start with 'v=DMARC1' (RFC 7489 6.4)")
        return result
    for part in parts[1:]:
        if "=" not in part:
            result["errors"].append("%r: not a tag=value pair" % part)
            continue
        tag, value = [item.strip() for item in part.split("=", 1)]
        tag = tag.lower()
        if tag in result["tags"]:
            result["errors"].append("tag %r appears more than once" % tag)
        result["tags"][tag] = value
    tags = result["tags"]
    if "p" not in tags:
        result["errors"].append("the policy tag 'p' is required and must follow 'v=DMARC1'")
    elif tags["p"].lower() not in DMARC_POLICIES:
        result["errors"].append("p=%s: must be one of %s" % (tags["p"], ", ".join(DMARC_POLICIES)))
    else:
        result["policy"] = tags["p"].lower()
        if list(tags)[0] != "p":
            result["errors"].append("'p' must be the first tag after 'v=DMARC1'")
    if "sp" in tags:
        if tags["sp"].lower() not in DMARC_POLICIES:
            result["errors"].append("sp=%s: must be one of %s" % (tags["sp"], ", ".join(DMARC_POLICIES)))
        else:
            result["subdomain_policy"] = tags["sp"].lower()
    else:
        result["subdomain_policy"] = result["policy"]
    if "pct" in tags:
        if not re.match(r"^\d{1,3}$", tags["pct"]) or int(tags["pct"]) > 100:
            result["errors"].append("pct=%s: must be 0-100" % tags["pct"])
        else:
            result["pct"] = int(tags["pct"])
    for tag in ("adkim", "aspf"):
        if tag in tags and tags[tag].lower() not in ("r", "s"):
            result["errors"].append("%s=%s: must be r or s" % (tag, tags[tag]))
    for tag in ("rua", "ruf"):
        if tag in tags:
            uris = [uri.strip() for uri in tags[tag].split(",") if uri.strip()]
            for uri in uris:
                if not uri.lower().startswith("mailto:"):
                    result["errors"].append("%s: %r is not a mailto: URI" % (tag, uri))
            result[tag] = uris
    result["valid"] = not result["errors"]
    return result


def mx_findings(domain, mx):
    """Findings (severity, code, message) from an ``mx`` dict of :func:`mx_summary`. ``domain`` may be None."""
    name = domain or "the domain"
    out = []
    points_to = mx["points_to"]
    records = mx.get("records") or []
    if mx.get("error"):
        out.append(finding("error", "mx_lookup_failed", "MX of %s could not be read: %s" % (name, mx["error"])))
    elif points_to == "none":
        out.append(finding("warning", "mx_missing", "%s has no MX records; mail goes to its A/AAAA record" % name))
    elif points_to == "null":
        out.append(finding("info", "mx_null", "%s has a null MX (RFC 7505): it accepts no mail" % name))
        if records and records[0]["preference"] != 0:
            out.append(finding("warning", "mx_null_preference", "the null MX of %s has preference %d; RFC 7505 "
                                                                "section 3 writes it '0 .'" % (name, records[0]["preference"])))
    else:
        if any(item["host"] == "." for item in records):
            out.append(finding("error", "mx_null_mixed", "MX of %s has the null MX '.' next to other hosts; a domain "
                                                         "with a null MX must have no other MX (RFC 7505 section 3)"
                               % name))
        for item in records:
            if item["host"] != "." and item["provider"] == INVALID:
                out.append(finding("error", "mx_invalid_host", "MX %d %s of %s is not a valid host name: %s" % (
                    item["preference"], item["host"], name, item.get("problem") or host_problem(item["host"]))))
        valid = sorted(set(item["provider"] for item in records if item["provider"] != INVALID))
        if len(valid) > 1:
            out.append(finding("warning", "mx_mixed", "MX of %s mixes %s: senders can bypass the gateway through the "
                                                      "other hosts" % (name, " and ".join(valid))))
        elif valid == [CISCO_GATEWAY]:
            out.append(finding("info", "mx_cisco_gateway", "MX of %s points at the Cisco gateway" % name))
        elif valid == [EXCHANGE_ONLINE]:
            out.append(finding("info", "mx_exchange_online", "MX of %s points straight at Exchange Online" % name))
        elif valid == [OTHER]:
            out.append(finding("info", "mx_other", "MX of %s points at neither the Cisco gateway nor Exchange Online"
                               % name))
    if mx.get("ttl") is not None and mx["ttl"] > HIGH_TTL:
        out.append(finding("info", "mx_ttl_high", "MX TTL is %d s; lower it (for example to 300) well before a "
                                                  "cutover so that a rollback takes effect quickly" % mx["ttl"]))
    return out


def findings(domain, mx, spf, dmarc):
    """Findings with severity (error, warning, info) from the analysed MX, SPF and DMARC."""
    out = mx_findings(domain, mx) + spf_lib.findings(domain, spf)
    if dmarc.get("error"):
        out.append(finding("error", "dmarc_lookup_failed", "TXT of _dmarc.%s could not be read: %s"
                           % (domain, dmarc["error"])))
    elif dmarc["records_found"] == 0:
        out.append(finding("warning", "dmarc_missing", "_dmarc.%s has no DMARC record" % domain))
    elif dmarc["records_found"] > 1:
        out.append(finding("error", "dmarc_multiple", "_dmarc.%s has %d DMARC records; receivers ignore them all"
                           % (domain, dmarc["records_found"])))
    else:
        for error in dmarc["errors"]:
            out.append(finding("error", "dmarc_invalid", error))
        if dmarc["policy"] == "none":
            out.append(finding("info", "dmarc_monitor_only", "DMARC policy is p=none (monitoring only)"))
    return out
