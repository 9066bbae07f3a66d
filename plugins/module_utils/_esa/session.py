# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One AsyncOS CLI login: dialogues, the configuration snapshot and the pending-changes ledger.

This module is PRIVATE to the collection. It can change at any time.

It is transport-free. The cliconf plugin ``mailops.secure_email.asyncos``
holds one instance in the persistent connection (so every task of a play
shares it), and the unit tests drive one against the lab's in-process engine.

Per login (a new SSH login is a new AsyncOS session, whose pending changes are
gone) it keeps:

- the **sources** read so far: the output of a listing command (``showconfig``,
  ``smtproutes`` PRINT, ...), read at most once per login and cluster level.
  ``showconfig`` does not show uncommitted changes (docs/asyncos-cli.md,
  "showconfig and saveconfig"), so a source alone is not the session's view;
- the **documents** written so far (the ledger): after each write, the module
  hands over the new value of the document it changed (the RAT of a listener,
  the HAT of a listener, the SMTP routes ...). Later tasks plan against these
  values, never against the appliance's display of uncommitted changes;
- the **pending** labels: what was changed and not yet committed, for
  ``esa_commit``'s lost-changes check.

The **release**: at the first dialogue of a login the session reads ``version`` once and keeps the AsyncOS
release (``release()``, also in ``session_state``), so that the kinds can pick the dialogue variant of that
release (docs/asyncos-cli.md §1).

After a commit the documents stay (marked committed) until the caller has read
them back and settled them. ``clearchanges`` drops the uncommitted ones.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg


VERSION_RE = re.compile(r"^\s*Version:\s*(?P<version>(?P<major>\d+)\.(?P<minor>\d+)(?:\.(?P<patch>\d+))?\S*)", re.M)


def parse_version(output):
    """``version``'s ``Version: 14.1.1-010`` line (Cisco's CLI test library ``ctor/version.py``,
    ``csa/bin/pybot_run``) as {version: "14.1.1-010", release: "14.1.1"}; None values when it is missing."""
    text = dlg.normalise(output or "")
    model = re.search(r"^\s*Model:\s*(\S+)", text, re.M)
    match = VERSION_RE.search(text)
    if not match:
        return dict(version=None, release=None, model=model.group(1) if model else None)
    return dict(version=match.group("version"), model=model.group(1) if model else None,
                release="%s.%s.%s" % (match.group("major"), match.group("minor"), match.group("patch") or "0"))


class CliSession(object):
    """``send(line)`` types one line and returns the output up to the next prompt; ``session_id()`` names the
    login; ``prompt()`` is the current prompt; ``recover()`` returns to the main prompt (True) or gives up the
    login (False). ``transport_errors`` are the exceptions of a broken transport, ``describe(exc)`` their text."""

    def __init__(self, send, session_id, prompt, recover, transport_errors=(), describe=str, lock=None, abandon=None):
        self._send = send
        self._session_id = session_id
        self._prompt = prompt
        self._recover = recover
        self._transport_errors = tuple(transport_errors)
        self._describe = describe
        self._lock = lock       # lock.ApplianceLock of this appliance, or None (no locking)
        self._abandon = abandon or (lambda: None)
        self._id = None
        self._seen = None       # the lock's generation when the cached sources were read
        self._in_doubt = False  # a commit whose transport failed: it may land; keep the lock until resolved
        self._reset(None)

    def _reset(self, session):
        previous, self._id = self._id, session
        self._release = None    # dict(version, release) once read in this login
        self.pending = []
        self.sources = {}       # (level, source) -> dict(output, prompt)
        self.documents = {}     # (level, name) -> dict(value, committed, label)
        if self._lock is not None and self._lock.held and not self._in_doubt and previous is not None:
            # a new login: the old one's pending changes are gone, and with them the reason to hold the lock
            self._lock.release()

    def _current(self):
        session = self._session_id()
        if session != self._id:
            self._reset(session)
        return session

    def _level(self):
        return (self._prompt() or "").strip()

    # -- the release ------------------------------------------------------------------------------------------
    def release(self):
        """{version, release} of this login's appliance; ``version`` is read once per login (at its first
        dialogue). ``release`` is None when the output had no ``Version:`` line."""
        self._current()
        if self._release is None:
            self._release = dict(version=None, release=None, model=None)
            try:
                result = dlg.run_dialogue(self._send, "version")
            except dlg.DialogueError:
                self._recover()
                return dict(self._release)
            except self._transport_errors:  # pylint: disable=catching-non-exception
                self._recover()
                self._release = None
                return dict(version=None, release=None, model=None)
            self._release = parse_version(result.get("output", ""))
        return dict(self._release)

    # -- dialogues ---------------------------------------------------------------------------------------------
    def run_dialogue(self, command, rules=None, write=False, label=None, documents=None, commit=False):
        """Run one dialogue. Returns a dict; ``failed`` is set instead of raising.

        On a write, ``documents`` ({name: value}) are the documents the write changed; a write without them
        changes something unknown, so every source read so far is forgotten.

        ``commit``: the dialogue is the commit. When its transport fails (a timeout, a drop), the commit may
        still land: the login is given up without Ctrl-C (which could interrupt it) and the result says
        ``commit_sent`` so that the caller reads back what happened.
        """
        session = self._current()
        if self._release is None and command != "version":
            self.release()
        level = self._level()
        try:
            dlg.check_typed(command, [r if isinstance(r, dlg.Rule) else dlg.Rule.from_dict(r) for r in (rules or [])])
        except dlg.DialogueError as exc:
            # refused before anything was typed: the session and its pending changes are untouched
            return dict(failed=True, msg=exc.message, question=None, transcript=[], session=session, lost_session=False,
                        typed_nothing=True)
        try:
            result = dlg.run_dialogue(self._send, command, rules)
        except dlg.DialogueError as exc:
            self._recover()
            return dict(failed=True, msg=exc.message, question=exc.question, transcript=exc.transcript,
                        session=session, lost_session=False)
        except self._transport_errors as exc:  # pylint: disable=catching-non-exception
            msg = self._describe(exc)
            if commit:
                self._in_doubt = True
                self._abandon()
                return dict(failed=True, msg=msg, question=None, transcript=[], session=session, lost_session=True,
                            commit_sent=True)
            recovered = self._recover()
            return dict(failed=True, msg=msg, question=None, transcript=[], session=session, lost_session=not recovered)
        result["session"] = self._current()
        if write and result["session"] == session:
            self.pending.append(label or command)
            if documents is None:
                self.sources = {}
            for name, value in (documents or {}).items():
                self.documents[(level, name)] = dict(value=value, committed=False, label=label or command)
        return result

    def read_source(self, source, command, rules=None, fresh=False):
        """The output of a listing command, read at most once per login and level unless ``fresh``."""
        self._current()
        key = (self._level(), source)
        if not fresh and key in self.sources:
            cached = dict(self.sources[key])
            cached.update(session=self._id, cached=True)
            return cached
        if not self.sources and self._lock is not None:
            self._seen = self._lock.generation()
        result = self.run_dialogue(command, rules)
        if result.get("failed"):
            return result
        self.sources[key] = dict(output=result["output"], prompt=result.get("prompt"))
        result["cached"] = False
        return result

    def ledger(self, all_levels=False):
        """The documents written in this login at the current level: {name: {value, committed, label}};
        with ``all_levels``, ``levels``: {level prompt: {name: ...}} for every cluster level written at."""
        session = self._current()
        if all_levels:
            levels = {}
            for (lvl, name), item in self.documents.items():
                levels.setdefault(lvl, {})[name] = dict(item)
            return dict(session=session, levels=levels)
        level = self._level()
        return dict(session=session, documents=dict((name, dict(item)) for (lvl, name), item in self.documents.items()
                                                    if lvl == level))

    def settle(self, names):
        """Forget documents that were read back after their commit (the sources now show them)."""
        level = self._level()
        for name in names:
            self.documents.pop((level, name), None)
        return dict(session=self._current())

    def session_state(self):
        session = self._current()
        release = self.release()
        return dict(session=session, pending=list(self.pending), prompt=self._prompt() or "",
                    version=release["version"], release=release["release"])

    # -- the write lock (lock.py) -------------------------------------------------------------------------------
    def acquire_lock(self, timeout, directory=None, holder=""):
        """Take this appliance's write lock before reading what a write will change. ``reread``: another run
        committed since this login's cached reads, which are now forgotten. (``directory`` is the transport's: the
        cliconf plugin places the lock file before it calls this.)"""
        session = self._current()
        if self._lock is None:
            return dict(locked=False, waited=0.0, reread=False, session=session)
        if self._lock.held:
            return dict(locked=True, waited=0.0, reread=False, session=session)
        try:
            waited = self._lock.acquire(timeout, holder="%s %s" % (holder, session or ""))
        except Exception as exc:  # pylint: disable=broad-except
            return dict(failed=True, msg="could not take the write lock of the appliance: %s" % exc, session=session,
                        typed_nothing=True)
        generation = self._lock.generation()
        reread = self._seen is not None and generation != self._seen and bool(self.sources)
        if reread:
            self.sources = {}
        self._seen = generation
        return dict(locked=True, waited=waited, reread=reread, session=session, lock=self._lock.path)

    def release_lock(self):
        """Release the write lock when nothing is pending (after a commit, a clear, or a task that wrote
        nothing); a session with pending changes keeps it until its commit."""
        self._current()
        held = self._lock is not None and self._lock.held
        if held and not self.pending:
            self._lock.release()
            held = False
        return dict(locked=held, session=self._id)

    def commit_resolved(self, landed):
        """After a commit in doubt was read back: ``landed`` (True, or None for unknown) moves the lock's
        generation on, so that other runs read again; then the lock is released."""
        self._current()
        self._in_doubt = False
        if self._lock is not None and self._lock.held and landed is not False:
            self._seen = self._lock.bump()
        return self.release_lock()

    # -- session-wide commands ---------------------------------------------------------------------------------
    def clustermode(self, mode):
        """Switch to ``cluster``, ``group:<name>`` or ``machine:<host>``."""
        level, dummy, name = mode.partition(":")
        prompt = self._level()
        wanted = {"cluster": "(Cluster ", "group": "(Group %s)" % name, "machine": "(Machine %s)" % name}[level]
        if prompt.startswith(wanted):
            return dict(changed=False, prompt=prompt, session=self._current())
        command = "clustermode %s %s" % (level, name) if name else "clustermode %s" % level
        result = self.run_dialogue(command)
        if not result.get("failed"):
            prompt = result.get("prompt") or ""
            if not prompt.startswith(wanted):
                return dict(failed=True, msg="after %r the prompt is %r, not %s...)" % (command, prompt, wanted),
                            session=self._current())
        return result

    def commit(self, comment=None, timeout=None):
        """``timeout`` is the transport's (the cliconf plugin lengthens its command timeout for the commit)."""
        comment = comment or "committed by mailops.secure_email"
        rules = [
            dlg.Rule(r"enter some comments describing your changes", comment, optional=True, name="commit comment"),
            dlg.Rule(r"save the current configuration for rollback", "Y", optional=True, name="rollback"),
        ]
        result = self.run_dialogue("commit", rules, commit=True)
        if result.get("failed"):
            return result
        output = result.get("output", "")
        result["committed"] = bool(re.search(r"Changes committed", output))
        result["no_data"] = bool(re.search(r"no data to commit", output, re.I))
        if not result["committed"] and not result["no_data"]:
            result.update(failed=True, msg="commit did not confirm: %s" % output.strip()[-300:])
            return result
        self.pending = []
        if result["committed"]:
            for item in self.documents.values():
                item["committed"] = True
            if self._lock is not None and self._lock.held:
                self._seen = self._lock.bump()
        else:
            # nothing reached the appliance: what this login believed pending is gone
            self.documents = dict((k, v) for k, v in self.documents.items() if v["committed"])
        self.release_lock()
        return result

    def discard_changes(self):
        rules = [dlg.Rule(r"(clear|discard|abandon).*changes|Are you sure", "Y", optional=True, name="confirm clear")]
        result = self.run_dialogue("clearchanges", rules)
        self.pending = []
        self.sources = {}
        self.documents = dict((k, v) for k, v in self.documents.items() if v["committed"])
        self.release_lock()
        return result
