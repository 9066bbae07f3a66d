# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.errors import AnsibleFilterError

REDACTION = "\u2588"   # the block character of redacted copies
_IPV4 = r"(?:\d{1,3}|\u2588+)(?:\.(?:\d{1,3}|\u2588+)){0,3}"

REQUIRED = ("mx_hosts", "gateway_ips", "outbound_relay_host", "spf_record")


def _section(text, start_re, stop_re):
    match = re.search(start_re, text, re.I | re.M)
    if not match:
        return ""
    rest = text[match.end():]
    stop = re.search(stop_re, rest, re.I | re.M)
    return rest[:stop.start()] if stop else rest


def _items(block, pattern):
    return [re.sub(r"\s+", "", m.group(1)) for m in re.finditer(r"^\s*[-*\u2022]?\s*(%s)\s*$" % pattern, block, re.M)]


def ces_welcome_letter(text, allow_redacted=False):
    """Parse the text of a Cisco Secure Email Cloud Gateway welcome letter into the collection's variable tree."""
    if not isinstance(text, str) or not text.strip():
        raise AnsibleFilterError("ces_welcome_letter: the input is empty; pass the text of the welcome letter")
    host = r"[A-Za-z0-9\u2588][A-Za-z0-9\u2588. \t-]*\.iphmx\.com"
    org = re.search(r"^\s*Organi[sz]ation Name:\s*(.+?)\s*$", text, re.M)
    start = re.search(r"^\s*Start Date:\s*(.+?)\s*$", text, re.M)
    mx_block = _section(text, r"^\s*MX Records for inbound", r"^\s*Your Cisco CES portals|^\s*Hostname and IP")
    ips_block = _section(text, r"^\s*Email Security:\s*$", r"^\s*Security Management:|^\s*If you are using")
    mgmt_block = _section(text, r"^\s*Security Management:\s*$", r"^\s*If you are using|^\s*Host and IP")
    relay_block = _section(text, r"^\s*Host and IP address used for outbound relay", r"^\s*Include CES host")
    spf = re.search(r"(v=spf1\s[^\n]*?exists:%\{i\}\.spf\.([A-Za-z0-9\u2588.-]+?)\.iphmx\.com[^\n]*)", text)
    portals = dict((name, m.group(1)) for name, m in (
        (name, re.search(r"<?(https://[^\s>]*-%s\d*\.iphmx\.com)>?" % name, text)) for name in ("esa", "sma", "euq")) if m)
    result = dict(
        organization=org.group(1) if org else None,
        start_date=start.group(1) if start else None,
        mx_hosts=[h.lower() for h in _items(mx_block, host)],
        portals=portals,
        gateway_ips=_items(ips_block, _IPV4),
        management_ips=_items(mgmt_block, _IPV4),
        outbound_relay_host=(_items(relay_block, host) or [None])[0],
        spf_record=re.sub(r"\s+", " ", spf.group(1)).strip() if spf else None,
        allocation=spf.group(2) if spf else None,
    )
    result["spf_mechanism"] = "exists:%%{i}.spf.%s.iphmx.com" % result["allocation"] if result["allocation"] else None
    missing = [key for key in REQUIRED if not result[key]]
    if missing:
        raise AnsibleFilterError("ces_welcome_letter: could not find %s in the letter; set them by hand "
                                 "(see the roles' argument specs)" % ", ".join(missing))
    redacted = sorted(key for key, value in result.items() if REDACTION in repr(value))
    if redacted and not allow_redacted:
        raise AnsibleFilterError("ces_welcome_letter: the letter is redacted in %s; use the original letter, or "
                                 "allow_redacted=true to rehearse with placeholders" % ", ".join(redacted))
    bad_ips = [ip for ip in result["gateway_ips"] if REDACTION not in ip and not re.match(r"^\d{1,3}(\.\d{1,3}){3}$", ip)]
    if bad_ips:
        raise AnsibleFilterError("ces_welcome_letter: gateway IPs %s are not complete IPv4 addresses" % ", ".join(bad_ips))
    return result


class FilterModule(object):

    def filters(self):
        return dict(ces_welcome_letter=ces_welcome_letter)
