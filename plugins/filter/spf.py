# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import spf as spf_lib


def _record(value, filter_name):
    """A record, or the one SPF record among a list of TXT values."""
    if isinstance(value, (list, tuple)):
        found = [item for item in value if isinstance(item, str) and spf_lib.is_spf(item)]
        if len(found) != 1:
            raise AnsibleFilterError("%s: the list has %d SPF records (v=spf1 ...); exactly one is needed"
                                     % (filter_name, len(found)))
        return found[0]
    if not isinstance(value, str):
        raise AnsibleFilterError("%s: expected an SPF record (a string), got %r" % (filter_name, value))
    return value


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


def spf_parse(value):
    """An SPF record -> its terms (no DNS lookups)."""
    parsed = spf_lib.parse(_record(value, "spf_parse"))
    return dict(record=parsed["record"], valid=parsed["valid"], errors=parsed["errors"], all=parsed["all"],
                redirect=parsed["redirect"], terms=parsed["terms"],
                lookups=sum(term["lookups"] for term in parsed["terms"]))


class FilterModule(object):

    def filters(self):
        return dict(spf_merge=spf_merge, spf_parse=spf_parse)
