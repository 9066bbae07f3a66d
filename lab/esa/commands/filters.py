"""``filters``: message filters (docs/asyncos-cli.md §9); the language checker is ``message_filters.py``.

Sources of the texts printed here: the verbs, ``No logs currently configured``, ``Invalid filter range``,
``Invalid filter name``, ``Invalid filename``, ``the file <f> does not exist``, ``pick a different encoding``,
the LIST columns and two header lines: phoebe1411/cli/ctor/filters.py (all releases) and the user guides;
the NEW intro line, raw script lines, ``1 filters added.`` and the NEW/IMPORT-only menu without filters:
technote 118145; no summary line before the menu: inferred from the library's LIST parser; everything else
(descriptions, other questions and messages, DETAIL layout, the export file) is reconstructed (lab/README.md, "filters").
"""

from .. import message_filters as mf
from ..dialog import Ask, ask, menu, question_text
from ..registry import CommandSpec
from ..store import config_filename
from .levels import check_cluster_level

TABLE = "filters"

FILTERS_MENU = (
    ("NEW", "Create a new filter."),
    ("DELETE", "Remove a filter."),
    ("IMPORT", "Import a filter script from a file."),
    ("EXPORT", "Export filters."),
    ("MOVE", "Move a filter to a different position."),
    ("SET", "Set a filter attribute."),
    ("LIST", "List the filters."),
    ("DETAIL", "Get detailed information on the filters."),
    ("LOGCONFIG", "Configure log subscriptions used by filters."),
    ("ROLLOVERNOW", "Roll over a filter log file."),
)

# Technote 118145 (and phoebe1411/cli/ctor/filters.py (all): NEW sends the script and a "." line in one write):
# the CLI prints this line and then reads raw script lines with no prompt until a line holding only ".".
SCRIPT_INTRO = "Enter filter script. Enter '.' on its own line to end.\n"
# Technote 118145: on an appliance without filters the menu offers only NEW and IMPORT.
EMPTY_MENU_VERBS = ("NEW", "IMPORT")
RANGE_TEXT = "Enter the filter name, number, or range:"
ENCODINGS = ("US-ASCII", "UTF-8", "ISO-8859-1")
HEADER = ["Num Active Valid Name", "=== ====== ===== ===="]


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def _row(number, item):
    return f"{number:>3} {'Y' if item['active'] else 'N':<6} {'Y' if item['valid'] else 'N':<5} {item['name']}"


def select(filters, spec, allow_all=True):
    """Indices (0-based) for a name, a number, a range ``2-4`` or ``all``; raises FilterError."""
    text = spec.strip()
    if allow_all and text.lower() == "all":
        return list(range(len(filters)))
    if text.replace("-", "").isdigit() and text.count("-") <= 1 and not text.startswith("-") and not text.endswith("-"):
        low, _dash, high = text.partition("-")
        low, high = int(low), int(high or low)
        if not 1 <= low <= high <= len(filters):
            raise mf.FilterError(f'Invalid filter range "{text}".')
        return list(range(low - 1, high))
    for index, item in enumerate(filters):
        if item["name"].lower() == text.lower():
            return [index]
    raise mf.FilterError(f'Invalid filter name "{text}": there is no such filter.')


def _ask_selection(ctx, filters, text, default=None, allow_all=True):
    """Re-asks on errors; None on an empty answer without a default."""
    while True:
        answer = yield from ask(ctx, question_text(text, default or ""), default=default)
        answer = answer or (default or "")
        if not answer:
            return None
        try:
            return select(filters, answer, allow_all)
        except mf.FilterError as exc:
            ctx.error(str(exc))


def _read_script(ctx):
    """Script lines up to a line holding only ``.``: after the intro line, no prompt at all (technote 118145)."""
    lines, asked = [], False
    while True:
        if ctx.preanswers:
            line = ctx.preanswers.pop(0)
        else:
            line = yield Ask("" if asked else SCRIPT_INTRO, gap=not asked)
            asked = True
        if line.strip() == ".":
            return "\n".join(lines)
        lines.append(line.rstrip("\r\n"))


def _new(ctx, filters):
    script = yield from _read_script(ctx)
    try:
        added = mf.parse_script(script, [item["name"] for item in filters])
    except mf.FilterError as exc:
        ctx.error(str(exc))
        return
    ctx.set_table(TABLE, filters + added)
    # "1 filters added." (technote 118145: the count is followed by "filters" also for one filter)
    ctx.out(f"{len(added)} filters added.\n")


def _delete(ctx, filters):
    if not filters:
        ctx.error("There are no filters configured.")
        return
    chosen = yield from _ask_selection(ctx, filters, RANGE_TEXT, allow_all=False)
    if chosen is None:
        return
    ctx.set_table(TABLE, [item for index, item in enumerate(filters) if index not in chosen])
    ctx.out(f"{_plural(len(chosen), 'filter')} deleted.\n")


def _move(ctx, filters):
    if not filters:
        ctx.error("There are no filters configured.")
        return
    chosen = yield from _ask_selection(ctx, filters, "Enter the filter name, number, or range to move:", allow_all=False)
    if chosen is None:
        return
    while True:
        answer = yield from ask(ctx, question_text('Enter the name or number of the filter to insert before, or "last":', "last"),
                                default="last")
        answer = answer or "last"
        if answer.lower() == "last":
            target = None
            break
        try:
            target = select(filters, answer, allow_all=False)
        except mf.FilterError as exc:
            ctx.error(str(exc))
            continue
        if len(target) == 1 and target[0] not in chosen:
            target = target[0]
            break
        ctx.error(f'Invalid filter range "{answer}".')
    moved = [filters[index] for index in chosen]
    rest = [item for index, item in enumerate(filters) if index not in chosen]
    position = len(rest) if target is None else rest.index(filters[target])
    ctx.set_table(TABLE, rest[:position] + moved + rest[position:])


def _set(ctx, filters):
    if not filters:
        ctx.error("There are no filters configured.")
        return
    chosen = yield from _ask_selection(ctx, filters, RANGE_TEXT, default="all")
    while True:
        answer = yield from ask(ctx, question_text('Enter the attribute to set: "active" or "inactive".', "active"), default="active")
        answer = (answer or "active").lower()
        if answer in ("active", "inactive"):
            break
        ctx.error(f'Invalid attribute "{answer}".')
    for index in chosen:
        filters[index]["active"] = answer == "active"
    ctx.set_table(TABLE, filters)


def _list(ctx, filters):
    if not filters:
        ctx.out("There are no filters configured.\n")
        return
    ctx.page("\n".join(HEADER + [_row(number, item) for number, item in enumerate(filters, start=1)]) + "\n")
    yield from ()


def _detail(ctx, filters):
    if not filters:
        ctx.error("There are no filters configured.")
        return
    chosen = yield from _ask_selection(ctx, filters, RANGE_TEXT, default="all")
    blocks = [_row(index + 1, filters[index]) + "\n" + filters[index]["body"] for index in chosen]
    ctx.page("\n".join(HEADER) + "\n" + "\n\n".join(blocks) + "\n")


def _ask_encoding(ctx, text):
    lines = [text] + [f"{number}. {name}" for number, name in enumerate(ENCODINGS, start=1)]
    while True:
        answer = yield from ask(ctx, question_text(lines, "2"), default="2")
        answer = answer or "2"
        if answer.isdigit() and 1 <= int(answer) <= len(ENCODINGS):
            return ENCODINGS[int(answer) - 1]
        for name in ENCODINGS:
            if name.lower() == answer.lower():
                return name
        ctx.error(f'That value is not valid: "{answer}".')


def _ask_file(ctx, text):
    while True:
        answer = yield from ask(ctx, question_text(text))
        if not answer:
            return None
        name = config_filename(answer)
        if name:
            return name
        ctx.error(f'Invalid filename "{answer}".')


def _import(ctx, _filters):
    name = yield from _ask_file(ctx, "Enter the name of the file to import.")
    if name is None:
        return
    encoding = yield from _ask_encoding(ctx, "Enter the encoding of the file to import.")
    try:
        text = ctx.app.files.read(name)
    except (OSError, UnicodeDecodeError):
        ctx.error(f"Import failed: the file {name} does not exist.")
        return
    if encoding == "US-ASCII" and not text.isascii():
        ctx.error("The file is not US-ASCII text; pick a different encoding.")
        return
    try:
        imported = mf.parse_script(text)
    except mf.FilterError as exc:
        ctx.error(str(exc))
        return
    ctx.set_table(TABLE, imported)
    ctx.out(f"{_plural(len(imported), 'filter')} imported.\n")


def _export(ctx, filters):
    name = yield from _ask_file(ctx, "Enter a name for the exported file.")
    if name is None:
        return
    encoding = yield from _ask_encoding(ctx, "Enter the encoding to use for the exported file.")
    text = f"# File exported by the CLI at {ctx.timestamp()}\n\n" + mf.render_script(filters) + "\n"
    if encoding == "US-ASCII" and not text.isascii():
        ctx.error("The filters are not US-ASCII text; pick a different encoding.")
        return
    try:
        ctx.app.files.write(name, text)
    except OSError:
        ctx.error("Error writing file.")


def _logs(ctx, _filters):
    ctx.error("No logs currently configured.")
    yield from ()


OPERATIONS = {"NEW": _new, "DELETE": _delete, "IMPORT": _import, "EXPORT": _export, "MOVE": _move, "SET": _set,
              "LIST": _list, "DETAIL": _detail, "LOGCONFIG": _logs, "ROLLOVERNOW": _logs}


def filters_command(ctx):
    if not (yield from check_cluster_level(ctx, TABLE)):
        return
    while True:
        filters = ctx.table(TABLE)
        # No summary line before the menu: the library's LIST parser (phoebe1411/cli/ctor/filters.py
        # _parse_list_output) takes the text after the echoed LIST up to "Choose the operation " and drops its
        # first two and its last line, so exactly one (blank) line separates the rows from the menu (an inference;
        # reconstructed where no listing precedes).  Menu descriptions: reconstructed (verbs: the library).
        options = FILTERS_MENU if filters else [item for item in FILTERS_MENU if item[0] in EMPTY_MENU_VERBS]
        verb = yield from menu(ctx, [], options)
        if not verb:
            return
        result = OPERATIONS[verb](ctx, filters)
        if result is not None:
            yield from result


COMMANDS = [CommandSpec("filters", filters_command, "Configure message processing options.", editing=True, config=True)]
