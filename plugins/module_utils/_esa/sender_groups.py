# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HAT sender groups (``listenerconfig > edit <listener> > hostaccess``): read, compare, render.

This module is PRIVATE to the collection. It can change at any time.

An entry: ``name``, ``members`` (canonical forms, as the appliance stores them),
``sbrs`` (``None``, ``"none"`` or ``{"min": x, "max": y}``: the group's first
``SBRS[...]`` member), ``policy`` (without ``$``), ``comment`` and
``dns_verification`` (subset of record_not_exist, lookup_fail, not_matched, in
that order). Members are compared as a set: their order inside a group does not
change what the group matches. ``ALL`` is always last and cannot be deleted.

The HAT is read from the ``showconfig`` XML (``<listener><hat>``, the PRINT
text), and changed with hostaccess NEW, EDIT (the sender group's sub-menu:
NEW hosts, DELETE host, POLICY, COMMENT, VERIFY), DELETE and MOVE.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import hat, relay_guard
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Snapshot, TableResource
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.script import Script, choose

WRITE_COMMAND = "listenerconfig"
ALL = "ALL"
DNS_VERIFICATION = hat.DNS_VERIFICATION
DNS_QUESTIONS = {
    "record_not_exist": r"Match connecting hosts whose PTR record does not exist",
    "lookup_fail": r"Match connecting hosts whose PTR record lookup fails",
    "not_matched": r"Match connecting hosts whose reverse DNS lookup",
}
FIELDS = ("members", "sbrs", "policy", "comment", "dns_verification")

NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,59}$")
NAME_RULE = "a letter, then letters, digits, '-' and '_', up to 60 characters"
_LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_SBRS_RE = re.compile(r"^sbrs\[\s*(none|[-+]?\d+(?:\.\d+)?\s*:\s*[-+]?\d+(?:\.\d+)?)\s*\]$", re.IGNORECASE)
MEMBER_FORMS = ("an IPv4 or IPv6 address, a partial IPv4 address (10.1.), a last-octet range (10.1.1.1-20), "
                "CIDR (10.0.0.0/8, 2001:db8::/32), a hostname (mail.example.com), a partial domain (.example.com), "
                "SBO:<number> or dnslist[<zone>]")

# Question patterns of hostaccess (docs/asyncos-cli.md, "listenerconfig: HAT and RAT").
Q_HAT_MENU = r"- DEFAULT - Set the defaults"
Q_GROUP_MENU = r"- POLICY - Change the policy settings"
Q_KIND = r"Choose the type of entry to (create|edit|delete)"
Q_NAME = r"Enter a name for this sender group"
Q_HOSTS = r"Enter the senders to add to this sender group"
Q_POLICY = r"Select the policy for this sender group"
Q_COMMENT = r"Enter a comment for this sender group"
Q_EDIT = r"Choose the sender group to edit"
Q_DELETE = r"Choose the sender group to delete"
Q_MOVE = r"Choose the sender group to move"
Q_BEFORE = r"Choose the sender group to insert before"
Q_DELETE_HOST = r"Choose the host to delete"
Q_ADD_ANYWAY = r"already in other sender groups|Add anyway\?"
# The sender-group POLICY verb asks the "change parameters" question after the policy (Cisco's CLI test library,
# ctor/listenerconfig.py, listenerconfigEditHostaccessEditSenderGroup.policy); the driver changes no parameters.
Q_POLICY_CHANGE = r"change the parameters of this host access policy"


class SenderGroupError(ValueError):
    """Invalid input; the message names the field and the rule."""


# -- members -------------------------------------------------------------------------
def _partial_ipv4(text):
    body = text[:-1] if text.endswith(".") else text
    parts = body.split(".")
    if not 1 <= len(parts) <= 4 or (len(parts) == 4 and text.endswith(".")):
        return None
    for index, part in enumerate(parts):
        low, dash, high = part.partition("-")
        if dash and index != len(parts) - 1:
            return None
        for value in (low, high) if dash else (low,):
            if not value.isdigit() or len(value) > 3 or int(value) > 255:
                return None
        if dash and int(low) > int(high):
            return None
    return text


def _cidr(text):
    address, dummy, prefix = text.partition("/")
    if not prefix.isdigit():
        return None
    if ":" in address:
        try:
            return "%s/%d" % (ipaddress.IPv6Address(address).compressed, int(prefix)) if int(prefix) <= 128 else None
        except ValueError:
            return None
    parts = address.rstrip(".").split(".")
    if not 1 <= len(parts) <= 4 or not all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts) or int(prefix) > 32:
        return None
    return "%s/%d" % (address, int(prefix))


def _hostname(text):
    value = text.lower()
    body = value[1:] if value.startswith(".") else value
    if not body or len(body) > 253 or not all(_LABEL_RE.match(label) for label in body.split(".")):
        return None
    if body.rsplit(".", 1)[-1].isdigit():
        return None
    return value


def canonical_member(text):
    """The appliance's canonical form of one member (not SBRS), or None when it is not valid."""
    value = str(text).strip()
    if not value or " " in value:
        return None
    match = re.match(r"^sbo:\s*(\d{1,10})$", value, re.IGNORECASE)
    if match:
        return "SBO:%d" % int(match.group(1))
    match = re.match(r"^dnslist\[\s*([^\]\s]+)\s*\]$", value, re.IGNORECASE)
    if match:
        host = _hostname(match.group(1))
        return "dnslist[%s]" % host if host else None
    if "/" in value:
        return _cidr(value)
    if ":" in value:
        try:
            return ipaddress.IPv6Address(value).compressed
        except ValueError:
            return None
    if re.match(r"^[\d.-]+$", value):
        return _partial_ipv4(value)
    return _hostname(value)


def is_sbrs(member):
    return member.upper().startswith("SBRS[")


def sbrs_member(sbrs):
    """``SBRS[min:max]`` / ``SBRS[none]`` from the ``sbrs`` value."""
    if sbrs is None:
        return None
    if sbrs == "none":
        return "SBRS[none]"
    return "SBRS[%.1f:%.1f]" % (sbrs["min"], sbrs["max"])


def sbrs_value(member):
    """The ``sbrs`` value of an ``SBRS[...]`` member."""
    match = _SBRS_RE.match(member)
    if not match:
        return None
    body = match.group(1).strip()
    if body.lower() == "none":
        return "none"
    low, high = (float(v) for v in body.split(":"))
    return dict(min=low, max=high)


def normalise_sbrs(value, where):
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.lower() == "none":
            return "none"
        parsed = sbrs_value(text)
        if parsed is None:
            raise SenderGroupError("%s.sbrs: %r must be 'none', SBRS[min:max] or a dict with min and max" % (where, value))
        value = parsed
        if value == "none":
            return value
    if not isinstance(value, dict) or set(value) - {"min", "max"}:
        raise SenderGroupError("%s.sbrs: %r must be 'none' or a dict with the keys min and max" % (where, value))
    try:
        low, high = float(value.get("min", -10.0)), float(value.get("max", 10.0))
    except (TypeError, ValueError):
        raise SenderGroupError("%s.sbrs: min and max must be numbers from -10.0 to 10.0" % where)
    if not (-10.0 <= low <= 10.0 and -10.0 <= high <= 10.0):
        raise SenderGroupError("%s.sbrs: min %s and max %s must be from -10.0 to 10.0" % (where, low, high))
    if low > high:
        raise SenderGroupError("%s.sbrs: min %s must not be greater than max %s" % (where, low, high))
    return dict(min=round(low, 1), max=round(high, 1))


def all_members(entry):
    """Every member as the appliance lists it (SBRS term last)."""
    members = list(entry.get("members") or [])
    term = sbrs_member(entry.get("sbrs"))
    return members + [term] if term and term not in members else members


def split_members(members):
    """(members, sbrs): the first SBRS term becomes ``sbrs``, the rest stay members."""
    rest, sbrs = [], None
    for member in members:
        if sbrs is None and is_sbrs(member) and sbrs_value(member) is not None:
            sbrs = sbrs_value(member)
        else:
            rest.append(member)
    return rest, sbrs


# -- input -----------------------------------------------------------------------------
def normalise_entry(entry, index=None):
    where = "config[%s]" % index if index is not None else "config"
    name = str(entry.get("name") or "").strip()
    if name.upper() == ALL:
        name = ALL
    elif not NAME_RE.match(name):
        raise SenderGroupError("%s.name: %r is not a sender group name (%s)" % (where, name, NAME_RULE))
    members = None
    if entry.get("members") is not None:
        members = []
        for number, raw in enumerate(entry["members"]):
            text = str(raw).strip()
            if is_sbrs(text):
                raise SenderGroupError("%s.members[%d]: %r: give the SenderBase Reputation Score range with sbrs, "
                                       "not as a member" % (where, number, raw))
            member = canonical_member(text)
            if member is None:
                raise SenderGroupError("%s.members[%d]: %r is not a sender group member (%s)" % (where, number, raw, MEMBER_FORMS))
            if member not in members:
                members.append(member)
    sbrs = normalise_sbrs(entry.get("sbrs"), where)
    policy = entry.get("policy")
    if policy is not None:
        policy = str(policy).strip().lstrip("$")
        if not NAME_RE.match(policy):
            raise SenderGroupError("%s.policy: %r is not a policy name (%s, without '$')" % (where, entry.get("policy"), NAME_RULE))
    comment = entry.get("comment")
    if comment is not None:
        comment = str(comment).strip()
        if "\n" in comment or comment == "-":
            raise SenderGroupError("%s.comment: must be one line and not '-'" % where)
    dns = entry.get("dns_verification")
    if dns is not None:
        unknown = [d for d in dns if d not in DNS_VERIFICATION]
        if unknown:
            raise SenderGroupError("%s.dns_verification: %s not one of %s" % (where, ", ".join(unknown), ", ".join(DNS_VERIFICATION)))
        dns = [d for d in DNS_VERIFICATION if d in dns]
    if name == ALL and (members or sbrs is not None or dns):
        raise SenderGroupError("%s: the ALL sender group matches every sender; it takes no members, sbrs or "
                               "dns_verification (only policy and comment)" % where)
    # comment: None = leave as it is, "" = remove it
    return dict(name=name, members=members, sbrs=sbrs, policy=policy, comment=comment, dns_verification=dns)


def groups_from_hat(table):
    """Sender groups in entry form from a parsed HAT (``hat.parse``).

    A row without a policy keeps its inline behaviour (``behavior``, upper case), and a bare host entry is marked
    ``bare=True``: the open-relay guard must see a bare ``host`` / ``RELAY`` entry relay (relay_guard.rows)."""
    groups = []
    for group in table["sender_groups"]:
        members, sbrs = split_members(group["members"])
        entry = dict(name=group["name"], members=members, sbrs=sbrs, policy=group["policy"],
                     comment=group.get("comment") or None,
                     dns_verification=[d for d in DNS_VERIFICATION if d in (group.get("dns_verification") or [])])
        if not group["policy"] and group.get("behavior"):
            entry["behavior"] = group["behavior"]
        if group.get("bare"):
            entry["bare"] = True
        groups.append(entry)
    return groups


def relay_sources(values):
    """The ``relay_sources`` option in canonical member forms (None when not given); raises SenderGroupError naming
    the item. Sources are hosts, networks and domains: reputation and list terms match no fixed hosts."""
    if values is None:
        return None
    sources = []
    for number, raw in enumerate(values):
        text = str(raw).strip()
        member = None if is_sbrs(text) else canonical_member(text)
        if member is None or member.startswith(("SBO:", "dnslist[")):
            raise SenderGroupError("relay_sources[%d]: %r is not a relay source (an IPv4 or IPv6 address, a partial IPv4 "
                                   "address (10.1.), a last-octet range (10.1.1.1-20), CIDR (10.0.0.0/8), a hostname "
                                   "(mail.example.com) or a partial domain (.example.com))" % (number, raw))
        if member not in sources:
            sources.append(member)
    return sources


class HatKind(TableResource):
    """Shared by sender groups and mail flow policies: the HAT of one listener (document ``hat/<listener>``)."""

    command = WRITE_COMMAND
    table_menu = ("HOSTACCESS menu", Q_HAT_MENU)
    info_key = "hat"
    scoped = True
    stored_in = "hat"     # listener_documents.HAT

    @property
    def listener(self):
        return self.scope

    def level_document(self):
        return "listener_level"

    def read(self, reader):
        document = reader.get(self.document_name())
        listeners = reader.get("listeners")
        if document is None:
            return Snapshot(None, listeners=listeners, groups=[], policies=[], defaults={})
        return self.snapshot(document, listeners)

    def check(self, snapshot):
        if snapshot.entries is None:
            raise ValueError("listener: %r not found on the appliance (listeners: %s)"
                             % (self.listener, ", ".join(sorted(item["name"] for item in snapshot.get("listeners") or [])) or "none"))

    def open_script(self):
        return Script(self.command).enter_listener(self.listener, "HOSTACCESS")

    def close_script(self, script):
        return script.leave_listener(*self.table_menu)

    def xml_document(self, text):
        """``state: parsed`` with ``showconfig`` XML: the HAT document of the listener, read as ``gathered`` reads it;
        None when ``text`` is not XML (then it is HAT text, parsed by ``hat.parse``)."""
        if not hasattr(text, "lstrip") or not text.lstrip().startswith("<"):
            return None
        # imported here: listener_documents imports this module
        from ansible_collections.mailops.secure_email.plugins.module_utils._esa import config_xml, listener_documents
        config = config_xml.parse(text)
        document = listener_documents._hat(config, self.listener)
        if document is None:
            raise SenderGroupError("listener %r is not in the configuration XML (listeners: %s)" % (
                self.listener, ", ".join(item["name"] for item in config_xml.listeners(config)) or "none"))
        return document

    def hat_menu(self, script, verb):
        return script.menu(self.table_menu[0], self.table_menu[1], verb, operation=True)

    def want(self, params):
        relay_sources(params.get("relay_sources"))     # validated before anything is read
        return super(HatKind, self).want(params)

    def guard(self, reader, snapshot, plan, check_mode):
        """The open-relay guard on the effective HAT of every listener: this listener's before and after the plan
        (its groups, its policies and their behaviours), the others as the session shows them (relay_guard)."""
        groups, policies = self.halves(snapshot, plan.after)
        params = dict(self.params, relay_sources=relay_sources(self.params.get("relay_sources")))
        try:
            problems, warnings = relay_guard.listener_change(
                reader, snapshot.get("listeners"), self.listener,
                dict(sender_groups=snapshot.get("groups"), policies=snapshot.get("policies")),
                dict(sender_groups=groups, policies=policies),
                relay_guard.session_filters(reader, self.params, check_mode), params)
        except ValueError as exc:
            # another listener's HAT that cannot be parsed (hat.HatError, named by listener_documents): the guard cannot
            # vouch for the change, so it is refused - a module failure, not a traceback
            return ["the open-relay guard could not read the configuration it checks: %s" % exc]
        plan.warnings += warnings
        return problems


class SenderGroups(HatKind):
    """The sender groups of one listener (guide step S8)."""

    name = "sender_groups"
    label = "Sender groups (%s)"
    confirm_overridden = True

    def snapshot(self, document, listeners):
        groups = document["sender_groups"]
        return Snapshot(groups, listeners=listeners, groups=groups, policies=document["policies"],
                        defaults=document.get("defaults") or {})

    def halves(self, snapshot, after):
        return after, snapshot.get("policies")

    def empty(self):
        # offline (state: rendered): the policies are unknown, so policy names are not checked
        return self.snapshot(dict(sender_groups=[], policies=None, defaults={}), None)

    def info(self, reader):
        return dict(sender_groups=[dict(name=g["name"], members=g["members"], sbrs=g["sbrs"], policy=g["policy"])
                                   for g in self.read(reader).entries or []])

    def document(self, snapshot, after):
        return dict(sender_groups=after, policies=snapshot.get("policies"), defaults=snapshot.get("defaults"))

    def normalise(self, entry, index):
        return normalise_entry(entry, index)

    def parse(self, text):
        document = self.xml_document(text)
        return document["sender_groups"] if document is not None else groups_from_hat(hat.parse(text))

    def key(self, entry):
        return entry["name"].lower()

    def describe(self, entry):
        return entry["name"]

    def protected(self, key, snapshot):
        return key == ALL.lower()

    def equal(self, have, want):
        return (set(all_members(have)) == set(all_members(want)) and (have.get("policy") or "").lower() == (want.get("policy") or "").lower()
                and have.get("comment") == want.get("comment") and have.get("dns_verification") == want.get("dns_verification"))

    def plan(self, snapshot, want, state):
        keys = [self.key(e) for e in want]
        if state == "deleted" and ALL.lower() in keys:
            raise SenderGroupError("config: the ALL sender group cannot be deleted (change its policy instead)")
        self._policies = snapshot.get("policies")
        self._warnings = []
        result = super(SenderGroups, self).plan(snapshot, want, state)
        result.warnings += self._warnings
        self._cli_can(snapshot, result)
        return result

    def _cli_can(self, snapshot, plan):
        """Refuse what the CLI cannot do (docs/asyncos-cli.md §8): the sender-group menu has no COMMENT and no
        VERIFY verb in any release 11.0-14.1, so a comment is set only by NEW, and the DNS host verification
        conditions not at all."""
        have = dict((self.key(g), g) for g in snapshot.entries or [])
        for verb, entry in plan.operations:
            if verb not in ("create", "update"):
                continue
            current = have.get(self.key(entry)) or {}
            if verb == "create" and entry.get("dns_verification"):
                raise SenderGroupError("sender group %s: dns_verification cannot be set over the CLI (the sender-group "
                                       "menu has no VERIFY verb); set it in the web interface" % entry["name"])
            if verb == "update" and (current.get("dns_verification") or []) != (entry.get("dns_verification") or []):
                raise SenderGroupError("sender group %s: dns_verification cannot be changed over the CLI (the "
                                       "sender-group menu has no VERIFY verb); change it in the web interface"
                                       % entry["name"])
            if verb == "update" and current.get("comment") != entry.get("comment"):
                raise SenderGroupError("sender group %s: the comment can only be set when the group is created (the "
                                       "sender-group menu has no COMMENT verb); change it in the web interface, or "
                                       "delete and recreate the group" % entry["name"])

    def _policy(self, entry, fallback):
        name = entry.get("policy") or fallback
        if name is None:
            raise SenderGroupError("sender group %s: policy is required for a new sender group" % entry["name"])
        if self._policies is None:
            return name
        policies = self._policies
        found = [p for p in policies if p["name"].lower() == name.lower()]
        if not found and self.check_mode:
            # check mode: an earlier task of the play may create the policy (its write was not made)
            self._warnings.append("sender group %s: policy %r does not exist on listener %s yet; the change would fail "
                                  "unless an earlier task creates it" % (entry["name"], name, self.listener))
            return name
        if not found:
            raise SenderGroupError("sender group %s: policy %r does not exist on listener %s (policies: %s); create it "
                                   "first with mailops.secure_email.esa_mail_flow_policies"
                                   % (entry["name"], name, self.listener, ", ".join(p["name"] for p in policies)))
        return found[0]["name"]

    @staticmethod
    def _target(have, members, sbrs):
        """Target member list: kept members in appliance order, then the new ones."""
        wanted = list(members) + ([sbrs_member(sbrs)] if sbrs is not None else [])
        current = all_members(have) if have else []
        ordered = [m for m in current if m in wanted] + [m for m in wanted if m not in current]
        return split_members(ordered)

    def merge(self, have, want):
        members = list(all_members(have))
        if want.get("members") is not None:
            members += [m for m in want["members"] if m not in members]
        if want.get("sbrs") is not None:
            old = sbrs_member(have.get("sbrs"))
            members = [m for m in members if m != old]
            new = sbrs_member(want["sbrs"])
            if new not in members:
                members.append(new)
        rest, sbrs = split_members(members)
        return dict(name=have["name"], members=rest, sbrs=sbrs, policy=self._policy(want, have["policy"]),
                    comment=(want["comment"] or None) if want.get("comment") is not None else have.get("comment"),
                    dns_verification=want["dns_verification"] if want.get("dns_verification") is not None else have.get("dns_verification") or [])

    def replace(self, have, want):
        """Exactly ``want``, except that an unset comment or dns_verification keeps the group's own: the CLI
        cannot change either after the group was created (docs/asyncos-cli.md §8), so "unset" cannot mean
        "remove"."""
        members, sbrs = self._target(have, want.get("members") or [], want.get("sbrs"))
        comment = (want["comment"] or None) if want.get("comment") is not None else have.get("comment")
        dns = want["dns_verification"] if want.get("dns_verification") is not None else have.get("dns_verification") or []
        return dict(name=have["name"], members=members, sbrs=sbrs, policy=self._policy(want, have["policy"]),
                    comment=comment, dns_verification=dns)

    def complete(self, entry):
        members, sbrs = self._target(None, entry.get("members") or [], entry.get("sbrs"))
        return dict(name=entry["name"], members=members, sbrs=sbrs, policy=self._policy(entry, None),
                    comment=entry.get("comment") or None, dns_verification=entry.get("dns_verification") or [])

    def order(self, snapshot, want, state, operations):
        """The order after ``operations``; with overridden, MOVEs to config's order. ALL stays last."""
        keys = [self.key(e) for e in want]
        names = dict((self.key(e), e["name"]) for e in list(want) + list(snapshot.entries))
        order = [self.key(e) for e in snapshot.entries if self.key(e) != ALL.lower()]
        for verb, entry in operations:
            key = self.key(entry)
            if verb == "delete" and key in order:
                order.remove(key)
            elif verb == "create" and key not in order:
                order.append(key)
        moves = []
        if state == "overridden":
            desired = [k for k in keys if k != ALL.lower()]
            current = list(order)
            for index, key in enumerate(desired):
                if current[index] != key:
                    before = current[index]
                    current.remove(key)
                    current.insert(index, key)
                    moves.append(("move", dict(name=names[key], before=names[before])))
            order = current
        return moves, order + [ALL.lower()]

    def render(self, plan, snapshot):
        have = dict((self.key(g), g) for g in snapshot.entries or [])
        script = self.open_script()
        for verb, entry in plan.operations:
            name = entry["name"]
            if verb == "delete":
                # EDIT and DELETE: the chooser may be present or absent (docs/asyncos-cli.md §8)
                self.hat_menu(script, "DELETE").ask(Q_KIND, "choose:Sender Group", optional=True).ask(Q_DELETE, choose(name))
            elif verb == "move":
                self.hat_menu(script, "MOVE").ask(Q_MOVE, choose(name)).ask(Q_BEFORE, choose(entry["before"]))
            elif verb == "create":
                self.hat_menu(script, "NEW").ask(Q_KIND, "choose:Sender Group").ask(Q_NAME, name) \
                    .ask(Q_HOSTS, ", ".join(all_members(entry))).ask(Q_POLICY, choose(entry["policy"], "$")) \
                    .ask(Q_COMMENT, entry.get("comment") or "")
            else:
                self._edit(script, have.get(self.key(entry)) or dict(name=name), entry)
        return self.close_script(script)

    def _edit(self, script, current, target):
        self.hat_menu(script, "EDIT").ask(Q_KIND, "choose:Sender Group", optional=True).ask(Q_EDIT, choose(current["name"]))
        before, after = all_members(current), all_members(target)
        for member in [m for m in before if m not in after]:
            script.submenu("sender group menu", Q_GROUP_MENU, "DELETE").ask(Q_DELETE_HOST, choose(member))
        added = [m for m in after if m not in before]
        if added:
            script.submenu("sender group menu", Q_GROUP_MENU, "NEW").ask(Q_HOSTS, ", ".join(added)) \
                .ask(Q_ADD_ANYWAY, "Y", optional=True)
        if (current.get("policy") or "").lower() != (target.get("policy") or "").lower():
            script.submenu("sender group menu", Q_GROUP_MENU, "POLICY").ask(Q_POLICY, choose(target["policy"], "$")) \
                .ask(Q_POLICY_CHANGE, "N", optional=True)
        script.submenu("sender group menu", Q_GROUP_MENU, "")

    def to_diff(self, entries):
        return to_diff(entries)


def to_diff(entries):
    out = {}
    for entry in entries:
        item = dict(members=entry.get("members") or [], policy=entry.get("policy"))
        for field in ("sbrs", "comment"):
            if entry.get(field) is not None:
                item[field] = entry[field]
        if entry.get("dns_verification"):
            item["dns_verification"] = entry["dns_verification"]
        out[entry["name"]] = item
    return out
