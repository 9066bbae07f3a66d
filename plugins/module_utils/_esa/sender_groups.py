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
import xml.etree.ElementTree as ET

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import hat
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import Rule

WRITE_COMMAND = "listenerconfig"
READ_COMMAND = "showconfig"
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

# Rule patterns (texts of lab/README.md, HOSTACCESS).
Q_LISTENERS = r"- NEW - Create a new listener"
Q_LISTENER = r"name or number of the listener you wish to edit"
Q_LISTENER_MENU = r"- HOSTACCESS -"
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
Q_ADD_ANYWAY = r"already in other sender groups"


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
    return dict(name=name, members=members, sbrs=sbrs, policy=policy, comment=comment or None if comment is not None else None,
                dns_verification=dns, _comment_set=comment is not None)


def _clean(entry):
    return dict((k, entry.get(k)) for k in ("name",) + FIELDS)


# -- the listener's HAT in the XML ---------------------------------------------------------
def listener_hats(text):
    """{listener: (type, hat text)} from showconfig XML."""
    start = text.find("<")
    body = re.sub(r"<!DOCTYPE[^>]*>", "", text[start:])
    root = ET.fromstring(body if body.lstrip().startswith(("<config", "<?xml")) else "<config>%s</config>" % body)
    result = {}
    for listener in root.iter("listener"):
        name = (listener.findtext("listener_name") or "").strip()
        defaults = {}
        for child in listener:
            if child.tag.startswith("hat_default_"):
                defaults[child.tag[len("hat_default_"):]] = (child.text or "").strip()
        result[name] = dict(type=(listener.findtext("type") or "").strip(), hat=listener.findtext("hat") or "", defaults=defaults)
    return result


class HatTable(object):
    """Shared by sender groups and policies: the read of one listener's HAT."""

    command = WRITE_COMMAND
    read_command = READ_COMMAND

    def __init__(self, listener):
        self.listener = listener
        self.listeners = None
        self.groups = None      # sender groups of the listener, as read (the other half for the guard)
        self.policies = None    # [{name, behavior, parameters, comment}] as read
        self.defaults = None    # hat_default_* values (text)
        self.final_order = []
        self.warn = None        # set in check mode: unknown policies warn instead of failing

    def read_hat(self, text):
        """Parse showconfig XML, or a bare HAT text (PRINT/EXPORT), into self.groups / self.policies."""
        if "<hat" in text or "<listener" in text:
            self.listeners = listener_hats(text)
            item = self.listeners.get(self.listener)
            table = hat.parse(item["hat"]) if item else dict(policies=[], sender_groups=[])
            self.defaults = item["defaults"] if item else {}
        else:
            table = hat.parse(text)
            self.defaults = {}
        self.policies = [dict(name=p["name"], behavior=(p["behavior"] or "").upper(), parameters=dict(p["parameters"]),
                              comment=p.get("comment")) for p in table["policies"]]
        groups = []
        for group in table["sender_groups"]:
            members, sbrs = split_members(group["members"])
            groups.append(dict(name=group["name"], members=members, sbrs=sbrs, policy=group["policy"],
                               comment=group.get("comment") or None,
                               dns_verification=[d for d in DNS_VERIFICATION if d in (group.get("dns_verification") or [])]))
        self.groups = groups
        return table

    def check_listener(self):
        """After a read: fail (ValueError) when the listener is unknown."""
        if self.listeners is None:
            return
        if self.listener not in self.listeners:
            raise ValueError("listener: %r not found on the appliance (listeners: %s)"
                             % (self.listener, ", ".join(sorted(self.listeners)) or "none"))

    def find_policy(self, name):
        for policy in self.policies or []:
            if policy["name"].lower() == (name or "").lower():
                return policy
        return None

    @staticmethod
    def read_steps():
        return [("passphrase", "1")]

    def wrap(self, steps):
        if not steps:
            return steps
        return [("top", "EDIT"), ("listener", self.listener), ("listener_menu", "HOSTACCESS")] + steps + \
            [("hat_menu", ""), ("listener_menu", ""), ("top", "")]

    @staticmethod
    def rules_for(steps):
        if steps == [("passphrase", "1")]:
            return [Rule(r"Choose the passphrase option", "1", name="passphrase option"),
                    Rule(r"Do you want to mask the passphrase", "Y", optional=True, name="mask passphrase")]
        rules = [
            Rule(Q_LISTENERS, [a for n, a in steps if n == "top"], menu=True, name="listeners menu"),
            Rule(Q_LISTENER, [a for n, a in steps if n == "listener"], name="listener"),
            Rule(Q_LISTENER_MENU, [a for n, a in steps if n == "listener_menu"], menu=True, name="listener menu"),
            Rule(Q_HAT_MENU, [a for n, a in steps if n == "hat_menu"], menu=True, phase=True, name="HOSTACCESS menu"),
        ]
        group = -1
        sub = {}
        for name, value in steps:
            if name == "hat_menu":
                group += 1
            elif name == "group_menu":
                sub.setdefault(group, []).append(value)
            elif name == "q":
                pattern, answer, optional = value
                rules.append(Rule(pattern, answer, optional=optional, name=pattern, group=group))
        for number, answers in sorted(sub.items()):
            rules.append(Rule(Q_GROUP_MENU, answers, menu=True, name="sender group menu", group=number))
        return rules

    @staticmethod
    def dialogue_answers(steps):
        return [value[1] if name == "q" else value for name, value in steps]


def choose(name, prefix=""):
    return "choose:^%s%s$" % (re.escape(prefix), re.escape(name))


class SenderGroups(HatTable):
    """The sender groups of one listener: the kind interface of resource.Table and table_module."""

    @staticmethod
    def key(entry):
        return entry["name"].lower()

    @staticmethod
    def protected(entry_key):
        return entry_key == ALL.lower()

    def sort_key(self, entry):
        key = self.key(entry)
        return self.final_order.index(key) if key in self.final_order else len(self.final_order)

    @staticmethod
    def equal(have, want):
        return (set(all_members(have)) == set(all_members(want)) and (have.get("policy") or "").lower() == (want.get("policy") or "").lower()
                and have.get("comment") == want.get("comment") and have.get("dns_verification") == want.get("dns_verification"))

    def _policy(self, entry, fallback):
        name = entry.get("policy") or fallback
        if name is None:
            raise SenderGroupError("sender group %s: policy is required for a new sender group" % entry["name"])
        if self.policies is not None:
            found = self.find_policy(name)
            if found is None and self.warn is not None:
                # check mode: an earlier task of the play may create the policy (its write was not made)
                self.warn("sender group %s: policy %r does not exist on listener %s yet; the change would fail unless an "
                          "earlier task creates it" % (entry["name"], name, self.listener))
                return name
            if found is None:
                raise SenderGroupError("sender group %s: policy %r does not exist on listener %s (policies: %s); create it "
                                       "first with mailops.secure_email.esa_mail_flow_policies"
                                       % (entry["name"], name, self.listener, ", ".join(p["name"] for p in self.policies)))
            name = found["name"]
        return name

    @staticmethod
    def _target(have, members, sbrs):
        """Target member list: kept members in appliance order, then the new ones."""
        wanted = list(members) + ([sbrs_member(sbrs)] if sbrs is not None else [])
        current = all_members(have) if have else []
        ordered = [m for m in current if m in wanted] + [m for m in wanted if m not in current]
        return split_members(ordered)

    def merge(self, have, want):
        current = all_members(have)
        members = list(current)
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
                    comment=want["comment"] if want.get("_comment_set") else have.get("comment"),
                    dns_verification=want["dns_verification"] if want.get("dns_verification") is not None else have.get("dns_verification") or [])

    def replace(self, have, want):
        members, sbrs = self._target(have, want.get("members") or [], want.get("sbrs"))
        return dict(name=have["name"], members=members, sbrs=sbrs, policy=self._policy(want, have["policy"]),
                    comment=want.get("comment"), dns_verification=want.get("dns_verification") or [])

    def complete(self, entry):
        members, sbrs = self._target(None, entry.get("members") or [], entry.get("sbrs"))
        return dict(name=entry["name"], members=members, sbrs=sbrs, policy=self._policy(entry, None),
                    comment=entry.get("comment"), dns_verification=entry.get("dns_verification") or [])

    # -- read ------------------------------------------------------------------------
    def parse(self, text):
        self.read_hat(text)
        self.final_order = [self.key(g) for g in self.groups]
        return [_clean(g) for g in self.groups]

    # -- plan --------------------------------------------------------------------------
    def plan_order(self, have, want, state, ops):
        """Check the plan; work out the order after ``ops``; with overridden, MOVEs to config's order."""
        keys = [self.key(e) for e in want]
        duplicates = sorted(set(k for k in keys if keys.count(k) > 1))
        if duplicates:
            raise SenderGroupError("config: the sender groups %s are listed more than once" % ", ".join(duplicates))
        if state == "deleted" and ALL.lower() in keys:
            raise SenderGroupError("config: the ALL sender group cannot be deleted (change its policy instead)")
        names = dict((self.key(e), e["name"]) for e in list(want) + list(have))
        order = [self.key(e) for e in have if self.key(e) != ALL.lower()]
        for verb, entry in ops:
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
        self.final_order = order + [ALL.lower()]
        return moves

    # -- render ------------------------------------------------------------------------
    def change_steps(self, operations):
        have = dict((self.key(g), g) for g in self.groups or [])
        steps = []
        for verb, entry in operations:
            name = entry["name"]
            if verb == "delete":
                steps += [("hat_menu", "DELETE"), ("q", (Q_KIND, "choose:Sender Group", False)),
                          ("q", (Q_DELETE, choose(name), False))]
            elif verb == "move":
                steps += [("hat_menu", "MOVE"), ("q", (Q_MOVE, choose(name), False)),
                          ("q", (Q_BEFORE, choose(entry["before"]), False))]
            elif verb == "create":
                steps += [("hat_menu", "NEW"), ("q", (Q_KIND, "choose:Sender Group", False)), ("q", (Q_NAME, name, False)),
                          ("q", (Q_HOSTS, ", ".join(all_members(entry)), False)),
                          ("q", (Q_POLICY, choose(entry["policy"], "$"), False)),
                          ("q", (Q_COMMENT, entry.get("comment") or "", False))]
                if entry.get("dns_verification"):
                    steps += [("hat_menu", "EDIT"), ("q", (Q_KIND, "choose:Sender Group", False)),
                              ("q", (Q_EDIT, choose(name), False))] + self._verify(entry) + [("group_menu", "")]
            else:
                steps += self._edit(have.get(self.key(entry)) or dict(name=name), entry)
        return self.wrap(steps)

    @staticmethod
    def _verify(entry):
        steps = [("group_menu", "VERIFY")]
        for key in DNS_VERIFICATION:
            steps.append(("q", (DNS_QUESTIONS[key], "Y" if key in (entry.get("dns_verification") or []) else "N", False)))
        return steps

    def _edit(self, current, target):
        name = current["name"]
        steps = [("hat_menu", "EDIT"), ("q", (Q_KIND, "choose:Sender Group", False)), ("q", (Q_EDIT, choose(name), False))]
        before, after = all_members(current), all_members(target)
        for member in [m for m in before if m not in after]:
            steps += [("group_menu", "DELETE"), ("q", (Q_DELETE_HOST, choose(member), False))]
        added = [m for m in after if m not in before]
        if added:
            steps += [("group_menu", "NEW"), ("q", (Q_HOSTS, ", ".join(added), False)), ("q", (Q_ADD_ANYWAY, "Y", True))]
        if (current.get("policy") or "").lower() != (target.get("policy") or "").lower():
            steps += [("group_menu", "POLICY"), ("q", (Q_POLICY, choose(target["policy"], "$"), False))]
        if current.get("comment") != target.get("comment"):
            steps += [("group_menu", "COMMENT"), ("q", (Q_COMMENT, target.get("comment") or "-", False))]
        if (current.get("dns_verification") or []) != (target.get("dns_verification") or []):
            steps += self._verify(target)
        return steps + [("group_menu", "")]


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
