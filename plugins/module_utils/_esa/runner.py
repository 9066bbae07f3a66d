# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one runner of every gateway object module: read, plan, guard, write, commit, verify.

This module is PRIVATE to the collection. It can change at any time.

``run(module, Kind)`` is all a module calls. The stages, in order:

1. offline states: ``parsed`` (the kind's ``parse``) and ``rendered`` (plan on an empty table);
2. validation of ``config`` (errors name the field and the rule), before anything is read;
3. the read: the session's view of the kind's document (``documents.Reader``), with the cluster level the
   object lives at;
4. the plan, the open-relay guard and the preflight checks of referenced objects;
5. the write (not in check mode), which hands the new document to the pending-changes ledger;
6. the commit (``commit: true``), then the read-back: every document committed is read again and compared with
   the plan; a difference fails the task and names the object and field;
7. the result: before/after, diff, commands, pending facts; secrets masked everywhere.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import cluster, documents, inputs, redact
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.client import EsaClient, EsaError, validate_cluster_mode
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import DialogueError
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.release import Release

PENDING_FACT_PREFIX = "mailops_esa_pending_"

COMMIT_ARGSPEC = dict(
    commit=dict(type="bool", default=True),
    comment=dict(type="str", default="Changed by mailops.secure_email"),
    commit_timeout=dict(type="int", default=180),
    lock_timeout=dict(type="int", default=900),
    cluster_mode=dict(type="str"),
)
WRITING_STATES = ("merged", "replaced", "overridden", "deleted")

COMMON_ARGSPEC = dict(
    state=dict(type="str", default="merged",
               choices=["merged", "replaced", "overridden", "deleted", "gathered", "rendered", "parsed"]),
    running_config=dict(type="str"),
    create_override=dict(type="bool", default=False),
)
COMMON_ARGSPEC.update(COMMIT_ARGSPEC)


def argument_spec(config_options, **extra):
    """The argument spec of a table module: ``config`` (a list of entries) and the common options."""
    spec = dict(config=dict(type="list", elements="dict", options=config_options))
    spec.update(COMMON_ARGSPEC)
    spec.update(extra)
    return spec


def required_if():
    return [("state", "parsed", ("running_config",)), ("state", "rendered", ("config",))]


def check_timeouts(params):
    """``commit_timeout`` and ``lock_timeout`` are positive numbers of seconds (ValueError naming the option)."""
    for name in ("commit_timeout", "lock_timeout"):
        value = params.get(name)
        if value is not None and value < 1:
            raise ValueError("%s: %r must be a number of seconds, 1 or more" % (name, value))


def check_planned_filters(params):
    """``planned_filters`` (the relay guard's view of filters an earlier task adds) follow the filters' own rules."""
    from ansible_collections.mailops.secure_email.plugins.module_utils._esa import message_filters
    for index, entry in enumerate(params.get("planned_filters") or []):
        try:
            message_filters.normalise_entry(entry, index)
        except ValueError as exc:
            raise ValueError(str(exc).replace("config[", "planned_filters[", 1))


def pending_facts(session, pending):
    return {PENDING_FACT_PREFIX + session: list(pending)} if session else {}


class Failure(Exception):
    """End the module with ``msg`` and ``result``."""

    def __init__(self, msg, **result):
        super(Failure, self).__init__(msg)
        self.msg = msg
        self.result = result


def registry_documents():
    # imported here: the registry imports every kind, and every kind imports this package's modules
    from ansible_collections.mailops.secure_email.plugins.module_utils._esa import registry
    return registry.DOCUMENTS


def commit_outcome(client, levels, timeout, reason, clock=time.time, sleep=time.sleep):
    """The commit's reply did not come (``reason``), but it may land: log in again and read the changed documents
    back until they show the planned values (committed) or ``timeout`` passes (unknown). Returns the commit result
    when it landed; raises Failure otherwise. ``levels``: the ledger taken before the commit."""
    expected = {}
    for level, docs in levels.items():
        expected.update((name, item["value"]) for name, item in docs.items())
    deadline = clock() + max(timeout, 1)
    problems = ["nothing could be read back"]
    while True:
        try:
            client.state()     # a new login when the old one was given up
            problems = documents.verify(client, registry_documents(), expected) if expected else []
        except (EsaError, DialogueError) as exc:
            problems = ["reading back failed: %s" % getattr(exc, "message", exc)]
        if not problems or clock() >= deadline:
            break
        sleep(min(5, max(deadline - clock(), 0.1)))
    if not problems:
        client.commit_resolved(True)
        return dict(committed=True, verified=sorted(expected), commit_outcome="committed",
                    warning="the commit did not confirm within commit_timeout (%s), but reading the configuration "
                            "back in a new login shows the planned values: it was committed" % reason)
    client.commit_resolved(None)
    raise Failure("the commit outcome is unknown: the appliance did not confirm it (%s), and after %ds the "
                  "configuration read back in a new login still differs from the plan (%s). The commit may still "
                  "land. Check the appliance (commitdetail, showconfig) before re-running; a re-run plans against "
                  "what the appliance then shows." % (reason, timeout, "; ".join(problems)),
                  changed=True, committed=None, commit_outcome="unknown", verify_differences=problems)


def commit_and_verify(client, comment, timeout=None):
    """Commit, then read back every document the session committed. Returns the commit result.

    Raises Failure when the appliance shows something other than what was planned, or when the commit's outcome
    cannot be known (see ``commit_outcome``).
    """
    before = client.ledger(True).get("levels", {})
    try:
        result = client.commit(comment, timeout)
    except (EsaError, DialogueError) as exc:
        sent = isinstance(exc, EsaError) or bool((getattr(exc, "result", None) or {}).get("commit_sent"))
        if not sent or not any(before.values()):
            raise
        return commit_outcome(client, before, timeout or 180, getattr(exc, "message", str(exc)))
    result["commit_outcome"] = "committed" if result.get("committed") else "not committed"
    levels = client.ledger(True).get("levels", {})
    if not result.get("committed") or not any(item.get("committed") for docs in levels.values() for item in docs.values()):
        return result
    start = client.state()["prompt"].strip()
    problems, verified = [], []
    # each document is read back at the cluster level it was written at (docs/asyncos-cli.md §4)
    for level in sorted(levels, key=lambda lvl: lvl != start):
        expected = dict((name, item["value"]) for name, item in levels[level].items() if item.get("committed"))
        if not expected:
            continue
        if level != start and cluster.prompt_level(level)[0]:
            client.cluster_mode(cluster.level_to_mode(cluster.prompt_level(level)))
        problems += documents.verify(client, registry_documents(), expected)
        # Either way the fresh listings now show the appliance: later tasks plan on them, not on the ledger.
        client.settle(sorted(expected))
        verified += sorted(expected)
    if cluster.prompt_level(start)[0] and client.state()["prompt"].strip() != start:
        client.cluster_mode(cluster.level_to_mode(cluster.prompt_level(start)))
    if problems:
        raise Failure("the commit went through, but reading the configuration back shows something other than what "
                      "was planned: %s. The appliance now holds the configuration it shows; re-run the play to "
                      "converge, and report this if it repeats." % "; ".join(problems),
                      committed=True, verify_differences=problems)
    result["verified"] = sorted(verified)
    return result


def finish_write(module, client, params, result):
    """Commit and verify (``commit: true``), or report the pending changes (``commit: false``)."""
    if params["commit"]:
        commit = commit_and_verify(client, params["comment"], params.get("commit_timeout"))
        if commit.get("warning"):
            module.warn(commit["warning"])
        result["committed"] = bool(commit.get("committed"))
        result["commit_outcome"] = commit.get("commit_outcome")
        result["verified"] = commit.get("verified", [])
        result["ansible_facts"] = pending_facts(client.session, [])
    else:
        state = client.state()
        result["ansible_facts"] = pending_facts(state["session"], state["pending"])
    return result


def run(module, kind_class, scope_option=None):
    """Run the module of ``kind_class`` (a ``resource.Resource``); ``scope_option`` names the option that
    scopes it (``listener``)."""
    params = module.params
    kind = kind_class(scope=params.get(scope_option) if scope_option else None, params=params, check_mode=module.check_mode)
    secrets = kind.secrets()
    client = None
    wrote = False
    try:
        result = _run(module, kind, params)
    except Failure as exc:
        module.fail_json(msg=redact.mask(exc.msg, secrets), **redact.mask(exc.result, secrets))
    except DialogueError as exc:
        client = getattr(exc, "client", None)
        wrote = getattr(exc, "wrote", False) and not getattr(exc, "typed_nothing", False)
        cleared = client.discard() if (client and wrote) else False
        module.fail_json(msg=redact.mask("%s: %s: %s%s" % (
            kind.title, "the appliance refused the change" if wrote else "the dialogue failed", exc.message,
            "; pending changes were cleared with clearchanges, nothing was committed" if cleared else ""), secrets),
            question=redact.mask(exc.question, secrets), transcript=redact.mask(exc.transcript, secrets))
    except EsaError as exc:
        module.fail_json(msg=redact.mask("%s: %s" % (kind.title, exc.message), secrets))
    module.exit_json(**redact.mask(result, secrets))


def _want(kind, params):
    try:
        return kind.want(params)
    except ValueError as exc:
        raise Failure("%s: %s" % (kind.title, exc) if not str(exc).startswith("config") else str(exc))


def _run(module, kind, params):
    state = params.get("state", "merged")
    if getattr(kind, "confirm_overridden", False) and state == "overridden" and not params.get("confirm_overridden"):
        raise Failure("%s: state=overridden removes every entry not in config and can reject all mail; set "
                      "confirm_overridden=true to confirm. Nothing was read or written." % kind.title)
    if state == "parsed":
        try:
            return dict(changed=False, parsed=kind.parse(params["running_config"]))
        except ValueError as exc:
            raise Failure("%s: running_config: %s" % (kind.title, exc))
    try:
        inputs.check_params(params)
        check_timeouts(params)
        check_planned_filters(params)
    except ValueError as exc:
        raise Failure("%s: %s" % (kind.title, exc))
    want = _want(kind, params)
    try:
        cluster_mode = validate_cluster_mode(params.get("cluster_mode"))
    except ValueError as exc:
        raise Failure(str(exc))
    if state == "rendered":
        try:
            plan = kind.plan(kind.empty(), want, "merged")
        except ValueError as exc:
            raise Failure("%s: %s" % (kind.title, exc))
        return dict(changed=False, rendered=kind.render(plan, kind.empty()).commands() if plan.changed else [])

    client = EsaClient(module)
    try:
        if state in WRITING_STATES and not module.check_mode:
            # before the read: what this task plans from must not change under it (lock.py)
            lock = client.lock(params.get("lock_timeout") or 900)
            if lock.get("waited", 0) >= 1:
                module.warn("waited %ds for another run's changes to this appliance (its write lock)%s"
                            % (lock["waited"], "; reading the configuration again" if lock.get("reread") else ""))
        return _online(module, kind, params, state, want, cluster_mode, client)
    except DialogueError as exc:
        exc.client = client
        raise
    finally:
        client.release_lock()


def _online(module, kind, params, state, want, cluster_mode, client):
    client.cluster_mode(cluster_mode)
    session = client.state()
    kind.release = Release(session.get("release"))
    if kind.release.warning():
        module.warn(kind.release.warning())
    level_before = cluster.prompt_level(session["prompt"])
    reader = documents.Reader(client, registry_documents())
    try:
        snapshot = kind.read(reader)
        kind.check(snapshot)
    except ValueError as exc:
        raise Failure("%s: %s. Nothing was written." % (kind.title, exc))
    # The appliance switched to the level where the object lives: it is inherited here (unless this login
    # already wrote the object at this level, for example an override created by an earlier task).
    level_after = cluster.prompt_level(reader.prompt_after(kind.level_document()))
    inherited_from = " ".join(level_after) if level_after != level_before else None
    if kind.document_name() in reader.ledger():
        inherited_from = None
    here = cluster.mode_label(cluster_mode) if cluster_mode else (" ".join(level_before) if level_before[0] else
                                                                  "the current mode")
    if state == "gathered":
        return dict(changed=False, gathered=snapshot.entries, inherited_from=inherited_from)
    try:
        plan = kind.plan(snapshot, want, state)
    except ValueError as exc:
        raise Failure("%s: %s. Nothing was written." % (kind.title, exc))
    if plan.changed:
        try:
            problems = kind.guard(reader, snapshot, plan, module.check_mode)
        except ValueError as exc:
            # what the guard reads (another listener's HAT, the filters) could not be read: refuse, never guess
            raise Failure("%s: refused, nothing was written: the open-relay guard could not read what it checks: %s"
                          % (kind.title, exc), before=plan.before, after=plan.after, changed=False)
        for warning in plan.warnings:
            module.warn(redact.mask(warning, kind.secrets()))
        if problems:
            raise Failure("%s: refused, nothing was written: %s" % (kind.title, " ".join(problems)),
                          before=plan.before, after=plan.after, changed=False)
        try:
            kind.preflight(reader, plan)
        except ValueError as exc:
            raise Failure("%s: %s. Nothing was written." % (kind.title, exc))
    else:
        for warning in plan.warnings:
            module.warn(redact.mask(warning, kind.secrets()))
    script = kind.render(plan, snapshot) if plan.changed else None
    result = dict(changed=plan.changed, before=plan.before, after=plan.after,
                  commands=script.commands() if script else [], inherited_from=inherited_from)
    if module._diff:
        result["diff"] = dict(before=kind.to_diff(plan.before), after=kind.to_diff(plan.after))
    if plan.changed and inherited_from and not params.get("create_override"):
        raise Failure("%s are not configured at %s; they are inherited from %s. Set cluster_mode to edit them there, "
                      "or create_override=true to create an override at %s (a copy of the inherited settings, then "
                      "the change). Nothing was written." % (kind.title, here, inherited_from, here), **result)
    if not plan.changed or module.check_mode:
        return result
    if level_before[0] and cluster.prompt_level(client.state()["prompt"]) != level_before:
        # a read (of this object, or of another one for the guard) followed a table to the level where it lives
        client.cluster_mode(cluster_mode or cluster.level_to_mode(level_before))
    script.extend_rules(cluster.write_rules(kind.title, params.get("create_override"), inherited_from))
    label = "%s: %s" % (kind.title, ", ".join("%s %s" % (verb, kind.describe(entry)) for verb, entry in plan.operations))
    try:
        client.dialogue(kind.command, script.rules(), write=True, label=label,
                        documents={kind.document_name(): plan.document})
    except DialogueError as exc:
        # refused at the cluster-level question, before any change: nothing to clear (earlier pending changes stay)
        exc.wrote = not cluster.refused_before_change(exc.question)
        raise
    return finish_write(module, client, params, result)
