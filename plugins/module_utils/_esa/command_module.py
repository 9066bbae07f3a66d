# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""esa_command: raw CLI commands, read-only unless told otherwise.

This module is PRIVATE to the collection. It can change at any time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import inputs, registry
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.client import EsaClient, EsaError, validate_cluster_mode
from ansible_collections.mailops.secure_email.plugins.module_utils._esa.dialogue import DialogueError, Rule

# Commands that only show things. Everything else needs read_only=false.
READ_ONLY_COMMANDS = frozenset(registry.READ_COMMANDS) | frozenset((
    "version", "status", "showconfig", "showchanges", "commitdetail", "hostname", "tophosts", "hoststatus",
    "workqueue", "showlicense", "featurekey", "systemtime", "ntpconfig", "interfaceconfig", "etherconfig",
    "smtproutes", "destconfig", "listenerconfig", "filters", "sslconfig", "clusterconfig", "clustermode",
    "dnsconfig", "tlsverify", "help",
))
# Commands that only show things when given no argument and no answer.
# With arguments these run batch forms that can change configuration (bounceconfig new <profile> ...).
SHOW_ONLY_WITHOUT_ANSWERS = frozenset(registry.READ_COMMANDS) - frozenset(("showconfig",)) | frozenset((
    "hostname", "clusterconfig", "ntpconfig", "interfaceconfig", "etherconfig", "dnsconfig", "tlsverify"))
# Menu answers that only display.
READ_ONLY_ANSWERS = re.compile(r"^(|print|list|detail|show|status|\d+)$", re.I)

ARGUMENT_SPEC = dict(
    commands=dict(type="list", elements="raw", required=True),
    read_only=dict(type="bool", default=True),
    cluster_mode=dict(type="str"),
    lock_timeout=dict(type="int", default=900),
)


def _command_spec(item, index):
    field = "commands[%d]" % index if isinstance(item, str) else "commands[%d].command" % index
    if isinstance(item, str):
        item = dict(command=item)
    if not isinstance(item, dict) or not isinstance(item.get("command"), str):
        raise ValueError("commands[%d]: must be a string or a dict with 'command' (and optional 'answers')" % index)
    if not item["command"].strip():
        raise ValueError("commands[%d]: the command is empty; give an AsyncOS command such as 'version'" % index)
    unknown = sorted(set(item) - set(("command", "answers")))
    if unknown:
        raise ValueError("commands[%d]: unknown key(s) %s; a command is 'command' and optional 'answers'"
                         % (index, ", ".join(unknown)))
    if not isinstance(item.get("answers") or [], list):
        raise ValueError("commands[%d].answers: must be a list of {prompt, answer}" % index)
    answers = []
    for j, answer in enumerate(item.get("answers") or []):
        if not isinstance(answer, dict) or "prompt" not in answer or "answer" not in answer:
            raise ValueError("commands[%d].answers[%d]: needs 'prompt' (a regex on the question) and 'answer'" % (index, j))
        try:
            re.compile(answer["prompt"])
        except re.error as exc:
            raise ValueError("commands[%d].answers[%d].prompt: not a valid regular expression: %s" % (index, j, exc))
        values = answer["answer"] if isinstance(answer["answer"], list) else [answer["answer"]]
        for k, value in enumerate(values):
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise ValueError("commands[%d].answers[%d].answer: must be a string (or a list of strings)" % (index, j))
            text = inputs.problem(str(value), "commands[%d].answers[%d].answer%s" % (
                index, j, "[%d]" % k if isinstance(answer["answer"], list) else ""))
            if text:
                raise ValueError(text)
        answers.append(dict(prompt=answer["prompt"], answer=[str(v) for v in values], repeat=bool(answer.get("repeat", False)),
                            menu=bool(answer.get("menu", True))))
    text = inputs.problem(item["command"], field)
    if text:
        raise ValueError(text)
    return dict(command=item["command"].strip(), answers=answers)


def check_read_only(spec, index):
    """Raise ValueError when the command could change configuration."""
    words = spec["command"].split()
    verb = words[0].lower()
    if verb not in READ_ONLY_COMMANDS:
        raise ValueError("commands[%d]: %r is not known to be read-only; set read_only=false to run it" % (index, spec["command"]))
    if verb in SHOW_ONLY_WITHOUT_ANSWERS and len(words) > 1 and not READ_ONLY_ANSWERS.match(" ".join(words[1:])):
        raise ValueError("commands[%d]: %r with arguments may change configuration; set read_only=false" % (index, spec["command"]))
    for answer in spec["answers"]:
        for value in answer["answer"]:
            if not READ_ONLY_ANSWERS.match(value.strip()):
                raise ValueError("commands[%d]: answer %r may change configuration (read-only answers are empty, PRINT, "
                                 "LIST, DETAIL, SHOW, STATUS or a number); set read_only=false" % (index, value))


def run(module):
    try:
        specs = [_command_spec(item, i) for i, item in enumerate(module.params["commands"])]
        cluster_mode = validate_cluster_mode(module.params["cluster_mode"])
        if module.params["read_only"]:
            for index, spec in enumerate(specs):
                check_read_only(spec, index)
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    if module.check_mode and not module.params["read_only"]:
        module.exit_json(changed=True, stdout=[], stdout_lines=[], msg="check mode: commands not sent")
    client = None
    try:
        client = EsaClient(module)
        if not module.params["read_only"]:
            client.lock(module.params["lock_timeout"])
        client.cluster_mode(cluster_mode)
        outputs, transcripts = [], []
        for spec in specs:
            rules = [Rule(a["prompt"], a["answer"], repeat=a["repeat"], menu=a["menu"], optional=True) for a in spec["answers"]]
            result = client.dialogue(spec["command"], rules, write=not module.params["read_only"],
                                     label="esa_command: %s" % spec["command"])
            outputs.append(result["output"])
            transcripts.append(result.get("transcript") or [])
    except (EsaError, DialogueError) as exc:
        if client is not None and not module.params["read_only"]:
            client.discard()
        module.fail_json(msg="command failed: %s" % exc.message)
    finally:
        if client is not None and not module.params["read_only"]:
            client.release_lock()
    module.exit_json(changed=not module.params["read_only"], stdout=outputs, stdout_lines=[o.splitlines() for o in outputs],
                     transcripts=transcripts)
