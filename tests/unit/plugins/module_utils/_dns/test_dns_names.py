# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Owner name and zone rules (issue 15): a name equal to or under the zone is taken as written, a single label
is joined to the zone, anything else is refused before a message is sent; IDNs become A-labels (IDNA 2003)
consistently for name, zone, values, servers and domains. No network."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

import pytest

dns = pytest.importorskip("dns")

import dns.name  # noqa: E402  pylint: disable=wrong-import-position
import dns.rdatatype  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import common  # noqa: E402
from ansible_collections.mailops.secure_email.plugins.module_utils._dns import info_module  # noqa: E402
from ansible_collections.mailops.secure_email.plugins.module_utils._dns import names  # noqa: E402
from ansible_collections.mailops.secure_email.plugins.module_utils._dns import record_module  # noqa: E402
from ansible_collections.mailops.secure_email.plugins.module_utils._dns import wait  # noqa: E402

BUECHER = u"b\u00fccher"  # the IDN label of the examples; its A-label is xn--bcher-kva
BUECHER_A = "xn--bcher-kva"


def record_params(**kwargs):
    base = dict(server="127.0.0.1", zone=None, name="example.test", type="MX", values=["10 mx1.example.net"],
                ttl=None, state="present", key_name=None, key_secret=None, key_algorithm="hmac-sha256", port=53,
                protocol="tcp", query_timeout=5.0)
    base.update(kwargs)
    return base


def wait_params(**kwargs):
    base = dict(records=[dict(name="example.test", type="MX", values=["10 mx.example.net"], mode="equals",
                              max_ttl=None)],
                zone=None, server=None, nameservers=None, ip_versions=[4, 6], timeout=1.0, sleep=0.0, max_sleep=1.0,
                query_retries=0, settle=0.0, key_name=None, key_secret=None, key_algorithm="hmac-sha256", port=53,
                protocol="tcp", query_timeout=1.0)
    base.update(kwargs)
    return base


# -- the owner name rules -----------------------------------------------------------------------------
@pytest.mark.parametrize("name,zone,expected", [
    # equal to the zone: the apex, as written (this was example.test.example.test.)
    ("example.test", "example.test", "example.test."),
    ("example.test.", "example.test", "example.test."),
    ("Example.TEST", "example.test.", "example.test."),
    ("@", "example.test", "example.test."),
    # under the zone, with or without the trailing dot, any case
    ("www.example.test", "example.test", "www.example.test."),
    ("www.example.test.", "example.test", "www.example.test."),
    ("_dmarc.SALES.Example.Test", "example.test", "_dmarc.sales.example.test."),
    ("a.b.c.example.test", "example.test", "a.b.c.example.test."),
    # a single label is relative
    ("www", "example.test", "www.example.test."),
    ("_dmarc", "example.test.", "_dmarc.example.test."),
    ("*", "example.test", "*.example.test."),
    ("test", "example.test", "test.example.test."),  # not "the parent": a single label is always relative
    # IDN name and IDN zone, in any combination of Unicode and A-labels
    (BUECHER + ".example.test", "example.test", BUECHER_A + ".example.test."),
    (BUECHER, "example.test", BUECHER_A + ".example.test."),
    (BUECHER + ".test", BUECHER + ".test", BUECHER_A + ".test."),
    (u"www." + BUECHER + ".test", BUECHER + ".test", "www." + BUECHER_A + ".test."),
    (u"www." + BUECHER + ".test", BUECHER_A + ".test", "www." + BUECHER_A + ".test."),
    ("www." + BUECHER_A + ".test.", u"B\u00dcCHER.test", "www." + BUECHER_A + ".test."),
    ("www", BUECHER + ".test", "www." + BUECHER_A + ".test."),
    ("@", BUECHER + ".test.", BUECHER_A + ".test."),
    (u"www\u3002" + BUECHER + u"\u3002test", BUECHER + ".test", "www." + BUECHER_A + ".test."),  # IDNA full stops
    (u"\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.test", "example.test", "example.test."),  # fullwidth -> ASCII
])
def test_owner_name_rules(name, zone, expected):
    got = common.owner_name(name, "name", zone=common.zone_name(zone))
    assert got == dns.name.from_text(expected)
    assert got.to_text().lower() == expected.lower()
    assert got.to_text().lower() == got.to_text().encode("ascii").decode("ascii").lower()


@pytest.mark.parametrize("name,expected", [
    ("example.test", "example.test."),
    ("www.example.test.", "www.example.test."),
    (BUECHER + ".example", BUECHER_A + ".example."),
])
def test_owner_name_without_zone_is_fully_qualified(name, expected):
    assert common.owner_name(name, "name").to_text() == expected


@pytest.mark.parametrize("name,zone,message", [
    # ambiguous: more than one label, not the zone, not under it, no trailing dot
    ("mail.other.test", "example.test",
     "name: 'mail.other.test' is ambiguous with zone example.test: it is not the zone, does not end with "
     ".example.test, and has more than one label"),
    ("www.sales", "example.test", "name: 'www.sales' is ambiguous with zone example.test"),
    ("example.test.example", "example.test", "is ambiguous with zone example.test"),
    ("notexample.test", "example.test", "is ambiguous"),  # ends with "example.test" but not with ".example.test"
    (BUECHER + ".other.test", "example.test", "is ambiguous with zone example.test"),
    ("www." + BUECHER + ".test", "example.test", "for example www." + BUECHER_A + ".test.example.test"),
    # absolute (trailing dot) and outside the zone
    ("www.other.test.", "example.test", "name: www.other.test is not inside zone example.test (a name that ends "
                                        "with a dot is absolute"),
    ("www.", "example.test", "name: www is not inside zone example.test"),
    # empty, white space, bad labels
    ("", "example.test", "name: must not be empty"),
    ("   ", "example.test", "name: must not be empty"),
    ("www example.test", "example.test", "name: 'www example.test' is not a DNS name (it contains white space)"),
    ("a..example.test", "example.test", "name: 'a..example.test' is not a valid DNS name"),
    ("x" * 64, "example.test", "is not a valid DNS name"),
    # IDN that has no single A-label form
    (u"stra\u00dfe.example.test", "example.test", "contains the sharp s (U+00DF), which IDNA 2003 and IDNA 2008"),
    (u"xn--b\u00fccher.example.test", "example.test", "cannot be converted to an A-label"),
])
def test_owner_name_errors_name_the_field_and_the_rule(name, zone, message):
    with pytest.raises(common.DNSError) as info:
        common.owner_name(name, "name", zone=common.zone_name(zone))
    assert message in str(info.value)


def test_apex_shorthand_needs_zone():
    with pytest.raises(common.DNSError, match=r"name: '@' stands for the zone apex and needs zone"):
        common.owner_name("@", "name")


@pytest.mark.parametrize("zone,message", [
    ("", "zone: must not be empty"),
    ("  ", "zone: must not be empty"),
    ("bad zone", "zone: 'bad zone' is not a DNS name"),
    (u"stra\u00dfe.test", "zone: "),
    ("@", "zone: '@'"),
])
def test_bad_zone_names_the_field(zone, message):
    with pytest.raises(common.DNSError) as info:
        common.zone_name(zone)
    assert str(info.value).startswith(message)


# -- dns_record: Request (everything is checked before anything is sent) -----------------------------
def test_record_name_equal_to_zone_is_the_apex_not_doubled():
    request = record_module.Request(record_params(zone="example.test", name="example.test"))
    assert request.name.to_text() == "example.test."
    assert request.zone.to_text() == "example.test."
    request = record_module.Request(record_params(zone="example.test.", name="www.example.test."))
    assert request.name.to_text() == "www.example.test."


def test_record_idn_name_and_zone_are_a_labels():
    request = record_module.Request(record_params(zone=BUECHER + ".test", name=u"mail." + BUECHER + ".test"))
    assert request.zone.to_text() == BUECHER_A + ".test."
    assert request.name.to_text() == "mail." + BUECHER_A + ".test."


@pytest.mark.parametrize("overrides,message", [
    (dict(zone="example.test", name="mail.other.test"), "name: 'mail.other.test' is ambiguous with zone"),
    (dict(zone="", name="www.example.test"), "zone: must not be empty"),
    (dict(name=""), "name: must not be empty"),
    (dict(name="@"), "name: '@' stands for the zone apex and needs zone"),
    (dict(server=""), "server: must not be empty"),
    (dict(server="ns1..example.test"), "server: 'ns1..example.test' is not a valid DNS name"),
    (dict(server="[2001:db8::1"), "server: '[2001:db8::1' is not a nameserver"),
    (dict(values=[u"10 mx.stra\u00dfe.example"]), "values[0]: "),
])
def test_record_bad_input_names_the_field(overrides, message):
    with pytest.raises(common.DNSError) as info:
        record_module.Request(record_params(**overrides))
    assert str(info.value).startswith(message.split(":")[0] + ":") and message in str(info.value)


class _Module(object):
    """Just enough of AnsibleModule for record_module.run()."""

    def __init__(self, params):
        self.params = params
        self.check_mode = False
        self._diff = False

    def fail_json(self, **kwargs):
        raise _Failed(kwargs)

    def exit_json(self, **kwargs):
        raise AssertionError("exit_json(%r): the task should have failed" % (kwargs,))


class _Failed(Exception):
    pass


def test_record_ambiguous_name_fails_before_any_message(monkeypatch):
    def no_client(*args, **kwargs):
        raise AssertionError("a DNS client was created: something would have been sent")

    monkeypatch.setattr(common, "Client", no_client)
    with pytest.raises(_Failed) as info:
        record_module.run(_Module(record_params(zone="example.test", name="mail.other.test")))
    assert info.value.args[0]["msg"].startswith("name: 'mail.other.test' is ambiguous with zone example.test")
    assert "zone" not in info.value.args[0] or info.value.args[0].get("zone") is None


def test_record_values_with_idn_hosts_are_a_labels():
    rdata = common.parse_value(dns.rdatatype.MX, u"10 mx1." + BUECHER + ".example", "values[0]")
    assert common.value_text(rdata) == "10 mx1." + BUECHER_A + ".example."
    same = common.parse_value(dns.rdatatype.MX, "10 MX1." + BUECHER_A + ".example.", "values[0]")
    assert common.rdata_key(rdata) == common.rdata_key(same)
    txt = common.parse_value(dns.rdatatype.TXT, u"gr\u00fc\u00dfe", "values[0]")  # TXT is text, not a name
    assert common.txt_text(txt) == u"gr\u00fc\u00dfe"


# -- dns_wait -------------------------------------------------------------------------------------------
def test_wait_records_follow_the_same_rules_with_zone():
    records = [dict(name="example.test", type="MX", values=["10 mx.example.net"], mode="equals", max_ttl=None),
               dict(name="www", type="A", values=["192.0.2.1"], mode="equals", max_ttl=None),
               dict(name=BUECHER + ".example.test", type="A", values=["192.0.2.2"], mode="equals", max_ttl=None),
               dict(name="@", type="TXT", values=[], mode="absent", max_ttl=None)]
    waiter = wait.Waiter(wait_params(records=records, zone="Example.Test", nameservers=["127.0.0.1"]))
    assert [r.name for r in waiter.records] == [dns.name.from_text(text) for text in (
        "example.test.", "www.example.test.", BUECHER_A + ".example.test.", "example.test.")]


@pytest.mark.parametrize("overrides,message", [
    (dict(zone="example.test", records=[
        dict(name="example.test", type="MX", values=["10 a.example.net"], mode="equals", max_ttl=None),
        dict(name="mail.other.test", type="MX", values=["10 a.example.net"], mode="equals", max_ttl=None)]),
     "records[1].name: 'mail.other.test' is ambiguous with zone example.test"),
    (dict(zone=""), "zone: must not be empty"),
    (dict(server=""), "server: must not be empty"),
    (dict(server="  "), "server: must not be empty"),
    (dict(server="ns1..example.test"), "server: 'ns1..example.test' is not a valid DNS name"),
    (dict(server="10 mx1.example.net"), "server: '10 mx1.example.net' is not a nameserver"),
    (dict(nameservers=["127.0.0.1", ""]), "nameservers[1]: must not be empty"),
    (dict(nameservers=["ns1..example.test"]), "nameservers[0]: 'ns1..example.test' is not a valid DNS name"),
    (dict(nameservers=["[::1"]), "nameservers[0]: '[::1' is not a nameserver"),
    (dict(nameservers=["127.0.0.1:http"]), "nameservers[0]: '127.0.0.1:http' has an invalid port"),
    # a bad nameserver is reported under its own name even when a record is bad too
    (dict(nameservers=["[::1"],
          records=[dict(name="example.test", type="MX", values=["x"], mode="equals", max_ttl=None)]),
     "nameservers[0]: "),
    (dict(records=[dict(name="", type="MX", values=["10 a.example.net"], mode="equals", max_ttl=None)]),
     "records[0].name: must not be empty"),
    (dict(records=[dict(name="@", type="MX", values=["10 a.example.net"], mode="equals", max_ttl=None)]),
     "records[0].name: '@' stands for the zone apex and needs zone"),
])
def test_wait_bad_input_names_the_real_field(overrides, message):
    with pytest.raises(common.DNSError) as info:
        wait.Waiter(wait_params(**overrides))
    assert str(info.value).startswith(message)


# -- endpoints ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    (u"ns1." + BUECHER + ".test", ("ns1." + BUECHER_A + ".test", 53)),
    (u"ns1." + BUECHER + ".test:5300", ("ns1." + BUECHER_A + ".test", 5300)),
    ("ns1.example.test.", ("ns1.example.test", 53)),
    ("[::1]", ("::1", 53)),
])
def test_split_endpoint_host_names_are_checked_and_ascii(text, expected):
    assert common.split_endpoint(text, 53, "nameservers[0]") == expected


def test_resolve_host_never_raises_unicode_error():
    with pytest.raises(common.DNSError, match=r"^server: cannot resolve"):
        common.resolve_host("a" * 70 + ".example", "server")


# -- mail_dns_info ------------------------------------------------------------------------------------
class _Lookup(object):
    def __init__(self):
        self.queries = 0
        self.names = []
        self.prefetched = []

    def rrset(self, name, rdtype):
        self.queries += 1
        self.names.append((name, rdtype))
        return None

    def txt(self, name):
        return []

    def prefetch(self, questions):
        self.prefetched.extend(questions)


def _info_params(**kwargs):
    base = dict(domain=None, domains=None, hosts=None, nameservers=None, gateway_mechanism=None,
                resolve_includes=True, port=53, protocol="tcp", query_timeout=1.0)
    base.update(kwargs)
    return base


@pytest.mark.parametrize("overrides,message", [
    (dict(domain=""), "domain: must not be empty"),
    (dict(domain="   "), "domain: must not be empty"),
    (dict(domain="", hosts=["mx1.example.net"]), "domain: must not be empty"),
    (dict(domains=["example.test", " "]), "domains[1]: must not be empty"),
    (dict(hosts=["mx1.example.net", ""]), "hosts[1]: must not be empty"),
    (dict(domain=u"stra\u00dfe.example"), "domain: "),
    (dict(domain="example.test", nameservers=["127.0.0.1", "[::1"]), "nameservers[1]: '[::1' is not a nameserver"),
])
def test_info_bad_input_fails_before_any_lookup(monkeypatch, overrides, message):
    lookup = _Lookup()
    if "nameservers" not in overrides:  # the real Lookup checks nameservers (and sends nothing while doing so)
        monkeypatch.setattr(info_module, "Lookup", lambda params: lookup)
    with pytest.raises(common.DNSError) as info:
        info_module.gather(_info_params(**overrides))
    assert str(info.value).startswith(message)
    assert lookup.queries == 0


def test_info_idn_domain_and_hosts_are_looked_up_as_a_labels(monkeypatch):
    lookup = _Lookup()
    monkeypatch.setattr(info_module, "Lookup", lambda params: lookup)
    result = info_module.gather(_info_params(domain=BUECHER + ".example", hosts=[u"MX1." + BUECHER + ".example."]))
    assert result["domain"] == BUECHER_A + ".example"
    assert result["hosts"][0]["name"] == "mx1." + BUECHER_A + ".example"
    assert (BUECHER_A + ".example", "MX") in lookup.names
    assert ("_dmarc." + BUECHER_A + ".example", "TXT") in lookup.names
    assert all(name.encode("ascii") for name, _rdtype in lookup.names)


# -- the shared IDNA helper (also used by the m365 filters) ------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("example.test", "example.test"),
    ("Example.TEST.", "Example.TEST."),  # ASCII is left as written
    (BUECHER + ".test", BUECHER_A + ".test"),
    (u"B\u00dcCHER.test.", BUECHER_A + ".test."),
    (u"m\u00fcnchen.example", "xn--mnchen-3ya.example"),
])
def test_to_ascii(text, expected):
    assert names.to_ascii(text, "name") == expected


@pytest.mark.parametrize("text,message", [
    (u"\u03c3\u03bf\u03c6\u03b9\u03c2.test", "final sigma"),
    (u"a\u200db.test", "zero width joiner"),
    (u"b\u00fccher\\.test", "backslash escapes"),
])
def test_to_ascii_refuses_ambiguous_idn(text, message):
    with pytest.raises(names.IDNAError) as info:
        names.to_ascii(text, "domain")
    assert str(info.value).startswith("domain: ") and message in str(info.value)


# -- Lookup.prefetch: the questions of many domains in flight together ----------------------------------
def _timed_lookup(monkeypatch, delay, fail=()):
    lookup = info_module.Lookup(_info_params(nameservers=["127.0.0.1"]))
    asked = []

    def resolve(name, rdtype):
        asked.append((name, rdtype, threading.current_thread().name))
        lookup.queries += 1
        time.sleep(delay)
        if name.rstrip(".") in fail:
            raise LookupError("timeout")
        return "rrset of %s %s" % (name, rdtype)

    monkeypatch.setattr(lookup, "_resolve", resolve)
    return lookup, asked


def test_prefetch_asks_each_question_once_concurrently_and_caches_failures(monkeypatch):
    lookup, asked = _timed_lookup(monkeypatch, 0.05, fail=("bad.example",))
    questions = [("d%d.example" % i, rdtype) for i in range(8) for rdtype in ("MX", "TXT")]
    questions += [("D0.EXAMPLE.", "mx"), ("bad.example", "TXT")]          # a repeat in other spelling, a failure
    started = time.time()
    lookup.prefetch(questions)
    elapsed = time.time() - started
    assert len(asked) == 17 and lookup.queries == 17                      # 16 distinct + bad.example, no repeat
    assert elapsed < 17 * 0.05 / 3, elapsed                               # sequential would take 0.85 s
    assert len(set(thread for _name, _type, thread in asked)) > 1
    assert lookup.rrset("d3.example.", "TXT") == "rrset of d3.example TXT"
    with pytest.raises(LookupError, match="timeout"):
        lookup.rrset("bad.example", "TXT")
    assert len(asked) == 17                                               # read from the cache, not asked again


def test_gather_results_do_not_depend_on_prefetch(monkeypatch):
    """The analysis of a run with the prefetch equals the analysis without it (the same answers, the same order
    of findings), whatever order the concurrent answers arrived in."""
    results = []
    for workers in (1, 8):
        monkeypatch.setattr(info_module, "PREFETCH_WORKERS", workers)
        fake = _Lookup()
        monkeypatch.setattr(info_module, "Lookup", lambda params, fake=fake: fake)
        results.append(info_module.gather(_info_params(domains=["a.example", "b.example"], hosts=["mx.example"])))
        assert ("a.example", "MX") in fake.prefetched and ("_dmarc.b.example", "TXT") in fake.prefetched
    assert results[0] == results[1]
