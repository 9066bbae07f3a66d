"""``destconfig``: destination controls (texts: docs/asyncos-cli.md §7; lab choices in lab/README.md).

Sources of the texts printed here:

* verbs SETUP/NEW/EDIT/DELETE/DEFAULT/LIST/DETAIL/CLEAR and every question substring (``domain you wish to
  configure``/``edit``, ``configure a concurrency limit``, ``max concurrency limit``, ``apply a recipient limit``,
  ``measure the recipient limit``, ``max number of recipients``, ``apply the limits for``, ``limits will be
  enforced``, ``apply a messages-per-connection limit``, ``max number of messages``, ``apply a specific TLS
  setting``, ``use TLS support``, DANE (from 12.0), ``have not entered a certificate``, ``bounce verification``,
  ``bounce profile to apply``, ``name of a profile``, ``sort IP addresses within an MX``, the DEFAULT and SETUP
  substrings), the list labels and the errors ``was not found in the destination``, ``bounce profile name must
  start with``, ``Invalid profile name``: phoebe1100/cli/ctor/destconfig.py and phoebe1411/cli/ctor/destconfig.py
  with keywords/destconfig.py;
* ``There are currently N entries configured.``, the NEW/EDIT/DELETE/DEFAULT/CLEAR descriptions and the older
  whole lines (``Do you wish to configure a concurrency limit for``, ``Enter the max concurrency limit for
  "<d>".``, ``Do you wish to apply a recipient limit to this domain?``, ``Do you wish to apply a specific TLS
  setting for this domain?``): technote 118177;
* IMPORT/EXPORT and the file keys: AsyncOS 9.1.2 user guide pp. 24-46..48;
* reconstructed: the other whole question lines and defaults, LIST/DETAIL layouts, the other descriptions and
  error texts, the demo-certificate question's wording (lab/README.md, "destconfig").
"""

import re

from .. import destinations as dc
from ..dialog import ask, ask_choice, ask_export, ask_import_text, ask_int, ask_yes_no, menu, question_text
from ..registry import CommandSpec
from .levels import check_cluster_level

TABLE = "destination_controls"
PROFILES = "bounce_profiles"

MAIN_MENU = (
    ("SETUP", "Change global settings."),
    ("NEW", "Create a new entry."),
    ("EDIT", "Modify an entry."),
    ("DELETE", "Remove an entry."),
    ("DEFAULT", "Change the default."),
    ("LIST", "Display a summary list of all entries."),
    ("DETAIL", "Display details for one destination or all entries."),
    ("CLEAR", "Remove all entries."),
    ("IMPORT", "Import tables from a file."),
    ("EXPORT", "Export tables to a file."),
)

# The appliance ASKS a question containing "have not entered a certificate" when TLS is used and only the demo
# certificate exists (phoebe1100/cli/ctor/destconfig.py and phoebe1411/cli/ctor/destconfig.py: NEW, EDIT and
# DEFAULT answer it after the DANE questions; docs/asyncos-cli.md §7 item 8).  The whole wording, the default
# [Y] and what N does (the TLS setting is not applied) are reconstructed: the library records only the substring.
CERT_QUESTION = ("You have not entered a certificate. The demo certificate will be used for TLS connections;\n"
                 "it is not secure. Do you want to use the demo certificate?")

NEW_PROFILE = "New Profile"
_PROFILE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,79}$")


def _labels(pairs):
    return [item[1] for item in pairs]


def _index(pairs, value):
    for index, item in enumerate(pairs):
        if item[0] == value:
            return index
    return 0


def _ask_listed(ctx, header, pairs, current):
    index = yield from ask_choice(ctx, header, _labels(pairs), default=_index(pairs, current))
    return pairs[index][0]


def _ask_profile(ctx, profiles, current, created):
    """``Please choose a bounce profile to apply:``; "New Profile" asks a name (created at the end)."""
    items = list(profiles) + [NEW_PROFILE]
    default = items.index(current) if current in items else 0
    lines = ["Please choose a bounce profile to apply:"]
    lines += [f"{number}. {item}" for number, item in enumerate(items, start=1)]
    text = question_text(lines, str(default + 1))
    while True:
        answer = yield from ask(ctx, text, default=str(default + 1))
        answer = answer or str(default + 1)
        if answer.isdigit() and 1 <= int(answer) <= len(items):
            chosen = items[int(answer) - 1]
        else:
            chosen = next((item for item in items if item.lower() == answer.lower()), None)
        if chosen is None:
            ctx.error(f'Invalid profile name "{answer}".')
            continue
        if chosen != NEW_PROFILE:
            return chosen
        name = yield from _ask_new_profile(ctx, items)
        created.append(name)
        return name


def _ask_new_profile(ctx, existing):
    text = question_text("Enter the name of a profile to create.")
    while True:
        name = yield from ask(ctx, text)
        if not _PROFILE_NAME.match(name):
            ctx.error('The bounce profile name must start with a letter and contain only letters, digits, "-" and "_".')
        elif any(item.lower() == name.lower() for item in existing):
            ctx.error(f'The bounce profile "{name}" already exists.')
        else:
            return name


def _ask_tls(ctx, current):
    # substring "use TLS support" and the labels: phoebe1411/cli/ctor/destconfig.py (all), docs/asyncos-cli.md §7
    value = yield from _ask_listed(ctx, "Do you want to use TLS support?", dc.TLS, current)
    return value


def _ask_demo_certificate(ctx):
    """True: use the demo certificate (see CERT_QUESTION)."""
    return (yield from ask_yes_no(ctx, CERT_QUESTION, True))


def _entry_flow(ctx, entry, default, profiles, created, is_new):
    """The NEW/EDIT questions for a domain entry; returns the new entry."""
    domain = entry["domain"]
    result = dc.new_entry(domain)

    def eff(field):
        return dc.effective(entry, default, field)

    if (yield from ask_yes_no(ctx, f"Do you wish to configure a concurrency limit for {domain}?",
                              is_new or entry["concurrency_limit"] is not None)):
        result["concurrency_limit"] = yield from ask_int(
            ctx, f'Enter the max concurrency limit for "{domain}".', eff("concurrency_limit"), *dc.CONCURRENCY_RANGE)
    if (yield from ask_yes_no(ctx, "Do you wish to apply a recipient limit to this domain?", entry["recipient_limit"] is not None)):
        minutes = yield from ask_int(ctx, "Enter the number of minutes used to measure the recipient limit.",
                                     entry["recipient_minutes"] or default["recipient_minutes"] or 60, *dc.MINUTES_RANGE)
        result["recipient_minutes"] = minutes
        result["recipient_limit"] = yield from ask_int(
            ctx, f'Enter the max number of recipients per {minutes} minutes for "{domain}".', entry["recipient_limit"],
            *dc.RECIPIENTS_RANGE)
    if result["concurrency_limit"] is not None or result["recipient_limit"] is not None:
        result["limit_type"] = yield from _ask_listed(
            ctx, f"Select how you want to apply the limits for {domain}:", dc.LIMIT_TYPES, eff("limit_type"))
        result["limit_apply"] = yield from _ask_listed(
            ctx, "Select how the limits will be enforced:", dc.LIMIT_APPLY, eff("limit_apply"))
    if (yield from ask_yes_no(ctx, "Do you wish to apply a messages-per-connection limit to this domain?",
                              entry["max_messages_per_connection"] is not None)):
        result["max_messages_per_connection"] = yield from ask_int(
            ctx, f'Enter the max number of messages per connection for "{domain}".', eff("max_messages_per_connection"),
            *dc.MESSAGES_RANGE)
    if (yield from ask_yes_no(ctx, "Do you wish to apply a specific TLS setting for this domain?", entry["tls"] is not None)):
        result["tls"] = yield from _ask_tls(ctx, eff("tls"))
    tls = result["tls"] if result["tls"] is not None else default["tls"]
    # DANE: from 12.0 only (phoebe1200/cli/ctor/destconfig.py adds "wish to configure DANE Support" and
    # "choose a DANE option"; phoebe1100 has neither); asked only when TLS is not No: reconstructed condition
    if tls != "off" and ctx.app.release.dane:
        if (yield from ask_yes_no(ctx, "Do you wish to configure DANE Support for this domain?", entry["dane"] is not None)):
            result["dane"] = yield from _ask_listed(ctx, "Please choose a DANE option:", dc.DANE, eff("dane"))
    if result["tls"] not in (None, "off") and not (yield from _ask_demo_certificate(ctx)):
        result["tls"] = None      # reconstructed: N leaves the domain without its own TLS (and DANE) setting
        result["dane"] = None
    if (yield from ask_yes_no(ctx, "Do you wish to apply a specific bounce verification address tagging setting for this domain?",
                              entry["bounce_verification"] is not None)):
        result["bounce_verification"] = yield from ask_yes_no(
            ctx, "Perform bounce verification address tagging?", bool(eff("bounce_verification")))
    if (yield from ask_yes_no(ctx, "Do you wish to apply a specific bounce profile to this domain?", entry["bounce_profile"] is not None)):
        result["bounce_profile"] = yield from _ask_profile(ctx, profiles, eff("bounce_profile"), created)
    if (yield from ask_yes_no(ctx, "Do you wish to apply a specific IP sort preference for this domain?", entry["ip_sort"] is not None)):
        result["ip_sort"] = yield from _ask_listed(
            ctx, "Select how you want to sort IP addresses within an MX record:", dc.IP_SORT, eff("ip_sort"))
    return result


def _save(ctx, table, created=()):
    if created:
        ctx.set_table(PROFILES, ctx.table(PROFILES) + list(created), count=False)
    ctx.set_table(TABLE, dc.sort_table(table))


def _not_found(ctx, name):
    ctx.error(f'The domain "{name}" was not found in the destination control table.')


def _ask_existing(ctx, table, text):
    """Ask for an existing domain entry; '' returns None."""
    while True:
        answer = yield from ask(ctx, question_text(text))
        if not answer:
            return None
        domain = dc.lookup_domain(answer)
        if domain == dc.DEFAULT_DOMAIN:
            ctx.error("Use DEFAULT to change the default entry.")
            continue
        entry = dc.find(table, domain)
        if entry is not None:
            return entry
        _not_found(ctx, answer)


def _op_new(ctx):
    table = ctx.table(TABLE)
    while True:
        answer = yield from ask(ctx, question_text("Enter the domain you wish to configure."))
        try:
            domain = dc.canonical_dest_domain(answer)
        except dc.DestError as exc:
            ctx.error(str(exc))
            continue
        if dc.find(table, domain) is None:
            break
        ctx.error(f"The value {domain} is already in the destination control table.")
    created = []
    entry = yield from _entry_flow(ctx, dc.new_entry(domain), dc.default_entry(table), ctx.table(PROFILES), created, True)
    _save(ctx, table + [entry], created)


def _op_edit(ctx):
    table = ctx.table(TABLE)
    if not dc.domain_entries(table):
        ctx.error("There are no entries configured.")
        return
    entry = yield from _ask_existing(ctx, table, "Enter the domain you wish to edit.")
    if entry is None:
        return
    created = []
    updated = yield from _entry_flow(ctx, entry, dc.default_entry(table), ctx.table(PROFILES), created, False)
    _save(ctx, [item for item in table if item["domain"] != entry["domain"]] + [updated], created)


def _op_delete(ctx):
    table = ctx.table(TABLE)
    if not dc.domain_entries(table):
        ctx.error("There are no entries configured.")
        return
    while True:
        answer = yield from ask(ctx, question_text("Enter the domain you wish to delete."))
        if not answer:
            return
        domain = dc.lookup_domain(answer)
        if domain == dc.DEFAULT_DOMAIN:
            ctx.error("The default entry cannot be deleted.")
        elif dc.find(table, domain) is None:
            _not_found(ctx, answer)
        else:
            break
    _save(ctx, [item for item in table if item["domain"] != domain])


def _op_default(ctx):
    table = ctx.table(TABLE)
    current = dc.default_entry(table)
    entry = dict(current)
    created = []
    entry["concurrency_limit"] = yield from ask_int(ctx, "Enter the default maximum concurrency limit.",
                                                    current["concurrency_limit"], *dc.CONCURRENCY_RANGE)
    if (yield from ask_yes_no(ctx, "Do you wish to specify a default recipient limit?", current["recipient_limit"] is not None)):
        minutes = yield from ask_int(ctx, "Enter the number of minutes used to measure recipient limit.",
                                     current["recipient_minutes"] or 60, *dc.MINUTES_RANGE)
        entry["recipient_minutes"] = minutes
        entry["recipient_limit"] = yield from ask_int(ctx, f"Enter number of recipients per {minutes} minutes.",
                                                      current["recipient_limit"], *dc.RECIPIENTS_RANGE)
    else:
        entry["recipient_limit"] = None
    entry["limit_type"] = yield from _ask_listed(
        ctx, "Select how you want to apply the limits for destinations by default:", dc.LIMIT_TYPES, current["limit_type"])
    entry["limit_apply"] = yield from _ask_listed(ctx, "Select how the limits will be enforced:", dc.LIMIT_APPLY, current["limit_apply"])
    entry["max_messages_per_connection"] = yield from ask_int(
        ctx, "Enter the maximum number of messages per connection.", current["max_messages_per_connection"], *dc.MESSAGES_RANGE)
    entry["tls"] = yield from _ask_tls(ctx, current["tls"])
    # "use DANE Support" from 12.0 (phoebe1200/cli/ctor/destconfig.py DEFAULT); 11.0 keeps the stored value
    if entry["tls"] != "off" and ctx.app.release.dane:
        entry["dane"] = yield from _ask_listed(ctx, "Do you want to use DANE Support?", dc.DANE, current["dane"])
    elif entry["tls"] == "off":
        entry["dane"] = "off"
    if entry["tls"] != "off" and not (yield from _ask_demo_certificate(ctx)):
        entry["tls"], entry["dane"] = "off", "off"    # reconstructed (see CERT_QUESTION)
    entry["bounce_verification"] = yield from ask_yes_no(ctx, "Perform bounce verification address tagging?",
                                                         bool(current["bounce_verification"]))
    # No bounce-profile question in DEFAULT: phoebe1411/cli/ctor/destconfig.py default() answers only the
    # questions listed in docs/asyncos-cli.md §7 (DEFAULT), and an unlisted question would stop the library with
    # "Unrecognized question"; the default entry keeps its bounce profile (IMPORT or seed change it).
    entry["ip_sort"] = yield from _ask_listed(
        ctx, "Select how you want to sort IP addresses within an MX record:", dc.IP_SORT, current["ip_sort"])
    _save(ctx, dc.domain_entries(table) + [entry], created)


def _op_setup(ctx):
    table = ctx.table(TABLE)
    entry = dict(dc.default_entry(table))
    certificates = ["Demo"]
    current = certificates.index(entry.get("certificate")) if entry.get("certificate") in certificates else 0
    index = yield from ask_choice(ctx, "Please choose the certificate to use for outbound TLS connections:", certificates, current)
    entry["certificate"] = certificates[index]
    entry["tls_alert"] = yield from ask_yes_no(ctx, "Do you want to send an alert when a required TLS connection fails?",
                                               bool(entry.get("tls_alert")))
    _save(ctx, dc.domain_entries(table) + [entry])


def _op_list(ctx):
    ctx.page(dc.render_list(ctx.table(TABLE)))


def _op_detail(ctx):
    table = dc.sort_table(ctx.table(TABLE))
    default = dc.default_entry(table)
    while True:
        answer = yield from ask(ctx, question_text('Enter the domain you wish to view, or "all" to view all entries.'))
        if not answer:
            return
        if answer.lower() == "all":
            ctx.page(dc.render_detail(table, default))
            return
        domain = dc.lookup_domain(answer)
        entry = default if domain == dc.DEFAULT_DOMAIN else dc.find(table, domain)
        if entry is not None:
            ctx.page(dc.render_detail([entry], default))
            return
        _not_found(ctx, answer)


def _op_clear(ctx):
    # No confirmation: phoebe1411/cli/ctor/destconfig.py (all) sends CLEAR and one empty line, then expects the
    # main prompt (docs/asyncos-cli.md §7).
    _save(ctx, [dc.default_entry(ctx.table(TABLE))])
    yield from ()


def _op_import(ctx):
    text = yield from ask_import_text(ctx)
    if text is None:
        return
    try:
        table = dc.parse_file(text, ctx.table(PROFILES))
    except dc.DestError as exc:
        ctx.error(f"Import failed. {exc}")
        return
    current = dc.default_entry(ctx.table(TABLE))
    imported = dc.default_entry(table)
    imported["certificate"], imported["tls_alert"] = current.get("certificate", "Demo"), current.get("tls_alert", False)
    _save(ctx, table)


def _op_export(ctx):
    yield from ask_export(ctx, lambda: dc.render_file(ctx.table(TABLE), ctx.timestamp()))


OPERATIONS = {
    "SETUP": _op_setup,
    "NEW": _op_new,
    "EDIT": _op_edit,
    "DELETE": _op_delete,
    "DEFAULT": _op_default,
    "LIST": _op_list,
    "DETAIL": _op_detail,
    "CLEAR": _op_clear,
    "IMPORT": _op_import,
    "EXPORT": _op_export,
}


def destconfig(ctx):
    if not (yield from check_cluster_level(ctx, TABLE)):
        return
    while True:
        table = ctx.table(TABLE)
        summary = [f"There are currently {len(dc.domain_entries(table))} entries configured."]
        verb = yield from menu(ctx, summary, MAIN_MENU)
        if not verb:
            return
        result = OPERATIONS[verb](ctx)
        if result is not None:
            yield from result


COMMANDS = [
    CommandSpec("destconfig", destconfig, "Configure options for outgoing mail delivery per destination.", editing=True, config=True),
]
