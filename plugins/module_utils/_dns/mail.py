# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mail DNS analysis: MX classification, DMARC parsing, findings (private; the API may change). Pure Python."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import spf as spf_lib

CISCO_GATEWAY = "cisco_gateway"
EXCHANGE_ONLINE = "exchange_online"
OTHER = "other"

_SUFFIXES = (
    (".iphmx.com", CISCO_GATEWAY),  # Cisco Secure Email (CES / hosted ESA): mx1.<alloc>.iphmx.com
    (".mail.protection.outlook.com", EXCHANGE_ONLINE),  # Exchange Online Protection
    (".mx.microsoft", EXCHANGE_ONLINE),  # Exchange Online with DNSSEC/DANE inbound
)
DMARC_POLICIES = ("none", "quarantine", "reject")
HIGH_TTL = 3600


def classify_mx_host(host):
    """'cisco_gateway', 'exchange_online' or 'other' for an MX target host."""
    name = (host or "").strip().rstrip(".").lower()
    for suffix, provider in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return provider
    return OTHER


def mx_summary(records, ttl=None):
    """records: [(preference, host)] -> dict(ttl, records, values, providers, points_to, null_mx)."""
    items = []
    for preference, host in sorted(records, key=lambda item: (int(item[0]), item[1].lower())):
        host = host.rstrip(".").lower() or "."
        items.append(dict(preference=int(preference), host=host, provider=classify_mx_host(host)))
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
    return dict(ttl=ttl, records=items, values=values, providers=providers, points_to=points_to, null_mx=null_mx)


def parse_dmarc(text):
    """A DMARC TXT record -> dict(record, valid, tags, policy, subdomain_policy, pct, rua, ruf, errors)."""
    record = (text or "").strip()
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


def finding(severity, code, message):
    return dict(severity=severity, code=code, message=message)


def findings(domain, mx, spf, dmarc):
    """Findings with severity (error, warning, info) from the analysed MX, SPF and DMARC."""
    out = []
    points_to = mx["points_to"]
    if mx.get("error"):
        out.append(finding("error", "mx_lookup_failed", "MX of %s could not be read: %s" % (domain, mx["error"])))
    elif points_to == "none":
        out.append(finding("warning", "mx_missing", "%s has no MX records; mail goes to its A/AAAA record" % domain))
    elif points_to == "null":
        out.append(finding("info", "mx_null", "%s has a null MX (RFC 7505): it accepts no mail" % domain))
    elif points_to == "mixed":
        out.append(finding("warning", "mx_mixed", "MX of %s mixes %s: senders can bypass the gateway through the "
                                                  "other hosts" % (domain, " and ".join(mx["providers"]))))
    elif points_to == CISCO_GATEWAY:
        out.append(finding("info", "mx_cisco_gateway", "MX of %s points at the Cisco gateway" % domain))
    elif points_to == EXCHANGE_ONLINE:
        out.append(finding("info", "mx_exchange_online", "MX of %s points straight at Exchange Online" % domain))
    else:
        out.append(finding("info", "mx_other", "MX of %s points at neither the Cisco gateway nor Exchange Online"
                           % domain))
    if mx.get("ttl") is not None and mx["ttl"] > HIGH_TTL:
        out.append(finding("info", "mx_ttl_high", "MX TTL is %d s; lower it (for example to 300) well before a "
                                                  "cutover so that a rollback takes effect quickly" % mx["ttl"]))
    if spf.get("error"):
        out.append(finding("error", "spf_lookup_failed", "TXT of %s could not be read: %s" % (domain, spf["error"])))
    elif spf["records_found"] == 0:
        out.append(finding("warning", "spf_missing", "%s has no SPF record" % domain))
    elif spf["records_found"] > 1:
        out.append(finding("error", "spf_multiple", "%s has %d SPF records; receivers treat that as a permanent "
                                                    "error (RFC 7208 4.5)" % (domain, spf["records_found"])))
    else:
        for error in spf["errors"]:
            out.append(finding("error", "spf_invalid", error))
        if spf["lookups"] > spf_lib.LOOKUP_LIMIT:
            out.append(finding("error", "spf_too_many_lookups", "SPF needs %d DNS lookups%s, more than the limit of "
                                                                "%d (RFC 7208 4.6.4): receivers return permerror" % (
                                                                    spf["lookups"], "" if spf["lookups_exact"]
                                                                    else " or more", spf_lib.LOOKUP_LIMIT)))
        elif spf["lookups"] >= spf_lib.LOOKUP_LIMIT - 1:
            out.append(finding("warning", "spf_lookups_near_limit", "SPF needs %d of %d DNS lookups%s" % (
                spf["lookups"], spf_lib.LOOKUP_LIMIT, "" if spf["lookups_exact"] else " or more")))
        if not spf["lookups_exact"]:
            out.append(finding("info", "spf_lookups_lower_bound", "SPF lookup count %d is a lower bound; not "
                                                                  "resolved: %s" % (spf["lookups"], ", ".join(
                                                                      sorted(set(u["name"] for u in spf["unresolved"]))))))
        if spf["void_lookups"] > spf_lib.VOID_LOOKUP_LIMIT:
            out.append(finding("warning", "spf_void_lookups", "SPF has %d void lookups (limit %d)"
                               % (spf["void_lookups"], spf_lib.VOID_LOOKUP_LIMIT)))
        if spf["all"] == "pass":
            out.append(finding("error", "spf_pass_all", "SPF ends in '+all': every host may send as %s" % domain))
        elif spf["all"] is None and not spf["redirect"]:
            out.append(finding("warning", "spf_no_all", "SPF has neither 'all' nor 'redirect=': the default result "
                                                        "is neutral"))
        elif spf["all"] == "neutral":
            out.append(finding("warning", "spf_neutral_all", "SPF ends in '?all' (neutral)"))
        if spf.get("gateway_mechanism"):
            if spf["gateway_mechanism_present"]:
                out.append(finding("info", "spf_gateway_present", "SPF contains %s" % spf["gateway_mechanism"]))
            else:
                out.append(finding("warning", "spf_gateway_missing", "SPF lacks %s: mail sent through the gateway "
                                                                     "fails SPF" % spf["gateway_mechanism"]))
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
