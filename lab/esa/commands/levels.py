"""Cluster-level questions a command asks before its own menu (docs/asyncos-cli.md §4).

Sources: the NOTICE lines, ``What would you like to do?`` and its three items, ``Choose the mode from which to
copy settings``, the restriction question: phoebe1411/cli/ctor/handlecluster.py docstrings (all releases);
the defaults, the re-ask text and when the questions are asked are reconstructed (lab/README.md, "Cluster
levels").

``check_cluster_level`` is the lab's ``check_cluster_level()``: a configuration command
run in a mode whose level does not define the command's table asks what to do.
``restrict_to_machine`` is ``cluster_restrict_level()`` for machine-only commands.
These questions always wait for an answer: batch arguments are not used for them.
"""

import copy

from ..dialog import Ask, question_text
from ..store import EMPTY_TABLES, all_layers, layer_title

NOTICE = ("NOTICE: This configuration command has not yet been configured for\n"
          "  the current cluster mode ({current}).")


def _mode_title(session):
    level, name = session.mode
    return f"{level.capitalize()} {name}"


def _choose(ctx, text, count, default):
    """A numbered question that ignores batch arguments; returns the 0-based index."""
    question = Ask(text)
    while True:
        answer = yield question
        answer = answer.strip()
        if not answer:
            return default
        if answer.isdigit() and 1 <= int(answer) <= count:
            return int(answer) - 1
        ctx.error(f'That value is not valid: "{answer}".')


def _yes_no(ctx, text, default):
    """An inline yes/no question that ignores batch arguments."""
    question = Ask(f"{text} [{'Y' if default else 'N'}]> ")
    while True:
        answer = yield question
        answer = answer.strip().lower()
        if not answer:
            return default
        if answer in ("y", "yes"):
            return True
        if answer in ("n", "no"):
            return False
        ctx.error("Please answer Y or N.")


def _switch_target(ctx, defining):
    """The level option 1 switches to: the closest level (of the mode, then of the logged-in machine)."""
    session = ctx.session
    for chain in (session.mode_chain, ctx.app.chain):
        for layer in chain:
            if layer in defining:
                return layer
    return defining[0]


def _set_mode_to(session, layer):
    if layer == "cluster":
        session.set_mode("cluster", session.app.cluster["name"])
    else:
        kind, _sep, name = layer.partition(":")
        session.set_mode(kind, name)


def check_cluster_level(ctx, table):
    """Generator: ask the NOTICE question when ``table`` is not configured at the current mode.

    Returns True to continue into the command's menu, False to leave the command.
    """
    session = ctx.session
    cluster = ctx.app.cluster
    if not cluster:
        return True
    layers = session.layers()
    here = session.mode_layer
    if table in layers.get(here, {}):
        return True
    current = _mode_title(session)
    defining = [layer for layer in all_layers(cluster) if table in layers.get(layer, {})]
    if not defining:
        start = yield from _yes_no(ctx, f"Do you want to start a new configuration at the current mode ({current})?", True)
        if start:
            ctx.set_table(table, copy.deepcopy(EMPTY_TABLES[table]), layer=here)
        return start
    target = _switch_target(ctx, defining)
    lines = [NOTICE.format(current=current), "What would you like to do?",
             f'1. Switch modes to edit at mode "{layer_title(target, cluster)}".',
             f"2. Start a new configuration at the current mode ({current}).",
             f"3. Copy settings from another cluster mode to the current mode ({current})."]
    choice = yield from _choose(ctx, question_text(lines, "1"), 3, 0)
    if choice == 0:
        _set_mode_to(session, target)
    elif choice == 1:
        ctx.set_table(table, copy.deepcopy(EMPTY_TABLES[table]), layer=here)
    else:
        lines = ["Choose the mode from which to copy settings:"]
        lines += [f"{number}. {layer_title(layer, cluster)}" for number, layer in enumerate(defining, start=1)]
        source = yield from _choose(ctx, question_text(lines, "1"), len(defining), 0)
        ctx.set_table(table, copy.deepcopy(layers[defining[source]][table]), layer=here)
    return True


def restrict_to_machine(ctx):
    """Generator: machine-only commands; returns True to run the command (possibly after switching)."""
    session = ctx.session
    app = ctx.app
    if not app.cluster or session.mode == ("machine", app.hostname):
        return True
    text = ("This command is restricted to run in machine mode of the machine you\n"
            f'  are logged in to.  Do you want to switch to "Machine {app.hostname}" mode?')
    switch = yield from _yes_no(ctx, text, True)
    if switch:
        session.set_mode("machine", app.hostname)
    return switch
