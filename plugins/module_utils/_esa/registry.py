# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What exists: every gateway object kind and every document, in one place.

This module is PRIVATE to the collection. It can change at any time.

``esa_info``, ``esa_command``'s read-only list, ``esa_commit``'s read-back and
the tests iterate these lists instead of repeating names.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import (
    bounce_profiles, destination_controls, listener_documents, mail_flow_policies, message_filters, recipient_access,
    sender_groups, smtp_routes, tls_ciphers)

#: the kinds, in the order of the guide's steps
RESOURCES = (
    bounce_profiles.BounceProfiles,                # referenced by S3's destination controls
    destination_controls.DestinationControls,      # S3
    recipient_access.RecipientAccess,              # S4
    smtp_routes.SmtpRoutes,                        # S5
    sender_groups.SenderGroups,                    # S8
    mail_flow_policies.MailFlowPolicies,           # S9
    message_filters.MessageFilters,                # S12
    tls_ciphers.TlsCiphers,                        # S15
)

#: document prefix -> documents.Document
DOCUMENTS = dict((d.prefix, d) for d in listener_documents.DOCUMENTS + (
    destination_controls.DOCUMENT,
    smtp_routes.DOCUMENT,
    message_filters.DOCUMENT,
    tls_ciphers.DOCUMENT,
    bounce_profiles.DOCUMENT,
    bounce_profiles.NAMES,
))

#: source name -> documents.Source (the listing commands the kinds read)
SOURCES = dict((d.source.name, d.source) for d in DOCUMENTS.values())

#: commands whose listing this collection reads (esa_command treats them as read-only without answers)
READ_COMMANDS = tuple(sorted(set(source.script().command for source in SOURCES.values())))


def resource(name):
    for kind in RESOURCES:
        if kind.name == name:
            return kind
    raise KeyError(name)
