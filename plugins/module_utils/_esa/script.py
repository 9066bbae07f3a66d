# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Script builder: one description of a dialogue gives both its rules and the lines typed.

This module is PRIVATE to the collection. It can change at any time.

A kind's ``render`` describes what it would type, step by step, with the
methods below. The builder turns that into the dialogue engine's rules
(``rules()``) and into the lines a person would type (``commands()``, the
``commands``/``rendered`` output of the modules). No kind writes rules or
answer lists by hand.

- ``menu(name, pattern, answer)``: a menu that is asked again and again (the
  same rule answers every visit, in order). ``operation=True`` marks the menu
  whose answer starts a new operation (NEW, EDIT, ...): the questions asked
  after it belong to that operation only (see ``dialogue.Rule`` groups).
- ``submenu(name, pattern, answer)``: a menu inside the current operation
  (for example the sender group's own menu after HOSTACCESS > EDIT).
- ``ask(pattern, answer, optional=False)``: one question of the operation.
- ``raw_lines(pattern, lines)``: lines typed at a bare prompt, one per prompt.
- ``block(pattern, lines)``: lines typed with no prompt between them after
  the question ``pattern`` (the filter script and its ``.`` line, a custom
  SMTP response and its empty line; docs/asyncos-cli.md §2).
- ``enter_listener(listener, verb)`` / ``leave_listener()``: the
  ``listenerconfig > EDIT > <listener> > <verb>`` wrapper shared by the HAT
  and the RAT.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import Rule

ENTER = "<Enter>"

# listenerconfig: the listener list menu, the listener chooser and the listener's own menu
# (docs/asyncos-cli.md, "listenerconfig: HAT and RAT").
Q_LISTENERS = r"- NEW - Create a new listener"
Q_LISTENER = r"name or number of the listener you wish to edit"
LISTENER_VERBS = {"HOSTACCESS": r"- HOSTACCESS -", "RCPTACCESS": r"- RCPTACCESS -"}


def choose(name, prefix=""):
    """The answer that picks the numbered option named exactly ``prefix + name``."""
    return "choose:^%s%s$" % (re.escape(prefix), re.escape(name))


class Script(object):
    """Rules and typed lines of one command's dialogue, built in the order they are typed."""

    def __init__(self, command):
        self.command = command
        self._menus = []        # [name, group, pattern, answers, operation, optional]
        self._questions = []    # Rule objects of questions, in the order they are asked
        self._typed = []
        self._group = None      # the open operation (None before the first one)
        self._listener = None

    def __bool__(self):
        return bool(self._typed)

    __nonzero__ = __bool__

    # -- building ------------------------------------------------------------------------------------------
    def _menu(self, name, pattern, answer, group, operation=False, optional=False):
        for item in self._menus:
            if item[0] == name and item[1] == group:
                item[3].append(answer)
                break
        else:
            self._menus.append([name, group, pattern, [answer], operation, optional])
        self._typed.append(answer)

    def menu(self, name, pattern, answer, operation=False, optional=False):
        """``optional``: a menu the appliance may not show (for example the filters menu of an appliance
        without filters, which offers only NEW and IMPORT)."""
        if operation:
            self._group = 0 if self._group is None else self._group + 1
        self._menu(name, pattern, answer, None, operation, optional)
        return self

    def submenu(self, name, pattern, answer):
        self._menu(name, pattern, answer, self._group)
        return self

    def ask(self, pattern, answer, optional=False, secret=False, name=None, shown=True):
        """``shown=False``: a question the appliance may or may not ask (an optional rule for tolerance); its
        answer is not in the typed lines (``commands()``)."""
        self._questions.append(Rule(pattern, answer, optional=optional, secret=secret, name=name or pattern, group=self._group))
        if shown:
            self._typed.append("********" if secret else answer)
        return self

    def raw_lines(self, pattern, lines, name=None):
        """``lines`` typed one after the other at a prompt matching ``pattern``."""
        if lines:
            self._questions.append(Rule(pattern, list(lines), menu=True, name=name or pattern, group=self._group))
            self._typed.extend(lines)
        return self

    def block(self, pattern, lines, name=None, secret=False):
        """``lines`` typed one after the other, with no prompt between them, once ``pattern`` is asked."""
        self._questions.append(Rule(pattern, list(lines), block=True, secret=secret, name=name or pattern, group=self._group))
        self._typed.extend(["********"] * len(lines) if secret else lines)
        return self

    def enter_listener(self, listener, verb):
        self.menu("listeners menu", Q_LISTENERS, "EDIT")
        self._questions.append(Rule(Q_LISTENER, listener, name="listener"))
        self._typed.append(listener)
        self.menu("listener menu", LISTENER_VERBS[verb], verb)
        self._listener = verb
        return self

    def leave_listener(self, table_menu_name, table_menu_pattern):
        """Back out: the table's menu, the listener's menu and the listener list, each with Enter."""
        self.menu(table_menu_name, table_menu_pattern, "")
        self.menu("listener menu", LISTENER_VERBS[self._listener], "")
        self.menu("listeners menu", Q_LISTENERS, "")
        self._listener = None
        return self

    def extend_rules(self, rules):
        """Rules that are not answers of this script (cluster-level questions)."""
        self._questions.extend(rules)
        return self

    # -- results -------------------------------------------------------------------------------------------
    def rules(self):
        """The dialogue engine's rules: menus first, then the questions in order."""
        rules = []
        for name, group, pattern, answers, operation, optional in self._menus:
            rules.append(Rule(pattern, answers, menu=True, phase=operation, name=name, group=group, optional=optional))
        return rules + list(self._questions)

    def commands(self):
        """What would be typed: the command, then each answer (an empty answer is ``<Enter>``)."""
        if not self._typed:
            return []
        return [self.command] + [answer if answer != "" else ENTER for answer in self._typed]
