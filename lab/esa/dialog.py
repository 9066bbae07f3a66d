"""Shared dialogue helpers for CLI commands.

Texts printed here: ``Choose the operation you want to perform:`` and the ``- VERB - text.`` lines (technote
118177, the library's ``Choose the operation`` end text), ``[default]> `` (the library's ``_sub_prompt``),
``Unknown option``, ``Please answer Y or N.``, ``You must enter a value.``, ``That value is not valid``, ``The
value must be an integer from <lo> to <hi>.`` (prefixes from ``_global_err_dict`` in
phoebe1411/cli/ctor/clictorbase.py; the rest of each line is reconstructed), the IMPORT/EXPORT file questions and
``Error reading file.`` / ``Error writing file.`` (phoebe1411/cli/ctor/smtproutes.py error list; the question
wording is reconstructed).

A command is a function ``cmd(ctx)``.  Interactive commands are generators:
they ``yield from`` the helpers below, which yield an :class:`Ask` to the
session and receive the answer line.  ``ctx`` offers ``out``/``page``/``error``
for output and ``table``/``set_table`` for configuration.

Batch use (arguments on the command line, e.g. ``clustermode group G`` or
``commit "comment" Y``): each argument answers the next question, without
printing it.  When the arguments are used up, a menu question leaves the
command, a question with a default takes its default, and any other question
is asked interactively.
"""

from .store import config_filename


class Ask:
    """A question the command waits on; ``text`` ends with ``[default]> ``.

    ``gap=False`` omits the blank line before the question (continuation lines of multi-line input).
    """

    __slots__ = ("text", "menu", "gap")

    def __init__(self, text, menu=False, gap=True):
        self.text = text
        self.menu = menu
        self.gap = gap


def question_text(lines, default=""):
    """Multi-line question: the lines, then ``[default]> `` on its own line."""
    if isinstance(lines, str):
        lines = [lines]
    return "\n".join(lines) + f"\n[{default}]> "


def ask(ctx, text, default=None, menu=False, gap=True):
    """Ask ``text`` and return the stripped answer ('' for an empty line)."""
    if ctx.preanswers:
        return ctx.preanswers.pop(0).strip()
    if ctx.batch:
        if menu:
            return ""
        if default is not None:
            return default
    answer = yield Ask(text, menu, gap)
    return answer.strip()


def menu(ctx, summary, options, hidden=()):
    """Show a ``Choose the operation`` menu; return the chosen verb (upper case) or ''.

    ``hidden`` verbs are accepted but not listed (e.g. ``RESET`` for ``CLEAR``).
    """
    # an empty summary: the menu line directly after the blank line before the question
    lines = (list(summary) + [""] if summary else []) + ["Choose the operation you want to perform:"]
    lines += [f"- {verb} - {description}" for verb, description in options]
    text = "\n".join(lines) + "\n[]> "
    verbs = [verb for verb, _description in options] + list(hidden)
    while True:
        answer = yield from ask(ctx, text, menu=True)
        if not answer:
            return ""
        if answer.upper() in verbs:
            return answer.upper()
        ctx.error(f'Unknown option "{answer}".')


def ask_yes_no(ctx, text, default):
    """Inline yes/no question ``text [Y]> ``; returns a bool."""
    shown = "Y" if default else "N"
    while True:
        answer = yield from ask(ctx, f"{text} [{shown}]> ", default=shown)
        if not answer:
            return default
        if answer.lower() in ("y", "yes"):
            return True
        if answer.lower() in ("n", "no"):
            return False
        ctx.error("Please answer Y or N.")


def ask_choice(ctx, header, items, default=None):
    """Numbered list; the answer is a number or (case-insensitive) a name. Returns the index."""
    lines = [header] + [f"{number}. {item}" for number, item in enumerate(items, start=1)]
    shown = "" if default is None else str(default + 1)
    text = question_text(lines, shown)
    while True:
        answer = yield from ask(ctx, text, default=shown or None)
        if not answer and shown:
            answer = shown
        if not answer:
            ctx.error("You must enter a value.")
            continue
        if answer.isdigit() and 1 <= int(answer) <= len(items):
            return int(answer) - 1
        for index, item in enumerate(items):
            if item.lower() == answer.lower():
                return index
        ctx.error(f'That value is not valid: "{answer}".')


def ask_int(ctx, text, default, low, high):
    """``text`` + ``[default]> ``; an integer from ``low`` to ``high`` (re-asks on errors)."""
    shown = "" if default is None else str(default)
    question = question_text(text, shown)
    while True:
        answer = yield from ask(ctx, question, default=shown or None)
        if not answer and shown:
            answer = shown
        if not answer:
            ctx.error("You must enter a value.")
        elif answer.isascii() and answer.isdigit() and low <= int(answer) <= high:
            return int(answer)
        else:
            ctx.error(f"The value must be an integer from {low} to {high}.")


def ask_import_text(ctx):
    """``Enter the name of the file to import.``; the file's text, or None (error printed, or no answer)."""
    answer = yield from ask(ctx, question_text("Enter the name of the file to import."))
    if not answer:
        return None
    name = config_filename(answer)
    try:
        if name is None:
            raise OSError(answer)
        return ctx.app.files.read(name)
    except (OSError, UnicodeDecodeError):
        ctx.error("Error reading file.")
        return None


def ask_export(ctx, render):
    """``Enter a name for the exported file.``; writes ``render()`` to /configuration."""
    answer = yield from ask(ctx, question_text("Enter a name for the exported file."))
    if not answer:
        return
    name = config_filename(answer)
    try:
        if name is None:
            raise OSError(answer)
        ctx.app.files.write(name, render())
    except OSError:
        ctx.error("Error writing file.")


def wrap_lines(text, width):
    """Cut every line longer than ``width`` into pieces of exactly ``width`` characters (the last piece
    may be shorter), each piece on its own line, as a terminal of ``width`` columns shows it.

    ``width`` 0 (or None) returns ``text`` unchanged.  Used by ``showconfig`` only (see commands/system.py).
    """
    if not width:
        return text
    lines = []
    for line in text.split("\n"):
        if len(line) <= width:
            lines.append(line)
            continue
        lines += [line[start:start + width] for start in range(0, len(line), width)]
    return "\n".join(lines)
