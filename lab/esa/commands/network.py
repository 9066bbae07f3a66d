"""``interfaceconfig``: a machine-only command (docs/asyncos-cli.md §4: ``cluster_restrict_level``).

Sources: the restriction question: phoebe1411/cli/ctor/handlecluster.py docstrings (all releases); the
interface listing, the verbs and ``This option is not available in the lab.`` are reconstructed."""

from ..dialog import menu
from ..listeners import INTERFACES
from ..registry import CommandSpec
from .levels import restrict_to_machine

MENU = (
    ("NEW", "Create a new interface."),
    ("EDIT", "Modify an interface."),
    ("GROUPS", "Define interface groups."),
    ("DELETE", "Remove an interface."),
)


def interfaceconfig(ctx):
    if not (yield from restrict_to_machine(ctx)):
        return
    while True:
        summary = ["Currently configured interfaces:"]
        summary += [f"{number}. {name} ({address}/24 on {name}: {ctx.app.hostname})"
                    for number, (name, address) in enumerate(INTERFACES, start=1)]
        verb = yield from menu(ctx, summary, MENU)
        if not verb:
            return
        ctx.error("This option is not available in the lab.")


COMMANDS = [
    CommandSpec("interfaceconfig", interfaceconfig, "Configure Ethernet IP addresses.", editing=True, config=True),
]
