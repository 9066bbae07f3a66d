# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.errors import AnsibleFilterError

# The fields the roles read (inbound: gateway_ips; outbound: outbound_relay_host; dns_cutover: mx_hosts and
# spf_mechanism). The letter must give them in clear; every other field may be missing or redacted (null).
REQUIRED = ("mx_hosts", "gateway_ips", "outbound_relay_host", "spf_mechanism")

# The domain under which an allocation's hosts live, per CES region. Cisco's document 214281 ("Accessing the
# Command Line Interface (CLI) of Cloud Email Security (CES)") lists the regional domains of the login host names:
# US iphmx.com, EU eu.iphmx.com and c3s2.iphmx.com, CA ca.iphmx.com, AP ap.iphmx.com, AWS r1.ces.cisco.com.
REGIONS = {
    "iphmx.com": "us",
    "eu.iphmx.com": "eu",
    "c3s2.iphmx.com": "eu",
    "ca.iphmx.com": "ca",
    "ap.iphmx.com": "ap",
    "r1.ces.cisco.com": "aws",
}

# Redaction marks of shared copies: runs of block characters (U+2580-U+259F, black squares), the word REDACTED
# in brackets (any case), REDACTED in capitals anywhere, or the word redacted/Redacted on its own. Spaces and tabs
# around a mark belong to it ("mx1. ██████.iphmx.com").
_MARK_BODY = (r"[\u2580-\u259f\u25a0\u25ac\u25ae\u2b1b]+"
              r"|[\[<({][ \t]*[Rr][Ee][Dd][Aa][Cc][Tt][Ee][Dd][ \t]*[\]>)}]|REDACTED|\b[Rr]edacted\b")
_MARK = re.compile(_MARK_BODY)
_MARK_SPACED = re.compile(r"[ \t\u00a0]*(?:%s)[ \t\u00a0]*" % _MARK_BODY)
_HOLE = "#"   # what a mark becomes in _mask(); not a host name or IPv4 character

_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\.?$")
_HOST_HOLED = re.compile(r"^[A-Za-z0-9.#-]+$")
_IP_HOLED = re.compile(r"^[0-9.#/]+$")
_IPV4 = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:/(\d{1,2}))?$")
_IP_CHARS = frozenset("0123456789./")
_SPF_START = re.compile(r"v=spf1", re.I)
_URL = re.compile(r"^https?://[^\s<>]+$", re.I)
_URL_IN_TEXT = re.compile(r"https?://[^\s<>]+", re.I)
_PORTAL_HOST = re.compile(r"^[^.]*-(esa|sma|euq)\d*\.", re.I)
_BULLET = re.compile(r"^[ \t]*(?:[-*\u2022\u00b7\u2013][ \t]+|[-*\u2022\u00b7\u2013](?=\S))?")
# "Password: ..." anywhere on a line (also "Initial password:", "Passphrase:"): the rest of the line is dropped
# before parsing, so the initial credentials reach neither the result nor an error message.
_PASSWORD = re.compile(r"\bpass(?:word|phrase)[ \t]*:", re.I)

# Top-level headings of the letter -> section; the first that matches a line wins.
_SECTIONS = (
    (re.compile(r"^MX records?\b", re.I), "mx"),
    (re.compile(r"^your\b.*\bportals?\b", re.I), "portals"),
    (re.compile(r"^please sign in\b|^user ?name\s*:", re.I), "login"),
    (re.compile(r"^host(?:name)?s?\b.*\boutbound relay\b", re.I), "relay"),
    (re.compile(r"^host(?:name)?s?\s+and\s+IP\s+address", re.I), "allow"),
    (re.compile(r"^if you are using\b", re.I), "other"),
    (re.compile(r"^include\b.*\bSPF\b", re.I), "spf"),
)
# Sub-headings: the three portals, and the two address lists (ESA = the gateway, SMA = management).
_KINDS = (
    (re.compile(r"^(?:cisco\s+)?(?:cloud\s+)?email\s+security(?:\s+(?:portal|appliance))?\s*:?\s*(.*)$", re.I), "esa"),
    (re.compile(r"^(?:cisco\s+)?security\s+management(?:\s+(?:portal|appliance))?\s*:?\s*(.*)$", re.I), "sma"),
    (re.compile(r"^(?:end[- ]?user|spam)\s+quarantine(?:\s+portal)?\s*:?\s*(.*)$", re.I), "euq"),
)
_FIELD_LINE = {
    "organization": re.compile(r"^[ \t]*organi[sz]ation(?:[ \t]+name)?[ \t]*:(.*)$", re.I | re.M),
    "start_date": re.compile(r"^[ \t]*start[ \t]+date[ \t]*:(.*)$", re.I | re.M),
}


class _Redacted(object):
    """A value hidden by a redaction mark."""


class _Bad(object):
    """An address that is not a complete IPv4 address (kept to name it in the error)."""

    def __init__(self, value):
        self.value = value


REDACTED = _Redacted()


def _ipish(value):
    return bool(value) and set(value) <= _IP_CHARS and re.search(r"\d\.", value) is not None


def _drop_passwords(text):
    """The text without what follows "Password:" on its line; an empty "Password:" also drops the next non-blank
    line when it is a single word (a password put on the line below its label)."""
    out = []
    pending = False
    for line in text.splitlines(True):
        body = line.splitlines()[0]
        if pending and body.strip():
            pending = False
            if len(body.split()) == 1 and not body.strip().endswith(":"):
                out.append(line[len(body):])
                continue
        match = _PASSWORD.search(body)
        if match:
            pending = not body[match.end():].strip()
            line = body[:match.end()] + line[len(body):]
        out.append(line)
    return "".join(out)


def _mask(value):
    return _MARK_SPACED.sub(_HOLE, value)


def _clean_item(line):
    value = _BULLET.sub("", line, count=1).strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip()
    return value


def _host(value):
    """A host name (lower case, no final dot), REDACTED for a host with redaction marks, or None."""
    if _MARK.search(value):
        holed = _mask(value)
        if _HOST_HOLED.match(holed) and not _IP_HOLED.match(holed.replace(_HOLE, "0")):
            return REDACTED
        return REDACTED if holed == _HOLE else None
    if len(value) <= 254 and _HOST.match(value):
        return value.rstrip(".").lower()
    return None


def _address(value):
    """An IPv4 address (or prefix), REDACTED, a _Bad for an incomplete or impossible address, or None."""
    if _MARK.search(value):
        return REDACTED if _IP_HOLED.match(_mask(value)) else None
    match = _IPV4.match(value)
    if match:
        octets_ok = all(int(octet) <= 255 for octet in match.groups()[:4])
        prefix_ok = match.group(5) is None or int(match.group(5)) <= 32
        return value if octets_ok and prefix_ok else _Bad(value)
    return _Bad(value) if _ipish(value) else None


def _collect(values):
    """A list of items -> the list, or REDACTED when any item is."""
    return REDACTED if any(value is REDACTED for value in values) else list(values)


def _sections(lines):
    """Split the letter's lines by its headings: {section: [lines]}, the first occurrence of each section."""
    found = {}
    current = None
    for line in lines:
        stripped = line.strip()
        for pattern, name in _SECTIONS:
            if pattern.match(stripped):
                current = name if name not in found else None
                if current:
                    found[current] = []
                break
        else:
            if current:
                found[current].append(line)
    return found


def _kind(line):
    """(kind, rest of the line) for a sub-heading (Email Security, Security Management, End User Quarantine)."""
    stripped = line.strip()
    for pattern, kind in _KINDS:
        match = pattern.match(stripped)
        if match:
            return kind, match.group(1).strip()
    return None, None


def _portal(value):
    value = _clean_item(value)
    if not value:
        return None
    if _MARK.search(value):
        return REDACTED
    if _URL.match(value):
        return value.rstrip(".,;)")
    return None


def _portals(lines, text):
    portals = {}
    kind = None
    for line in lines:
        heading, rest = _kind(line)
        if heading:
            kind = heading
            line = rest
        if not line.strip():
            continue
        value = _portal(line)
        if value is None:
            continue
        if kind is None and value is not REDACTED:
            match = _PORTAL_HOST.match(value.split("://", 1)[1])
            kind = match.group(1).lower() if match else None
        if kind and kind not in portals:
            portals[kind] = value
        kind = None
    for url in _URL_IN_TEXT.findall(text):   # letters without the portals heading: the host names tell the kind
        url = url.rstrip(".,;)")
        match = _PORTAL_HOST.match(url.split("://", 1)[1])
        if match and match.group(1).lower() not in portals and not _MARK.search(url):
            portals[match.group(1).lower()] = url
    return dict((kind, portals.get(kind)) for kind in ("esa", "sma", "euq"))


def _addresses(lines):
    """The address lists of the allow-list section: {'esa': [...], 'sma': [...]}."""
    lists = {}
    kind = None
    for line in lines:
        heading, rest = _kind(line)
        if heading:
            kind = heading
            lists.setdefault(kind, [])
            line = rest
        if kind is None or not line.strip():
            continue
        for item in re.split(r"[,;]", _clean_item(line)):
            value = _address(item.strip())
            if value is not None:
                lists[kind].append(value)
    return lists


def _hosts(lines):
    values = []
    for line in lines:
        value = _host(_clean_item(line))
        if value is not None:
            values.append(value)
    return values


def _value_line(text, name):
    match = _FIELD_LINE[name].search(text)
    if not match or not match.group(1).strip():
        return None
    value = match.group(1).strip()
    return REDACTED if _MARK.search(value) else value


def _spf(lines):
    """(spf_record, domain of the exists:%{i}.spf.<domain> mechanism), each a value, REDACTED or None."""
    starts = [(line, match.start()) for line, match in ((line, _SPF_START.search(line)) for line in lines) if match]
    if not starts:
        return None, None
    line, start = ([item for item in starts if "exists:" in item[0].lower()] or starts)[0]
    raw = line[start:].strip()
    record = REDACTED if _MARK.search(raw) else re.sub(r"\s+", " ", raw)
    holed = _MARK.sub(_HOLE, raw)   # marks only: a mark after a space ("...iphmx.com ███ ~all") is not the domain
    match = re.search(r"exists:%\{i\}\.spf\.([A-Za-z0-9.#-]*)", holed, re.I)
    if match:
        domain = match.group(1)
        if _HOLE in domain or (domain[-1:] in ("", ".", "-") and holed[match.end():].lstrip().startswith(_HOLE)):
            return record, REDACTED
        domain = domain.rstrip(".")
        return record, domain.lower() if _HOST.match(domain) else None
    return record, (REDACTED if record is REDACTED else None)


def _after(host, labels):
    """The domain left of a host name once its first ``labels`` labels are dropped."""
    return ".".join(host.split(".")[labels:])


def _place(fields, portals, spf_domain):
    """(allocation, region), each a value, REDACTED (only redacted sources) or None.

    From clear values only, first match wins: the SPF domain (spf.<allocation>.<region domain>), the MX hosts and
    the relay host (mx1.<allocation>.<region domain>), the portals (dh1234-esa1.<region domain>)."""
    sources = [(spf_domain, 0)]
    sources += [(host, 1) for host in (fields["mx_hosts"] if isinstance(fields["mx_hosts"], list) else [REDACTED])]
    sources.append((fields["outbound_relay_host"], 1))
    for url in (portals["esa"], portals["sma"], portals["euq"]):
        if url and url is not REDACTED:
            url = re.split(r"[/:?#]", url.split("://", 1)[1], maxsplit=1)[0].split("@")[-1].lower()
        sources.append((url, None))
    allocation = region = None
    for host, position in sources:
        if not host or host is REDACTED:
            continue
        domain = _after(host, 1 if position is None else position + 1)
        if position is not None and allocation is None and host.count(".") > position + 1:
            if position == 0 or domain in REGIONS:
                allocation = host.split(".")[position]
        if region is None:
            region = REGIONS.get(domain)
    hidden = any(source[0] is REDACTED for source in sources)
    return (REDACTED if allocation is None and hidden else allocation,
            REDACTED if region is None and hidden else region)


def _clear(value):
    return None if value is REDACTED else value


def ces_welcome_letter(text, allow_redacted=False):
    """Parse the text of a Cisco Secure Email Cloud Gateway welcome letter into the collection's variable tree."""
    if not isinstance(text, str) or not text.strip():
        raise AnsibleFilterError("ces_welcome_letter: the input is empty or not text; pass the text of the welcome letter")
    text = _drop_passwords(text)
    lines = text.splitlines()
    sections = _sections(lines)
    addresses = _addresses(sections.get("allow", []))
    record, spf_domain = _spf(lines)
    gateway_ips = addresses.get("esa", [])
    fields = dict(
        organization=_value_line(text, "organization"),
        start_date=_value_line(text, "start_date"),
        mx_hosts=_collect(_hosts(sections.get("mx", []))),
        gateway_ips=_collect(gateway_ips),
        management_ips=_collect([ip for ip in addresses.get("sma", []) if not isinstance(ip, _Bad)]),
        outbound_relay_host=(_hosts(sections.get("relay", [])) or [None])[0],
        spf_record=record,
        spf_mechanism=spf_domain if spf_domain in (None, REDACTED) else "exists:%%{i}.spf.%s" % spf_domain,
    )
    portals = _portals(sections.get("portals", []), text)
    fields["allocation"], fields["region"] = _place(fields, portals, spf_domain)

    problems = []
    hidden_required = [name for name in REQUIRED if fields[name] is REDACTED]
    if hidden_required and not allow_redacted:
        problems.append("the letter is redacted in %s, which the roles need; parse the original letter or set "
                        "them by hand (allow_redacted=true returns them as null)" % ", ".join(hidden_required))
    missing = [name for name in REQUIRED if not fields[name]]
    if missing:
        problems.append("could not find %s in the letter; set them by hand (see the roles' argument specs)"
                        % ", ".join(missing))
    bad_ips = [ip.value for ip in gateway_ips if isinstance(ip, _Bad)]
    if bad_ips:
        problems.append("gateway IPs %s are not complete IPv4 addresses" % ", ".join(bad_ips))
    if problems:
        raise AnsibleFilterError("ces_welcome_letter: %s" % "; ".join(problems))

    result = dict((name, _clear(value)) for name, value in fields.items())
    result["portals"] = dict((kind, _clear(value)) for kind, value in portals.items())
    result["redacted_fields"] = sorted([name for name, value in fields.items() if value is REDACTED]
                                       + ["portals.%s" % kind for kind, value in portals.items() if value is REDACTED])
    return result


class FilterModule(object):

    def filters(self):
        return dict(ces_welcome_letter=ces_welcome_letter)
