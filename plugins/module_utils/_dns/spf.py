# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPF (RFC 7208): parser, DNS-lookup counter and merge (private; the API may change).

Pure Python: the lookup counter gets a ``resolve_txt(name)`` callable, so it runs against real DNS in
mail_dns_info and against a stub in unit tests.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

LOOKUP_LIMIT = 10
VOID_LOOKUP_LIMIT = 2
MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
LOOKUP_TERMS = ("include", "a", "mx", "ptr", "exists", "redirect")
QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}

_MACRO = re.compile(r"%(?:\{([slodiphcrtv])(\d*)(r?)([.\-+,/_=]*)\}|[%_\-])", re.IGNORECASE)
_TERM = re.compile(r"^([+\-~?]?)([a-z][a-z0-9_.\-]*)(.*)$", re.IGNORECASE)


class SPFError(ValueError):
    """A record or mechanism that is not valid SPF."""


def is_spf(text):
    """True for the TXT text of an SPF record (``v=spf1`` followed by a space or the end)."""
    return bool(re.match(r"^v=spf1(\s|$)", (text or "").strip(), re.IGNORECASE))


def _check_macros(text, term):
    rest = _MACRO.sub("", text)
    if "%" in rest:
        raise SPFError("%r: invalid macro (RFC 7208 section 7: %%{letter[digits][r][delimiters]}, %%%%, %%_ or %%-)" % term)
    for match in _MACRO.finditer(text):
        if match.group(1) and match.group(1).lower() in "crt":
            raise SPFError("%r: macro %%{%s} is only allowed in the exp= explanation" % (term, match.group(1)))
    return bool(_MACRO.search(text))


def _domain_spec(value, term, required):
    if not value:
        if required:
            raise SPFError("%r: needs a domain (':domain')" % term)
        return None, False
    macro = _check_macros(value, term)
    if not macro:
        labels = value.rstrip(".").split(".")
        if len(labels) < 2 or any(not label or len(label) > 63 for label in labels) \
                or re.search(r"[\s\"]", value):
            raise SPFError("%r: %r is not a domain name" % (term, value))
    return value, macro


def _cidr(text, term, bits):
    if not text.isdigit() or not 0 <= int(text) <= bits or (len(text) > 1 and text.startswith("0")):
        raise SPFError("%r: invalid prefix length /%s (0-%d)" % (term, text, bits))
    return int(text)


def parse_term(text):
    """One term -> dict: kind (mechanism|modifier), name, qualifier, value, cidr4/cidr6, macro, lookups, text."""
    match = _TERM.match(text)
    if not match:
        raise SPFError("%r: not an SPF mechanism or modifier" % text)
    qualifier, name, rest = match.group(1), match.group(2).lower(), match.group(3)
    if rest.startswith("=") and not qualifier:
        if not re.match(r"^[a-z][a-z0-9_.\-]*$", name):
            raise SPFError("%r: invalid modifier name" % text)
        value = rest[1:]
        macro = _check_macros(value, text) if name != "exp" else bool(_MACRO.search(value))
        if name == "redirect":
            _domain_spec(value, text, True)
        return dict(kind="modifier", name=name, qualifier=None, value=value, macro=macro,
                    lookups=1 if name == "redirect" else 0, text=text)
    if name not in MECHANISMS:
        raise SPFError("%r: unknown mechanism %r (RFC 7208 knows %s)" % (text, name, ", ".join(MECHANISMS)))
    term = dict(kind="mechanism", name=name, qualifier=QUALIFIERS[qualifier or "+"], value=None, cidr4=None,
                cidr6=None, macro=False, lookups=1 if name in LOOKUP_TERMS else 0, text=text)
    if name == "all":
        if rest:
            raise SPFError("%r: 'all' takes no argument" % text)
        return term
    if rest and rest[0] not in ":/":
        raise SPFError("%r: unknown mechanism %r" % (text, name + rest.split(":")[0].split("/")[0]))
    value = rest[1:] if rest.startswith(":") else ""
    if rest.startswith(":") and name in ("ptr", "include", "exists") and not value:
        raise SPFError("%r: empty domain after ':'" % text)
    if name in ("ip4", "ip6"):
        address, _sep, prefix = value.partition("/")
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            raise SPFError("%r: %r is not an IPv%s address" % (text, address, name[-1]))
        if ip.version != int(name[-1]):
            raise SPFError("%r: %r is not an IPv%s address" % (text, address, name[-1]))
        term["value"] = address
        if prefix:
            term["cidr4" if name == "ip4" else "cidr6"] = _cidr(prefix, text, 32 if name == "ip4" else 128)
        return term
    if name in ("a", "mx"):
        parts = re.match(r"^(?::([^/]*))?(?:/(\d+))?(?://(\d+))?$", rest)
        if not parts:
            raise SPFError("%r: expected %s[:domain][/prefix4][//prefix6]" % (text, name))
        if parts.group(1) is not None and not parts.group(1):
            raise SPFError("%r: empty domain after ':'" % text)
        value = parts.group(1) or ""
        if parts.group(2):
            term["cidr4"] = _cidr(parts.group(2), text, 32)
        if parts.group(3):
            term["cidr6"] = _cidr(parts.group(3), text, 128)
    elif "/" in value:
        raise SPFError("%r: %s takes no prefix length" % (text, name))
    term["value"], term["macro"] = _domain_spec(value, text, name in ("include", "exists"))
    return term


def parse(record):
    """A record -> dict(record, terms, errors, all, redirect). Errors are collected, not raised."""
    text = (record or "").strip()
    result = dict(record=text, terms=[], errors=[], all=None, redirect=None, valid=False)
    if not is_spf(text):
        result["errors"].append("not an SPF record: it must start with 'v=spf1'")
        return result
    seen_modifiers = set()
    for token in text.split()[1:]:
        try:
            term = parse_term(token)
        except SPFError as exc:
            result["errors"].append(str(exc))
            continue
        if term["kind"] == "modifier":
            if term["name"] in ("redirect", "exp"):
                if term["name"] in seen_modifiers:
                    result["errors"].append("%r: %s= appears more than once" % (token, term["name"]))
                seen_modifiers.add(term["name"])
            if term["name"] == "redirect":
                result["redirect"] = term["value"]
        elif term["name"] == "all":
            if result["all"] is not None:
                result["errors"].append("'all' appears more than once")
            result["all"] = term["qualifier"]
        result["terms"].append(term)
    all_index = [i for i, t in enumerate(result["terms"]) if t["name"] == "all" and t["kind"] == "mechanism"]
    if all_index and any(t["kind"] == "mechanism" for t in result["terms"][all_index[0] + 1:]):
        result["errors"].append("mechanisms after 'all' are never evaluated")
    if result["all"] is not None and result["redirect"] is not None:
        # RFC 7208 6.1: redirect is ignored when 'all' is present.
        for term in result["terms"]:
            if term["name"] == "redirect":
                term["lookups"] = 0
                term["ignored"] = True
    result["valid"] = not result["errors"]
    return result


def select_spf(txt_values):
    """The SPF record among a name's TXT values: (record or None, count of SPF records)."""
    found = [value for value in txt_values or [] if is_spf(value)]
    return (found[0] if len(found) == 1 else None), len(found)


def count_lookups(record, resolve_txt, domain=None, _seen=None, _depth=0):
    """Count the DNS lookups an evaluation of ``record`` costs (RFC 7208 4.6.4), following include/redirect.

    ``resolve_txt(name)`` returns the list of TXT texts of ``name``, or raises LookupError (with a reason)
    when the name could not be resolved. Returns dict(lookups, exact, void, tree, errors, unresolved).
    """
    seen = set(_seen or ())
    if domain:
        seen.add(domain.lower().rstrip("."))
    parsed = parse(record)
    node = dict(domain=domain, record=parsed["record"], lookups=0, children=[], errors=list(parsed["errors"]))
    out = dict(lookups=0, exact=True, void=0, tree=node, errors=list(parsed["errors"]), unresolved=[])
    for term in parsed["terms"]:
        if not term["lookups"]:
            continue
        out["lookups"] += 1
        node["lookups"] += 1
        if term["name"] not in ("include", "redirect"):
            continue
        target = term["value"]
        if term["macro"]:
            out["exact"] = False
            out["unresolved"].append(dict(name=target, reason="contains a macro; expanded only per message"))
            continue
        key = target.lower().rstrip(".")
        if key in seen:
            message = "%s: include/redirect loop back to %s" % (term["text"], target)
            out["errors"].append(message)
            node["errors"].append(message)
            continue
        if _depth >= 20:
            out["errors"].append("%s: nesting deeper than 20 levels" % term["text"])
            continue
        try:
            values = resolve_txt(target)
        except LookupError as exc:
            out["exact"] = False
            out["unresolved"].append(dict(name=target, reason=str(exc)))
            node["children"].append(dict(domain=target, record=None, lookups=None, children=[],
                                         errors=["not resolved: %s" % exc]))
            continue
        child_record, count = select_spf(values)
        if child_record is None:
            if not values:
                out["void"] += 1
            message = "%s: %s has %s SPF record (a permanent error for the receiver)" % (
                term["text"], target, "no" if count == 0 else "more than one")
            out["errors"].append(message)
            node["children"].append(dict(domain=target, record=None, lookups=0, children=[], errors=[message]))
            continue
        child = count_lookups(child_record, resolve_txt, target, seen, _depth + 1)
        out["lookups"] += child["lookups"]
        out["void"] += child["void"]
        out["exact"] = out["exact"] and child["exact"]
        out["errors"] += child["errors"]
        out["unresolved"] += child["unresolved"]
        node["children"].append(child["tree"])
    return out


def _term_key(term):
    """Equality of terms: a missing qualifier is '+', names and domains are case-insensitive."""
    value = term.get("value")
    return (term["kind"], term["name"], term.get("qualifier"), value.lower().rstrip(".") if value else value,
            term.get("cidr4"), term.get("cidr6"))


def has_mechanism(record, mechanism):
    """Whether ``record`` contains ``mechanism`` (same qualifier, name, domain and prefix lengths)."""
    wanted = _term_key(parse_term(mechanism.strip()))
    return any(_term_key(term) == wanted for term in parse(record)["terms"])


def merge(record, mechanisms):
    """Add mechanisms to an SPF record without breaking it.

    Each new mechanism goes before 'all' (or before the trailing modifiers when there is no 'all'), in the
    order given; a mechanism that is already there is not added again. The record must parse.
    """
    if isinstance(mechanisms, str):
        mechanisms = [mechanisms]
    parsed = parse(record)
    if parsed["errors"]:
        raise SPFError("the SPF record %r is not valid: %s" % (parsed["record"], "; ".join(parsed["errors"])))
    terms = list(parsed["terms"])
    keys = set(_term_key(term) for term in terms)
    for text in mechanisms:
        if not isinstance(text, str) or not text.strip():
            raise SPFError("mechanism: %r is not an SPF mechanism" % (text,))
        if len(text.split()) != 1:
            raise SPFError("mechanism: %r must be a single term (no spaces)" % text)
        term = parse_term(text.strip())
        if term["kind"] != "mechanism":
            raise SPFError("mechanism: %r is a modifier; only mechanisms can be merged" % text)
        if term["name"] == "all":
            raise SPFError("mechanism: 'all' cannot be merged; the record keeps its own 'all'")
        if _term_key(term) in keys:
            continue
        keys.add(_term_key(term))
        index = len(terms)
        for position, existing in enumerate(terms):
            if existing["kind"] == "mechanism" and existing["name"] == "all":
                index = position
                break
        else:
            while index > 0 and terms[index - 1]["kind"] == "modifier":
                index -= 1
        terms.insert(index, term)
    return " ".join([parsed["record"].split()[0]] + [term["text"] for term in terms])
