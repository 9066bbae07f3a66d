# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPF analysis by RFC 7208 (issue 13): evaluation stops at 'all', lookups to the worst case through include and
redirect, findings with stable codes, the gateway term judged, text copied from dig.

The records are written for these tests in the shapes of published samples: the examples of RFC 7208 (appendix A
and sections 5 and 6), Microsoft's SPF for Microsoft 365 (include:spf.protection.outlook.com) and the Cisco Secure
Email gateway term (exists:%{i}.spf.<allocation>.iphmx.com)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import spf

M365 = "include:spf.protection.outlook.com"
GATEWAY = "exists:%{i}.spf.hc2468-35.iphmx.com"

ZONE = {
    "spf.protection.outlook.com": ["v=spf1 ip4:40.92.0.0/15 ip6:2a01:111:f400::/48 "
                                   "include:spfd.protection.outlook.com -all"],
    "spfd.protection.outlook.com": ["v=spf1 ip4:51.4.72.0/24 -all"],
    "_spf.mail.example.net": ["v=spf1 a mx include:_spf2.mail.example.net ~all"],
    "_spf2.mail.example.net": ["v=spf1 a:relay.mail.example.net ip6:2001:db8:77::/48 ~all"],
    "ten.example.net": ["v=spf1 " + " ".join("a:h%d.example.net" % n for n in range(9)) + " -all"],
    "four.example.net": ["v=spf1 a:h1.example.net a:h2.example.net a:h3.example.net a:h4.example.net -all"],
    "policy.example.org": ["v=spf1 mx:mail.example.org ip4:198.51.100.0/26 -all"],
    "text-only.example.org": ["site-verification=4f3e2d"],
    "empty1.example.org": [],
    "empty2.example.org": [],
    "empty3.example.org": [],
    "two.example.org": ["v=spf1 -all", "v=spf1 ~all"],
}


def resolve_txt(name):
    key = name.lower().rstrip(".")
    if key not in ZONE:
        raise LookupError("%s: REFUSED from every nameserver" % key)
    return ZONE[key]


def analyse(record, gateway=None):
    return spf.analyse([record], resolve_txt, "example.com", gateway)


def codes(result, domain="example.com"):
    return dict((item["code"], item["severity"]) for item in spf.findings(domain, result))


# -- RFC 7208 section 5.1: evaluation stops at 'all' -------------------------------------------------------------
def test_terms_after_all_are_not_counted_and_do_not_make_the_record_invalid():
    result = analyse("v=spf1 mx -all include:_spf.mail.example.net a:www.example.com")
    assert result["valid"] and not result["errors"] and not result["permerror"]
    assert result["lookups"] == 1
    assert [t["evaluated"] for t in result["terms"]] == [True, True, False, False]
    assert [t["lookups"] for t in result["terms"]] == [1, 0, 0, 0]
    found = codes(result)
    assert found["spf_terms_after_all"] == "warning"
    assert "spf_invalid" not in found


def test_a_second_all_is_a_term_after_all_and_the_first_one_counts():
    parsed = spf.parse("v=spf1 ip4:192.0.2.7 ~all -all")
    assert parsed["valid"] and parsed["all"] == "softfail"
    assert [n["code"] for n in parsed["notes"]] == ["spf_terms_after_all"]


def test_modifiers_after_all_are_not_terms_after_all():
    parsed = spf.parse("v=spf1 mx -all exp=why._spf.example.com")
    assert parsed["valid"] and not parsed["notes"]


# -- RFC 7208 section 6.1: redirect is ignored next to 'all' -----------------------------------------------------
def test_redirect_next_to_all_is_ignored_and_is_a_finding():
    result = analyse("v=spf1 redirect=policy.example.org ip4:192.0.2.0/25 ?all")
    assert result["lookups"] == 0 and result["valid"]
    assert codes(result)["spf_redirect_with_all"] == "warning"


def test_redirect_alone_is_followed_after_the_mechanisms():
    result = analyse("v=spf1 redirect=policy.example.org a:out.example.com")
    assert result["lookups"] == 1 + 1 + 1  # a:, redirect=, mx: in the target
    assert [child["domain"] for child in result["includes"]] == ["policy.example.org"]
    assert "spf_no_all" not in codes(result)


# -- RFC 7208 section 4.6.4: lookups to the worst case, nested ----------------------------------------------------
@pytest.mark.parametrize("record,lookups", [
    # appendix A shapes, own hosts
    ("v=spf1 +all", 0),
    ("v=spf1 a -all", 1),
    ("v=spf1 a:mail.example.org -all", 1),
    ("v=spf1 mx mx:mail.example.org -all", 2),
    ("v=spf1 mx/28 mx:mail.example.org/28 -all", 2),
    ("v=spf1 ip4:203.0.113.64/27 -all", 0),
    ("v=spf1 ptr -all", 1),
    # Microsoft 365, as Microsoft documents it: two lookups with the nested spfd record
    ("v=spf1 %s -all" % M365, 2),
    # the gateway term costs one lookup and cannot be followed (a macro)
    ("v=spf1 %s %s -all" % (M365, GATEWAY), 3),
    # nested through include and redirect
    ("v=spf1 include:_spf.mail.example.net -all", 1 + 3 + 1),
    ("v=spf1 a redirect=_spf.mail.example.net", 1 + 1 + 3 + 1),
    ("v=spf1 include:ten.example.net include:four.example.net -all", 1 + 9 + 1 + 4),
])
def test_lookups(record, lookups):
    result = analyse(record)
    assert result["lookups"] == lookups, result
    assert result["over_limit"] is (lookups > spf.LOOKUP_LIMIT)


def test_over_the_limit_is_a_permerror_finding():
    result = analyse("v=spf1 include:ten.example.net include:four.example.net -all")
    assert result["permerror"] and codes(result)["spf_too_many_lookups"] == "error"


@pytest.mark.parametrize("record,code", [
    ("v=spf1 include:text-only.example.org -all", "spf_include_no_record"),
    ("v=spf1 redirect=text-only.example.org", "spf_include_no_record"),
    ("v=spf1 include:two.example.org -all", "spf_include_multiple"),
])
def test_include_target_without_one_spf_record_is_a_permerror(record, code):
    result = analyse(record)
    assert result["permerror"] and codes(result)[code] == "error"
    assert "spf_invalid" not in codes(result)


def test_more_than_two_void_lookups_is_a_permerror():
    result = analyse("v=spf1 include:empty1.example.org include:empty2.example.org include:empty3.example.org -all")
    assert result["void_lookups"] == 3 and result["permerror"]
    assert codes(result)["spf_void_lookups"] == "error"


# -- findings ---------------------------------------------------------------------------------------------------
FINDING_EXAMPLES = {
    "spf_doubled_prefix": ("error", ["v=spf1 include:include:spf.protection.outlook.com -all",
                                     "v=spf1 exists:exists:%{i}.spf.hc2468-35.iphmx.com -all",
                                     "v=spf1 redirect=redirect=policy.example.org"]),
    "spf_ptr": ("warning", ["v=spf1 ptr:example.com -all"]),
    "spf_pass_all": ("error", ["v=spf1 mx +all"]),
    "spf_no_all": ("warning", ["v=spf1 mx"]),
    "spf_neutral_all": ("warning", ["v=spf1 mx ?all"]),
    "spf_mechanism_as_modifier": ("warning", ["v=spf1 include=spf.protection.outlook.com -all"]),
    "spf_invalid": ("error", ["v=spf1 ipv4:192.0.2.1 -all", "v=spf1 a:192.0.2.1 -all"]),
}


@pytest.mark.parametrize("code,record", [(code, record) for code, (_severity, records) in sorted(FINDING_EXAMPLES.items())
                                         for record in records])
def test_record_findings(code, record):
    assert codes(analyse(record))[code] == FINDING_EXAMPLES[code][0]


def test_doubled_prefix_is_not_looked_up():
    asked = []

    def recording(name):
        asked.append(name)
        return resolve_txt(name)

    result = spf.analyse(["v=spf1 include:include:spf.protection.outlook.com -all"], recording, "example.com")
    assert asked == [] and result["permerror"] and result["lookups"] == 1


def test_no_record_and_multiple_records():
    assert codes(spf.analyse(["site-verification=1"]))["spf_missing"] == "warning"
    result = spf.analyse(["v=spf1 -all", "v=spf1 %s -all" % M365])
    assert result["records_found"] == 2 and result["permerror"]
    assert codes(result)["spf_multiple"] == "error"


# -- the gateway term ---------------------------------------------------------------------------------------------
def test_cisco_ces_record_is_effective():
    result = analyse("v=spf1 %s %s -all" % (M365, GATEWAY), GATEWAY)
    assert result["gateway_mechanism_present"] is True and result["gateway_effective"] is True
    assert result["gateway_lookups_before"] == 2 and result["gateway_allocation"] == "hc2468-35"
    assert result["gateway_allocations"] == ["hc2468-35"]
    found = codes(result)
    assert found["spf_gateway_present"] == "info" and "spf_gateway_unreachable" not in found


def test_gateway_after_all_is_present_but_not_effective():
    result = analyse("v=spf1 %s -all %s" % (M365, GATEWAY), GATEWAY)
    assert result["gateway_mechanism_present"] is True and result["gateway_effective"] is False
    assert "after 'all'" in result["gateway_reason"]
    assert codes(result)["spf_gateway_unreachable"] == "error"


def test_gateway_beyond_the_lookup_limit_is_not_effective():
    record = "v=spf1 include:ten.example.net %s -all" % GATEWAY
    result = analyse(record, GATEWAY)
    assert result["gateway_lookups_before"] == 10 and result["gateway_effective"] is False
    assert "limit of 10" in result["gateway_reason"]
    # the same term first is reached after no lookup, even though the whole record is over the limit
    first = analyse("v=spf1 %s include:ten.example.net include:four.example.net -all" % GATEWAY, GATEWAY)
    assert first["over_limit"] and first["gateway_effective"] is True and first["gateway_lookups_before"] == 0


def test_gateway_after_a_permerror_or_in_a_broken_record_is_not_effective():
    after_error = analyse("v=spf1 include:text-only.example.org %s -all" % GATEWAY, GATEWAY)
    assert after_error["gateway_effective"] is False and "permerror" in after_error["gateway_reason"]
    syntax = analyse("v=spf1 %s ip4:192.0.2.300 -all" % GATEWAY, GATEWAY)
    assert syntax["gateway_effective"] is False and "syntax error" in syntax["gateway_reason"]
    two = spf.analyse(["v=spf1 %s -all" % GATEWAY, "v=spf1 -all"], resolve_txt, "example.com", GATEWAY)
    assert two["gateway_effective"] is False and "2 SPF records" in two["gateway_reason"]


def test_gateway_of_another_allocation():
    result = analyse("v=spf1 %s exists:%%{i}.spf.hc1357-02.iphmx.com -all" % M365, GATEWAY)
    assert result["gateway_mechanism_present"] is False and result["gateway_allocations"] == ["hc1357-02"]
    found = codes(result)
    assert found["spf_gateway_other_allocation"] == "warning" and found["spf_gateway_missing"] == "warning"


def test_gateway_term_found_without_gateway_mechanism():
    result = analyse("v=spf1 -all %s" % GATEWAY)
    assert result["gateway_mechanism_present"] is None and result["gateway_term"] == GATEWAY
    assert result["gateway_effective"] is False and codes(result)["spf_gateway_unreachable"] == "error"
    assert analyse("v=spf1 mx -all")["gateway_effective"] is None


def test_unresolved_includes_before_the_gateway_make_a_lower_bound():
    result = spf.analyse(["v=spf1 include:unknown.example %s -all" % GATEWAY], resolve_txt, "example.com", GATEWAY)
    assert result["gateway_effective"] is True and "or more" in result["gateway_reason"]


def test_gateway_allocation():
    assert spf.gateway_allocation(GATEWAY) == "hc2468-35"
    assert spf.gateway_allocation("exists:%{i}.spf.HC1.c3s2.iphmx.com.") == "hc1.c3s2"
    assert spf.gateway_allocation("include:spf.protection.outlook.com") is None
    assert spf.gateway_allocation(None) is None and spf.gateway_allocation("exists:%{x}") is None


# -- text copied from dig, zone files and consoles -----------------------------------------------------------------
@pytest.mark.parametrize("text,record", [
    ('"v=spf1 include:spf.protection.outlook.com " "-all"', "v=spf1 include:spf.protection.outlook.com -all"),
    # TXT joins its strings WITHOUT a space: this one really is broken, and must stay so
    ('"v=spf1 mx" "-all"', "v=spf1 mx-all"),
    ('example.com.\t\t3600\tIN\tTXT\t"v=spf1 mx " "-all"', "v=spf1 mx -all"),
    ('example.com. IN TXT "v=spf1 a -all"', "v=spf1 a -all"),
    ('example.com descriptive text "v=spf1 a -all"', "v=spf1 a -all"),
    ('\\"v=spf1 ip4:192.0.2.1 -all\\"', "v=spf1 ip4:192.0.2.1 -all"),
    ('"v=spf1 exists:%{i}.x.example \\"-all"', 'v=spf1 exists:%{i}.x.example "-all'),
    ('  v=spf1 mx\n  include:spf.protection.outlook.com\r\n\t-all  ', "v=spf1 mx include:spf.protection.outlook.com -all"),
    ('( "v=spf1 mx "\n  "-all" ) ; the SPF', "v=spf1 mx -all"),
    (u'\u201cv=spf1 -all\u201d', "v=spf1 -all"),
    (b"v=spf1 -all", "v=spf1 -all"),
    ('"v=spf1 \\065 -all"', "v=spf1 A -all"),
])
def test_normalize(text, record):
    assert spf.normalize(text) == record


@pytest.mark.parametrize("text", ['"v=spf1 -all', '"v=spf1" x "-all"', None, 42, ["v=spf1 -all"], b"\xff\xfe"])
def test_normalize_refuses_with_our_error(text):
    with pytest.raises(spf.SPFError):
        spf.normalize(text)


def test_parse_reads_text_copied_from_dig():
    parsed = spf.parse('example.com. 300 IN TXT "v=spf1 include:spf.protection.outlook.com " "-all"')
    assert parsed["valid"] and parsed["record"] == "v=spf1 include:spf.protection.outlook.com -all"
    assert [t["text"] for t in parsed["terms"]] == [M365, "-all"]


def test_a_quoted_value_in_dns_is_not_an_spf_record():
    # A TXT value that itself starts with a quote (a DNS console that kept the quotes) is no SPF for receivers.
    assert spf.select_spf(['"v=spf1 -all"']) == (None, 0)


# -- odd input: our error type or errors in the result, never a Python error -----------------------------------------
@pytest.mark.parametrize("value", [None, 0, 7, 1.5, [], ["v=spf1"], {}, "", " ", "v=spf1 \x00", u"v=spf1 a:\u00e9.example",
                                   u"v=spf1 \u212a", "v=spf1 ip6:fe80::1%eth0", "v=spf1 a/\u00b2"])
def test_parse_never_raises(value):
    parsed = spf.parse(value)
    assert isinstance(parsed["errors"], list)
    spf.analyse(value, resolve_txt, "example.com", value if isinstance(value, str) else None)


@pytest.mark.parametrize("value", [None, 3, [], "", "include:", u"a:\u00e9.example", "a/\u00b2", "ip4:1.2.3.4/0x",
                                   "ip4:ip4:192.0.2.1", "IP4:REDIRECT=", "exists:%{z}", "a b"])
def test_parse_term_raises_only_spferror(value):
    with pytest.raises(spf.SPFError):
        spf.parse_term(value)


def test_doubled_ip_prefix_is_named():
    with pytest.raises(spf.SPFError, match="doubled prefix"):
        spf.parse_term("ip4:ip4:192.0.2.1")


@pytest.mark.parametrize("record,mechanisms", [(None, "mx"), (5, "mx"), ("v=spf1 -all", None), ("v=spf1 -all", 5),
                                               ("v=spf1 -all", [None]), ("v=spf1 -all", {"a": 1})])
def test_merge_raises_only_spferror(record, mechanisms):
    with pytest.raises(spf.SPFError):
        spf.merge(record, mechanisms)


def test_merge_moves_a_mechanism_that_is_only_after_all():
    merged = spf.merge("v=spf1 %s -all %s" % (M365, GATEWAY), GATEWAY)
    assert merged == "v=spf1 %s %s -all" % (M365, GATEWAY)
    assert spf.merge(merged, GATEWAY) == merged


def test_merge_reads_text_copied_from_dig():
    assert spf.merge('"v=spf1 %s " "-all"' % M365, GATEWAY) == "v=spf1 %s %s -all" % (M365, GATEWAY)


def test_render_term_round_trip():
    for text in ("-include:a.example", "mx:mail.example.com/28//64", "ip6:2001:db8::/32", "?a//64", "exp=x.example",
                 "~ptr", "redirect=_spf.example.com", "ip4:192.0.2.1"):
        assert spf.render_term(spf.parse_term(text)) == text
    assert spf.render(["mx", spf.parse_term("-all")]) == "v=spf1 mx -all"
