"""``smtproutes``: permanent SMTP routes (texts: docs/asyncos-cli.md §6; the same in every release profile).

Sources of the texts printed here:

* verbs NEW/EDIT (ADD/REPLACE/REMOVE)/DELETE/PRINT/IMPORT/EXPORT/CLEAR, the question substrings (``Enter the
  domain for which``, ``Enter the destination hosts``, ``the additional destination hosts, separated by
  commas``, ``the destination you would like to remove``, ``associate an SMTP authentication profile``, EDIT's
  new-domain question), the DELETE/CLEAR confirmations and the error phrases (``There is a maximum of <n>
  routes.``, ``The value <d> is already in the routing table.``, ``There is already a default route set.``,
  ``Routes may not contain more than <n> destinations.``, ``The host <h> already has an alternate port (<p>).``,
  ``The host <h> is already using the standard port.``, ``entry does not appear to be in the routing table``,
  ``Error reading file.``, ``Import failed.``, ``Error writing file.``): phoebe1411/cli/ctor/smtproutes.py (all
  release directories) and keywords/smtp_routes.py; the help lines of the domain/destination questions: that
  keyword's docstrings;
* reconstructed: the verb descriptions, ``There are currently N routes defined.`` / ``There are no routes
  configured.``, the EDIT question and sub-menu summary, the whole question lines around the substrings, the PRINT
  layout, the file format, the SMTP-auth refusal text, ``Unknown option "<x>".`` (prefix: clictorbase.py's
  error list) and the other error texts (lab/README.md, "smtproutes").
"""

from ..dialog import ask, ask_yes_no, menu, question_text
from ..registry import CommandSpec
from ..routes import (
    MAX_ROUTES,
    RouteError,
    canonical_destination,
    canonical_domain,
    parse_destination_list,
    parse_route_file,
    render_route_file,
    sort_routes,
)
from ..store import config_filename
from .levels import check_cluster_level

TABLE = "smtp_routes"

MAIN_MENU = (
    ("NEW", "Create a new route."),
    ("EDIT", "Edit destinations of an existing route."),
    ("DELETE", "Remove a route."),
    ("PRINT", "Display all routes."),
    ("IMPORT", "Import new routes from a file."),
    ("EXPORT", "Export all routes to a file."),
    ("CLEAR", "Remove all routes."),
)

EDIT_MENU = (
    ("ADD", "Add new destination hosts."),
    ("REPLACE", "Specify a new destination or set of destinations."),
    ("REMOVE", "Remove a destination."),
)

NO_ROUTES = "There are no routes configured."

DOMAIN_QUESTION = question_text([
    "Enter the domain for which you want to set up a permanent route.",
    'Partial hostnames such as ".example.com" are allowed.',
    'Use "ALL" for the default route.',
])

DEST_HELP = [
    "Enter USEDNS by itself to use normal DNS resolution for this route.",
    "Enter /dev/null by itself if you wish to discard the mail.",
    "Enclose in square brackets to force resolution via address (A) records, ignoring any MX records.",
]


def _dest_question(first_line):
    return question_text([first_line] + DEST_HELP)


def _find(routes, domain):
    for route in routes:
        if route["domain"] == domain:
            return route
    return None


def _lookup_domain(text):
    try:
        return canonical_domain(text)
    except RouteError:
        return text.strip()


def _not_found(ctx, name):
    ctx.error(f'The "{name}" entry does not appear to be in the routing table.')


def _save(ctx, routes):
    ctx.set_table(TABLE, sort_routes(routes))


def _ask_destinations(ctx, text, existing=()):
    while True:
        answer = yield from ask(ctx, text)
        try:
            return parse_destination_list(answer, existing)
        except RouteError as exc:
            ctx.error(str(exc))


def _op_new(ctx):
    routes = ctx.table(TABLE)
    if len(routes) >= MAX_ROUTES:
        ctx.error(f"There is a maximum of {MAX_ROUTES} routes.")
        return
    while True:
        answer = yield from ask(ctx, DOMAIN_QUESTION)
        try:
            domain = canonical_domain(answer)
        except RouteError as exc:
            ctx.error(str(exc))
            continue
        if _find(routes, domain) is None:
            break
        if domain == "ALL":
            ctx.error("There is already a default route set.")
        else:
            ctx.error(f"The value {domain} is already in the routing table.")
    destinations = yield from _ask_destinations(ctx, _dest_question(
        f"Enter the destination hosts, separated by commas, which you want mail for {domain} to be delivered."))
    yield from _ask_smtp_auth(ctx)
    routes.append({"domain": domain, "destinations": destinations})
    _save(ctx, routes)


def _ask_smtp_auth(ctx):
    """``Do you want to associate an SMTP authentication profile`` (phoebe1411/cli/ctor/smtproutes.py (all): NEW,
    and after EDIT ADD/REPLACE/REMOVE).  The lab has no SMTP authentication profiles: Y is refused
    (reconstructed text), so ``associate another``/``disassociate``/``Select the SMTP authentication profile``
    never follow."""
    while True:
        use_auth = yield from ask_yes_no(ctx, "Do you want to associate an SMTP authentication profile with this route?", False)
        if not use_auth:
            return
        ctx.error("No SMTP authentication profiles are configured. Use the smtpauthconfig command to create one.")


def _ask_new_domain(ctx, routes, route):
    """EDIT: the new domain name before the sub-menu (phoebe1411/cli/ctor/smtproutes.py (all): EDIT answers the
    route's domain, then the new domain; keywords/smtp_routes.py: "the new domain for which you want to set up a
    permanent route"; Enter keeps it).  The whole wording (the NEW question's lines with "new") and the errors
    (those of NEW) are reconstructed."""
    current = route["domain"]
    text = question_text([
        "Enter the new domain for which you want to set up a permanent route.",
        'Partial hostnames such as ".example.com" are allowed.',
        'Use "ALL" for the default route.',
    ], current)
    while True:
        answer = yield from ask(ctx, text, default=current)
        try:
            domain = canonical_domain(answer or current)
        except RouteError as exc:
            ctx.error(str(exc))
            continue
        other = _find(routes, domain)
        if other is None or other is route:
            return domain
        if domain == "ALL":
            ctx.error("There is already a default route set.")
        else:
            ctx.error(f"The value {domain} is already in the routing table.")


def _ask_existing_domain(ctx, routes, text):
    """Ask for a route; '' (empty answer) returns None."""
    while True:
        answer = yield from ask(ctx, text)
        if not answer:
            return None
        route = _find(routes, _lookup_domain(answer))
        if route is not None:
            return route
        _not_found(ctx, answer)


def _op_edit(ctx):
    routes = ctx.table(TABLE)
    if not routes:
        ctx.error(NO_ROUTES)
        return
    route = yield from _ask_existing_domain(ctx, routes, question_text("Enter the domain you wish to edit."))
    if route is None:
        return
    domain = yield from _ask_new_domain(ctx, routes, route)
    renamed = domain != route["domain"]
    route["domain"] = domain
    summary = [f"Destinations for {domain}: {', '.join(route['destinations'])}"]
    verb = yield from menu(ctx, summary, EDIT_MENU)
    if verb == "ADD":
        added = yield from _ask_destinations(ctx, _dest_question(
            f"Enter the additional destination hosts, separated by commas, which you want mail for {domain} to be delivered."),
            route["destinations"])
        route["destinations"] = route["destinations"] + added
    elif verb == "REPLACE":
        route["destinations"] = yield from _ask_destinations(ctx, _dest_question(
            f"Enter the destination hosts, separated by commas, which you want mail for {domain} to be delivered."))
    elif verb == "REMOVE":
        removed = yield from _ask_removal(ctx, route["destinations"])
        if removed is None:
            if renamed:
                _save(ctx, routes)
            return
        route["destinations"].remove(removed)
    else:
        if renamed:             # reconstructed: a new name alone is kept when the sub-menu is left
            _save(ctx, routes)
        return
    yield from _ask_smtp_auth(ctx)
    _save(ctx, routes)


def _ask_removal(ctx, destinations):
    lines = ["Enter the number or name of the destination you would like to remove."]
    lines += [f"{number}. {dest}" for number, dest in enumerate(destinations, start=1)]
    text = question_text(lines)
    while True:
        answer = yield from ask(ctx, text)
        if not answer:
            return None
        chosen = None
        if answer.isdigit() and 1 <= int(answer) <= len(destinations):
            chosen = destinations[int(answer) - 1]
        else:
            try:
                canonical = canonical_destination(answer)
            except RouteError:
                canonical = answer
            if canonical in destinations:
                chosen = canonical
        if chosen is None:
            ctx.error(f'That value is not valid: "{answer}".')
        elif len(destinations) == 1:
            ctx.error("Routes must contain at least one destination. Use DELETE to remove the route.")
        else:
            return chosen


def _op_delete(ctx):
    routes = ctx.table(TABLE)
    if not routes:
        ctx.error(NO_ROUTES)
        return
    text = question_text("Enter the domain (or domains, separated by commas) of the routes you want to delete.")
    while True:
        answer = yield from ask(ctx, text)
        if not answer:
            return
        names = [name.strip() for name in answer.split(",") if name.strip()]
        missing = [name for name in names if _find(routes, _lookup_domain(name)) is None]
        if not missing:
            break
        _not_found(ctx, missing[0])
    doomed = {_lookup_domain(name) for name in names}
    if "ALL" in doomed:
        sure = yield from ask_yes_no(ctx, "Are you sure you want to reset the default route?", False)
        if not sure:
            return
    _save(ctx, [route for route in routes if route["domain"] not in doomed])


def _op_print(ctx):
    routes = sort_routes(ctx.table(TABLE))
    if not routes:
        ctx.page(NO_ROUTES + "\n")
        return
    width = max(20, max(len(route["domain"]) for route in routes) + 2)
    lines = ["Domain".ljust(width) + "Destinations"]
    lines += [route["domain"].ljust(width) + ", ".join(route["destinations"]) for route in routes]
    ctx.page("\n".join(lines) + "\n")


def _op_import(ctx):
    answer = yield from ask(ctx, question_text("Enter the name of the file to import."))
    if not answer:
        return
    name = config_filename(answer)
    try:
        if name is None:
            raise OSError(answer)
        text = ctx.app.files.read(name)
    except (OSError, UnicodeDecodeError):
        ctx.error("Error reading file.")
        return
    try:
        routes = parse_route_file(text)
    except RouteError as exc:
        ctx.error(f"Import failed. {exc}")
        return
    if len(routes) > MAX_ROUTES:
        ctx.error(f"Import failed. There is a maximum of {MAX_ROUTES} routes.")
        return
    _save(ctx, routes)


def _op_export(ctx):
    answer = yield from ask(ctx, question_text("Enter a name for the exported file."))
    if not answer:
        return
    name = config_filename(answer)
    try:
        if name is None:
            raise OSError(answer)
        ctx.app.files.write(name, render_route_file(ctx.table(TABLE), ctx.timestamp()))
    except OSError:
        ctx.error("Error writing file.")


def _op_clear(ctx):
    sure = yield from ask_yes_no(ctx, "Are you sure you want to delete all of the configured routes?", False)
    if sure:
        _save(ctx, [])


OPERATIONS = {
    "NEW": _op_new,
    "EDIT": _op_edit,
    "DELETE": _op_delete,
    "PRINT": _op_print,
    "IMPORT": _op_import,
    "EXPORT": _op_export,
    "CLEAR": _op_clear,
}


def smtproutes(ctx):
    if not (yield from check_cluster_level(ctx, TABLE)):
        return
    while True:
        routes = ctx.table(TABLE)
        summary = [f"There are currently {len(routes)} routes defined." if routes else NO_ROUTES]
        verb = yield from menu(ctx, summary, MAIN_MENU)
        if not verb:
            return
        result = OPERATIONS[verb](ctx)
        if result is not None:
            yield from result


COMMANDS = [
    CommandSpec("smtproutes", smtproutes, "Set up permanent domain redirections.", editing=True, config=True),
]
