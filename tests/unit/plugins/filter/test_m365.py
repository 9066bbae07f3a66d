# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.secure_email.plugins.filter.m365 import (
    m365_destination_control, m365_mx_host, m365_recipient_access, m365_smtp_route)


def test_mx_host_replaces_dots_with_dashes():
    assert m365_mx_host("Contoso-Corp.example.com.") == "contoso-corp-example-com.mail.protection.outlook.com"


def test_route_from_name_and_from_entry():
    assert m365_smtp_route("example.com") == dict(
        domain="example.com", destinations=[dict(host="example-com.mail.protection.outlook.com", port=25)])
    entry = dict(name="example.net", mx_host="example-net.l-v1.mx.microsoft", port=2525)
    assert m365_smtp_route(entry) == dict(domain="example.net", destinations=[dict(host="example-net.l-v1.mx.microsoft", port=2525)])


@pytest.mark.parametrize("bad", ["", "two words", None, dict(mx_host="x")])
def test_bad_domains_fail(bad):
    with pytest.raises(AnsibleFilterError):
        m365_smtp_route(bad)


def test_s3_and_s4_entries():
    assert m365_destination_control(dict(name="Example.com")) == dict(domain="example.com", concurrency_limit=10,
                                                                      messages_per_connection=20, tls="on")
    assert m365_recipient_access("example.com") == dict(address="example.com", action="accept")
    with pytest.raises(AnsibleFilterError):
        m365_recipient_access("two words")
