"""Command registry of the simulated AsyncOS CLI."""


class CommandSpec:
    """One CLI command.

    ``func(ctx)`` is a plain function or a generator (see ``dialog``).
    ``editing`` commands print ``-- Changes not recorded`` when abandoned with Ctrl-C.
    """

    __slots__ = ("name", "func", "editing", "summary", "aliases")

    def __init__(self, name, func, summary, editing=False, aliases=()):
        self.name = name
        self.func = func
        self.summary = summary
        self.editing = editing
        self.aliases = tuple(aliases)


def build_registry(*command_lists):
    registry = {}
    for commands in command_lists:
        for spec in commands:
            for name in (spec.name,) + spec.aliases:
                registry[name] = spec
    return registry
