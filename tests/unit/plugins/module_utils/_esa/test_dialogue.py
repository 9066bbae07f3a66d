# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The dialogue engine against the lab's in-process AsyncOS engine."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from ansible_collections.mailops.secure_email.lab.esa.engine import Appliance
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import dialogue as dlg
from ansible_collections.mailops.secure_email.plugins.module_utils._esa import smtp_routes as sr
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.resource import Plan, Snapshot


@pytest.fixture
def appliance():
    return Appliance(hostname="esa1.lab")


@pytest.fixture
def session(appliance):
    sess = appliance.open_session(user="admin")
    assert sess.start().rstrip().endswith("esa1.lab>")
    return sess


def _route(domain, *hosts):
    return sr.normalise_route(dict(domain=domain, destinations=[dict(host=h) for h in hosts]))


def read_script():
    return sr.SOURCE.script()


def read_routes(session):
    script = read_script()
    result = dlg.run_dialogue(session.send_line, script.command, script.rules())
    return sr.SOURCE.prepare(result["output"])


def change_script(ops):
    return sr.SmtpRoutes().render(Plan(list(ops), [], []), Snapshot([]))


def apply(session, ops):
    return dlg.run_dialogue(session.send_line, sr.COMMAND, change_script(ops).rules())


def plan(have, want, state):
    return sr.SmtpRoutes().plan(Snapshot(have), want, state)


def commit(session, comment="unit test"):
    rules = [dlg.Rule(r"enter some comments", comment, optional=True), dlg.Rule(r"for rollback", "Y", optional=True)]
    return dlg.run_dialogue(session.send_line, "commit", rules)["output"]


def test_create_update_delete_round_trip(appliance, session):
    assert read_routes(session) == []
    want = [_route("example.com", "a.example"), _route("ALL", "USEDNS")]
    changes = plan([], want, "merged")
    result = apply(session, changes.operations)
    assert result["prompt"] == "esa1.lab>"
    assert read_routes(session) == changes.after
    assert "Changes committed" in commit(session)
    assert appliance.counters["commits"] == 1

    have = read_routes(session)
    changes = plan(have, [_route("example.com", "b.example", "c.example")], "overridden")
    assert [verb for verb, dummy in changes.operations] == ["update"], "overridden keeps ALL"
    apply(session, changes.operations)
    assert read_routes(session) == changes.after

    changes = plan(read_routes(session), [_route("ALL", "USEDNS")], "deleted")
    apply(session, changes.operations)
    assert [r["domain"] for r in read_routes(session)] == ["example.com"]


def test_unknown_question_fails_and_recovery_returns_to_main_prompt(appliance, session):
    rules = [r for r in change_script([("create", _route("example.com", "a.example"))]).rules()
             if r.pattern != sr.Q_AUTH_PROFILE]
    with pytest.raises(dlg.DialogueError) as exc:
        dlg.run_dialogue(session.send_line, sr.COMMAND, rules)
    assert "unexpected question" in exc.value.message
    assert "SMTP authentication profile" in exc.value.message
    out = session.interrupt()
    assert dlg.classify(out)[0] == "main"
    assert read_routes(session) == [], "an abandoned wizard records nothing"
    assert appliance.counters["writes"] == 0


def test_error_line_fails_with_the_appliance_text(session):
    bad = dict(domain="example.com", destinations=[dict(host="bad host!", port=None, priority=None)])
    with pytest.raises(dlg.DialogueError) as exc:
        apply(session, [("create", bad)])
    assert "bad host!" in exc.value.message
    assert exc.value.question and "destination hosts" in exc.value.question
    assert dlg.classify(session.interrupt())[0] == "main"
    assert read_routes(session) == []


def test_silent_reask_is_detected(session):
    """An error text the engine does not know still ends the dialogue: the question comes back."""
    def send_without_errors(line):
        out = session.send_line(line)
        return "\n".join(l for l in out.split("\n") if not dlg.find_error(l))

    bad = dict(domain="example.com", destinations=[dict(host="bad host!", port=None, priority=None)])
    with pytest.raises(dlg.DialogueError) as exc:
        dlg.run_dialogue(send_without_errors, sr.COMMAND, change_script([("create", bad)]).rules())
    assert "asked the same question again" in exc.value.message
    assert "bad host!" in exc.value.message


def test_recovery_keeps_earlier_pending_changes(appliance, session):
    apply(session, [("create", _route("one.example", "a.example"))])
    with pytest.raises(dlg.DialogueError):
        apply(session, [("create", dict(domain="two.example", destinations=[dict(host="bad host!", port=None, priority=None)]))])
    session.interrupt()
    assert [r["domain"] for r in read_routes(session)] == ["one.example"]
    commit(session)
    assert [r["domain"] for r in sr.parse(_committed_print(appliance))] == ["one.example"]


def _committed_print(appliance):
    other = appliance.open_session(user="admin")
    other.start()
    script = read_script()
    text = dlg.run_dialogue(other.send_line, script.command, script.rules())["output"]
    other.close()
    return text


def test_pending_changes_belong_to_the_session(appliance, session):
    apply(session, [("create", _route("one.example", "a.example"))])
    assert sr.parse(_committed_print(appliance)) == []
    session.close()
    fresh = appliance.open_session(user="admin")
    fresh.start()
    assert "no data to commit" in commit(fresh)


def test_rules_not_used_fail_the_dialogue(session):
    rules = read_script().rules() + [dlg.Rule(r"never asked", "x", name="never asked")]
    with pytest.raises(dlg.DialogueError) as exc:
        dlg.run_dialogue(session.send_line, sr.COMMAND, rules)
    assert "before asking: never asked" in exc.value.message


def test_pager_is_followed(session):
    rules = [dlg.Rule(r"Choose the passphrase option", "1")]
    result = dlg.run_dialogue(session.send_line, "showconfig", rules)
    assert dlg.PAGER not in result["output"]
    assert result["output"].rstrip().endswith("</config>")
    assert re.search(r"<smtp_routes", result["output"])


def test_unknown_command_is_an_error(session):
    with pytest.raises(dlg.DialogueError) as exc:
        dlg.run_dialogue(session.send_line, "nosuchcommand")
    assert "Unknown command" in exc.value.message


def test_classify_prompts():
    assert dlg.classify("text\nesa1.example.com> ")[0] == "main"
    assert dlg.classify("(Cluster ESA-CL)> ") == ("main", "(Cluster ESA-CL)>")
    assert dlg.classify("(Machine esa1.lab)>")[0] == "main"
    assert dlg.classify("Choose:\n1. a\n[1]> ")[0] == "question"
    assert dlg.classify("line\n-Press Any Key For More-")[0] == "pager"
    assert dlg.classify("<config>")[0] is None
