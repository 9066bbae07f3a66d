# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPF (RFC 7208): parser, DNS-lookup counter, analysis and merge (private; the API may change).

Pure Python: the lookup counter gets a ``resolve_txt(name)`` callable, so it runs against real DNS in
mail_dns_info and against a stub in unit tests.

The model follows the evaluation of RFC 7208 section 4.6: a syntax error anywhere is a permerror before any term
is evaluated; mechanisms are evaluated left to right and evaluation stops at ``all`` (section 5.1), so terms after
it are never evaluated and cost no lookup; ``redirect`` is evaluated after the mechanisms and only when there is
no ``all`` (section 6.1); every ``include``, ``a``, ``mx``, ``ptr``, ``exists`` and ``redirect`` that is evaluated
costs one DNS lookup, nested records included, and the 11th is a permerror (section 4.6.4).

Every public function raises only :class:`SPFError` (a ValueError), or reports errors in its result; odd input
(None, numbers, lists, bytes, Unicode) never gives a TypeError or AttributeError.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

LOOKUP_LIMIT = 10
VOID_LOOKUP_LIMIT = 2
MAX_FOLLOWED = 200  # nested records followed per analysis at most (a zone of mutual includes cannot blow it up)
MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
LOOKUP_TERMS = ("include", "a", "mx", "ptr", "exists", "redirect")
QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
PREFIXES = dict((value, key) for key, value in QUALIFIERS.items())

_MACRO = re.compile(r"%(?:\{([slodiphcrtv])([0-9]*)(r?)([.\-+,/_=]*)\}|[%_\-])", re.IGNORECASE)
_TERM = re.compile(r"^([+\-~?]?)([a-z][a-z0-9_.\-]*)(.*)\Z", re.IGNORECASE | re.DOTALL)
_TOPLABEL = re.compile(r"^(?:[a-z0-9]*[a-z][a-z0-9]*|[a-z0-9]+-[a-z0-9\-]*[a-z0-9])\Z", re.IGNORECASE)
_PRINTABLE = re.compile(r"^[\x21-\x7e]+\Z")
# A mechanism or modifier name inside the domain of another term: include:include:x, exists:exists:..., a:mx:x.
_DOUBLED = re.compile(r"^(all|include|a|mx|ptr|ip4|ip6|exists|redirect|exp)[:=]", re.IGNORECASE)
# The SPF term of Cisco Secure Email (CES): exists:%{i}.spf.<allocation>.iphmx.com
_CISCO = re.compile(r"^%\{i\}\.spf\.([a-z0-9][a-z0-9.\-]*)\.iphmx\.com\.?\Z", re.IGNORECASE)
# An answer line of dig or a zone file (owner [ttl] [class] [ttl] TXT ...), or of host (owner descriptive text ...).
_ANSWER = re.compile(r"^\S+\s+(?:[0-9]+\s+)?(?:(?:IN|CH|HS|CS|ANY)\s+)?(?:[0-9]+\s+)?(?:TXT|SPF|descriptive\s+text)\s+"
                     r"(.*)\Z", re.IGNORECASE | re.DOTALL)
_SMART_QUOTES = (u"\u201c", u"\u201d", u"\u201e", u"\u201f", u"\u2033")


class SPFError(ValueError):
    """A record or mechanism that is not valid SPF, or input that is not record text."""


def finding(severity, code, message):
    return dict(severity=severity, code=code, message=message)


# -- record text as users copy it -------------------------------------------------------------------------------------
def _text(value, what):
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeError:
            raise SPFError("%s: %r is not UTF-8 text" % (what, value))
    if not isinstance(value, str):
        raise SPFError("%s: expected text, got %s %r" % (what, type(value).__name__, value))
    return value


def _unquote(text):
    """'"part one" "part two"' (zone-file/dig character-strings) -> the joined text, escapes resolved."""
    parts, index, length = [], 0, len(text)
    while index < length:
        if text[index].isspace():
            index += 1
            continue
        if text[index] == ";":  # a zone-file comment, to the end of the line
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
            continue
        if text[index] != '"':
            raise SPFError("%r: unexpected %r between quoted strings (TXT text is one or more \"...\" strings)"
                           % (text, text[index:index + 20]))
        index += 1
        chars = []
        while True:
            if index >= length:
                raise SPFError("%r: a quoted string is not closed" % text)
            char = text[index]
            if char == '"':
                index += 1
                break
            if char == "\\" and index + 1 < length:
                digits = text[index + 1:index + 4]
                if len(digits) == 3 and all(c in "0123456789" for c in digits) and int(digits) < 256:
                    chars.append(chr(int(digits)))
                    index += 4
                    continue
                chars.append(text[index + 1])
                index += 2
                continue
            chars.append(char)
            index += 1
        parts.append("".join(chars))
    return "".join(parts)


def normalize(text):
    """Text copied from dig, a zone file, a DNS console or JSON -> the record text that receivers evaluate.

    Accepts a whole answer line (``example.com. 300 IN TXT "v=spf1 ..."``), several quoted character-strings
    (joined WITHOUT a space, as TXT does: ``"v=spf1 a " "-all"`` is ``v=spf1 a -all``), zone-file parentheses,
    escaped quotes (``\\"v=spf1 -all\\"``), typographic quotes, line breaks and surrounding white space. Runs of
    white space inside the record become one space. Raises SPFError for input that is not text or has an unclosed
    quote."""
    text = _text(text, "SPF record").strip().lstrip(u"\ufeff").strip()
    if text.startswith('\\"'):
        text = text.replace('\\"', '"')
    if text[:1] in _SMART_QUOTES:
        for quote in _SMART_QUOTES:
            text = text.replace(quote, '"')
    answer = _ANSWER.match(text)
    if answer and answer.group(1).lstrip()[:1] in ('"', "("):
        text = answer.group(1).strip()
    if text.startswith("("):
        close = text.rfind(")")
        if close > 0 and text[close + 1:].strip()[:1] in ("", ";"):
            text = text[1:close].strip()
    if text.startswith('"'):
        text = _unquote(text)
    return re.sub(r"\s+", " ", text).strip()


def is_spf(text):
    """True for the TXT text of an SPF record (``v=spf1`` followed by a space or the end). Never raises."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        return False
    return bool(re.match(r"^v=spf1(\s|\Z)", text.strip(), re.IGNORECASE))


# -- terms ----------------------------------------------------------------------------------------------------------
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
        labels = value[:-1].split(".") if value.endswith(".") else value.split(".")
        if len(labels) < 2 or any(not label or len(label) > 63 for label in labels) or len(value) > 254 \
                or '"' in value:
            raise SPFError("%r: %r is not a domain name" % (term, value))
        if not _TOPLABEL.match(labels[-1]):
            raise SPFError("%r: %r is not a domain name: its last label must have a letter (RFC 7208 section 7.1, "
                           "toplabel); an address is written ip4:/ip6:" % (term, value))
    return value, macro


def _cidr(text, term, bits):
    if not re.match(r"^[0-9]+\Z", text) or not 0 <= int(text) <= bits or (len(text) > 1 and text.startswith("0")):
        raise SPFError("%r: invalid prefix length /%s (0-%d)" % (term, text, bits))
    return int(text)


def _doubled(value):
    return bool(value) and bool(_DOUBLED.match(value))


def parse_term(text):
    """One term -> dict: kind (mechanism|modifier), name, qualifier, value, cidr4/cidr6, macro, lookups, text.

    Raises SPFError (only) for anything that is not one valid term."""
    text = _text(text, "SPF term")
    if not text or not _PRINTABLE.match(text):
        raise SPFError("%r: not an SPF term (a term is printable ASCII without spaces; write an internationalised "
                       "domain as its A-label, xn--...)" % (text,))
    match = _TERM.match(text)
    if not match:
        raise SPFError("%r: not an SPF mechanism or modifier" % text)
    qualifier, name, rest = match.group(1), match.group(2).lower(), match.group(3)
    if rest.startswith("=") and not qualifier:
        if not re.match(r"^[a-z][a-z0-9_.\-]*\Z", name):
            raise SPFError("%r: invalid modifier name" % text)
        value = rest[1:]
        macro = _check_macros(value, text) if name != "exp" else bool(_MACRO.search(value))
        if name in ("redirect", "exp"):
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
        hint = " (a doubled prefix: write %s:%s)" % (name, _DOUBLED.sub("", address, 1)) if _doubled(address) else ""
        try:
            if "%" in address:
                raise ValueError(address)
            ip = ipaddress.ip_address(address)
        except ValueError:
            raise SPFError("%r: %r is not an IPv%s address%s" % (text, address, name[-1], hint))
        if ip.version != int(name[-1]):
            raise SPFError("%r: %r is not an IPv%s address" % (text, address, name[-1]))
        term["value"] = address
        if prefix:
            term["cidr4" if name == "ip4" else "cidr6"] = _cidr(prefix, text, 32 if name == "ip4" else 128)
        return term
    if name in ("a", "mx"):
        parts = re.match(r"^(?::([^/]*))?(?:/([0-9]+))?(?://([0-9]+))?\Z", rest)
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


def render_term(term):
    """A term dict (kind, name, qualifier, value, cidr4, cidr6) -> its text; parse_term(render_term(t)) gives t back."""
    if term["kind"] == "modifier":
        return "%s=%s" % (term["name"], term.get("value") or "")
    qualifier = term.get("qualifier") or "pass"
    text = ("" if qualifier == "pass" else PREFIXES[qualifier]) + term["name"]
    if term.get("value"):
        text += ":" + term["value"]
    if term.get("cidr4") is not None:
        text += "/%d" % term["cidr4"]
    if term.get("cidr6") is not None:
        text += ("//%d" if term["name"] in ("a", "mx") else "/%d") % term["cidr6"]
    return text


def render(terms):
    """Terms (dicts, or term texts) -> the record text ``v=spf1 ...``."""
    return " ".join(["v=spf1"] + [term if isinstance(term, str) else render_term(term) for term in terms])


def _doubled_message(term):
    return ("%s: the domain %r starts with a mechanism name again (a doubled prefix); receivers look up that name, "
            "find no SPF record and the term never matches (include and redirect: permerror); write %s:%s"
            % (term["text"], term["value"], term["name"], _DOUBLED.sub("", term["value"], 1)))


def parse(record):
    """A record -> dict(record, terms, errors, notes, all, redirect, valid). Never raises: errors are collected.

    The text is normalised first (see :func:`normalize`). Each term has ``evaluated``: false for mechanisms after
    the first ``all`` and for ``redirect`` next to ``all``; those cost no lookup. ``errors`` are syntax errors
    (receivers return permerror); ``notes`` are findings about the record (code, severity, message)."""
    result = dict(record=None, terms=[], errors=[], notes=[], all=None, redirect=None, valid=False)
    try:
        text = normalize(record if record is not None else "")
    except SPFError as exc:
        result["errors"].append(str(exc))
        result["notes"].append(finding("error", "spf_invalid", str(exc)))
        return result
    result["record"] = text
    if not is_spf(text):
        message = "not an SPF record: it must start with 'v=spf1'"
        result["errors"].append(message)
        result["notes"].append(finding("error", "spf_invalid", message))
        return result
    seen_modifiers = set()
    all_seen = False
    after_all = []
    for token in text.split(" ")[1:]:
        try:
            term = parse_term(token)
        except SPFError as exc:
            result["errors"].append(str(exc))
            result["notes"].append(finding("error", "spf_invalid", str(exc)))
            continue
        term["evaluated"] = True
        if term["kind"] == "modifier":
            if term["name"] in ("redirect", "exp"):
                if term["name"] in seen_modifiers:
                    message = "%r: %s= appears more than once (RFC 7208 section 6)" % (token, term["name"])
                    result["errors"].append(message)
                    result["notes"].append(finding("error", "spf_invalid", message))
                    term["evaluated"] = False
                    term["lookups"] = 0
                elif term["name"] == "redirect":
                    result["redirect"] = term["value"]
                seen_modifiers.add(term["name"])
            elif term["name"] in MECHANISMS:
                result["notes"].append(finding(
                    "warning", "spf_mechanism_as_modifier",
                    "%s: %s= is an unknown modifier, which receivers ignore; the mechanism is written %s:%s"
                    % (token, term["name"], term["name"], term["value"])))
        elif all_seen:
            term["evaluated"] = False
            term["lookups"] = 0
            after_all.append(token)
        elif term["name"] == "all":
            all_seen = True
            result["all"] = term["qualifier"]
        if term["evaluated"] and term["kind"] == "mechanism" and term["name"] == "ptr":
            result["notes"].append(finding("warning", "spf_ptr", "%s: do not use ptr (RFC 7208 section 5.5): it is slow, "
                                                                 "unreliable and some receivers skip it; list the "
                                                                 "addresses (ip4:, ip6:) or use a or include" % token))
        if term["evaluated"] and _doubled(term["value"]) and term["name"] not in ("exp", "ip4", "ip6"):
            result["notes"].append(finding("error", "spf_doubled_prefix", _doubled_message(term)))
        result["terms"].append(term)
    if after_all:
        one = len(after_all) == 1
        result["notes"].append(finding("warning", "spf_terms_after_all", "%s after 'all' %s never evaluated (RFC 7208 "
                                       "section 5.1) and %s no lookup; move %s before 'all' or remove %s"
                                       % (", ".join(after_all), "is" if one else "are", "costs" if one else "cost",
                                          "it" if one else "them", "it" if one else "them")))
    if all_seen and result["redirect"] is not None:
        # RFC 7208 6.1: redirect is ignored when 'all' is present.
        for term in result["terms"]:
            if term["name"] == "redirect":
                term["lookups"] = 0
                term["ignored"] = True
                term["evaluated"] = False
        result["notes"].append(finding("warning", "spf_redirect_with_all", "redirect=%s is ignored because the record "
                                                                           "has 'all' (RFC 7208 section 6.1); remove "
                                                                           "one of them" % result["redirect"]))
    result["valid"] = not result["errors"]
    return result


def select_spf(txt_values):
    """The SPF record among a name's TXT values: (record or None, count of SPF records)."""
    if isinstance(txt_values, (str, bytes)):
        txt_values = [txt_values]
    if not isinstance(txt_values, (list, tuple)):
        txt_values = []
    found = [value for value in txt_values if is_spf(value)]
    return (found[0] if len(found) == 1 else None), len(found)


def _evaluation_order(terms):
    """The terms that are evaluated, in the order of evaluation: mechanisms left to right, then redirect."""
    evaluated = [term for term in terms if term.get("evaluated", True)]
    return [t for t in evaluated if t["kind"] == "mechanism"] + [t for t in evaluated if t["name"] == "redirect"]


def _name_key(name):
    return name.lower().rstrip(".")


def _term_key(term):
    """Equality of terms: a missing qualifier is '+', names and domains are case-insensitive."""
    value = term.get("value")
    return (term["kind"], term["name"], term.get("qualifier"), _name_key(value) if value else value,
            term.get("cidr4"), term.get("cidr6"))


def count_lookups(record, resolve_txt, domain=None, _seen=None, _depth=0, gateway=None, _budget=None):
    """Count the DNS lookups an evaluation of ``record`` costs (RFC 7208 4.6.4), following include/redirect.

    Only evaluated terms count (not those after ``all``, nor ``redirect`` next to ``all``); the count is the worst
    case, where no term matches. ``resolve_txt(name)`` returns the list of TXT texts of ``name``, or raises
    LookupError (with a reason) when the name could not be resolved. Returns dict(lookups, exact, void, tree,
    errors, problems, unresolved, gateway): ``problems`` are the errors as findings; ``gateway``, when the
    mechanism ``gateway`` is evaluated in the top record, holds what the evaluation spent before reaching it
    (lookups_before, void_before, errors_before, exact_before)."""
    budget = _budget if _budget is not None else dict(followed=0)
    seen = set(_seen or ())
    if domain:
        seen.add(_name_key(str(domain)))
    parsed = parse(record)
    node = dict(domain=domain, record=parsed["record"], lookups=0, children=[], errors=list(parsed["errors"]))
    out = dict(lookups=0, exact=True, void=0, tree=node, errors=list(parsed["errors"]), unresolved=[], problems=[],
               gateway=None)
    for error in parsed["errors"]:
        out["problems"].append(finding("error", "spf_invalid", error) if not _depth else
                               finding("error", "spf_include_invalid", "%s: %s" % (domain, error)))
    gateway_key = None
    if gateway and not _depth:
        try:
            gateway_key = _term_key(parse_term(gateway.strip() if isinstance(gateway, str) else gateway))
        except SPFError:
            gateway_key = None

    def problem(code, message, child=None):
        out["errors"].append(message)
        out["problems"].append(finding("error", code, message))
        if child is None:
            node["errors"].append(message)
        else:
            node["children"].append(child)

    for term in _evaluation_order(parsed["terms"]):
        if gateway_key is not None and out["gateway"] is None and _term_key(term) == gateway_key:
            out["gateway"] = dict(lookups_before=out["lookups"], void_before=out["void"], exact_before=out["exact"],
                                  errors_before=out["errors"][len(parsed["errors"]):],
                                  unresolved_before=[item["name"] for item in out["unresolved"]])
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
        if _doubled(target):
            message = _doubled_message(term)
            problem("spf_doubled_prefix", message,
                    dict(domain=target, record=None, lookups=0, children=[], errors=[message]))
            continue
        key = _name_key(target)
        if key in seen:
            problem("spf_include_loop", "%s: include/redirect loop back to %s" % (term["text"], target))
            continue
        if _depth >= 20:
            problem("spf_nesting_too_deep", "%s: nesting deeper than 20 levels" % term["text"])
            continue
        if budget["followed"] >= MAX_FOLLOWED:
            out["exact"] = False
            out["unresolved"].append(dict(name=target, reason="not followed: more than %d nested records" % MAX_FOLLOWED))
            continue
        budget["followed"] += 1
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
            problem("spf_include_no_record" if count == 0 else "spf_include_multiple", message,
                    dict(domain=target, record=None, lookups=0, children=[], errors=[message]))
            continue
        child = count_lookups(child_record, resolve_txt, target, seen, _depth + 1, _budget=budget)
        out["lookups"] += child["lookups"]
        out["void"] += child["void"]
        out["exact"] = out["exact"] and child["exact"]
        out["errors"] += child["errors"]
        out["problems"] += child["problems"]
        out["unresolved"] += child["unresolved"]
        node["children"].append(child["tree"])
    return out


def gateway_allocation(mechanism):
    """The Cisco allocation of ``exists:%{i}.spf.<allocation>.iphmx.com`` (lower case), else None. Never raises."""
    try:
        term = parse_term(mechanism.strip() if isinstance(mechanism, str) else mechanism)
    except SPFError:
        return None
    return _term_allocation(term)


def _term_allocation(term):
    if term["kind"] != "mechanism" or term["name"] != "exists" or not term.get("value"):
        return None
    match = _CISCO.match(term["value"])
    return match.group(1).lower() if match else None


def _no_resolver(name):
    raise LookupError("%s: not resolved (no DNS lookups)" % name)


def analyse(txt_values, resolve_txt=None, domain=None, gateway_mechanism=None):
    """The SPF of a name from its TXT values (or one record text): parsed, lookups counted, gateway term judged.

    ``resolve_txt`` None follows no include (the counts are then those of this record, a lower bound). Returns the
    ``spf`` dict of mail_dns_info (see its RETURN), with ``notes``: the findings about the record and its nested
    records (codes, see :func:`findings`). Never raises."""
    if isinstance(txt_values, (str, bytes)):
        txt_values = [txt_values]
    found = [value for value in (txt_values if isinstance(txt_values, (list, tuple)) else []) if is_spf(value)]
    gateway_text = gateway_mechanism.strip() if isinstance(gateway_mechanism, str) and gateway_mechanism.strip() \
        else None
    result = dict(record=None, records_found=len(found), valid=False, terms=[], all=None, redirect=None,
                  lookups=0, lookup_limit=LOOKUP_LIMIT, lookups_exact=True, over_limit=False,
                  void_lookups=0, includes=None, unresolved=[], errors=[], notes=[], permerror=len(found) > 1,
                  gateway_mechanism=gateway_text, gateway_mechanism_present=None,
                  gateway_allocation=gateway_allocation(gateway_text) if gateway_text else None,
                  gateway_allocations=[], gateway_term=None, gateway_effective=None, gateway_reason=None,
                  gateway_lookups_before=None)
    gateway_term = None
    if gateway_text:
        try:
            gateway_term = parse_term(gateway_text)
        except SPFError as exc:
            result.update(gateway_effective=False, gateway_reason="gateway_mechanism is not valid: %s" % exc)
    if len(found) != 1:
        if gateway_term is not None:
            result.update(gateway_effective=False, gateway_reason=(
                "there is no SPF record" if not found else
                "there are %d SPF records: receivers return permerror (RFC 7208 section 4.5)" % len(found)))
        return result
    record = found[0]
    parsed = parse(record)
    result.update(record=record.strip() if isinstance(record, str) else parsed["record"], valid=parsed["valid"],
                  all=parsed["all"], redirect=parsed["redirect"], errors=list(parsed["errors"]),
                  terms=[dict(term) for term in parsed["terms"]],
                  notes=[note for note in parsed["notes"] if note["code"] != "spf_invalid"])
    allocations = []
    for term in parsed["terms"]:
        allocation = _term_allocation(term)
        if allocation and allocation not in allocations:
            allocations.append(allocation)
    result["gateway_allocations"] = allocations
    if gateway_term is None and gateway_text is None:
        cisco = [term for term in parsed["terms"] if _term_allocation(term)]
        gateway_term = cisco[0] if cisco else None
    if gateway_term is not None:
        result["gateway_term"] = gateway_term["text"]
    counted = count_lookups(record, resolve_txt or _no_resolver, domain,
                            gateway=gateway_term["text"] if gateway_term is not None else None)
    result.update(lookups=counted["lookups"], lookups_exact=counted["exact"], void_lookups=counted["void"],
                  includes=counted["tree"]["children"], unresolved=counted["unresolved"],
                  over_limit=counted["lookups"] > LOOKUP_LIMIT)
    result["errors"] += [error for error in counted["errors"] if error not in result["errors"]]
    result["notes"] = counted["problems"] + [note for note in result["notes"] if note not in counted["problems"]]
    result["permerror"] = bool(result["errors"]) or result["over_limit"] or result["void_lookups"] > VOID_LOOKUP_LIMIT
    if gateway_text:
        result["gateway_mechanism_present"] = gateway_term is not None and any(
            _term_key(term) == _term_key(gateway_term) for term in parsed["terms"])
    if gateway_term is not None and result["gateway_effective"] is None:
        result.update(_gateway_effect(parsed, gateway_term, counted))
    return result


def _gateway_effect(parsed, gateway_term, counted):
    """Whether the gateway term is reached in an evaluation: gateway_effective, gateway_reason, lookups before."""
    def judged(effective, reason, before=None):
        return dict(gateway_effective=effective, gateway_reason=reason, gateway_lookups_before=before)

    key = _term_key(gateway_term)
    present = [term for term in parsed["terms"] if _term_key(term) == key]
    if not present:
        return judged(False, "the record does not contain %s" % gateway_term["text"])
    if not any(term.get("evaluated", True) for term in present):
        return judged(False, "%s comes after 'all', where evaluation has stopped (RFC 7208 section 5.1)"
                      % gateway_term["text"])
    if parsed["errors"]:
        return judged(False, "the record has a syntax error, so receivers return permerror before any term is "
                             "evaluated (RFC 7208 section 4.6): %s" % parsed["errors"][0])
    before = counted["gateway"]
    if before is None:  # evaluated but not reached: cannot happen for a term that is evaluated
        return judged(False, "%s is not evaluated" % gateway_term["text"])
    spent = before["lookups_before"]
    if before["errors_before"]:
        return judged(False, "a term before it gives permerror: %s" % before["errors_before"][0], spent)
    if spent + gateway_term["lookups"] > LOOKUP_LIMIT:
        return judged(False, "the evaluation needs %d DNS lookups%s before it, so the limit of %d (RFC 7208 section "
                             "4.6.4) gives permerror before it is reached"
                      % (spent, "" if before["exact_before"] else " or more", LOOKUP_LIMIT), spent)
    if before["void_before"] > VOID_LOOKUP_LIMIT:
        return judged(False, "%d void lookups before it exceed the limit of %d: permerror"
                      % (before["void_before"], VOID_LOOKUP_LIMIT), spent)
    reason = "reached after %d DNS lookup%s" % (spent, "" if spent == 1 else "s")
    if not before["exact_before"]:
        reason += " or more (not resolved: %s)" % ", ".join(sorted(set(before["unresolved_before"])))
    return judged(True, reason, spent)


def findings(domain, spf):
    """Findings (severity, code, message) from an analysed ``spf`` dict (see :func:`analyse`).

    ``domain`` may be None (the filters)."""
    name = domain or "the domain"
    out = []
    if spf.get("error"):
        return [finding("error", "spf_lookup_failed", "TXT of %s could not be read: %s" % (name, spf["error"]))]
    if spf["records_found"] == 0:
        return [finding("warning", "spf_missing", "%s has no SPF record" % name)]
    if spf["records_found"] > 1:
        return [finding("error", "spf_multiple", "%s has %d SPF records; receivers treat that as a permanent "
                                                 "error (RFC 7208 4.5)" % (name, spf["records_found"]))]
    if "notes" in spf:
        for note in spf["notes"]:
            if note not in out:
                out.append(note)
    else:
        out += [finding("error", "spf_invalid", error) for error in spf["errors"]]
    lookups, exact = spf["lookups"], spf.get("lookups_exact", True)
    if lookups > LOOKUP_LIMIT:
        out.append(finding("error", "spf_too_many_lookups", "SPF needs %d DNS lookups%s, more than the limit of %d "
                                                            "(RFC 7208 4.6.4): receivers return permerror"
                           % (lookups, "" if exact else " or more", LOOKUP_LIMIT)))
    elif lookups >= LOOKUP_LIMIT - 1:
        out.append(finding("warning", "spf_lookups_near_limit", "SPF needs %d of %d DNS lookups%s"
                           % (lookups, LOOKUP_LIMIT, "" if exact else " or more")))
    if not exact:
        out.append(finding("info", "spf_lookups_lower_bound", "SPF lookup count %d is a lower bound; not resolved: %s"
                           % (lookups, ", ".join(sorted(set(u["name"] for u in spf.get("unresolved") or []))))))
    if spf.get("void_lookups", 0) > VOID_LOOKUP_LIMIT:
        out.append(finding("error", "spf_void_lookups", "SPF has %d void lookups, more than the limit of %d (RFC 7208 "
                                                        "4.6.4): receivers return permerror"
                           % (spf["void_lookups"], VOID_LOOKUP_LIMIT)))
    if spf["all"] == "pass":
        out.append(finding("error", "spf_pass_all", "SPF ends in '+all': every host may send as %s" % name))
    elif spf["all"] is None and not spf.get("redirect"):
        out.append(finding("warning", "spf_no_all", "SPF has neither 'all' nor 'redirect=': the default result "
                                                    "is neutral"))
    elif spf["all"] == "neutral":
        out.append(finding("warning", "spf_neutral_all", "SPF ends in '?all' (neutral)"))
    out += _gateway_findings(spf)
    return out


def _gateway_findings(spf):
    out = []
    mechanism = spf.get("gateway_mechanism")
    if mechanism:
        if spf.get("gateway_mechanism_present"):
            out.append(finding("info", "spf_gateway_present", "SPF contains %s" % mechanism))
        else:
            out.append(finding("warning", "spf_gateway_missing", "SPF lacks %s: mail sent through the gateway "
                                                                 "fails SPF" % mechanism))
    if spf.get("gateway_term") and spf.get("gateway_effective") is False and \
            (spf.get("gateway_mechanism_present") or not mechanism):
        out.append(finding("error", "spf_gateway_unreachable", "SPF contains %s, but it is not effective: %s; mail "
                                                               "sent through the gateway does not pass SPF"
                           % (spf["gateway_term"], spf.get("gateway_reason"))))
    expected = spf.get("gateway_allocation")
    others = [item for item in spf.get("gateway_allocations") or [] if expected and item != expected]
    if others:
        out.append(finding("warning", "spf_gateway_other_allocation", "SPF authorises the Cisco allocation%s %s "
                                                                      "(exists:%%{i}.spf.<allocation>.iphmx.com), "
                                                                      "not the expected %s: a leftover or a typo?"
                           % ("" if len(others) == 1 else "s", ", ".join(others), expected)))
    return out


def has_mechanism(record, mechanism):
    """Whether ``record`` contains ``mechanism`` (same qualifier, name, domain and prefix lengths), anywhere."""
    wanted = _term_key(parse_term(_text(mechanism, "mechanism").strip()))
    return any(_term_key(term) == wanted for term in parse(record)["terms"])


def merge(record, mechanisms):
    """Add mechanisms to an SPF record without breaking it.

    Each new mechanism goes before 'all' (or before the trailing modifiers when there is no 'all'), in the
    order given; a mechanism that is already evaluated is not added again. A mechanism that is there only after
    'all' (never evaluated) is moved before 'all'. The record text is normalised first and must parse.
    """
    if isinstance(mechanisms, (str, bytes)):
        mechanisms = [mechanisms]
    if not isinstance(mechanisms, (list, tuple)):
        raise SPFError("mechanism: %r is not an SPF mechanism or a list of them" % (mechanisms,))
    parsed = parse(record)
    if parsed["errors"]:
        shown = parsed["record"] if parsed["record"] is not None else record
        raise SPFError("the SPF record %r is not valid: %s" % (shown, "; ".join(parsed["errors"])))
    terms = list(parsed["terms"])
    keys = set(_term_key(term) for term in terms if term["evaluated"])
    for text in mechanisms:
        if isinstance(text, bytes):
            text = _text(text, "mechanism")
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
        terms = [existing for existing in terms if existing["evaluated"] or _term_key(existing) != _term_key(term)]
        term["evaluated"] = True
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
