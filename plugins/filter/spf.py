# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import spf as spf_lib


def _normalized(value, filter_name):
    try:
        return spf_lib.normalize(value)
    except spf_lib.SPFError as exc:
        raise AnsibleFilterError("%s: %s" % (filter_name, exc))


def _record(value, filter_name):
    """A record (text as copied from dig is cleaned up), or the one SPF record among a list of TXT values."""
    if isinstance(value, (list, tuple)):
        found = []
        for item in value:
            try:
                text = spf_lib.normalize(item)
            except spf_lib.SPFError:
                continue
            if spf_lib.is_spf(text):
                found.append(text)
        if len(found) != 1:
            raise AnsibleFilterError("%s: the list has %d SPF records (v=spf1 ...); exactly one is needed"
                                     % (filter_name, len(found)))
        return found[0]
    if not isinstance(value, (str, bytes)):
        raise AnsibleFilterError("%s: expected an SPF record (a string), got %r" % (filter_name, value))
    return _normalized(value, filter_name)


def spf_merge(value, mechanisms):
    """Add mechanisms to an SPF record: before 'all', each once, the rest unchanged."""
    if isinstance(mechanisms, str):
        mechanisms = [mechanisms]
    if not isinstance(mechanisms, (list, tuple)):
        raise AnsibleFilterError("spf_merge: mechanisms must be a string or a list of strings, got %r" % (mechanisms,))
    try:
        return spf_lib.merge(_record(value, "spf_merge"), list(mechanisms))
    except spf_lib.SPFError as exc:
        raise AnsibleFilterError("spf_merge: %s" % exc)


def spf_parse(value, gateway_mechanism=None):
    """An SPF record -> its terms and findings (no DNS lookups)."""
    if gateway_mechanism is not None and not isinstance(gateway_mechanism, str):
        raise AnsibleFilterError("spf_parse: gateway_mechanism must be a string, got %r" % (gateway_mechanism,))
    record = _record(value, "spf_parse")
    parsed = spf_lib.parse(record)
    analysis = spf_lib.analyse([record], None, None, gateway_mechanism)
    result = dict(record=parsed["record"], valid=parsed["valid"], errors=parsed["errors"], all=parsed["all"],
                  redirect=parsed["redirect"], terms=parsed["terms"],
                  lookups=sum(term["lookups"] for term in parsed["terms"]),
                  permerror=bool(parsed["errors"]) or analysis["permerror"],
                  findings=spf_lib.findings(None, analysis))
    for key in ("gateway_mechanism", "gateway_mechanism_present", "gateway_allocation", "gateway_allocations",
                "gateway_term", "gateway_effective", "gateway_reason", "gateway_lookups_before"):
        result[key] = analysis[key]
    return result


class FilterModule(object):

    def filters(self):
        return dict(spf_merge=spf_merge, spf_parse=spf_parse)
