# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Normalisers, validators, the diff logic and the parser of exports for Exchange Online objects
(docs/exchange-rest.md section 14, docs/exchange-online.md section 3).

Pure Python (no third-party imports), so the unit tests need nothing but pytest.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import ipaddress
import json
import re

from ansible_collections.mailops.secure_email.plugins.module_utils._exo.errors import ExoValidationError

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
        return dict((k, strip_odata(v)) for k, v in record.items() if "@" not in str(k))
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


def _text(value):
    return value if isinstance(value, str) else str(value)


def ip_networks(value):
    """The networks one IP value covers: an address, a CIDR range (host bits ignored) or an 'a-b' range (IPv4 or
    IPv6). ValueError if it is none of these."""
    text = _text(value).strip()
    if "%" in text:  # a scoped IPv6 address (fe80::1%eth0) names an interface of one host, not addresses
        raise ValueError("not an IP value: %s" % text)
    try:
        if "-" in text:
            first, last = [ipaddress.ip_address(p.strip()) for p in text.split("-", 1)]
            if first.version != last.version or first > last:
                raise ValueError("bad range %s" % text)
            return list(ipaddress.summarize_address_range(first, last))
        return [ipaddress.ip_network(text, strict=False)]
    except (TypeError, AttributeError):  # scoped IPv6 addresses and other oddities the library does not order
        raise ValueError("not an IP value: %s" % text)


def ip_value(value):
    """Canonical text of one IP address, CIDR range or 'a-b' range: '198.51.100.7/32' -> '198.51.100.7',
    '192.0.2.9/24' -> '192.0.2.0/24', '10.0.0.1 - 10.0.0.9' -> '10.0.0.1-10.0.0.9' (a range that is exactly one
    network is written as that network). ValueError if invalid."""
    nets = ip_networks(value)
    if len(nets) == 1:
        return _net_text(nets[0])
    return "%s-%s" % (nets[0].network_address, nets[-1].broadcast_address)


def _net_text(net):
    if net.prefixlen == net.max_prefixlen:
        return str(net.network_address)
    return str(net)


def ip_set(values):
    """The addresses a list of IP values covers, as ``(networks, others)``: the minimal list of networks (IPv4 first,
    each family in address order) and, sorted, the values that are not IP values (lower case).

    Two lists cover the same addresses exactly when their networks are equal, whatever the forms: singles, CIDR
    ranges, 'a-b' ranges, split or merged, overlapping or repeated."""
    families = {4: [], 6: []}
    others = set()
    for value in values:
        if is_empty(value):
            continue
        try:
            for net in ip_networks(value):
                families[net.version].append(net)
        except ValueError:
            others.add(_text(value).strip().lower())
    networks = []
    for version in (4, 6):
        networks.extend(ipaddress.collapse_addresses(families[version]))
    return networks, sorted(others)


def ip_list(values):
    """The canonical, comparable form of a list of IP values: the minimal networks covering the same addresses, as
    text ('a.b.c.d' for a single address, 'a.b.c.0/24' otherwise), then any values that are not IP values."""
    networks, others = ip_set(values)
    return [_net_text(net) for net in networks] + others


def host_list(values):
    """Smart hosts: the IP values as ``ip_list``, then the host names (lower case, no trailing dot), sorted."""
    ips, names = [], set()
    for value in values:
        if is_empty(value):
            continue
        try:
            ip_networks(value)
            ips.append(value)
        except ValueError:
            names.add(_text(value).strip().lower().rstrip("."))
    return ip_list(ips) + sorted(names)


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
# Windows PowerShell's ConvertTo-Json writes a DateTime as "\/Date(<ms since 1970, UTC>)\/" ('/Date(...)/' once the
# JSON is decoded), DataContract-style with an optional '+hhmm' zone that does not change the instant.
PS_DATE_RE = re.compile(r"^\\?/Date\((-?\d{1,15})([+-]\d{4})?\)\\?/$")


def ps_date(text):
    """'/Date(1700000000000)/' (also with its JSON backslashes, or a '+0100' zone) -> '2023-11-14T22:13:20Z';
    None when ``text`` is not of that form. ValueError when the instant is out of range."""
    match = PS_DATE_RE.match(text.strip())
    if not match:
        return None
    try:
        when = EPOCH + datetime.timedelta(milliseconds=int(match.group(1)))
    except OverflowError:
        raise ValueError("date out of range: %s" % text)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_datetime(value):
    """ISO 8601 text (7-digit fractions, 'Z', offsets; no zone = UTC) or PowerShell's '/Date(ms)/' ->
    'YYYY-MM-DDTHH:MM:SSZ'. ValueError if it is neither."""
    stamp = None if isinstance(value, datetime.datetime) else ps_date(str(value))
    if stamp is not None:
        return stamp
    if isinstance(value, datetime.datetime):
        when = value
    else:
        text = re.sub(r"(\.\d{6})\d+", r"\1", str(value).strip())
        text = re.sub(r"[zZ]$", "+00:00", text)
        text = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", text) else text
        when = datetime.datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    try:
        return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except OverflowError:  # year 1 or 9999 with an offset
        raise ValueError("date out of range: %s" % value)


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
        nets = ip_networks(value)
    except ValueError:
        raise ValueError("%s: %r is not an IP address, an 'a.b.c.d-e.f.g.h' range or a CIDR range" % (field, value))
    if reject_private:
        if any(net.version == 4 and net.overlaps(private) for net in nets for private in RFC1918):
            raise ValueError("%s: %r is or covers an RFC 1918 private address, which Enhanced Filtering does not "
                             "accept (it skips private addresses by itself)" % (field, value))


def check_domain(field, value, allow_star=True, allow_wildcard=True):
    text = sender_domain(value)
    if text == "*" and allow_star:
        return
    if not _DOMAIN_RE.match(text) or (text.startswith("*.") and not allow_wildcard):
        raise ValueError("%s: %r is not a valid domain (use contoso.com%s%s)" % (
            field, value, ", *.contoso.com" if allow_wildcard else "", " or *" if allow_star else ""))


def check_smart_host(field, value):
    """A host name, an IP address or a CIDR range (New-OutboundConnector -SmartHosts); no 'a-b' ranges."""
    text = str(value).strip()
    try:
        nets = ip_networks(text)
    except ValueError:
        nets = None
    if nets is not None:
        if "-" in text:
            raise ValueError("%s: %r is an 'a-b' range, which smart hosts do not accept (use addresses or CIDR "
                             "ranges)" % (field, value))
        return
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
        """The comparable form: None for every kind of empty, sorted lists, lower-case where Exchange is; IP lists
        as the minimal networks covering the same addresses (``ip_list``). Never raises."""
        if self.is_list:
            if is_empty(value):
                return None
            items = [v for v in (value if isinstance(value, list) else [value]) if not is_empty(v)]
            if self.kind == "ips":
                result = ip_list(items)
            elif self.kind == "hosts":
                result = host_list(items)
            else:
                convert = {"domains": sender_domain, "set": str, "set_ci": lambda v: str(v).lower()}[self.kind]
                result = sorted(set(convert(v) for v in items))
            return result or None
        if is_empty(value):
            return None
        if self.kind == "bool":
            if isinstance(value, str):
                return value.strip().lower().lstrip("$") == "true"
            return bool(value)
        if self.kind == "int":
            try:
                return int(value)
            except (TypeError, ValueError, OverflowError):
                return str(value)
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
            except (TypeError, ValueError, OverflowError):
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


def render(fields, desired):
    """The record the module sends to give an object the declared options of ``desired`` (option -> value; None =
    not managed): {parameter: value}, JSON-ready (a cleared value is null). ``parse_record`` reads it back."""
    record = {}
    for field in fields:
        if desired.get(field.option) is None:
            continue
        value = field.param_value(desired[field.option])
        record[field.param] = None if value is CLEAR else value
    return record


# -- exports: the REST records and PowerShell's ConvertTo-Json (state=parsed) ------------------------------------
OMIT = object()
# Windows PowerShell 5.1 serialises an array that carries extended-type (ETS) properties as {"value": [...],
# "Count": n}, and a DateTime that carries them (Get-Date) as {"value": "/Date(ms)/", "DisplayHint": 2, "DateTime":
# "<text>"}; the OData answer of the REST gateway is {"value": [...]} besides its "@" annotations.
ETS_KEYS = ("count", "displayhint", "datetime")
ENUM_HINT = ("Microsoft documents the names of this enumeration, not their numbers, so a number cannot be mapped: "
             "export with ConvertTo-Json -EnumsAsStrings (PowerShell 7), or turn the property into text first")


def unwrap(value):
    """The value inside PowerShell's ETS wrappers and the OData ``{"value": ...}`` answer; other values unchanged."""
    while isinstance(value, dict):
        keys = dict((str(k).lower(), k) for k in value if "@" not in str(k))
        if "value" not in keys or set(keys) - set(("value",) + ETS_KEYS):
            break
        value = value[keys["value"]]
    return value


def describe(value):
    """A short description of a JSON value for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "the boolean %s" % ("true" if value else "false")
    if isinstance(value, (int, float)):
        return "the number %r" % (value,)
    if isinstance(value, dict):
        return "an object (%s)" % ", ".join(sorted(str(k) for k in value)[:5]) if value else "an empty object"
    if isinstance(value, list):
        return "a list"
    text = _text(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


class ParseProblem(ValueError):
    """One value of an export that cannot be a module option; ``where`` is a suffix such as '[2]'."""

    def __init__(self, text, where=""):
        super(ParseProblem, self).__init__(text)
        self.text = text
        self.where = where


def parse_value(field, value):
    """The module option value of one exported property, or OMIT (nothing to manage: null where the option has no
    empty value). Raises ParseProblem."""
    value = unwrap(value)
    if field.is_list:
        return _parse_list(field, value)
    if is_empty(value):
        return "" if field.kind in ("str", "str_ci", "secret", "date") else OMIT
    if isinstance(value, (dict, list)):
        raise ParseProblem("%s where one value is expected" % describe(value))
    if field.kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower().lstrip("$") in ("true", "false"):
            return value.strip().lower().lstrip("$") == "true"
        raise ParseProblem("%s is not true or false" % describe(value))
    if field.kind == "int":
        if isinstance(value, bool):
            raise ParseProblem("%s is not a whole number" % describe(value))
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.match(r"^\s*-?\d{1,18}\s*$", value):
            return int(value)
        raise ParseProblem("%s is not a whole number" % describe(value))
    if field.kind == "enum":
        if isinstance(value, (bool, int, float)):
            raise ParseProblem("%s is an enumeration number where a name (%s) is expected; %s"
                               % (describe(value), ", ".join(field.choices), ENUM_HINT))
        for choice in field.choices:
            if choice.lower() == _text(value).strip().lower():
                return choice
        raise ParseProblem("%s is not one of %s" % (describe(value), ", ".join(field.choices)))
    if not isinstance(value, str):
        raise ParseProblem("%s is not text" % describe(value))
    if field.kind == "date":
        try:
            return utc_datetime(value)
        except (TypeError, ValueError, OverflowError):
            raise ParseProblem("%s is not a date (ISO 8601, or PowerShell's /Date(milliseconds)/)" % describe(value))
    return value


def _parse_list(field, value):
    if value is None:
        return []
    result = []
    for index, item in enumerate(value if isinstance(value, list) else [value]):
        item = unwrap(item)
        if is_empty(item):
            continue
        if not isinstance(item, str):
            hint = ""
            if isinstance(item, dict):
                hint = (": turn the values into text before ConvertTo-Json, for example @{n='%s';e={@($_.%s | "
                        "ForEach-Object { \"$_\" })}}" % (field.param, field.param))
            raise ParseProblem("%s, not text%s" % (describe(item), hint), "[%d]" % index)
        text = item.strip()
        if field.kind == "ips":
            try:
                ip_networks(text)
            except ValueError:
                raise ParseProblem("%s is not an IP address, a CIDR range or an 'a-b' range" % describe(item),
                                   "[%d]" % index)
        elif field.kind == "domains":
            text = sender_domain(text)
        if text and text not in result:
            result.append(text)
    return result


def parse_record(fields, record, where):
    """({option: value}, problems) of the ``fields`` present in ``record`` (annotations dropped, property names
    matched without case); each problem names ``where``, the property and the option."""
    keys = dict((str(k).lower(), k) for k in record)
    values, problems = {}, []
    for field in fields:
        key = field.param if field.param in record else keys.get(field.param.lower())
        if key is None:
            continue
        try:
            value = parse_value(field, record[key])
        except ParseProblem as exc:
            problems.append("%s.%s%s (option %s): %s" % (where, field.param, exc.where, field.option, exc.text))
            continue
        if value is not OMIT:
            values[field.option] = value
    return values, problems


def export_records(running_config, option="running_config"):
    """The records of an export: JSON text (a UTF-8 byte-order mark allowed) or decoded data - one record, a list
    of records, the REST answer {"value": [...]} or a PowerShell-wrapped array. Raises ExoValidationError."""
    data = running_config
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    if isinstance(data, str):
        text = data.lstrip(u"\ufeff").strip()
        if not text:
            raise ExoValidationError("%s: empty; give the JSON of the Get-* cmdlet (Get-InboundConnector | "
                                     "ConvertTo-Json) or of the REST answer" % option)
        try:
            data = json.loads(text)
        except (ValueError, RuntimeError) as exc:  # RuntimeError: nesting too deep
            raise ExoValidationError("%s: not JSON (%s)" % (option, exc))
    try:
        data = unwrap(strip_odata(data))
    except RuntimeError:
        raise ExoValidationError("%s: nested too deeply" % option)
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return [unwrap(item) for item in data]
    raise ExoValidationError("%s: %s; a JSON object (one record) or an array of records is expected"
                             % (option, describe(data)))
