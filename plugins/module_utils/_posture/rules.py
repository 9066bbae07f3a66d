# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The posture audit's rules (docs/posture.md): rules as data, one check function per side, one ``evaluate``.

This module is PRIVATE to the collection. It can change at any time.

Input (all plain data, gathered once by roles/posture):

- ``gateways``: ``{host: {"esa": <esa_info esa>, "filters": [<esa_message_filters gathered>], "domains": [...],
  "expected": {...}}}``;
- ``tenants``: ``{host: {"exo": <exo_info result>, "dns": [<mail_dns_info domains>], "domains": [...],
  "gateways": [...], "gateway_ips": [...], "expected": {...}}}``;
- ``secrets``: ``{"gateway:<host>" or "tenant:<host>": <outbound secret>}``. Secrets are only measured here: a
  finding holds the secret's properties (length, character classes, metacharacters, reuse), never the value.

Output: a list of findings, each ``dict(code, severity, side, tenant, tenants, object, message, evidence, fix)``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import relay_guard

SEVERITIES = ("info", "warning", "error", "critical")
SIDES = ("gateway", "tenant", "dns")

# Cisco's recommended outbound cipher string (guide step S15), as roles/outbound/defaults outbound_tls_ciphers.
RECOMMENDED_CIPHERS = ("ECDH+aRSA:ECDH+ECDSA:DHE+DSS+AES:AES128:AES256:!SRP:!AESGCM+DH+aRSA:!AESGCM+RSA:!aNULL:"
                       "!eNULL:!DES:!3DES:!IDEA:!RC4:!SSLv2:!SSLv3")
SECRET_MIN_LENGTH = 16
SECRET_METACHARACTERS = re.compile(r"[\]\[\\.^$*+?(){}|\"'\s]")
GUESSABLE_WORDS = ("password", "passwort", "secret", "changeme", "letmein", "qwerty", "admin", "test", "example",
                   "outbound", "office365", "microsoft", "cisco", "default", "auth", "xoutboundauth", "abc")
COMMON_VALUES = [w + d for w in GUESSABLE_WORDS for d in ("", "1", "12", "123", "1234")]
WEAK_DESTINATION_TLS = (None, "", "off", "no", "none")

# code -> (severity, side, title, fix). The fix names the module and option, or the role variable.
RULES = {
    "inbound_connector_unrestricted": (
        "critical", "tenant", "Partner inbound connector not restricted to the gateway",
        "exo_inbound_connector: restrict_domains_to_ip_addresses=true and sender_ip_addresses=<gateway IPs> (or "
        "restrict_domains_to_certificate with tls_sender_certificate_name); role inbound sets both from ces.gateway_ips"),
    "enhanced_filtering_missing": (
        "warning", "tenant", "Enhanced Filtering for Connectors not configured",
        "exo_inbound_connector: ef_skip_ips=<gateway IPs> (or ef_skip_last_ip=true); role inbound: "
        "inbound_enhanced_filtering: true"),
    "scl_bypass_with_enhanced_filtering": (
        "warning", "tenant", "SCL -1 bypass rule together with Enhanced Filtering",
        "exo_transport_rule: state=absent for the SCL -1 rule; role inbound: inbound_scl_bypass_rule: false"),
    "connector_tls_not_required": (
        "warning", "tenant", "Connector does not require TLS",
        "exo_inbound_connector: require_tls=true; exo_outbound_connector: tls_settings=EncryptionOnly (or "
        "CertificateValidation / DomainValidation); roles inbound and outbound set them"),
    "relay_group_unguarded": (
        "critical", "gateway", "Relay sender group for Microsoft 365's shared space without the secret-header filter",
        "esa_message_filters: config=[{name: <outbound_filter_name>, body: 'if (sendergroup == \"<group>\") ...'}]; "
        "role outbound: outbound_sender_group, outbound_filter_name, outbound_secret"),
    "filter_unknown_sender_group": (
        "warning", "gateway", "Message filter tests a sender group that does not exist",
        "esa_message_filters: config[].body with the real group name (role outbound: outbound_sender_group), or "
        "esa_sender_groups to create the group"),
    "destination_tls_missing": (
        "warning", "gateway", "No TLS in the destination control towards Microsoft 365",
        "esa_destination_controls: config[].tls=on (or required) for each tenant domain; role inbound (S4)"),
    "tls_ciphers_differ": (
        "warning", "gateway", "Outbound TLS cipher string differs from Cisco's recommendation",
        "esa_tls_ciphers: ciphers=<recommended>; role outbound: outbound_tls_ciphers, outbound_tls_ciphers_enforce: true"),
    "secret_weak": (
        "error", "gateway", "Weak outbound header secret",
        "role outbound: outbound_secret (from the vault: at least 16 random characters, letters and digits only), "
        "then run playbooks/outbound.yml"),
    "secret_reused": (
        "warning", "gateway", "Outbound header secret reused across gateways",
        "role outbound: outbound_secret per gateway (host_vars of each gateway and its tenants, from the vault)"),
    "mx_mixed_gateway_eop": (
        "error", "dns", "MX set mixes gateway and Exchange Online hosts",
        "role dns_cutover (playbooks/cutover.yml): the MX set becomes the gateway hosts only; or "
        "dns_record type=MX"),
    "spf_gateway_missing": (
        "warning", "dns", "SPF lacks the gateway mechanism",
        "role dns_cutover: dns_cutover_fix_spf: true (adds ces.spf_mechanism); or dns_record type=TXT"),
    "spf_gateway_unreachable": (
        "error", "dns", "SPF gateway mechanism present but not effective",
        "dns_record type=TXT: move the gateway term before 'all' and stay within 10 lookups; role dns_cutover: "
        "dns_cutover_fix_spf: true"),
    "spf_too_many_lookups": (
        "error", "dns", "SPF exceeds the limit of 10 DNS lookups",
        "dns_record type=TXT: flatten or remove includes (mail_dns_info shows the lookups per term)"),
    "dmarc_missing": (
        "warning", "dns", "No DMARC policy applies to the domain",
        "dns_record: TXT _dmarc.<domain> 'v=DMARC1; p=quarantine; rua=mailto:...'"),
    "dmarc_monitor_only": (
        "warning", "dns", "DMARC policy p=none (monitoring only)",
        "dns_record: TXT _dmarc.<domain> with p=quarantine or p=reject once reports are clean"),
    "dns_other": (
        "warning", "dns", "Other mail DNS finding (mail_dns_info)",
        "see the mail_dns_info finding code in docs/dns.md"),
    "drift_gateway_object_missing": (
        "error", "gateway", "Object the roles manage is missing on the gateway",
        "run playbooks/inbound.yml / playbooks/outbound.yml (roles inbound and outbound) for the inventory"),
    "drift_tenant_object_missing": (
        "error", "tenant", "Object the roles manage is missing in the tenant",
        "run playbooks/inbound.yml / playbooks/outbound.yml (roles inbound and outbound) for the inventory"),
    "facts_missing": (
        "error", "gateway", "Facts could not be gathered",
        "fix the connection (esa_info / exo_info / mail_dns_info error shown in evidence) and run again"),
}

# mail_dns_info finding codes that map to a posture rule; its other findings of warning or error become dns_other.
DNS_CODES = {"mx_mixed": "mx_mixed_gateway_eop", "spf_gateway_missing": "spf_gateway_missing",
             "spf_gateway_unreachable": "spf_gateway_unreachable", "spf_too_many_lookups": "spf_too_many_lookups"}
# evaluated here from the dmarc facts (organizational-domain fallback), so not imported
DNS_SKIP = ("dmarc_missing", "dmarc_monitor_only")


def rank(severity):
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def finding(code, obj, message, evidence=None, tenant=None, tenants=None, severity=None, side=None):
    default_severity, default_side, title, fix = RULES[code]
    tenants = sorted(set(tenants or ([tenant] if tenant else [])))
    return dict(code=code, severity=severity or default_severity, side=side or default_side, title=title,
                tenants=tenants, object=obj, message=message, evidence=evidence or {}, fix=fix)


# -- secrets -----------------------------------------------------------------------------------------------------
def _digest(value):
    return hashlib.sha256(("mailops-posture:" + value).encode("utf-8")).hexdigest()


def _sequential(value):
    """Whether the value is a run of one character or an ascending/descending sequence (aaaa, 1234, dcba)."""
    if len(value) < 2:
        return True
    steps = set(ord(b) - ord(a) for a, b in zip(value, value[1:]))
    return len(steps) == 1 and steps.pop() in (-1, 0, 1)


def secret_properties(value):
    """Properties of a secret, never the secret: length, character classes, metacharacters, guessable."""
    value = "" if value is None else str(value)
    classes = [name for name, pattern in (("lower", "[a-z]"), ("upper", "[A-Z]"), ("digit", "[0-9]"),
                                          ("other", "[^a-zA-Z0-9]")) if re.search(pattern, value)]
    letters = re.sub(r"[^a-z]", "", value.lower())
    guessable = bool(not value or _sequential(value) or len(set(value)) < 8 or len(classes) < 2
                     or bool(letters and not re.sub("|".join(GUESSABLE_WORDS), "", letters))
                     or (letters and _sequential(letters) and len(letters) > 3)
                     or re.sub(r"[^0-9a-z]", "", value.lower()) in COMMON_VALUES)
    metas = sorted(set(SECRET_METACHARACTERS.findall(value)))
    return dict(length=len(value), minimum_length=SECRET_MIN_LENGTH, short=len(value) < SECRET_MIN_LENGTH,
                character_classes=classes, distinct_characters=len(set(value)), guessable=guessable,
                regex_metacharacters=bool(metas),
                metacharacter_kinds=sorted(set("whitespace" if m.isspace() else "quote" if m in "'\"" else "regex"
                                               for m in metas)))


def _gateway_components(tenants):
    """gateway -> a representative of the gateways linked to it by serving a common tenant."""
    parent = {}

    def find(item):
        parent.setdefault(item, item)
        while parent[item] != item:
            item = parent[item]
        return item
    for data in tenants.values():
        gateways = list(data.get("gateways") or [])
        for other in gateways[1:]:
            parent[find(other)] = find(gateways[0])
    return dict((g, find(g)) for g in list(parent))


def secret_findings(secrets, tenants):
    """secret_weak per holder, secret_reused when one value serves more than one gateway."""
    out = []
    by_digest = {}
    gateway_digests = dict((h.partition(":")[2], _digest(str(v))) for h, v in (secrets or {}).items()
                           if h.startswith("gateway:") and v is not None)
    for holder in sorted(secrets or {}):
        value = secrets[holder]
        if value is None:
            continue
        kind, _sep, host = holder.partition(":")
        gateways = [host] if kind == "gateway" else list((tenants.get(host) or {}).get("gateways") or [])
        served = sorted(t for t, data in tenants.items() if host in (data.get("gateways") or [])) \
            if kind == "gateway" else [host]
        if kind == "tenant" and any(gateway_digests.get(g) == _digest(str(value)) for g in gateways):
            continue  # the same value as its gateway's: measured there
        by_digest.setdefault(_digest(str(value)), []).append((holder, gateways, served))
        props = secret_properties(value)
        weak = [name for name in ("short", "guessable", "regex_metacharacters") if props[name]]
        if weak:
            out.append(finding("secret_weak", "%s %s: outbound_secret" % (kind, host),
                               "the outbound header secret is %s" % ", ".join(w.replace("_", " ") for w in weak),
                               evidence=props, tenants=served, side="gateway" if kind == "gateway" else "tenant"))
    component = _gateway_components(tenants)
    for holders in by_digest.values():
        gateways = sorted(set(g for _h, gws, _s in holders for g in gws))
        if len(set(component.get(g, g) for g in gateways)) < 2:
            continue  # gateways that serve a common tenant must accept the same secret (docs/msp.md)
        names = sorted(h for h, _g, _s in holders)
        for holder, _gws, served in holders:
            kind, _sep, host = holder.partition(":")
            out.append(finding("secret_reused", "%s %s: outbound_secret" % (kind, host),
                               "the same outbound header secret serves gateways %s, which share no tenant" % ", ".join(gateways),
                               evidence=dict(shared_with=[n for n in names if n != holder], gateways=gateways),
                               tenants=served, side="gateway" if kind == "gateway" else "tenant"))
    return out


# -- gateway -----------------------------------------------------------------------------------------------------
def _filter_groups(body):
    return re.findall(r'sendergroup\s*==\s*["\']([^"\']+)["\']', body or "", re.I)


def _domain_tenants(tenants):
    out = {}
    for name, data in tenants.items():
        for domain in data.get("domains") or []:
            out.setdefault(domain.lower(), set()).add(name)
    return out


def gateway_findings(host, data, tenants):
    esa = data.get("esa") or {}
    expected = data.get("expected") or {}
    served = sorted(t for t, tdata in tenants.items() if host in (tdata.get("gateways") or []))
    owners = _domain_tenants(tenants)
    out = []

    def add(code, obj, message, evidence=None, domain=None):
        scope = sorted(owners.get(domain.lower(), served)) if domain else served
        out.append(finding(code, "%s: %s" % (host, obj), message, evidence, tenants=scope))

    if not esa:
        add("facts_missing", "esa_info", "no gateway facts", dict(error=data.get("error")))
        return out
    filters = data.get("filters") or [dict(name=f.get("name"), active=f.get("active"), body=None)
                                      for f in esa.get("message_filters") or []]
    active = [f for f in filters if f.get("active", True)]
    group_names = set()
    for listener, table in sorted((esa.get("hat") or {}).items()):
        behaviours = dict((p.get("name"), (p.get("behavior") or "").lower()) for p in table.get("policies") or [])
        for group in table.get("sender_groups") or []:
            group_names.add(group.get("name"))
            if behaviours.get(group.get("policy")) != "relay":
                continue
            shared = relay_guard.shared_members(group.get("members") or [])
            if shared and not any(relay_guard.guards(f.get("body"), group.get("name")) for f in active):
                add("relay_group_unguarded", "listener %s sender group %s" % (listener, group.get("name")),
                    "sender group %s relays for %s, which every Microsoft 365 tenant shares, and no active message "
                    "filter tests sendergroup == \"%s\" with a secret header and drops the rest"
                    % (group.get("name"), ", ".join(shared), group.get("name")),
                    dict(members=shared, policy=group.get("policy"),
                         filters=[f.get("name") for f in active]))
    for item in active:
        for group in _filter_groups(item.get("body")):
            if group not in group_names:
                add("filter_unknown_sender_group", "message filter %s" % item.get("name"),
                    "message filter %s tests sendergroup == \"%s\", which no listener has: the filter never matches"
                    % (item.get("name"), group), dict(sender_group=group, sender_groups=sorted(group_names)))
    controls = dict((c.get("domain", "").lower(), c) for c in esa.get("destination_controls") or [])
    routes = dict((r.get("domain", "").lower(), r) for r in esa.get("smtp_routes") or [])
    rat = set()
    for entries in (esa.get("recipient_access") or {}).values():
        rat.update(e.get("address", "").lower() for e in entries if e.get("action") == "accept")
    for domain in data.get("domains") or []:
        key = domain.lower()
        control = controls.get(key)
        route_hosts = [d.get("host") for d in (routes.get(key) or {}).get("destinations") or []]
        if control is None or control.get("tls") in WEAK_DESTINATION_TLS:
            add("destination_tls_missing", "destination control %s" % domain,
                "mail for %s leaves the gateway towards Microsoft 365 without TLS (%s)"
                % (domain, "no destination control" if control is None else "tls=%s" % control.get("tls")),
                dict(destination_control=control and dict(tls=control.get("tls")), route=route_hosts), domain)
        if key not in rat:
            add("drift_gateway_object_missing", "recipient access %s" % domain,
                "the inventory declares %s but the RAT of the gateway does not accept it" % domain,
                dict(declared=domain, kind="recipient_access"), domain)
        if key not in routes:
            add("drift_gateway_object_missing", "SMTP route %s" % domain,
                "the inventory declares %s but the gateway has no SMTP route for it" % domain,
                dict(declared=domain, kind="smtp_route"), domain)
    group = expected.get("sender_group")
    if group and group not in group_names:
        add("drift_gateway_object_missing", "sender group %s" % group, "the outbound sender group %s is missing"
            % group, dict(declared=group, kind="sender_group", present=sorted(n for n in group_names if n)))
    name = expected.get("filter_name")
    if name and not any(f.get("name") == name for f in active):
        add("drift_gateway_object_missing", "message filter %s" % name,
            "the outbound message filter %s is missing or inactive" % name,
            dict(declared=name, kind="message_filter", present=[f.get("name") for f in filters]))
    ciphers = (esa.get("tls_ciphers") or {}).get("ciphers")
    recommended = expected.get("tls_ciphers") or RECOMMENDED_CIPHERS
    if ciphers is not None and ciphers != recommended:
        add("tls_ciphers_differ", "outbound TLS ciphers", "the outbound TLS cipher string differs from Cisco's "
            "recommendation", dict(ciphers=ciphers, recommended=recommended))
    return out


# -- tenant ------------------------------------------------------------------------------------------------------
def _ef_active(connector):
    return bool(connector.get("ef_skip_ips") or connector.get("ef_skip_last_ip"))


def tenant_findings(host, data):
    exo = data.get("exo") or {}
    expected = data.get("expected") or {}
    gateway_ips = set(data.get("gateway_ips") or [])
    out = []

    def add(code, obj, message, evidence=None):
        out.append(finding(code, "%s: %s" % (host, obj), message, evidence, tenant=host))

    if not exo or exo.get("failed"):
        out.append(finding("facts_missing", "%s: exo_info" % host, "no tenant facts", dict(error=exo.get("msg")),
                           tenant=host, side="tenant"))
        return out
    inbound = [c for c in exo.get("inbound_connectors") or [] if c.get("enabled", True)]
    ef = False
    for connector in inbound:
        name = connector.get("name")
        if connector.get("connector_type") == "Partner":
            ips = list(connector.get("sender_ip_addresses") or [])
            by_ip = bool(connector.get("restrict_domains_to_ip_addresses") and ips
                         and (not gateway_ips or set(ips) <= gateway_ips))
            by_cert = bool(connector.get("restrict_domains_to_certificate")
                           and connector.get("tls_sender_certificate_name"))
            if not (by_ip or by_cert):
                add("inbound_connector_unrestricted", "inbound connector %s" % name,
                    "Partner connector %s accepts mail from hosts other than the gateway: mail can bypass it" % name,
                    dict(restrict_domains_to_ip_addresses=connector.get("restrict_domains_to_ip_addresses"),
                         restrict_domains_to_certificate=connector.get("restrict_domains_to_certificate"),
                         sender_ip_addresses=ips, not_gateway_ips=sorted(set(ips) - gateway_ips) if gateway_ips else [],
                         sender_domains=connector.get("sender_domains")))
        if not connector.get("require_tls"):
            add("connector_tls_not_required", "inbound connector %s" % name,
                "inbound connector %s does not require TLS" % name, dict(require_tls=connector.get("require_tls")))
        ef = ef or _ef_active(connector)
    gateway_connectors = [c for c in inbound if c.get("name") == expected.get("inbound_connector")
                          or (gateway_ips and set(c.get("sender_ip_addresses") or []) & gateway_ips)]
    if gateway_connectors and not any(_ef_active(c) for c in gateway_connectors):
        names = [c.get("name") for c in gateway_connectors]
        add("enhanced_filtering_missing", "inbound connector %s" % names[0],
            "Enhanced Filtering is off on %s: Microsoft 365 sees the gateway as the sender of every message "
            "(SPF/DKIM/DMARC fail)" % ", ".join(names), dict(connectors=names, ef_skip_ips=[], ef_skip_last_ip=False))
    for connector in exo.get("outbound_connectors") or []:
        if connector.get("enabled", True) and (connector.get("tls_settings") in (None, "", "None")):
            add("connector_tls_not_required", "outbound connector %s" % connector.get("name"),
                "outbound connector %s does not require TLS" % connector.get("name"),
                dict(tls_settings=connector.get("tls_settings")))
    rules = [r for r in exo.get("transport_rules") or [] if r.get("state", "Enabled") == "Enabled"
             and r.get("enabled", True)]
    for rule in rules:
        if str(rule.get("set_scl")) == "-1" and ef:
            add("scl_bypass_with_enhanced_filtering", "transport rule %s" % rule.get("name"),
                "transport rule %s sets SCL -1 while Enhanced Filtering is on: Microsoft discourages the combination"
                % rule.get("name"), dict(set_scl=-1, sender_ip_ranges=rule.get("sender_ip_ranges"),
                                         enhanced_filtering=True))
    present = dict(inbound_connector=[c.get("name") for c in exo.get("inbound_connectors") or []],
                   outbound_connector=[c.get("name") for c in exo.get("outbound_connectors") or []],
                   transport_rule=[r.get("name") for r in exo.get("transport_rules") or []])
    for kind in ("inbound_connector", "outbound_connector", "transport_rule"):
        name = expected.get(kind)
        if name and name not in present[kind]:
            add("drift_tenant_object_missing", "%s %s" % (kind.replace("_", " "), name),
                "the %s %s that the roles manage is missing" % (kind.replace("_", " "), name),
                dict(declared=name, kind=kind, present=present[kind]))
    return out


# -- DNS ---------------------------------------------------------------------------------------------------------
def _org_policy(domain, by_name):
    """The DMARC policy that applies to ``domain``: its own, else the nearest audited parent's sp= (RFC 7489 6.6.3)."""
    own = (by_name.get(domain) or {}).get("dmarc") or {}
    if own.get("records_found"):
        return own.get("policy"), domain
    labels = domain.split(".")
    for index in range(1, len(labels) - 1):
        parent = ".".join(labels[index:])
        dmarc = (by_name.get(parent) or {}).get("dmarc") or {}
        if dmarc.get("records_found") == 1 and dmarc.get("valid", True):
            return dmarc.get("subdomain_policy") or dmarc.get("policy"), parent
    return None, None


def dns_findings(host, data):
    out = []
    entries = [d for d in data.get("dns") or [] if d.get("domain")]
    by_name = dict((d["domain"].lower(), d) for d in entries)
    for entry in entries:
        domain = entry["domain"]

        def add(code, message, evidence=None, severity=None):
            out.append(finding(code, "%s: %s" % (host, domain), message, evidence, tenant=host, severity=severity))

        for item in entry.get("findings") or []:
            code = item.get("code")
            if code in DNS_SKIP:
                continue
            if code in DNS_CODES:
                spf = entry.get("spf") or {}
                add(DNS_CODES[code], item.get("message"),
                    dict(dns_code=code, record=spf.get("record"), lookups=spf.get("lookups"),
                         gateway_mechanism=spf.get("gateway_mechanism"), mx=(entry.get("mx") or {}).get("values")))
            elif rank(item.get("severity")) >= rank("warning"):
                add("dns_other", item.get("message"), dict(dns_code=code), severity=item.get("severity"))
        dmarc = entry.get("dmarc") or {}
        if dmarc.get("error"):
            continue
        policy, source = _org_policy(domain.lower(), by_name)
        if policy is None:
            add("dmarc_missing", "no DMARC record at _dmarc.%s nor at an audited parent domain" % domain,
                dict(records_found=dmarc.get("records_found", 0)))
        elif policy == "none":
            add("dmarc_monitor_only", "the DMARC policy for %s is p=none (from _dmarc.%s)" % (domain, source),
                dict(policy=policy, record_of=source))
    return out


def evaluate(gateways, tenants, secrets=None):
    """All findings, sorted by tenant, side, severity (worst first), code, object."""
    gateways = gateways or {}
    tenants = tenants or {}
    out = []
    for host in sorted(gateways):
        out += gateway_findings(host, gateways[host] or {}, tenants)
    for host in sorted(tenants):
        out += tenant_findings(host, tenants[host] or {})
        out += dns_findings(host, tenants[host] or {})
    out += secret_findings(secrets, tenants)
    return sorted(out, key=lambda f: (",".join(f["tenants"]), SIDES.index(f["side"]), -rank(f["severity"]),
                                      f["code"], f["object"]))


def worst(findings):
    ranks = [rank(f["severity"]) for f in findings]
    return SEVERITIES[max(ranks)] if ranks else None


def at_or_above(findings, threshold):
    if threshold in (None, "none"):
        return []
    return [f for f in findings if rank(f["severity"]) >= rank(threshold)]
