# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documents: the units of configuration the kinds read and the ledger keeps, and the Reader.

This module is PRIVATE to the collection. It can change at any time.

A **source** is the output of one listing command (``showconfig``,
``smtproutes`` PRINT, ``destconfig`` DETAIL, ...). A **document** is one
part of the configuration parsed from a source: ``smtp_routes``,
``rat/<listener>``, ``hat/<listener>`` (sender groups and policies together),
``message_filters`` ... Several documents can share a source (the
``showconfig`` XML holds every listener).

The ``Reader`` gives a module the session's view of a document: the value the
pending-changes ledger holds when an earlier task of this login changed it,
else the value parsed from the source (read at most once per login). After a
commit, ``verify`` reads the sources again and compares each changed document
with what the plan predicted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


class ReadError(ValueError):
    """A listing could not be read or parsed consistently."""


class Source(object):
    """A listing command: ``script()`` gives the read Script; ``prepare(output)`` the parsed form shared by the
    documents of this source (the XML tree, or the text)."""

    def __init__(self, name, script, prepare=None, count=None):
        self.name = name
        self.script = script
        self.prepare = prepare or (lambda output: output)
        self.count = count


class Document(object):
    """``prefix`` (``hat``) or ``prefix/scope`` (``hat/OutgoingMail``) names a document; ``parse(prepared, scope)``
    gives its value from the prepared source."""

    def __init__(self, prefix, source, parse):
        self.prefix = prefix
        self.source = source
        self.parse = parse


def split_name(name):
    prefix, dummy, scope = name.partition("/")
    return prefix, scope or None


def check_count(output, pattern, parsed, what):
    """The appliance's own count (``There are currently N ...``) must equal the number of entries parsed."""
    match = re.search(pattern, output)
    if match and int(match.group(1)) != parsed:
        raise ReadError("the appliance reports %s %s, but %d were parsed from its listing; the listing's layout is not "
                        "the one this collection knows, so nothing is planned on it" % (match.group(1), what, parsed))


class Reader(object):
    """The session's view of documents, for one module run. ``documents``: {prefix: Document}."""

    def __init__(self, client, documents):
        self.client = client
        self.registry = documents
        self._prepared = {}
        self._ledger = None
        self.reads = []

    def _spec(self, name):
        prefix, scope = split_name(name)
        if prefix not in self.registry:
            raise ReadError("unknown document %r" % name)
        return self.registry[prefix], scope

    def ledger(self):
        if self._ledger is None:
            self._ledger = self.client.ledger().get("documents", {})
        return self._ledger

    def prepared(self, source, fresh=False):
        if fresh or source.name not in self._prepared:
            script = source.script()
            result = self.client.read_source(source.name, script.command, script.rules(), fresh=fresh)
            self.reads.append(dict(source=source.name, cached=bool(result.get("cached")), prompt=result.get("prompt")))
            self._prepared[source.name] = (source.prepare(result["output"]), result.get("prompt"))
        return self._prepared[source.name]

    def prompt_after(self, name):
        spec, dummy = self._spec(name)
        return self.prepared(spec.source)[1]

    def get(self, name):
        """The document as this session sees it."""
        entry = self.ledger().get(name)
        if entry is not None:
            return entry["value"]
        return self.read(name)

    def read(self, name, fresh=False):
        """The document as the appliance's listing shows it (committed state for showconfig)."""
        spec, scope = self._spec(name)
        return spec.parse(self.prepared(spec.source, fresh)[0], scope)


def differences(expected, actual, path=""):
    """Where ``actual`` differs from ``expected``: a list of ``path: expected X, read Y``."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in list(expected) + [k for k in actual if k not in expected]:
            found += differences(expected.get(key), actual.get(key), "%s.%s" % (path, key) if path else str(key))
        return found
    if isinstance(expected, list) and isinstance(actual, list) and _keyed(expected + actual):
        field = _keyed(expected + actual)
        have = dict((item[field], item) for item in actual)
        want = dict((item[field], item) for item in expected)
        found = []
        for key in list(want) + [k for k in have if k not in want]:
            found += differences(want.get(key), have.get(key), "%s[%s]" % (path, key))
        if not found and [i[field] for i in expected] != [i[field] for i in actual]:
            found.append("%s: order expected %s, read %s" % (path, [i[field] for i in expected], [i[field] for i in actual]))
        return found
    if expected != actual:
        if path.rsplit(".", 1)[-1] in WITHOUT_VALUES:
            return ["%s: differs from the plan (value not shown: it can hold a secret)" % path]
        return ["%s: expected %s, read %s" % (path or "value", _show(expected), _show(actual))]
    return []


# fields whose values can embed secrets (message filter bodies hold the outbound header secret)
WITHOUT_VALUES = ("body",)


def _show(value):
    return "'%s'" % value if isinstance(value, str) else repr(value)


def _keyed(items):
    for field in ("name", "domain", "address"):
        if items and all(isinstance(i, dict) and field in i for i in items):
            return field
    return None


def verify(client, registry, expected):
    """Read the changed documents again (one fresh read per source) and compare them with ``expected``
    ({name: value}). Returns the list of differences, each naming the document and the field."""
    reader = Reader(client, registry)
    problems = []
    fresh = set()
    for name in sorted(expected):
        spec, dummy = reader._spec(name)
        actual = reader.read(name, fresh=spec.source.name not in fresh)
        fresh.add(spec.source.name)
        problems += ["%s: %s" % (name, d) for d in differences(expected[name], actual)]
    return problems
