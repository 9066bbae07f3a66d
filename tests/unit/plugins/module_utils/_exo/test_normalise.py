# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import normalise as n
from ansible_collections.mailops.secure_email.plugins.module_utils._exo.normalise import Field


@pytest.mark.parametrize("value, expected", [
    ("smtp:*;1", "*"), ("*", "*"), ("smtp:Contoso.COM;1", "contoso.com"), ("contoso.com", "contoso.com"),
    ("SMTP:*.contoso.com;2", "*.contoso.com"), (" example.org ", "example.org"),
])
def test_sender_domain(value, expected):
    assert n.sender_domain(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("198.51.100.7", "198.51.100.7"), ("198.51.100.7/32", "198.51.100.7"), ("192.0.2.9/24", "192.0.2.0/24"),
    ("10.0.0.1 - 10.0.0.9", "10.0.0.1-10.0.0.9"), ("10.0.0.0-10.0.0.255", "10.0.0.0/24"),
    ("2001:db8::1/128", "2001:db8::1"), ("10.0.0.5-10.0.0.5", "10.0.0.5"),
])
def test_ip_value(value, expected):
    assert n.ip_value(value) == expected


def test_ip_value_rejects_garbage_and_reversed_ranges():
    for value in ("nope", "10.0.0.9-10.0.0.1", "10.0.0.1-2001:db8::1"):
        with pytest.raises(ValueError):
            n.ip_value(value)


@pytest.mark.parametrize("value, expected", [
    ("2026-07-24T18:59:12.0000000", "2026-07-24T18:59:12Z"),
    ("2026-07-23T22:01:22.0480000Z", "2026-07-23T22:01:22Z"),
    ("2026-07-23T21:51:45.0000000+00:00", "2026-07-23T21:51:45Z"),
    ("2021-08-13T13:30:00+02:00", "2021-08-13T11:30:00Z"),
    ("2021-08-13 13:30", "2021-08-13T13:30:00Z"),
])
def test_utc_datetime(value, expected):
    assert n.utc_datetime(value) == expected


@pytest.mark.parametrize("value", ["198.51.100.7", "198.51.100.0/24", "198.51.100.8/29", "198.51.100.7/32"])
def test_sender_ip_accepts_ipv4_24_to_32(value):
    n.check_sender_ip("sender_ip_addresses", value)


@pytest.mark.parametrize("value, words", [
    ("2001:db8::/64", ["sender_ip_addresses", "IPv6", "/24 to /32"]),
    ("198.51.0.0/16", ["sender_ip_addresses", "/16", "/24 to /32"]),
    ("198.51.100.1-198.51.100.9", ["sender_ip_addresses", "/24 to /32"]),
    ("gateway.example.net", ["sender_ip_addresses", "IPv4"]),
])
def test_sender_ip_rejects(value, words):
    with pytest.raises(ValueError) as exc:
        n.check_sender_ip("sender_ip_addresses", value)
    for word in words:
        assert word in str(exc.value)


def test_ef_skip_ips_reject_rfc1918_but_not_documentation_ranges():
    n.check_ip_or_range("ef_skip_ips", "198.51.100.7", reject_private=True)
    n.check_ip_or_range("ef_skip_ips", "203.0.113.0/24", reject_private=True)
    for value in ("10.1.2.3", "172.16.5.0/24", "192.168.1.1-192.168.1.9"):
        with pytest.raises(ValueError) as exc:
            n.check_ip_or_range("ef_skip_ips", value, reject_private=True)
        assert "RFC 1918" in str(exc.value)


def test_domains():
    n.check_domain("sender_domains", "*")
    n.check_domain("sender_domains", "*.contoso.com")
    n.check_domain("sender_domains", "smtp:contoso.com;1")
    for bad in ("con*toso.com", "contoso", "-bad.com"):
        with pytest.raises(ValueError):
            n.check_domain("sender_domains", bad)
    with pytest.raises(ValueError):
        n.check_domain("associated_accepted_domains", "*", allow_star=False)


def test_strip_odata_nested():
    record = {"Priority@data.type": "System.Int32", "Priority": 0, "Conditions@odata.type": "#Collection(String)",
              "Conditions": ["x"], "nested": [{"a@odata.type": "#Guid", "a": 1}]}
    assert n.strip_odata(record) == {"Priority": 0, "Conditions": ["x"], "nested": [{"a": 1}]}


@pytest.mark.parametrize("kind, a, b", [
    ("domains", ["smtp:*;1"], ["*"]),
    ("domains", ["smtp:B.com;1", "smtp:a.com;1"], ["A.com", "b.com"]),
    ("ips", ["81.187.237.31"], ["81.187.237.31/32"]),
    ("ips", ["192.0.2.0/24", "198.51.100.7"], ["198.51.100.7/32", "192.0.2.9/24"]),
    ("set_ci", ["Rob@M7kni.io"], ["rob@m7kni.io"]),
    ("hosts", ["smtp-relay.gmail.com"], ["SMTP-Relay.Gmail.com."]),
    ("set", None, []), ("set", [], None), ("str", "", None), ("str", None, ""),
    ("str_ci", "*.Rob-Knight.com", "*.rob-knight.com"),
    ("enum", "certificatevalidation", "CertificateValidation"),
    ("date", "2026-07-24T18:59:12.0000000", "2026-07-24T18:59:12Z"),
    ("bool", "True", True), ("int", "-1", -1),
])
def test_canonical_forms_compare_equal(kind, a, b):
    field = Field("x", "X", kind, choices=["EncryptionOnly", "CertificateValidation", "DomainValidation"])
    assert field.canon(a) == field.canon(b)


def test_clearing_values():
    assert Field("c", "Comment", "str").param_value("") == ""
    assert Field("d", "ActivationDate", "date").param_value("") is n.CLEAR
    assert Field("l", "SenderIpRanges", "ips").param_value([]) == []
