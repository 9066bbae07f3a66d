# -*- coding: utf-8 -*-
# Copyright (c) mailops.secure_email contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Transport-free dialogue engine for the AsyncOS menu CLI.

This module is PRIVATE to the collection. It can change at any time.

The engine sends one command, then answers every ``[...]> `` question by
matching the question text against rules. It stops at the main prompt. It
fails on a question no rule knows, on an error line, on a silent re-ask and
when rules that had to be used were not.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mailops.secure_email.plugins.module_utils._esa import inputs

PAGER = "-Press Any Key For More-"

# Prompts (docs/asyncos-cli.md §1, from Cisco's CLI test library ``sal/multiprompt.py`` and
# ``ctor/clictorbase.py``): the main prompt is ``host> ``, the hostname without its last label followed by
# ``>`` (the same pattern), ``(Cluster|Group|Machine x)> `` and, in a published transcript, ``host (SERVICE)> ``.
MAIN_PROMPT_RE = re.compile(
    r"(?:^|\n)(?P<prompt>(?:\((?P<level>Cluster|Group|Machine) (?P<name>[^)\n]+)\)"
    r"|(?P<host>[A-Za-z0-9][\w.-]*)(?: \((?P<service>[^)\n]+)\))?)>)[ \t]*$")
# Sub-prompts (questions): ``[...]> `` with any default, a bare ``>`` at the start of a line (free-text
# input) and, from 12.0, any line containing ``:>``.
QUESTION_RE = re.compile(r"(?:\[(?P<default>[^\]\n]*)\]>|^>|^[^\n]*:>)[ \t]*$", re.MULTILINE)
# Questions after which the CLI takes raw lines with no prompt at all: the filter script (technote 118145,
# ``ctor/filters.py``) and a custom SMTP response text (``ctor/listenerconfig.py``).
PROMPTLESS_RE = re.compile(r"(?:Enter '\.' on its own line to end\.?|Enter your custom SMTP response[^\n]*)[ \t]*$")

# Error texts. The value errors are the substrings that Cisco's own test
# library maps to errors (docs/asyncos-cli.md, "Errors"); the others are hard
# errors. A line containing one of them ends the dialogue.
ERROR_PATTERNS = [
    r"^Error:",
    r"Unknown command",
    r"Traceback",
    r"Invalid arguments when processing:",
    r"You are not in the correct access group to use",
    r"You must enter a",
    r"The value cannot",
    r"The value should",
    r"The value must",
    r"The value may",
    r"That value must",
    r"That value is not valid",
    r"Not a valid ",
    r"Value must be ",
    r"Must be a ",
    r"Must be at ",
    r"Must be an ",
    r"Please answer ",
    r"Valid characters are",
    r'The IP address ".+" is already configured',
    r"Invalid IP or IP range",
    r"A CIDR address is an IP",
    r"A hostname must ",
    r"Invalid hostname",
    r"Unknown option",
    r"An email address is a localname",
    r"The email domain must be",
    r"There is a maximum of \S+ routes",
    r"The value \S+ is already in the routing table",
    r"There is already a default route set",
    r"Routes may not contain more than \S+ destinations",
    r"The host \S+ already has an alternate port",
    r"The host \S+ is already using the standard port",
    r"entry does not appear to be in the routing table",
    r"Error reading file",
    r"Could not reach target machine:",
    r"Import failed",
    r"Unable to perform operation due to an I/O error",
    r"Configuration filesystem is full",
    r"Error writing file",
    r"command is only available on cluster system",
    r"command requires a feature key",
    r"not yet resynchronized with the cluster",
    r"Invalid filter (syntax|name|range)",
    r"Duplicate filter name",
    r"has been marked invalid",
    r"error occurred during processing",
    r"An application fault occurred",
    r"The IP address must be 4 numbers",
    r"The IP cannot start with 127 or 0",
    r"A hostname is ",
    r"The address must be an email",
    r"An http/https URL must consist",
    r"The password must be",
    r"cannot access this command",
    # destconfig (docs/asyncos-cli.md §7)
    r"was not found in the destination",
    r"No destination control table action for",
    r"Invalid profile name",
    # listenerconfig, HAT and RAT (§8); the three "Connecting host PTR ..." phrases are left out: they name
    # sender-group DNS conditions that an appliance may print in a group's own summary
    r"Please enter a value\.",
    r"A Recipient Access Table address can be one of the following",
    r"No policies to edit",
    r"Invalid selected behavior:",
    # filters (§9)
    r"the file \S+ does not exist",
    r"pick a different encoding",
    r"Invalid filename",
    # bounceconfig (docs/asyncos-cli.md §11)
    r"Profile name already in use",
    r"The bounce profile name must start with",
    r"The default profile may not be deleted",
]
_ERROR_RES = [re.compile(p) for p in ERROR_PATTERNS]


class DialogueError(Exception):
    """The appliance did something the dialogue did not expect."""

    def __init__(self, message, question=None, transcript=None):
        super(DialogueError, self).__init__(message)
        self.message = message
        self.question = question
        self.transcript = transcript or []


class Rule(object):
    """Answer questions whose text matches ``pattern``.

    ``answers`` is a list consumed in order; a rule whose answers are used up
    no longer matches, so a question asked more often than expected fails.
    ``repeat=True`` keeps answering with the last answer. ``optional=True``
    means the question may not be asked at all. ``menu=True`` marks a menu:
    asking it again right after an answer is normal and not a re-ask.
    ``secret=True`` hides the answers in the transcript. A non-menu rule that
    matches twice in a row is a re-ask and fails.

    ``fail`` makes a known question end the dialogue with that message (for
    questions that must never be answered automatically). An answer written
    ``choose:<regex>`` is replaced by the number of the first numbered option
    (``3. Something``) of the question whose text matches the regex.

    ``block=True``: the answers are lines typed one after the other with no prompt between them (the filter
    script and its ``.`` line, a custom SMTP response and its empty line); they are sent as one block
    (``send_block``) when the question is asked, once.

    Operations whose questions depend on the values (a question asked only
    when another was answered yes) use groups: each answer of a ``phase`` rule
    (the menu that starts an operation) opens the next group, and a rule with
    ``group=N`` only answers while group N is open.
    """

    def __init__(self, pattern, answers=None, repeat=False, optional=False, menu=False, secret=False, name=None, fail=None,
                 group=None, phase=False, block=False):
        if answers is None:
            answers = []
        if not isinstance(answers, (list, tuple)):
            answers = [answers]
        self.pattern = pattern
        self.regex = re.compile(pattern, re.IGNORECASE | re.MULTILINE)
        self.answers = list(answers)
        self.repeat = repeat
        self.optional = optional
        self.menu = menu
        self.secret = secret
        self.name = name or pattern
        self.fail = fail
        self.group = group
        self.phase = phase
        self.block = block
        self.used = 0
        if fail:
            self.optional = True

    def matches(self, question):
        if self.block:
            return bool(self.regex.search(question)) and self.used < 1
        return bool(self.regex.search(question)) and (self.fail or self.repeat or self.used < len(self.answers))

    def next_answer(self):
        index = min(self.used, len(self.answers) - 1)
        self.used += 1
        return self.answers[index]

    @property
    def complete(self):
        if self.block:
            return self.optional or self.used >= 1
        return self.optional or self.repeat or self.used >= len(self.answers)

    def to_dict(self):
        return dict(pattern=self.pattern, answers=list(self.answers), repeat=self.repeat, optional=self.optional,
                    menu=self.menu, secret=self.secret, name=self.name, fail=self.fail, group=self.group, phase=self.phase, block=self.block)

    @classmethod
    def from_dict(cls, data):
        return cls(data["pattern"], data["answers"], repeat=data.get("repeat", False), optional=data.get("optional", False),
                   menu=data.get("menu", False), secret=data.get("secret", False), name=data.get("name"), fail=data.get("fail"),
                   group=data.get("group"), phase=data.get("phase", False), block=data.get("block", False))


# A numbered-list item: ``N. text``, ``N) text``, ``N: text`` or ``N  text`` (Cisco's library's list parser,
# docs/asyncos-cli.md §1 "Numbered lists").
OPTION_RE = re.compile(r"^\s*(\d+)(?:[.):]|\s{2})\s*(.+?)\s*$", re.MULTILINE)


def choose_option(question, pattern):
    """The number of the first numbered option (``N. text``, ``N) text`` ...) whose text matches ``pattern``."""
    regex = re.compile(pattern, re.IGNORECASE)
    for match in OPTION_RE.finditer(question):
        if regex.search(match.group(2)):
            return match.group(1)
    raise DialogueError("no option matching %r in: %s" % (pattern, question), question=question)


TLS_VERSION_RE = re.compile(r"(?:TLS\s*v?|\bv)(1(?:\.[0-3])?)(?![.\d])", re.IGNORECASE)


def tls_versions(label):
    """The TLS versions a method-list label names: ``TLS v1/TLS v1.2`` -> {"1.0", "1.2"}; SSL is ``ssl``."""
    versions = set()
    for match in TLS_VERSION_RE.finditer(label):
        version = match.group(1)
        versions.add(version if "." in version else "1.0")
    if re.search(r"SSL\s*v?[23]", label, re.IGNORECASE):
        versions.add("ssl")
    return versions


def choose_tls_method(question, wanted):
    """The number of the sslconfig method-list item that enables exactly the TLS versions ``wanted``
    (``1.1,1.2``). The labels differ between releases (``TLS v1.2``, ``TLS v1/TLS v1.2``, ``TLS v1.0``;
    docs/asyncos-cli.md §10), so items are compared by the versions they name, not by their text."""
    want = set(v.strip() for v in wanted.split(",") if v.strip())
    options = []
    for match in re.finditer(OPTION_RE, question):
        options.append((match.group(1), match.group(2)))
        if tls_versions(match.group(2)) == want:
            return match.group(1)
    raise DialogueError("no TLS method item enables exactly TLS %s; the appliance offers: %s"
                        % (", ".join(sorted(want)), "; ".join("%s. %s" % o for o in options) or question),
                        question=question)


def normalise(text):
    """Line endings to ``\\n``; drop carriage-return redraws."""
    text = text.replace("\r\n", "\n")
    lines = []
    for line in text.split("\n"):
        if "\r" in line:
            line = line.rsplit("\r", 1)[-1] if line.rsplit("\r", 1)[-1].strip() else line.replace("\r", "")
        lines.append(line)
    return "\n".join(lines)


def classify(text):
    """Return ('main'|'question'|'pager'|None, detail) for the end of ``text``."""
    stripped = text.rstrip()
    if stripped.endswith(PAGER):
        return "pager", None
    stripped = remove_pager(stripped).rstrip()
    match = MAIN_PROMPT_RE.search(stripped)
    if match:
        return "main", match.group("prompt")
    # only the last line can be the prompt: a listing's lines that end in ``]>`` or ``:>`` are not questions
    last_line = stripped.rsplit("\n", 1)[-1]
    if QUESTION_RE.search(last_line) or PROMPTLESS_RE.search(last_line):
        return "question", question_text(stripped)
    return None, None


def question_text(text):
    """The question: the block after the last blank line, prompt included."""
    text = normalise(text).rstrip()
    blocks = re.split(r"\n[ \t]*\n", text)
    return blocks[-1].strip()


def strip_main_prompt(text):
    """Remove the trailing main prompt line."""
    text = normalise(text).rstrip()
    match = MAIN_PROMPT_RE.search(text)
    if match:
        text = text[:match.start()]
    return text.strip("\n")


def find_error(text):
    """The first line of ``text`` that carries an error message, or None."""
    for line in normalise(text).split("\n"):
        candidate = line.strip()
        if not candidate:
            continue
        for regex in _ERROR_RES:
            if regex.search(candidate):
                return candidate
    return None


def drop_echo(text, sent):
    """Remove the echo of ``sent`` at the start of ``text``."""
    text = normalise(text)
    if sent:
        lines = text.split("\n")
        if lines and lines[0].strip() == sent.strip():
            return "\n".join(lines[1:])
    return text.lstrip("\n") if not sent else text


def _drop_block_echo(text, lines):
    """Remove the echo of a block's lines at the start of ``text``."""
    out = normalise(text).split("\n")
    for line in lines:
        if out and out[0].strip() == line.strip():
            out.pop(0)
        else:
            break
    return "\n".join(out)


def _before_question(chunk):
    """Output printed before the question block."""
    text = normalise(chunk).rstrip()
    blocks = re.split(r"\n[ \t]*\n", text)
    return "\n\n".join(blocks[:-1]).strip("\n")


def remove_pager(text):
    """Drop the pager text wherever it is (a line of its own, or before a redrawn line)."""
    lines = []
    for line in normalise(text).split("\n"):
        if PAGER in line:
            line = line.replace(PAGER, "")
            if not line.strip():
                continue
            line = line.lstrip()
        lines.append(line)
    return "\n".join(lines)


def send_block(send, lines):
    """Type ``lines`` without waiting for a prompt between them; the output up to the next prompt.

    A transport that can write several lines at once (``send.multiline``, the cliconf plugin) gets them in one
    write, as Cisco's library sends a filter script with its ``.`` line. Otherwise each line is sent on its own
    and the outputs are joined (an in-process engine answers a line without a prompt with nothing).
    """
    if getattr(send, "multiline", False):
        return send("\n".join(lines))
    return "".join(send(line) or "" for line in lines)


def check_typed(command, rules):
    """Raise DialogueError, before anything is sent, when the command or an answer is not one line of printable
    text (a newline or a control character inside would type more than planned; docs/security.md)."""
    try:
        inputs.check_line(command, "command")
        for rule in rules:
            for answer in rule.answers:
                inputs.check_line(answer if isinstance(answer, str) else str(answer),
                                  "line (answer to %s)" % rule.name if not rule.secret else "secret answer")
    except ValueError as exc:
        raise DialogueError("%s; nothing was typed" % exc)


def run_dialogue(send, command, rules=None, max_steps=2000):
    """Send ``command`` and answer its questions by ``rules``.

    ``send(line)`` writes one line and returns what the appliance printed up
    to and including the next prompt (main prompt, question or pager).

    Returns a dict: ``output`` (everything printed, pager lines and the final
    prompt removed), ``transcript`` (list of question/answer pairs) and
    ``prompt`` (the final main prompt).
    """
    rules = [r if isinstance(r, Rule) else Rule.from_dict(r) for r in (rules or [])]
    check_typed(command, rules)
    transcript = []
    output = []
    last_question = None
    last_rule = None
    group = -1
    sent = command
    raw = send(command)
    paged = ""      # output before a pager stop: part of the next question or listing
    for dummy in range(max_steps):
        chunk = drop_echo(raw, sent)
        kind, detail = classify(chunk)
        if kind == "pager":
            # the pager can stop any output, a question's list included: keep the text and go on
            paged += remove_pager(chunk).strip("\n") + "\n"
            sent = ""
            raw = send("")
            continue
        if paged:
            chunk = paged + chunk.lstrip("\n")
            paged = ""
            kind, detail = classify(chunk)
        error = find_error(chunk)
        if error:
            raise DialogueError(error, question=last_question, transcript=transcript)
        if kind == "main":
            output.append(strip_main_prompt(chunk))
            missing = [r.name for r in rules if not r.complete]
            if missing:
                raise DialogueError("the appliance returned to the main prompt before asking: %s" % ", ".join(missing),
                                    transcript=transcript)
            return dict(output="\n".join(o for o in output if o).strip("\n"), transcript=transcript, prompt=detail)
        if kind != "question":
            raise DialogueError("no prompt recognised at the end of the output: %r" % chunk[-200:], transcript=transcript)
        known = [candidate for candidate in rules
                 if candidate.regex.search(detail) and candidate.group in (None, group)]
        usable = [candidate for candidate in known if candidate.matches(detail)]
        rule = usable[0] if usable else (known[0] if known else None)
        reasked = last_rule is not None and not last_rule.menu and (detail == last_question or rule is last_rule)
        if reasked:
            raise DialogueError("the appliance asked the same question again (answer %r was not accepted): %s"
                                % (transcript[-1]["answer"], detail.splitlines()[0]), question=detail, transcript=transcript)
        if rule is not None and not rule.matches(detail):
            raise DialogueError("question asked more often than expected: %s" % detail, question=detail, transcript=transcript)
        if rule is None:
            raise DialogueError("unexpected question: %s" % detail, question=detail, transcript=transcript)
        if rule.fail:
            raise DialogueError(rule.fail, question=detail, transcript=transcript)
        output.append(_before_question(chunk))
        if rule.phase:
            group += 1
        if rule.block:
            rule.used += 1
            lines = [str(line) for line in rule.answers]
            for number, line in enumerate(lines):
                transcript.append(dict(question=detail if number == 0 else "(typed without a prompt)",
                                       answer="********" if rule.secret else line))
            last_question, last_rule, sent = detail, rule, lines[-1] if len(lines) == 1 else None
            raw = send_block(send, lines)
            if sent is None:
                raw = _drop_block_echo(raw, lines)
                sent = ""
            continue
        answer = rule.next_answer()
        if answer.startswith("choose:"):
            answer = choose_option(detail, answer[len("choose:"):])
        elif answer.startswith("choose-tls:"):
            answer = choose_tls_method(detail, answer[len("choose-tls:"):])
        transcript.append(dict(question=detail, answer="********" if rule.secret else answer))
        last_question, last_rule, sent = detail, rule, answer
        raw = send(answer)
    raise DialogueError("dialogue did not end after %d steps" % max_steps, transcript=transcript)
