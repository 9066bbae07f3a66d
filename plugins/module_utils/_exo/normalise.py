# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Normalisers, validators and the diff logic for Exchange Online objects (docs/exchange-rest.md section 14).

Pure Python (no third-party imports), so the unit tests need nothing but pytest.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import ipaddress
import re

MASK = "********"


class _Clear(object):
    """Marks a parameter that must be sent as JSON null (to clear a value) instead of being dropped."""

    def __repr__(self):
        return "CLEAR"


CLEAR = _Clear()
RFC1918 = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_DOMAIN_RE = re.compile(r"^(\*\.)?%s(\.%s)+$" % (_LABEL, _LABEL))
_HOST_RE = re.compile(r"^%s(\.%s)*$" % (_LABEL, _LABEL))


def strip_odata(record):
    """Drop the annotation keys (``X@odata.type``, ``X@data.type``, ``@odata.*``) of a record."""
    if isinstance(record, dict):
        return dict((k, strip_odata(v)) for k, v in record.items() if "@" not in k)
    if isinstance(record, list):
        return [strip_odata(v) for v in record]
    return record


def is_empty(value):
    return value is None or value == "" or value == [] or value == {}


# -- single values ------------------------------------------------------------------------------
def sender_domain(value):
    """'smtp:Contoso.com;1' -> 'contoso.com': the storage form of inbound SenderDomains (docs/exchange-rest.md 9)."""
    text = str(value).strip()
    if text.lower().startswith("smtp:"):
        text = text[5:]
    text = re.sub(r";\d+$", "", text)
    return text.lower()


def ip_value(value):
    """Canonical text of an IP address, CIDR range or 'a-b' range: '198.51.100.7/32' -> '198.51.100.7',
    '192.0.2.9/24' -> '192.0.2.0/24', '10.0.0.1 - 10.0.0.9' -> '10.0.0.1-10.0.0.9'. ValueError if invalid."""
    text = str(value).strip()
    if "-" in text:
        first, last = [ipaddress.ip_address(p.strip()) for p in text.split("-", 1)]
        if first.version != last.version or first > last:
            raise ValueError("bad range %s" % value)
        if first == last:
            return str(first)
        nets = list(ipaddress.summarize_address_range(first, last))
        if len(nets) == 1:
            return _net_text(nets[0])
        return "%s-%s" % (first, last)
    return _net_text(ipaddress.ip_network(text, strict=False))


def _net_text(net):
    if net.prefixlen == net.max_prefixlen:
        return str(net.network_address)
    return str(net)


def utc_datetime(value):
    """ISO 8601 text (7-digit fractions, 'Z', offsets; no zone = UTC) -> 'YYYY-MM-DDTHH:MM:SSZ'."""
    if isinstance(value, datetime.datetime):
        when = value
    else:
        text = re.sub(r"(\.\d{6})\d+", r"\1", str(value).strip())
        text = re.sub(r"[zZ]$", "+00:00", text)
        text = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", text) else text
        when = datetime.datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def smart_host(value):
    text = str(value).strip()
    try:
        return ip_value(text)
    except ValueError:
        return text.lower().rstrip(".")


# -- validators (raise ValueError with the field and the rule) ------------------------------------------
def check_sender_ip(field, value):
    """Inbound SenderIPAddresses: IPv4 only, single address or CIDR /24 to /32 (docs/exchange-rest.md section 9)."""
    rule = "inbound connectors accept only IPv4 addresses or IPv4 CIDR ranges from /24 to /32 (no IPv6, no ranges)"
    try:
        net = ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        raise ValueError("%s: %r is not allowed: %s" % (field, value, rule))
    if net.version != 4:
        raise ValueError("%s: %r is IPv6, which is not allowed: %s" % (field, value, rule))
    if net.prefixlen < 24:
        raise ValueError("%s: %r is a /%d, which is not allowed: %s" % (field, value, net.prefixlen, rule))


def check_ip_or_range(field, value, reject_private=False):
    try:
        canon = ip_value(value)
    except ValueError:
        raise ValueError("%s: %r is not an IP address, an 'a.b.c.d-e.f.g.h' range or a CIDR range" % (field, value))
    if reject_private:
        first = ipaddress.ip_address(canon.split("-")[0].split("/")[0])
        if any(first in net for net in RFC1918):
            raise ValueError("%s: %r is an RFC 1918 private address, which Enhanced Filtering does not accept "
                             "(it skips private addresses by itself)" % (field, value))


def check_domain(field, value, allow_star=True, allow_wildcard=True):
    text = sender_domain(value)
    if text == "*" and allow_star:
        return
    if not _DOMAIN_RE.match(text) or (text.startswith("*.") and not allow_wildcard):
        raise ValueError("%s: %r is not a valid domain (use contoso.com%s%s)" % (
            field, value, ", *.contoso.com" if allow_wildcard else "", " or *" if allow_star else ""))


def check_smart_host(field, value):
    text = str(value).strip()
    try:
        ip_value(text)
        return
    except ValueError:
        pass
    if not _HOST_RE.match(text):
        raise ValueError("%s: %r is not a host name, IP address or CIDR range" % (field, value))


def check_length(field, value, limit):
    if value is not None and len(value) > limit:
        raise ValueError("%s: %d characters, but Exchange allows at most %d" % (field, len(value), limit))


HEADER_NAME_RULE = ("a header field name is printable US-ASCII, characters 33 to 126, except ':' - no spaces "
                    "(RFC 5322, section 2.2)")


def check_header_name(field, value):
    """A message header name (an empty value clears the option and is not checked)."""
    if is_empty(value):
        return
    text = str(value)
    for index, char in enumerate(text):
        if char == ":" or not u"\x21" <= char <= u"\x7e":
            what = {u" ": "a space", u"\t": "a tab", u":": "':'"}.get(char, "the character U+%04X" % ord(char))
            raise ValueError("%s: %r is not a header name: it contains %s at position %d; %s"
                             % (field, text, what, index + 1, HEADER_NAME_RULE))


# -- masking ----------------------------------------------------------------------------------------
def mask_values(value, secrets):
    """``value`` (dicts, lists, strings) with every occurrence of each of ``secrets`` replaced by ``********``."""
    secrets = sorted(set(s for s in (secrets or []) if s), key=len, reverse=True)
    if not secrets:
        return value
    if isinstance(value, dict):
        return dict((k, mask_values(v, secrets)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [mask_values(v, secrets) for v in value]
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
    return value


# -- fields and the diff ----------------------------------------------------------------------------
class Field(object):
    """One manageable property: module option <-> cmdlet parameter, with its normaliser.

    kind: str | str_ci | bool | int | enum | date | secret | domains | set | set_ci | ips | hosts
    """

    def __init__(self, option, param, kind="str", choices=None, new=True, set=True, secret=False):
        self.option = option
        self.param = param
        self.kind = kind
        self.choices = choices
        self.new = new
        self.set = set
        self.secret = secret or kind == "secret"

    @property
    def is_list(self):
        return self.kind in ("domains", "set", "set_ci", "ips", "hosts")

    def canon(self, value):
        """The comparable form: None for every kind of empty, sorted lists, lower-case where Exchange is."""
        if self.is_list:
            if is_empty(value):
                return None
            items = value if isinstance(value, list) else [value]
            convert = {"domains": sender_domain, "set": str, "set_ci": lambda v: str(v).lower(),
                       "ips": _safe_ip, "hosts": smart_host}[self.kind]
            result = sorted(set(convert(v) for v in items if not is_empty(v)))
            return result or None
        if is_empty(value):
            return None
        if self.kind == "bool":
            if isinstance(value, str):
                return value.strip().lower().lstrip("$") == "true"
            return bool(value)
        if self.kind == "int":
            return int(value)
        if self.kind == "enum":
            text = str(value)
            for choice in self.choices or ():
                if choice.lower() == text.lower():
                    return choice
            return text
        if self.kind == "str_ci":
            return str(value).lower()
        if self.kind == "date":
            try:
                return utc_datetime(value)
            except ValueError:
                return str(value)
        return str(value) if not isinstance(value, (int, float)) else value

    def display(self, value):
        """The value for diffs and results: the canonical form, except that case-insensitive strings keep their case."""
        if self.kind == "str_ci":
            return None if is_empty(value) else str(value)
        return self.canon(value)

    def show(self, canon):
        if self.secret and canon is not None:
            return MASK
        return canon

    def param_value(self, value):
        """What to send for a declared value."""
        if self.is_list:
            return [] if is_empty(value) else [str(v).strip() for v in (value if isinstance(value, list) else [value])]
        if is_empty(value):
            return "" if self.kind in ("str", "str_ci", "secret") else CLEAR
        if self.kind == "enum":
            return self.canon(value)
        if self.kind == "date":
            return self.canon(value)
        return value


def _safe_ip(value):
    try:
        return ip_value(value)
    except ValueError:
        return str(value).strip().lower()


def current_values(fields, record):
    """{option: canonical value} of a Get-* record (annotations stripped, docs/exchange-rest.md section 14)."""
    record = strip_odata(record or {})
    return dict((f.option, f.canon(record.get(f.param))) for f in fields)


def compare(fields, desired, record):
    """Changes needed to make ``record`` (a Get-* record, or None when absent) match ``desired``.

    ``desired`` maps option names to declared values; None means "not managed".
    Returns ``(changes, before, after)``: changes = {option: canonical desired value} of the declared options
    that differ (all declared ones when absent); before/after = {option: shown value} of every field, secrets
    masked (after = what Exchange will hold).
    """
    raw = strip_odata(record) if record is not None else None
    current = current_values(fields, record) if record is not None else None
    changes = {}
    before, after = {}, {}
    for field in fields:
        if raw is not None:
            before[field.option] = field.display(raw.get(field.param))
            after[field.option] = before[field.option]
        if field.option not in desired or desired[field.option] is None:
            continue
        want = field.canon(desired[field.option])
        have = current.get(field.option) if current is not None else None
        if (current is None and want is not None) or (current is not None and want != have):
            changes[field.option] = want
        after[field.option] = field.display(desired[field.option])
    for field in fields:
        if field.secret:
            if before.get(field.option) is not None:
                before[field.option] = MASK
            if after.get(field.option) is not None:
                after[field.option] = MASK + " (changed)" if (field.option in changes and raw is not None and
                                                              current.get(field.option) is not None) else MASK
    return changes, before, after


def parameters(fields, desired, changes, creating):
    """Cmdlet parameters for the changed (or, when creating, declared) options."""
    params = {}
    for field in fields:
        if field.option not in changes:
            continue
        if creating and not field.new:
            continue
        if not creating and not field.set:
            continue
        params[field.param] = field.param_value(desired[field.option])
    return params
