# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bounce profiles (``bounceconfig``): validation, the reader, render; and the name check of destination controls.

This module is PRIVATE to the collection. It can change at any time.

A profile is ``{"name": str, "max_retries": int, "max_queue_lifetime": int, "initial_retry": int,
"max_retry_timeout": int, "send_bounces": bool, "use_dsn_bounce_format": bool, "send_warnings": bool}``
(seconds for the times). On a profile other than ``Default`` a yes/no setting may be None: it follows the
Default profile (the CLI answer ``Default``).

Facts (docs/asyncos-cli.md, "bounceconfig"): on entry the command lists only the names, ``N. name`` from
``1. Default``; EDIT and DELETE take that number. No verb prints a profile's settings, so they are read from the
configuration XML (``showconfig``), whose ``<bounce_profiles>`` layout is a reconstruction (section 12): when the
XML has no such element, the kind fails before writing and the name check falls back to the listing.
Because the number typed at EDIT and DELETE is computed from the order read, the dialogue also checks which
profile the appliance took: EDIT's name question must offer the profile's name as its default, and DELETE's
confirmation must name it; otherwise the question is unexpected and nothing is changed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import config_xml, listener_documents
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.documents import Document, Source
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Plan, PlanError, Snapshot, TableResource
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.script import Script

COMMAND = "bounceconfig"
DEFAULT = "Default"
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,79}$")

# (field, low, high): the GUI library's ranges (docs/asyncos-cli.md, "bounceconfig")
NUMBERS = (("max_retries", 0, 10000), ("max_queue_lifetime", 0, 3000000), ("initial_retry", 60, 86400),
           ("max_retry_timeout", 60, 86400))
FLAGS = ("send_bounces", "use_dsn_bounce_format", "send_warnings")
FIELDS = tuple(field for field, dummy, dummy2 in NUMBERS) + FLAGS
# The Default profile's factory values (docs/asyncos-cli.md, "bounceconfig"): the values of unset fields in
# state=replaced/overridden and of a new profile's numbers.
FACTORY = dict(max_retries=100, max_queue_lifetime=259200, initial_retry=60, max_retry_timeout=3600,
               send_bounces=True, use_dsn_bounce_format=True, send_warnings=False)

# Questions (substrings from Cisco's CLI test library, docs/asyncos-cli.md "bounceconfig").
Q_MENU = r"Choose the operation you want to perform"
Q_NEW_NAME = r"create a name"
Q_EDIT_NUMBER = r"the profile to edit"
Q_DELETE_NUMBER = r"profile to delete"
Q_RETRIES = r"maximum number of retries"
Q_QUEUE = r"stay in the queue"
# Default's EDIT also asks the host waits, "... before retrying a host ..."; the queue question may say
# "maximum number of seconds" too
Q_INITIAL = r"initial number(?![\s\S]*retrying a host)"
Q_MAX_WAIT = r"maximum number of seconds(?![\s\S]*(?:stay in the queue|retrying a host))"
Q_HARD_BOUNCE = r"message sent for each hard bounce"
Q_DSN = r"DSN message"
Q_WARNINGS = r"send a delay"
# Questions whose settings this collection does not manage: Enter keeps the value.
Q_BOUNCE_SUBJECT = r"subject to use(?![\s\S]*Notification \(Delay\))"
Q_PARSE_DSN = r"include in the DSN generated"
Q_DELAY_SUBJECT = r"Notification \(Delay\)"
Q_DELAY_INTERVAL = r"seconds between delay warning"
Q_DELAY_COUNT = r"send per"
Q_ALTERNATE = r"instead of the sender"
Q_ALTERNATE_ADDRESS = r"email address"
Q_SIGNED = r"messages to be signed"
# the Default profile only
Q_HOST_INITIAL = r"initial number of seconds to wait before retrying a host"
Q_HOST_MAX_WAIT = r"maximum number of seconds to wait before retrying a host"
Q_BOUNCE_COPY = r"original message \(in bytes\)"


def _name_question(name):
    """EDIT's name question, offering ``name`` as its default: proof that the number chose this profile."""
    return r"name for the profile[\s\S]*\[%s\]>" % re.escape(name)


def _delete_question(name):
    return r"Are you sure you want to delete[\s\S]*(?<![\w-])%s(?![\w-])" % re.escape(name)


class BounceProfileError(ValueError):
    """Invalid bounce profile input; the message names the field and the rule."""


def normalise_profile(entry, index=None):
    where = "config[%s]" % index if index is not None else "config"
    name = entry.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name.strip()):
        raise BounceProfileError("%s.name: %r is not a profile name (a letter or '_', then letters, digits, '_' and "
                                 "'-', at most 80 characters)" % (where, name))
    name = name.strip()
    out = dict(name=DEFAULT if name.lower() == DEFAULT.lower() else name)
    for field, low, high in NUMBERS:
        value = entry.get(field)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise BounceProfileError("%s.%s: %r is out of range %d-%d" % (where, field, value, low, high))
        out[field] = value
    for field in FLAGS:
        value = entry.get(field)
        if value is not None and not isinstance(value, bool):
            raise BounceProfileError("%s.%s: must be true or false" % (where, field))
        out[field] = value
    if out["send_bounces"] is False and out["use_dsn_bounce_format"] is not None:
        raise BounceProfileError("%s.use_dsn_bounce_format: applies only when send_bounces is true (the appliance "
                                 "asks for the format only when it sends hard bounce messages)" % where)
    return out


# -- reading -------------------------------------------------------------------------------------------------


def parse_listing(text):
    """Profile names from the bounceconfig menu (``Current bounce profiles:`` then ``N. name``)."""
    names = []
    listing = False
    for line in text.replace("\r\n", "\n").split("\n"):
        if re.match(r"^\s*Current bounce profiles:", line):
            listing = True
            continue
        match = re.match(r"^\s*\d+\.\s+(\S.*?)\s*$", line)
        if listing and match:
            names.append(match.group(1))
        elif listing and line.strip():
            listing = False
    return names


def _flag(text):
    return {"yes": True, "no": False}.get(text.lower())


def profiles_from_xml(config):
    """The profiles of a parsed configuration XML, in listing order; None when it shows none."""
    node = config.find("bounce_profiles")
    if node is None:
        return None
    profiles = []
    for item in node.findall("bounce_profile"):
        entry = dict(name=config_xml.text_of(item, "profile_name"))
        for field, dummy, dummy2 in NUMBERS:
            value = config_xml.text_of(item, field)
            entry[field] = int(value) if value.isdigit() else None
        for field in FLAGS:
            entry[field] = _flag(config_xml.text_of(item, field))
        profiles.append(entry)
    return profiles


def _read_script():
    return Script(COMMAND).menu("bounceconfig menu", Q_MENU, "")


SOURCE = Source("bounceconfig", _read_script, parse_listing)
#: the names as the bounceconfig listing shows them (also uncommitted ones)
NAMES = Document("bounce_profile_names", SOURCE, lambda names, scope: names)
#: the profiles with their settings, from the configuration XML (committed; this login's changes: the ledger)
DOCUMENT = Document("bounce_profiles", listener_documents.SHOWCONFIG, lambda config, scope: profiles_from_xml(config))


def profile_names(reader):
    """The names the session sees: from the profiles, or from the listing when the XML shows no profiles."""
    profiles = reader.get(DOCUMENT.prefix)
    if profiles is None:
        return reader.get(NAMES.prefix)
    return [p["name"] for p in profiles]


def check_profiles(reader, wanted):
    """Fail (ValueError) before any write when a referenced profile does not exist."""
    if not wanted:
        return
    known = profile_names(reader)
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise ValueError("bounce_profile: %s not configured on the appliance (known: %s); create it first "
                         "(mailops.secure_email.esa_bounce_profiles)"
                         % (", ".join("%r" % u for u in unknown), ", ".join(known) or "none"))


# -- the kind --------------------------------------------------------------------------------------------------


def _answer(value):
    if value is None:
        return DEFAULT
    return "Y" if value else "N"


def _effective(entry, default, field):
    return default[field] if entry[field] is None else entry[field]


def _settings(script, entry, default):
    """The questions after the name, in the appliance's order (docs/asyncos-cli.md, "bounceconfig"): the managed
    settings answered (they must be asked), the others kept with Enter (when asked). Which questions come depends
    on the values, as on the appliance: the DSN format only while hard bounce messages are sent, the DSN subject
    and status parsing only with the DSN format, the delay warning details only with delay warnings, the
    alternate address only when one is set, the host questions only for the Default profile."""
    def keep(*questions):
        for label, pattern in questions:
            script.ask(pattern, "", optional=True, name=label)

    for pattern, field in ((Q_RETRIES, "max_retries"), (Q_QUEUE, "max_queue_lifetime"), (Q_INITIAL, "initial_retry"),
                           (Q_MAX_WAIT, "max_retry_timeout")):
        script.ask(pattern, "" if entry[field] is None else str(entry[field]), name=field)
    script.ask(Q_HARD_BOUNCE, _answer(entry["send_bounces"]), name="send_bounces")
    if _effective(entry, default, "send_bounces"):
        script.ask(Q_DSN, _answer(entry["use_dsn_bounce_format"]), name="use_dsn_bounce_format")
        if _effective(entry, default, "use_dsn_bounce_format"):
            keep(("hard bounce subject", Q_BOUNCE_SUBJECT), ("parse DSN status", Q_PARSE_DSN))
    script.ask(Q_WARNINGS, _answer(entry["send_warnings"]), name="send_warnings")
    if _effective(entry, default, "send_warnings"):
        keep(("delay warning subject", Q_DELAY_SUBJECT), ("delay warning interval", Q_DELAY_INTERVAL),
             ("delay warnings per message", Q_DELAY_COUNT))
    keep(("alternate address", Q_ALTERNATE), ("alternate address value", Q_ALTERNATE_ADDRESS), ("signing", Q_SIGNED))
    if entry["name"] == DEFAULT:
        keep(("host initial wait", Q_HOST_INITIAL), ("host maximum wait", Q_HOST_MAX_WAIT),
             ("bounce copy size", Q_BOUNCE_COPY))


class BounceProfiles(TableResource):
    """Bounce profiles (referenced by the destination controls of guide step S3)."""

    name = "bounce_profiles"
    label = "Bounce profiles"
    info_key = "bounce_profiles"
    command = COMMAND
    stored_in = DOCUMENT.prefix

    def normalise(self, entry, index):
        return normalise_profile(entry, index)

    def read(self, reader):
        profiles = reader.get(self.document_name())
        if profiles is None:
            raise ValueError("the configuration XML shows no <bounce_profiles>; this collection's reading of bounce "
                             "profile settings is a reconstruction (docs/asyncos-cli.md, section 12) that this "
                             "appliance does not match")
        return Snapshot(profiles)

    @classmethod
    def gather(cls, reader):
        """esa_info: the profiles; only the names when the configuration XML does not show the settings."""
        profiles = reader.get(DOCUMENT.prefix)
        if profiles is None:
            return [dict(name=name) for name in reader.get(NAMES.prefix)]
        return profiles

    def check(self, snapshot):
        if not snapshot.entries or snapshot.entries[0]["name"] != DEFAULT:
            raise ValueError("the appliance's first bounce profile is not %s" % DEFAULT)

    def empty(self):
        return Snapshot([dict(FACTORY, name=DEFAULT)])

    def parse(self, text):
        """state=parsed: the profiles of a showconfig/saveconfig XML (or of its ``<bounce_profiles>`` element)."""
        try:
            config = config_xml.root(config_xml.extract(text))
        except ValueError:
            config = config_xml.root(text)
        profiles = profiles_from_xml(config)
        if profiles is None:
            raise ValueError("no <bounce_profiles> element")
        return profiles

    def key(self, entry):
        return entry["name"]

    def equal(self, have, want):
        return all(have.get(f) == want.get(f) for f in FIELDS)

    def complete(self, entry):
        """Unset numbers take the factory values; unset yes/no settings follow the Default profile (the Default
        profile itself: the factory values)."""
        out = dict(entry)
        for field in FIELDS:
            if out.get(field) is None and (field not in FLAGS or entry["name"] == DEFAULT):
                out[field] = FACTORY[field]
        return out

    def protected(self, key, snapshot):
        return key == DEFAULT

    def plan(self, snapshot, want, state):
        have = dict((e["name"].lower(), e["name"]) for e in snapshot.entries)
        for entry in want:
            existing = have.get(entry["name"].lower())
            if existing is not None and existing != entry["name"]:
                raise PlanError("config: %r differs only in case from the existing profile %r, and the appliance "
                                "refuses such a name (Profile name already in use)" % (entry["name"], existing))
        plan = super(BounceProfiles, self).plan(snapshot, want, state)
        if any(verb == "delete" and entry["name"] == DEFAULT for verb, entry in plan.operations):
            raise PlanError("config: the %s profile cannot be deleted (the appliance refuses: The default profile may "
                            "not be deleted)" % DEFAULT)
        wanted = dict((e["name"], e) for e in want)
        operations = []
        for verb, entry, dummy, current, default in self._steps(snapshot, plan.operations):
            if verb != "delete" and not _effective(entry, default, "send_bounces"):
                # the appliance asks for the DSN format only when the profile sends hard bounce messages
                kept = current["use_dsn_bounce_format"] if current else None
                asked = wanted.get(entry["name"], {}).get("use_dsn_bounce_format")
                if asked is not None and asked != kept:
                    raise PlanError("config: %s.use_dsn_bounce_format can only be changed while the profile sends "
                                    "hard bounce messages (send_bounces)" % entry["name"])
                entry = dict(entry, use_dsn_bounce_format=kept)
                if verb == "update" and self.equal(current, entry):
                    continue
            operations.append((verb, entry))
        after = self.apply(plan.before, operations)
        return Plan(operations, plan.before, after, plan.warnings, document=after if operations else None)

    def _steps(self, snapshot, operations):
        """Each operation with the profile's number at that point of the dialogue, the profile before it and the
        Default profile as it stands then. The appliance appends new profiles (lab/README.md, "bounceconfig")."""
        order = [e["name"] for e in snapshot.entries]
        profiles = dict((e["name"], e) for e in snapshot.entries)
        for verb, entry in operations:
            name = entry["name"]
            current = profiles.get(name)
            number = order.index(name) + 1 if name in order else len(order) + 1
            default = entry if name == DEFAULT else profiles.get(DEFAULT, FACTORY)
            yield verb, entry, number, current, default
            if verb == "delete":
                order.remove(name)
                profiles.pop(name, None)
            else:
                if name not in order:
                    order.append(name)
                profiles[name] = entry

    def render(self, plan, snapshot):
        script = Script(COMMAND)
        for verb, entry, number, dummy, default in self._steps(snapshot, plan.operations):
            name = entry["name"]
            if verb == "delete":
                script.menu("bounceconfig menu", Q_MENU, "DELETE", operation=True) \
                    .ask(Q_DELETE_NUMBER, str(number)).ask(_delete_question(name), "Y", name="delete confirmation")
                continue
            if verb == "create":
                script.menu("bounceconfig menu", Q_MENU, "NEW", operation=True).ask(Q_NEW_NAME, name)
            else:
                script.menu("bounceconfig menu", Q_MENU, "EDIT", operation=True).ask(Q_EDIT_NUMBER, str(number))
                # the Default profile's name cannot change: the appliance may not ask it
                script.ask(_name_question(name), "", optional=name == DEFAULT, name="profile name")
            _settings(script, entry, default)
        return script.menu("bounceconfig menu", Q_MENU, "")

    def preflight(self, reader, plan):
        """A profile that destination controls use is not deleted (the appliance's behaviour is not known)."""
        deleted = [e["name"] for verb, e in plan.operations if verb == "delete"]
        if not deleted:
            return
        users = dict((name, []) for name in deleted)
        for control in reader.get("destination_controls") or []:
            if control.get("bounce_profile") in users:
                users[control["bounce_profile"]].append(control["domain"])
        used = ["%s (destination controls of %s)" % (name, ", ".join(domains)) for name, domains in sorted(users.items())
                if domains]
        if used:
            raise ValueError("refusing to delete bounce profiles in use: %s; point those destination controls at "
                             "another profile first" % "; ".join(used))

    def to_diff(self, entries):
        return dict((e["name"], dict((f, e.get(f)) for f in FIELDS)) for e in entries)
