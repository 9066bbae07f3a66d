# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import mail


def mx_classify(value, domain=None):
    """MX records (list, or text with one record per line such as dig output) -> the MX analysis of mail_dns_info."""
    if domain is not None and not isinstance(domain, str):
        raise AnsibleFilterError("mx_classify: domain must be a string, got %r" % (domain,))
    try:
        summary = mail.mx_summary(value)
    except mail.MXError as exc:
        raise AnsibleFilterError("mx_classify: %s" % exc)
    summary["findings"] = mail.mx_findings(domain, summary)
    return summary


def mx_host_class(value):
    """One MX host name -> cisco_gateway, exchange_online, other or invalid."""
    return mail.classify_mx_host(value)


class FilterModule(object):

    def filters(self):
        return dict(mx_classify=mx_classify, mx_host_class=mx_host_class)
