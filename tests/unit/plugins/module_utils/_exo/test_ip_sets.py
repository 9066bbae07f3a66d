# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""IP lists compare as the set of addresses they cover (issue 13, docs/exchange-online.md section 3).

Every IP-list field of the Exchange modules - the inbound connector's SenderIPAddresses and EFSkipIPs, the outbound
connector's SmartHosts (IP entries), the transport rule's SenderIpRanges and ExceptIfSenderIpRanges - is compared
as the minimal list of networks covering its addresses, so single addresses, CIDR ranges and 'a-b' ranges, split
or merged, give the same value. The write keeps the user's forms.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import connectors, transport_rules
from ansible_collections.mailops.secure_email.plugins.module_utils._exo import normalise as n
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.errors import ExoValidationError
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.normalise import Field

IPS = Field("ef_skip_ips", "EFSkipIPs", "ips")
HOSTS = Field("smart_hosts", "SmartHosts", "hosts")

# Deterministic in CI (the same examples every run, no example database in the tree); a longer hunt:
# MAILOPS_PROPERTY_EXAMPLES=5000 MAILOPS_PROPERTY_RANDOM=1 pytest -k property
PROPERTY = settings(max_examples=int(os.environ.get("MAILOPS_PROPERTY_EXAMPLES", "120")), deadline=None,
                    database=None, derandomize=not os.environ.get("MAILOPS_PROPERTY_RANDOM"))


# -- examples (each fails on the item-by-item comparison of 1.x) -------------------------------------------------
@pytest.mark.parametrize("first, second", [
    (["192.0.2.0-192.0.2.255"], ["192.0.2.0/25", "192.0.2.128/25"]),
    (["192.0.2.0/24"], ["192.0.2.0-192.0.2.127", "192.0.2.128/25"]),
    (["203.0.113.8-203.0.113.11"], ["203.0.113.8", "203.0.113.9", "203.0.113.10/31"]),
    (["203.0.113.8/30"], ["203.0.113.8", "203.0.113.9", "203.0.113.10", "203.0.113.11/32"]),
    (["198.51.100.1-198.51.100.6"], ["198.51.100.1", "198.51.100.2/31", "198.51.100.4-198.51.100.6"]),
    (["198.51.100.0/24", "198.51.100.7"], ["198.51.100.0/24"]),                   # covered twice
    (["198.51.100.0/25", "198.51.100.64/26"], ["198.51.100.0 - 198.51.100.127"]),  # overlapping
    (["2001:db8::-2001:db8::ffff"], ["2001:db8::/113", "2001:db8::8000/113"]),
    (["2001:db8::1", "2001:db8::2/127"], ["2001:db8::1-2001:db8::3"]),
])
def test_same_addresses_in_other_forms_compare_equal(first, second):
    assert IPS.canon(first) == IPS.canon(second)


@pytest.mark.parametrize("first, second", [
    (["192.0.2.0-192.0.2.254"], ["192.0.2.0/24"]),
    (["203.0.113.8", "203.0.113.10"], ["203.0.113.8-203.0.113.10"]),
    (["2001:db8::/64"], ["2001:db8::/63"]),
])
def test_different_addresses_compare_different(first, second):
    assert IPS.canon(first) != IPS.canon(second)


def test_canonical_form_is_the_minimal_list_of_networks_ipv4_first():
    assert IPS.canon(["2001:db8::-2001:db8::3", "198.51.100.4-198.51.100.6", "192.0.2.9/32", "192.0.2.8"]) == [
        "192.0.2.8/31", "198.51.100.4/31", "198.51.100.6", "2001:db8::/126"]
    assert IPS.canon(["198.51.100.0-198.51.100.255"]) == ["198.51.100.0/24"]
    assert IPS.canon(["not-an-ip", "192.0.2.1"]) == ["192.0.2.1", "not-an-ip"]   # never raises
    assert IPS.canon([]) is None and IPS.canon(None) is None


def test_smart_hosts_compare_their_ip_entries_by_coverage():
    assert HOSTS.canon(["192.0.2.10/31", "Relay.Example.NET."]) == HOSTS.canon(
        ["relay.example.net", "192.0.2.11", "192.0.2.10"])
    assert HOSTS.canon(["192.0.2.10/31"]) != HOSTS.canon(["192.0.2.10"])


def _inbound_record(**values):
    record = {"Name": "Inbound", "Identity": "Inbound", "SenderDomains": ["smtp:*;1"], "SenderIPAddresses": [],
              "EFSkipIPs": [], "EFSkipLastIP": False, "ConnectorType": "Partner", "Enabled": True}
    record.update(values)
    return record


def test_connector_written_as_a_range_then_declared_as_cidrs_and_singles_is_unchanged():
    record = _inbound_record(EFSkipIPs=["198.51.100.0-198.51.100.255", "203.0.113.8-203.0.113.11"],
                             SenderIPAddresses=["192.0.2.0/24"])
    desired = dict(ef_skip_ips=["198.51.100.0/25", "198.51.100.128/25", "203.0.113.8", "203.0.113.9",
                                "203.0.113.10/31"],
                   sender_ip_addresses=["192.0.2.0/25", "192.0.2.128/25"])
    changes, before, after = n.compare(connectors.INBOUND_FIELDS, desired, record)
    assert changes == {}
    assert before == after
    assert after["ef_skip_ips"] == ["198.51.100.0/24", "203.0.113.8/30"]


def test_a_real_change_is_written_in_the_users_forms():
    record = _inbound_record(EFSkipIPs=["198.51.100.0-198.51.100.255"])
    desired = dict(ef_skip_ips=["198.51.100.0-198.51.100.255", "203.0.113.7"])
    changes, before, after = n.compare(connectors.INBOUND_FIELDS, desired, record)
    assert sorted(changes) == ["ef_skip_ips"]
    assert before["ef_skip_ips"] == ["198.51.100.0/24"]
    assert after["ef_skip_ips"] == ["198.51.100.0/24", "203.0.113.7"]
    params = n.parameters(connectors.INBOUND_FIELDS, desired, changes, creating=False)
    assert params == {"EFSkipIPs": ["198.51.100.0-198.51.100.255", "203.0.113.7"]}


def test_transport_rule_ip_conditions_compare_by_coverage():
    record = {"Name": "S1", "SenderIpRanges": ["198.51.100.105", "198.51.100.104"],
              "ExceptIfSenderIpRanges": ["203.0.113.0-203.0.113.127"], "SetSCL": -1}
    desired = dict(sender_ip_ranges=["198.51.100.104/31"],
                   except_if_sender_ip_ranges=["203.0.113.0/26", "203.0.113.64/26"])
    changes, dummy, dummy2 = n.compare(transport_rules.FIELDS, desired, record)
    assert changes == {}


def test_outbound_smart_host_ips_compare_by_coverage():
    record = {"Name": "Out", "SmartHosts": ["192.0.2.10/31"], "UseMXRecord": False}
    changes, dummy, dummy2 = n.compare(connectors.OUTBOUND_FIELDS, dict(smart_hosts=["192.0.2.11", "192.0.2.10"]),
                                       record)
    assert changes == {}


def test_ef_skip_ips_refuse_a_range_that_reaches_into_rfc1918():
    # 1.x looked only at the first address of a range
    with pytest.raises(ExoValidationError) as exc:
        connectors.check(connectors.INBOUND, "Inbound",
                         dict(sender_domains=["*"], ef_skip_ips=["9.255.255.250-10.0.0.5"]), None)
    assert "ef_skip_ips" in exc.value.message and "RFC 1918" in exc.value.message
    connectors.check(connectors.INBOUND, "Inbound",
                     dict(sender_domains=["*"], ef_skip_ips=["9.255.255.0-9.255.255.255"]), None)


def test_smart_hosts_refuse_a_b_ranges_but_accept_addresses_cidr_and_hyphenated_names():
    # New-OutboundConnector -SmartHosts: FQDNs, IP addresses or CIDR ranges (the cmdlet reference)
    for good in ("192.0.2.10", "192.0.2.0/25", "ob1.hc1234-12.iphmx.com", "2001:db8::25"):
        n.check_smart_host("smart_hosts", good)
    with pytest.raises(ValueError) as exc:
        n.check_smart_host("smart_hosts", "192.0.2.10-192.0.2.12")
    assert "smart_hosts" in str(exc.value) and "range" in str(exc.value)


# -- properties ---------------------------------------------------------------------------------------------------
V4 = st.builds(lambda number, prefix: ipaddress.IPv4Network((number >> (32 - prefix) << (32 - prefix), prefix)),
               st.integers(0, 2 ** 32 - 1), st.integers(16, 32))
V6 = st.builds(lambda number, prefix: ipaddress.IPv6Network((number >> (128 - prefix) << (128 - prefix), prefix)),
               st.integers(0, 2 ** 128 - 1), st.integers(100, 128))
NETWORKS = st.lists(st.one_of(V4, V4, V6), min_size=1, max_size=6)


def _intervals(networks):
    """(version, first, last) integer intervals covering ``networks``, merged (overlapping or adjacent)."""
    spans = sorted((net.version, int(net.network_address), int(net.broadcast_address)) for net in networks)
    merged = []
    for version, first, last in spans:
        if merged and merged[-1][0] == version and first <= merged[-1][2] + 1:
            merged[-1][2] = max(merged[-1][2], last)
        else:
            merged.append([version, first, last])
    return [tuple(span) for span in merged]


def _address(version, number):
    return ipaddress.IPv4Address(number) if version == 4 else ipaddress.IPv6Address(number)


def _range_text(version, first, last, spaced):
    if first == last:
        return str(_address(version, first))
    return ("%s - %s" if spaced else "%s-%s") % (_address(version, first), _address(version, last))


@st.composite
def merged_forms(draw, networks):
    """The addresses as merged 'a-b' ranges (or single addresses)."""
    return [_range_text(version, first, last, draw(st.booleans())) for version, first, last in _intervals(networks)]


@st.composite
def split_forms(draw, networks, depth=2):
    """The addresses as CIDR ranges (host bits set at random), halves, singles and ranges cut at random."""
    forms = []
    for net in networks:
        choice = draw(st.sampled_from(["cidr", "split", "singles", "cut"]))
        if choice == "split" and depth and net.prefixlen < net.max_prefixlen:
            forms.extend(draw(split_forms(list(net.subnets(prefixlen_diff=1)), depth - 1)))
        elif choice == "singles" and net.num_addresses <= 8:
            forms.extend(str(address) + draw(st.sampled_from(["", "/%d" % net.max_prefixlen]))
                         for address in (_address(net.version, int(net.network_address) + i)
                                         for i in range(net.num_addresses)))
        elif choice == "cut" and net.num_addresses > 1:
            first, last = int(net.network_address), int(net.broadcast_address)
            cut = draw(st.integers(first, last - 1))
            forms.append(_range_text(net.version, first, cut, False))
            forms.append(_range_text(net.version, cut + 1, last, draw(st.booleans())))
        else:
            offset = draw(st.integers(0, net.num_addresses - 1))
            forms.append("%s/%d" % (_address(net.version, int(net.network_address) + offset), net.prefixlen))
    return forms


def _covered(texts):
    """The merged integer intervals the canonical list covers."""
    return _intervals(ipaddress.ip_network(t) for t in texts)


@PROPERTY
@given(networks=NETWORKS, data=st.data())
def test_property_equal_address_sets_compare_equal_whatever_the_forms(networks, data):
    merged = data.draw(merged_forms(networks), label="merged")
    split = data.draw(split_forms(networks), label="split")
    split = data.draw(st.permutations(split + data.draw(st.lists(st.sampled_from(split), max_size=3))),
                      label="shuffled, with repeats")
    canon = IPS.canon([str(net) for net in networks])
    assert IPS.canon(merged) == canon
    assert IPS.canon(split) == canon
    # the canonical list covers exactly the addresses, and is minimal: collapsing it again changes nothing
    assert _covered(canon) == _intervals(networks)
    assert IPS.canon(canon) == canon
    expected = list(ipaddress.collapse_addresses([x for x in networks if x.version == 4])) + \
        list(ipaddress.collapse_addresses([x for x in networks if x.version == 6]))
    assert canon == [n._net_text(x) for x in expected]


@PROPERTY
@given(networks=NETWORKS, data=st.data())
def test_property_one_address_more_or_less_compares_different(networks, data):
    spans = _intervals(networks)
    version, first, last = data.draw(st.sampled_from(spans), label="span")
    gone = data.draw(st.integers(first, last), label="address removed")
    fewer = []
    for span in spans:
        if span == (version, first, last):
            if gone > first:
                fewer.append(_range_text(version, first, gone - 1, False))
            if gone < last:
                fewer.append(_range_text(version, gone + 1, last, False))
        else:
            fewer.append(_range_text(span[0], span[1], span[2], False))
    whole = [str(net) for net in networks]
    assert IPS.canon(fewer) != IPS.canon(whole)
    outside = last + 1 if last + 1 < 2 ** (32 if version == 4 else 128) else first - 1
    if not any(s[0] == version and s[1] <= outside <= s[2] for s in spans):
        assert IPS.canon(whole + [str(_address(version, outside))]) != IPS.canon(whole)


@PROPERTY
@given(networks=NETWORKS, data=st.data())
def test_property_a_connector_declared_in_other_forms_is_unchanged(networks, data):
    v4 = [net for net in networks if net.version == 4] or [ipaddress.ip_network("203.0.113.0/28")]
    stored = data.draw(merged_forms(v4), label="stored")
    declared = data.draw(split_forms(v4), label="declared")
    changes, before, after = n.compare(connectors.INBOUND_FIELDS, dict(ef_skip_ips=declared),
                                       _inbound_record(EFSkipIPs=stored))
    assert changes == {} and before == after
    changes, dummy, dummy2 = n.compare(transport_rules.FIELDS, dict(sender_ip_ranges=stored),
                                       {"Name": "r", "SenderIpRanges": declared, "SetSCL": -1})
    assert changes == {}
