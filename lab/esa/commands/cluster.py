"""``clustermode``: switch the Centralized Management configuration level (docs/asyncos-cli.md §4).

Sources: ``command is only available on cluster system``, ``Choose the configuration`` (1 Cluster, 2 Group,
3 Machine), ``Choose the group to configure.``, ``Choose a machine.``: phoebe1411/cli/ctor/clustermode.py and
clusterconfig.py (all releases); the whole lines and defaults are reconstructed (lab/README.md, "clustermode")."""

from ..dialog import ask_choice
from ..registry import CommandSpec

LEVELS = ["Cluster", "Group", "Machine"]


def clustermode(ctx):
    app = ctx.app
    session = ctx.session
    if not app.cluster:
        ctx.error("The clustermode command is only available on cluster systems.")
        return
    level, _name = session.mode
    current = LEVELS.index(level.capitalize()) if level in ("cluster", "group", "machine") else 0
    index = yield from ask_choice(ctx, "Choose the configuration mode.", LEVELS, default=current)
    if index == 0:
        session.set_mode("cluster", app.cluster["name"])
    elif index == 1:
        groups = list(app.cluster["groups"])
        default = groups.index(app.group) if app.group in groups else 0
        chosen = yield from ask_choice(ctx, "Choose the group to configure.", groups, default=default)
        session.set_mode("group", groups[chosen])
    else:
        machines = app.machines()
        chosen = yield from ask_choice(ctx, "Choose a machine.", machines, default=machines.index(app.hostname))
        session.set_mode("machine", machines[chosen])


COMMANDS = [
    CommandSpec("clustermode", clustermode, "Set the cluster configuration mode."),
]
