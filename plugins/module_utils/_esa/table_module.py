# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The flow shared by every ESA table module (read, plan, write, commit).

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import cluster, redact
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.client import EsaClient, EsaError, validate_cluster_mode
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import DialogueError
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Table

PENDING_FACT_PREFIX = "mailops_esa_pending_"

COMMON_ARGSPEC = dict(
    state=dict(type="str", default="merged",
               choices=["merged", "replaced", "overridden", "deleted", "gathered", "rendered", "parsed"]),
    running_config=dict(type="str"),
    commit=dict(type="bool", default=True),
    comment=dict(type="str", default="Changed by mailops.secure_email"),
    cluster_mode=dict(type="str"),
    create_override=dict(type="bool", default=False),
)


def argument_spec(config_options):
    spec = dict(config=dict(type="list", elements="dict", options=config_options))
    spec.update(COMMON_ARGSPEC)
    return spec


def required_if():
    return [("state", "parsed", ("running_config",)), ("state", "rendered", ("config",))]


def dialogue_lines(command, answers):
    """What would be typed: the command, then each answer (an empty one is Enter)."""
    return [command] + [answer if answer != "" else "<Enter>" for answer in answers]


def pending_facts(session, pending):
    return {PENDING_FACT_PREFIX + session: list(pending)} if session else {}


class TableSpec(object):
    """One table: ``kind`` holds the parse/render pair and comparison helpers."""

    def __init__(self, kind, command, label, normalise, to_diff, preflight=None, confirm_overridden=False, check_read=None,
                 secrets=None, guard=None):
        self.kind = kind
        self.secrets = secrets or []
        self.guard = guard
        self.check_read = check_read
        self.preflight = preflight
        self.confirm_overridden = confirm_overridden
        self.command = command
        self.label = label
        self.normalise = normalise
        self.to_diff = to_diff


class _MaskedModule(object):
    """exit_json/fail_json with the spec's secrets masked everywhere in the result."""

    def __init__(self, module, secrets):
        self._module = module
        self._secrets = secrets

    def __getattr__(self, name):
        return getattr(self._module, name)

    def exit_json(self, **result):
        self._module.exit_json(**redact.mask(result, self._secrets))

    def fail_json(self, msg, **result):
        self._module.fail_json(msg=redact.mask(msg, self._secrets), **redact.mask(result, self._secrets))


def run_table_module(module, spec):
    module = _MaskedModule(module, spec.secrets)
    params = module.params
    state = params["state"]
    table = Table(spec.kind)
    if spec.confirm_overridden and state == "overridden" and not params.get("confirm_overridden"):
        module.fail_json(msg="%s: state=overridden removes every entry not in config and can reject all mail; "
                             "set confirm_overridden=true to confirm. Nothing was read or written." % spec.label)

    if state == "parsed":
        module.exit_json(changed=False, parsed=spec.kind.parse(params["running_config"]))

    try:
        want = [spec.normalise(entry, index) for index, entry in enumerate(params.get("config") or [])]
        cluster_mode = validate_cluster_mode(params.get("cluster_mode"))
    except ValueError as exc:
        module.fail_json(msg=str(exc))

    if state == "rendered":
        try:
            ops, dummy = table.plan([], want, "merged")
        except ValueError as exc:
            module.fail_json(msg="%s: %s" % (spec.label, exc))
        module.exit_json(changed=False, rendered=dialogue_lines(spec.command, spec.kind.dialogue_answers(spec.kind.change_steps(ops))))

    try:
        client = EsaClient(module)
    except EsaError as exc:
        module.fail_json(msg=exc.message)
    wrote = False
    try:
        client.cluster_mode(cluster_mode)
        level_before = cluster.prompt_level(client.state()["prompt"])
        read = client.dialogue(getattr(spec.kind, "read_command", spec.command),
                               spec.kind.rules_for(spec.kind.read_steps()) + cluster.read_rules(spec.label))
        have = spec.kind.parse(read["output"])
        if spec.check_read:
            try:
                spec.check_read()
            except ValueError as exc:
                module.fail_json(msg="%s: %s. Nothing was written." % (spec.label, exc))
        # The appliance switched to where the table lives: it is inherited here.
        level_after = cluster.prompt_level(read.get("prompt"))
        inherited_from = " ".join(level_after) if level_after != level_before else None
        here = cluster.mode_label(cluster_mode) if cluster_mode else (" ".join(level_before) if level_before[0] else "the current mode")
        if state == "gathered":
            module.exit_json(changed=False, gathered=have, inherited_from=inherited_from)
        try:
            ops, after = table.plan(have, want, state)
        except ValueError as exc:
            module.fail_json(msg="%s: %s. Nothing was written." % (spec.label, exc))
        if ops and spec.guard:
            problems = spec.guard(client, have, after)
            if problems:
                module.fail_json(msg="%s: refused, nothing was written: %s" % (spec.label, " ".join(problems)),
                                 before=have, after=after, changed=False)
        if ops and spec.preflight:
            try:
                spec.preflight(client, want)
            except ValueError as exc:
                module.fail_json(msg="%s: %s. Nothing was written." % (spec.label, exc))
        steps = spec.kind.change_steps(ops)
        result = dict(changed=bool(ops), before=have, after=after, commands=dialogue_lines(spec.command, spec.kind.dialogue_answers(steps)) if ops else [],
                      inherited_from=inherited_from)
        if module._diff:
            result["diff"] = dict(before=spec.to_diff(have), after=spec.to_diff(after))
        if ops and inherited_from and not params["create_override"]:
            module.fail_json(msg="%s are not configured at %s; they are inherited from %s. Set cluster_mode to edit them "
                                 "there, or create_override=true to create an override at %s (a copy of the inherited "
                                 "settings, then the change). Nothing was written."
                                 % (spec.label, here, inherited_from, here),
                             **result)
        if ops and not module.check_mode:
            label = "%s: %s" % (spec.label, ", ".join("%s %s" % (verb, spec.kind.key(entry)) for verb, entry in ops))
            wrote = True
            if inherited_from:
                client.cluster_mode(cluster_mode or cluster.level_to_mode(level_before))
            rules = spec.kind.rules_for(steps) + cluster.write_rules(spec.label, params["create_override"], inherited_from)
            client.dialogue(spec.command, rules, write=True, label=label)
            if params["commit"]:
                commit = client.commit(params["comment"])
                result["committed"] = bool(commit.get("committed"))
                result["ansible_facts"] = pending_facts(client.session, [])
            else:
                session_state = client.state()
                result["ansible_facts"] = pending_facts(session_state["session"], session_state["pending"])
        module.exit_json(**result)
    except DialogueError as exc:
        cleared = client.discard() if wrote else False
        module.fail_json(
            msg="%s: %s: %s%s" % (
                spec.label, "the appliance refused the change" if wrote else "the dialogue failed", exc.message,
                "; pending changes were cleared with clearchanges, nothing was committed" if cleared else ""),
            question=exc.question, transcript=exc.transcript)
    except EsaError as exc:
        module.fail_json(msg="%s: %s" % (spec.label, exc.message))
