# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Properties of the SPF and MX parsers (issue 13), checked with hypothesis.

SPF: a record rendered from generated terms parses back into the same terms; arbitrary text never raises anything
but SPFError (or comes back with errors); merging is idempotent and keeps 'all' the last mechanism. MX: classifying
never raises; a valid host under .iphmx.com is cisco_gateway, and the invalid shapes are invalid whatever the suffix.

Deterministic in CI (the same examples every run, no example database in the tree); a longer hunt:
MAILOPS_PROPERTY_EXAMPLES=5000 MAILOPS_PROPERTY_RANDOM=1 pytest -k properties
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from hypothesis import given, settings, strategies as st

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import mail
from ansible_collections.mailops.secure_email.plugins.module_utils._dns import spf

PROPERTY = settings(max_examples=int(os.environ.get("MAILOPS_PROPERTY_EXAMPLES", "100")), deadline=None,
                    database=None, derandomize=not os.environ.get("MAILOPS_PROPERTY_RANDOM"))

LABEL = st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?\Z")
TOPLABEL = st.from_regex(r"\A[a-z]{2,8}\Z")
DOMAIN = st.builds(lambda labels, top: ".".join(labels + [top]), st.lists(LABEL, min_size=1, max_size=3), TOPLABEL)
MACRO_DOMAIN = st.one_of(
    st.builds("%{{i}}.spf.{0}.iphmx.com".format, LABEL),
    st.sampled_from(["%{ir}.%{v}._spf.%{d}", "%{l1r-}.u.example.net", "%{i}._spf.example.com"]))
QUALIFIER = st.sampled_from(["pass", "fail", "softfail", "neutral"])


def _mechanism(name, qualifier, value=None, cidr4=None, cidr6=None):
    return dict(kind="mechanism", name=name, qualifier=qualifier, value=value, cidr4=cidr4, cidr6=cidr6)


def _ip(version):
    return st.builds(lambda address, bits, with_prefix: ("ip%d" % version, str(address), bits if with_prefix else None),
                     st.ip_addresses(v=version), st.integers(0, 32 if version == 4 else 128), st.booleans())


MECHANISM = st.one_of(
    st.builds(lambda q, d: _mechanism("include", q, d), QUALIFIER, DOMAIN),
    st.builds(lambda q, d: _mechanism("exists", q, d), QUALIFIER, st.one_of(DOMAIN, MACRO_DOMAIN)),
    st.builds(lambda q, n, d, c4, c6: _mechanism(n, q, d, c4, c6), QUALIFIER, st.sampled_from(["a", "mx"]),
              st.one_of(st.none(), DOMAIN), st.one_of(st.none(), st.integers(0, 32)),
              st.one_of(st.none(), st.integers(0, 128))),
    st.builds(lambda q, d: _mechanism("ptr", q, d), QUALIFIER, st.one_of(st.none(), DOMAIN)),
    st.builds(lambda q, ip: _mechanism(ip[0], q, ip[1], ip[2] if ip[0] == "ip4" else None,
                                       ip[2] if ip[0] == "ip6" else None), QUALIFIER, st.one_of(_ip(4), _ip(6))),
)
ALL = st.one_of(st.none(), st.builds(lambda q: _mechanism("all", q), QUALIFIER))
MODIFIERS = st.builds(
    lambda redirect, exp, custom: [dict(kind="modifier", name=name, qualifier=None, value=value, cidr4=None, cidr6=None)
                                   for name, value in (("redirect", redirect), ("exp", exp), ("x-note", custom))
                                   if value is not None],
    st.one_of(st.none(), DOMAIN), st.one_of(st.none(), DOMAIN), st.one_of(st.none(), DOMAIN))
RECORD = st.builds(lambda mechanisms, last, modifiers: mechanisms + ([last] if last else []) + modifiers,
                   st.lists(MECHANISM, max_size=8), ALL, MODIFIERS)


def _key(term):
    return (term["kind"], term["name"], term.get("qualifier"), term.get("value"), term.get("cidr4"), term.get("cidr6"))


@PROPERTY
@given(terms=RECORD, explicit_plus=st.booleans())
def test_render_then_parse_gives_the_same_terms(terms, explicit_plus):
    texts = [spf.render_term(term) for term in terms]
    if explicit_plus:
        texts = ["+" + text if term["kind"] == "mechanism" and term["qualifier"] == "pass" else text
                 for text, term in zip(texts, terms)]
    parsed = spf.parse(spf.render(texts))
    assert parsed["errors"] == []
    assert [_key(term) for term in parsed["terms"]] == [_key(term) for term in terms]
    assert all(term["evaluated"] or term["name"] == "redirect" for term in parsed["terms"])


@PROPERTY
@given(terms=RECORD)
def test_quoted_dig_form_parses_like_the_record(terms):
    record = spf.render(terms)
    cut = len(record) // 2
    copied = 'example.com.\t300\tIN\tTXT\t"%s" "%s"' % (record[:cut], record[cut:])
    assert spf.parse(copied)["terms"] == spf.parse(record)["terms"]


SPF_TOKENS = st.sampled_from(["v=spf1", "-all", "+all", "all", "include:", "include:include:x.example", "a", "mx/",
                              "ip4:", "ip6:::1", "exists:%{i}", "%{", "redirect=", "exp=", "=", ":", "/", "//", '"',
                              "\\", "(", ")", ";", "ptr", "?", "~", "\n", "\t", u"\u00e9", u"\u212a", "\x00", "%%"])
ARBITRARY = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(SPF_TOKENS, st.text(max_size=6)), max_size=12).map(" ".join),
    st.lists(st.one_of(SPF_TOKENS, st.text(max_size=4)), max_size=12).map("".join),
    st.none(), st.integers(), st.binary(max_size=20), st.lists(st.text(max_size=5), max_size=3),
)


@PROPERTY
@given(value=ARBITRARY, mechanism=ARBITRARY)
def test_arbitrary_text_raises_only_spferror(value, mechanism):
    parsed = spf.parse(value)
    assert isinstance(parsed["errors"], list) and parsed["valid"] is (not parsed["errors"] and parsed["record"] is not None)
    for function, args in ((spf.normalize, (value,)), (spf.parse_term, (value,)), (spf.merge, (value, mechanism)),
                           (spf.has_mechanism, (value, mechanism))):
        try:
            function(*args)
        except spf.SPFError:
            pass
    spf.analyse(value, lambda name: [value] if isinstance(value, str) else [], "example.com",
                mechanism if isinstance(mechanism, str) else None)
    assert spf.gateway_allocation(value) is None or isinstance(spf.gateway_allocation(value), str)


@PROPERTY
@given(terms=RECORD, added=st.lists(MECHANISM, min_size=1, max_size=4))
def test_merge_is_idempotent_and_keeps_all_last(terms, added):
    record = spf.render(terms)
    mechanisms = [spf.render_term(term) for term in added]
    once = spf.merge(record, mechanisms)
    assert spf.merge(once, mechanisms) == once
    parsed = spf.parse(once)
    assert parsed["errors"] == []
    mechanisms_after = [term for term in parsed["terms"] if term["kind"] == "mechanism"]
    if any(term["name"] == "all" for term in terms):
        assert mechanisms_after[-1]["name"] == "all"
    for text in mechanisms:
        assert spf.has_mechanism(once, text)
    # the terms that were there stay, in their order
    kept = [_key(term) for term in parsed["terms"] if _key(term) in set(_key(t) for t in terms)]
    assert kept == [_key(term) for term in spf.parse(record)["terms"] if _key(term) in set(kept)]


# -- MX -------------------------------------------------------------------------------------------------------------
HOST_LABEL = st.from_regex(r"\A[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\Z")


@st.composite
def gateway_hosts(draw):
    labels = draw(st.lists(HOST_LABEL, min_size=1, max_size=4))
    host = ".".join(labels) + draw(st.sampled_from([".iphmx.com", ".IPHMX.com", ".iphmx.com."]))
    while len(host.rstrip(".")) > 253:
        labels = labels[1:] or [labels[0][:10]]
        host = ".".join(labels) + ".iphmx.com"
    return host


@PROPERTY
@given(host=gateway_hosts())
def test_valid_hosts_under_iphmx_are_gateway(host):
    assert mail.host_problem(host) is None
    assert mail.classify_mx_host(host) == "cisco_gateway"


@st.composite
def invalid_gateway_hosts(draw):
    labels = draw(st.lists(HOST_LABEL, min_size=1, max_size=3))
    shape = draw(st.sampled_from(["empty_label", "long_label", "bad_char", "edge_hyphen", "too_long", "single",
                                  "address"]))
    if shape == "empty_label":
        labels.insert(draw(st.integers(0, len(labels))), "")
    elif shape == "long_label":
        labels.append(draw(st.from_regex(r"\A[a-z0-9]{64,80}\Z")))
    elif shape == "bad_char":
        # not the Kelvin sign U+212A: IDNA maps it to k, a valid host; the sharp s is refused (names.DEVIATIONS)
        char = draw(st.sampled_from(list(u"_ !@*/\\:;,\"'\t\u00a0\u00df")))
        where = draw(st.integers(0, len(labels) - 1))
        labels[where] = labels[where] + char + "x"
    elif shape == "edge_hyphen":
        labels[0] = draw(st.sampled_from(["-", ""])) + labels[0] + "-"
    elif shape == "too_long":
        labels = [draw(st.from_regex(r"\A[a-z]{50,63}\Z"))] * 5
    elif shape == "single":
        return draw(HOST_LABEL)
    else:
        return str(draw(st.ip_addresses()))
    return ".".join(labels) + ".iphmx.com"


@PROPERTY
@given(host=invalid_gateway_hosts())
def test_invalid_shapes_are_invalid(host):
    assert mail.classify_mx_host(host) == "invalid", host


@PROPERTY
@given(value=st.one_of(st.text(max_size=40), st.none(), st.integers(), st.binary(max_size=10),
                       st.lists(st.text(max_size=10), max_size=3), st.floats(allow_nan=True)))
def test_classification_never_raises(value):
    assert mail.classify_mx_host(value) in mail.CLASSES


MX_ITEM = st.one_of(
    st.text(max_size=30),
    st.builds(lambda p, h: "%s %s" % (p, h), st.integers(-5, 70000), st.one_of(gateway_hosts(), st.text(max_size=10))),
    st.tuples(st.one_of(st.integers(-1, 70000), st.text(max_size=3), st.none()),
              st.one_of(st.text(max_size=20), st.none(), st.integers())),
    st.dictionaries(st.sampled_from(["preference", "host", "priority", "exchange"]),
                    st.one_of(st.integers(), st.text(max_size=10), st.none())),
    st.none(), st.integers(),
)


@PROPERTY
@given(records=st.one_of(st.lists(MX_ITEM, max_size=5), st.text(max_size=60), st.none(), st.integers()))
def test_mx_summary_raises_only_mxerror(records):
    try:
        summary = mail.mx_summary(records)
    except mail.MXError:
        return
    assert summary["points_to"] in mail.CLASSES + ("mixed", "none", "null")
    mail.mx_findings("example.com", summary)
