# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Masking of secrets inside objects that embed them (filter bodies, header values).

This module is PRIVATE to the collection. It can change at any time.

Two kinds of masking (docs/secrets.md):

- literal: every occurrence of a known secret (the ``secrets`` option of esa_message_filters) becomes ``********``;
- by header: in any text holding message filters, the value a filter compares a *secret header* with
  (``header("X-OUTBOUND-AUTH") == "..."``, ``!=``) or sets it to (``insert-header``, ``edit-header-text``)
  becomes ``********``, whether or not the value is known. The secret headers are ``X-OUTBOUND-AUTH`` (the
  default ``outbound_header_name`` of the outbound role) and those a module is told about (``secret_headers``).

Masking is for output only: plans compare the real values.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import filter_language

MASK = "********"
# The header the outbound role's S12 filter tests and its S11 rule sets (roles/outbound/defaults: outbound_header_name).
OUTBOUND_HEADER = "X-OUTBOUND-AUTH"
# Values learnt from filter bodies (not given as secrets) are also masked wherever they appear as they are, when
# at least this long: a shorter value (``"1"``) would mask unrelated text. In filter text they are always masked.
LEARNT_MIN_LENGTH = 6


class Secrets(list):
    """The secret values (a list, so it goes wherever a list of secrets went) and the secret headers.

    ``learn(text)`` adds the values that filter text tests or sets for the secret headers. A kind returns the
    same object for the whole task, so the values of the bodies it reads after the runner took the object are
    masked too.
    """

    def __init__(self, values=(), headers=()):
        super(Secrets, self).__init__()
        self.headers = []
        for header in [OUTBOUND_HEADER] + list(headers or []):
            if header and header.strip().lower() not in [h.lower() for h in self.headers]:
                self.headers.append(header.strip())
        for value in values or []:
            self.add(value)

    def add(self, value):
        if value and value not in self:
            self.append(value)

    def learn(self, text):
        """Remember the values ``text`` tests or sets for the secret headers (as typed, and unanchored)."""
        if not text or not isinstance(text, str):
            return
        for value in filter_language.header_values(text, self.headers):
            forms = set([value, filter_language.string_value('"%s"' % value)])
            for form in list(forms):
                core = form[1:] if form.startswith("^") else form
                forms.add(core[:-1] if core.endswith("$") and not core.endswith("\\$") else core)
            for form in sorted(forms):
                if len(form) >= LEARNT_MIN_LENGTH:
                    self.add(form)


def mask(value, secrets):
    """``value`` with every occurrence of each secret, and every value tested or set for a secret header (when
    ``secrets`` is a ``Secrets``), replaced by ``********`` (dicts, lists, strings)."""
    headers = list(getattr(secrets, "headers", None) or [])
    literal = sorted(set(s for s in (secrets or []) if s), key=len, reverse=True)
    if not literal and not headers:
        return value
    return _mask(value, literal, headers)


def _mask(value, secrets, headers):
    if isinstance(value, dict):
        return dict((k, _mask(v, secrets, headers)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_mask(v, secrets, headers) for v in value]
    if isinstance(value, str):
        if headers:
            value = filter_language.mask_header_values(value, headers, MASK)
        for secret in secrets:
            value = value.replace(secret, MASK)
        return value
    return value
