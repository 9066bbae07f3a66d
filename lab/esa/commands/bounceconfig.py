"""``bounceconfig``: bounce profiles (lab choice: a listing plus NEW; see lab/README.md)."""

import re

from ..dialog import ask, menu, question_text
from ..registry import CommandSpec

TABLE = "bounce_profiles"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,79}$")


def bounceconfig(ctx):
    while True:
        profiles = ctx.table(TABLE)
        summary = ["Current bounce profiles:"] + [f"{number}. {name}" for number, name in enumerate(profiles, start=1)]
        verb = yield from menu(ctx, summary, (("NEW", "Create a new profile."),))
        if not verb:
            return
        while True:
            name = yield from ask(ctx, question_text("Enter the name of the new profile."))
            if not _NAME.match(name or ""):
                ctx.error('The bounce profile name must start with a letter and contain only letters, digits, "-" and "_".')
            elif name in profiles:
                ctx.error(f'The bounce profile "{name}" already exists.')
            else:
                break
        ctx.set_table(TABLE, list(profiles) + [name])


COMMANDS = [CommandSpec("bounceconfig", bounceconfig, "Configure the behavior of bounces.", editing=True, config=True)]
