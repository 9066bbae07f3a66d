# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's AnsibleModule: argument errors that name the field.

This module is PRIVATE to the collection. It can change at any time.

Ansible's own check of a list of dicts given a string answers "dictionary
requested, could not parse JSON or key=value", without saying which option.
Every module of this collection builds its module with this class; when the
argument check fails, the message names the option and its position
(``config[0].destinations``) and what was expected.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils import basic


def _kind(value):
    if isinstance(value, str):
        return "a string %r" % (value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return "a %s" % type(value).__name__


def _keys(spec):
    return ", ".join(sorted(spec or {}))


def shape_problem(spec, params, prefix=""):
    """The first option whose value does not have the shape ``spec`` asks for (a dict, or a list of dicts), as a
    message naming it; None when the shapes fit (other checks are Ansible's)."""
    for name in sorted(spec or {}):
        option = spec[name]
        names = [name] + list(option.get("aliases") or [])
        present = [n for n in names if isinstance(params, dict) and n in params]
        if not present:
            continue
        value = params[present[0]]
        field = prefix + present[0]
        if value is None or option.get("no_log"):
            continue
        kind, elements, sub = option.get("type", "str"), option.get("elements"), option.get("options")
        if kind == "list" and elements == "dict":
            if not isinstance(value, list):
                return "%s: must be a list of dicts (each with %s); got %s" % (field, _keys(sub) or "keys", _kind(value))
            for index, item in enumerate(value):
                where = "%s[%d]" % (field, index)
                if not isinstance(item, dict):
                    return "%s: must be a dict (with %s); got %s" % (where, _keys(sub) or "keys", _kind(item))
                if sub:
                    found = shape_problem(sub, item, where + ".")
                    if found:
                        return found
        elif kind == "dict":
            if not isinstance(value, dict):
                return "%s: must be a dict (with %s); got %s" % (field, _keys(sub) or "keys", _kind(value))
            if sub:
                found = shape_problem(sub, value, field + ".")
                if found:
                    return found
        elif kind == "list" and elements in ("str", "int") and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, (dict, list)):
                    wanted = "string" if elements == "str" else "number"
                    return "%s[%d]: must be a %s; got %s" % (field, index, wanted, _kind(item))
    return None


class AnsibleModule(basic.AnsibleModule):
    """``basic.AnsibleModule`` whose argument errors name the field."""

    def __init__(self, *args, **kwargs):
        self._mailops_checking_arguments = True
        try:
            super(AnsibleModule, self).__init__(*args, **kwargs)
        finally:
            self._mailops_checking_arguments = False

    def fail_json(self, msg=None, **kwargs):
        if self.__dict__.get("_mailops_checking_arguments"):
            try:
                raw = basic._load_params()
            except Exception:  # pylint: disable=broad-except
                raw = None
            better = shape_problem(self.argument_spec, raw) if isinstance(raw, dict) else None
            if better:
                msg = "%s (%s)" % (better, msg) if msg else better
        super(AnsibleModule, self).fail_json(msg=msg, **kwargs)
