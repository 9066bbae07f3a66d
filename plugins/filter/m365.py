# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.mailops.secure_email.plugins.module_utils._dns import names

M365_MX_SUFFIX = ".mail.protection.outlook.com"


def m365_mx_host(domain):
    """example.com -> example-com.mail.protection.outlook.com (the tenant's original MX host).

    An internationalised domain is taken in its A-label form first (IDNA 2003, the same codec as the DNS modules),
    so the host is ASCII like every DNS host name: xn--bcher-kva-example.mail.protection.outlook.com."""
    if not isinstance(domain, str) or not domain.strip() or re.search(r"\s", domain.strip()):
        raise AnsibleFilterError("m365_mx_host: %r is not a domain name" % (domain,))
    try:
        ascii_domain = names.to_ascii(domain.strip().rstrip("."), "m365_mx_host")
    except names.IDNAError as exc:
        raise AnsibleFilterError(str(exc))
    labels = ascii_domain.lower().split(".")
    if not all(labels) or "\\" in ascii_domain:
        raise AnsibleFilterError("m365_mx_host: %r is not a domain name (empty label or escape)" % (domain,))
    return "-".join(labels) + M365_MX_SUFFIX


def m365_smtp_route(domain, port=25, mx_host=None):
    """The gateway SMTP route of guide step S5 for one tenant domain.

    ``domain`` is a name, or a dict with ``name`` and optional ``mx_host`` and ``port``.
    """
    if isinstance(domain, dict):
        if not domain.get("name"):
            raise AnsibleFilterError("m365_smtp_route: a domain entry needs 'name', got %r" % (domain,))
        mx_host = domain.get("mx_host") or mx_host
        port = domain.get("port") or port
        domain = domain["name"]
    host = mx_host or m365_mx_host(domain)
    return dict(domain=domain.strip().rstrip(".").lower(), destinations=[dict(host=host, port=int(port))])


def _domain_name(domain, filter_name):
    if isinstance(domain, dict):
        domain = domain.get("name")
    if not isinstance(domain, str) or not domain.strip() or " " in domain.strip():
        raise AnsibleFilterError("%s: %r is not a domain name (or a dict with 'name')" % (filter_name, domain))
    return domain.strip().rstrip(".").lower()


def m365_destination_control(domain, concurrency_limit=10, messages_per_connection=20, tls="on"):
    """Guide step S3: the destination control entry of a tenant domain (10 connections, 20 messages, TLS preferred)."""
    return dict(domain=_domain_name(domain, "m365_destination_control"), concurrency_limit=int(concurrency_limit),
                messages_per_connection=int(messages_per_connection), tls=tls)


def m365_recipient_access(domain, action="accept"):
    """Guide step S4: the RAT entry that accepts mail for a tenant domain."""
    return dict(address=_domain_name(domain, "m365_recipient_access"), action=action)


def _accepted_name(entry):
    """An accepted domain as exo_info returns it (``domain_name``) or as Get-AcceptedDomain prints it
    (``DomainName``): (name, matches its subdomains)."""
    if not isinstance(entry, dict):
        raise AnsibleFilterError("m365_unaccepted_domains: an accepted domain is a dict with domain_name, got %r"
                                 % (entry,))
    name = entry.get("domain_name", entry.get("DomainName"))
    if not isinstance(name, str) or not name.strip():
        raise AnsibleFilterError("m365_unaccepted_domains: an accepted domain without domain_name: %r" % (entry,))
    subdomains = entry.get("match_sub_domains", entry.get("MatchSubDomains", False))
    return name.strip().rstrip(".").lower(), bool(subdomains)


def m365_unaccepted_domains(domains, accepted_domains):
    """The domains (names, or dicts with ``name``) that none of the tenant's accepted domains accepts, in their
    order: exact names, and the subdomains of an accepted domain with MatchSubDomains. One pass over each list (a
    set and a list of suffixes), so that a hundred domains cost no more than a few."""
    if not isinstance(domains, list):
        raise AnsibleFilterError("m365_unaccepted_domains: the input is a list of domains, got %r" % (domains,))
    if not isinstance(accepted_domains, list):
        raise AnsibleFilterError("m365_unaccepted_domains: accepted_domains is a list (exo_info's "
                                 "accepted_domains), got %r" % (accepted_domains,))
    exact, suffixes = set(), []
    for entry in accepted_domains:
        name, subdomains = _accepted_name(entry)
        exact.add(name)
        if subdomains:
            suffixes.append("." + name)
    missing = []
    for domain in domains:
        name = _domain_name(domain, "m365_unaccepted_domains")
        if name not in exact and not any(name.endswith(suffix) for suffix in suffixes) and name not in missing:
            missing.append(name)
    return missing


class FilterModule(object):

    def filters(self):
        return dict(m365_mx_host=m365_mx_host, m365_smtp_route=m365_smtp_route,
                    m365_destination_control=m365_destination_control, m365_recipient_access=m365_recipient_access,
                    m365_unaccepted_domains=m365_unaccepted_domains)
