# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mailops.secure_email.plugins.module_utils._exo import connectors, inputs, transport_rules


@pytest.mark.parametrize("char", [u"\n", u"\r", u"\x00", u"\x03", u"\x7f", u"\x1b", u"\u2028", u"\u2029", u"\x85"])
def test_control_character_refused_and_named(char):
    found = inputs.control_problems(dict(name=u"Bad%sname" % char, comment="fine"))
    assert len(found) == 1
    assert found[0].startswith("name: contains ")
    assert "position 4" in found[0]


def test_nested_fields_named_and_value_never_repeated():
    secret = u"s3cr3t-value\r\nBcc: evil@example.net"
    params = dict(validate=dict(recipients=["a@example.com", u"b@example.com\nc"]), set_header_value=secret,
                  sender_domain_is=["ok.example.com"], timeout=120, enabled=True, priority=None)
    found = inputs.control_problems(params)
    assert [f.split(":")[0] for f in found] == ["set_header_value", "validate.recipients[1]"]
    text = " ".join(found)
    assert "s3cr3t" not in text and "evil" not in text and "b@example.com" not in text


def test_skipped_and_clean_values_pass():
    params = dict(running_config=u"line\nline", certificate_content=u"-----BEGIN-----\nabc\n-----END-----\n",
                  name=u"Stra\u00dfe connector \u00e9", comment="", sender_domains=["*"], _ansible_x=u"\n")
    assert inputs.control_problems(params) == []


def test_connection_problems_name_the_option():
    found = inputs.connection_problems(dict(timeout=-1, max_retries=-1, retry_max_delay=-5.0, base_url="not a url"))
    assert [f.split(":")[0] for f in found] == ["timeout", "max_retries", "retry_max_delay", "base_url"]
    ok = dict(timeout=120, max_retries=0, retry_max_delay=0.0, base_url="https://127.0.0.1:8443/base")
    assert inputs.connection_problems(ok) == []
    assert inputs.connection_problems(dict(base_url="ftp://host")) != []


@pytest.mark.parametrize("value,ok", [("user@example.com", True), ("*@example.com", True), ("nobody", False),
                                      ("not an address", False), ("a@b", False), ("a@bad domain.com", False)])
def test_address(value, ok):
    assert inputs.is_address(value) is ok


def test_regex_error_names_option_without_value():
    with pytest.raises(ValueError) as exc:
        inputs.check_regex("header_matches_patterns[0]", "(unclosed-secret")
    assert str(exc.value).startswith("header_matches_patterns[0]: not a valid regular expression")
    assert "secret" not in str(exc.value)
    inputs.check_regex("x", r"^(?<token>[a-z]+)$")  # .NET named group


def test_trace_problems():
    found = inputs.trace_problems(dict(hours=0, recipient_address=["not an address"], sender_address=None,
                                       status=["Exploded", "delivered"]))
    assert [f.split(":")[0] for f in found] == ["hours", "recipient_address[0]", "status[0]"]
    assert inputs.trace_problems(dict(hours=100000))[0].startswith("hours:")
    assert inputs.trace_problems(dict(hours=48, status=["FilteredAsSpam"])) == []


def test_module_prechecks():
    found = connectors.precheck(connectors.OUTBOUND, dict(state="present", tls_domain="bad domain.example.com",
                                                          validation_recipients=["nobody"],
                                                          validate=dict(recipients=[])))
    assert [f.split(":")[0] for f in found] == ["tls_domain", "validation_recipients[0]", "validate.recipients"]
    found = connectors.precheck(connectors.INBOUND, dict(tls_sender_certificate_name="mail .example.com"))
    assert found and found[0].startswith("tls_sender_certificate_name:")
    assert connectors.precheck(connectors.INBOUND, dict(tls_sender_certificate_name="*.example.com")) == []
    assert connectors.precheck(connectors.INBOUND, dict(tls_sender_certificate_name="")) == []
    found = transport_rules.precheck(dict(sender_domain_is=["bad domain.example.com"], from_addresses=["x"],
                                          header_matches_patterns=["(unclosed"]))
    assert [f.split(":")[0] for f in found] == ["sender_domain_is[0]", "from_addresses[0]",
                                                "header_matches_patterns[0]"]
