# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internationalised domain names -> their ASCII form (private; the API may change). Pure Python, no dnspython.

Shared by the DNS modules (through common.py) and the m365 filters, so that a Unicode name gives the same
A-labels everywhere. The conversion is IDNA 2003 (RFC 3490) as Python's standard library implements it
(``encodings.idna``), the same codec as dnspython's ``IDNA_2003``: it does not depend on whether the optional
``idna`` package happens to be installed (dnspython picks IDNA 2008 when it is, IDNA 2003 when it is not).

The four characters that IDNA 2003 and IDNA 2008 map to different names (sharp s, final sigma, ZWJ, ZWNJ; the
"deviations" of UTS #46) are refused: the name would be ambiguous, so the user writes that label as an A-label.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import encodings.idna

# Full stops that IDNA treats as label separators (RFC 3490 section 3.1).
LABEL_SEPARATORS = (u"\u3002", u"\uff0e", u"\uff61")
DEVIATIONS = (
    (u"\u00df", "the sharp s (U+00DF)"),
    (u"\u03c2", "the final sigma (U+03C2)"),
    (u"\u200c", "a zero width non-joiner (U+200C)"),
    (u"\u200d", "a zero width joiner (U+200D)"),
)


class IDNAError(ValueError):
    """A name that has no single ASCII form; the message names the field."""


def is_ascii(text):
    try:
        text.encode("ascii")
    except UnicodeError:
        return False
    return True


def to_ascii(text, field):
    """Domain name text -> the same text with every non-ASCII label as its A-label (``xn--...``).

    ASCII text is returned unchanged (case, escapes, a trailing dot and empty labels are left to the caller's
    parser). Raises :class:`IDNAError` naming ``field`` when a label cannot be converted."""
    if is_ascii(text):
        return text
    if "\\" in text:
        raise IDNAError("%s: %r mixes non-ASCII characters and backslash escapes; write the name either in Unicode "
                        "or in ASCII (A-labels, xn--...)" % (field, text))
    for char, what in DEVIATIONS:
        if char in text:
            raise IDNAError("%s: %r contains %s, which IDNA 2003 and IDNA 2008 turn into different names; write "
                            "that label as its A-label (xn--...) so that it is clear which name is meant"
                            % (field, text, what))
    unified = text
    for separator in LABEL_SEPARATORS:
        unified = unified.replace(separator, ".")
    absolute = unified.endswith(".")
    labels = (unified[:-1] if absolute else unified).split(".")
    out = []
    for label in labels:
        if is_ascii(label):
            out.append(label)
            continue
        try:
            out.append(encodings.idna.ToASCII(label).decode("ascii"))
        except UnicodeError as exc:
            raise IDNAError("%s: %r is not a valid internationalised domain name: label %r cannot be converted to "
                            "an A-label (IDNA, RFC 3490): %s" % (field, text, label, exc))
    return ".".join(out) + ("." if absolute else "")
