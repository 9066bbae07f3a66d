"""Command registry of the simulated AsyncOS CLI."""


class CommandSpec:
    """One CLI command.

    ``func(ctx)`` is a plain function or a generator (see ``dialog``).
    ``editing`` commands print ``-- Changes not recorded`` when abandoned with Ctrl-C.
    ``config`` marks a configuration command: an invocation of it that makes no change counts as a
    configuration read (counters ``config_reads`` and ``config_reads_max_per_login``, see ``store.py``).
    """

    __slots__ = ("name", "func", "editing", "summary", "aliases", "config")

    def __init__(self, name, func, summary, editing=False, aliases=(), config=False):
        self.name = name
        self.func = func
        self.summary = summary
        self.editing = editing
        self.aliases = tuple(aliases)
        self.config = config


def build_registry(*command_lists):
    registry = {}
    for commands in command_lists:
        for spec in commands:
            for name in (spec.name,) + spec.aliases:
                registry[name] = spec
    return registry
