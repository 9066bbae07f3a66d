"""``bounceconfig``: bounce profiles (docs/asyncos-cli.md section 11; what is reconstructed: lab/README.md).

The listing (``Current bounce profiles:`` + ``N. name``), the verbs, the question substrings and their order, the
three error phrases and the conditions of the questions follow the evidence; whole question lines, defaults,
re-asks and most messages are lab choices, marked in lab/README.md ("bounceconfig").
"""

import re

from ..dialog import ask, ask_int, ask_yes_no, menu, question_text
from ..registry import CommandSpec
from ..store import BOUNCE_SETTINGS, DEFAULT_BOUNCE_PROFILE, bounce_settings, defining_layer, new_bounce_settings

NAMES = "bounce_profiles"
DESTINATIONS = "destination_controls"
DEFAULT_DOMAIN = "DEFAULT"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,79}$")
_EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")

VERBS = (("NEW", "Create a new profile."), ("EDIT", "Modify a profile."), ("DELETE", "Remove a profile."),
         ("SETUP", "Configure global bounce settings."))
NAME_ERROR = ('The bounce profile name must start with a letter or underscore and contain only letters, digits, '
              '"-" and "_".')
IN_USE = "Profile name already in use."
DEFAULT_NOT_DELETED = "The default profile may not be deleted."

# (low, high); the first four and the two host waits: the GUI library's ranges (docs/asyncos-cli.md section 11).
RANGES = {
    "max_retries": (0, 10000), "max_queue_lifetime": (0, 3000000), "initial_retry": (60, 86400),
    "max_retry_timeout": (60, 86400), "send_warnings_interval": (0, 86400), "send_warnings_count": (1, 1000),
    "host_initial_retry": (60, 86400), "host_max_retry_timeout": (60, 86400), "max_bounce_copy": (0, 10485760),
}


def _state(ctx):
    """(layer, names, settings table): both tables are kept in the layer where the names are defined."""
    session = ctx.session
    layers = session.layers()
    layer = defining_layer(layers, session.mode_chain, NAMES)
    return layer, ctx.table(NAMES), dict(layers.get(layer, {}).get(BOUNCE_SETTINGS) or {})


def _save(ctx, layer, names, table):
    """One completed edit: one pending write."""
    ctx.set_table(NAMES, names, layer=layer)
    ctx.set_table(BOUNCE_SETTINGS, table, layer=layer, count=False)


def _name_problem(name, others):
    if not _NAME.match(name):
        return NAME_ERROR
    if any(other.lower() == name.lower() for other in others):
        return IN_USE
    return None


def _ask_flag(ctx, text, current, inherit):
    """Yes/no; a profile other than Default also takes ``Default`` (None: follow the Default profile)."""
    shown = "Default" if current is None else ("Y" if current else "N")
    line = f"{text} (Yes/No/Default) [{shown}]> " if inherit else f"{text} [{shown}]> "
    while True:
        answer = (yield from ask(ctx, line, default=shown)) or shown
        value = answer.lower()
        if value in ("y", "yes"):
            return True
        if value in ("n", "no"):
            return False
        if inherit and value in ("d", "default"):
            return None
        ctx.error("Please answer Y, N or Default." if inherit else "Please answer Y or N.")


def _ask_text(ctx, text, current):
    answer = yield from ask(ctx, question_text(text, current), default=current)
    return answer or current


def _ask_address(ctx, current):
    while True:
        answer = (yield from ask(ctx, question_text("Please enter the email address to send hard bounce and delay "
                                                    "warning messages to.", current), default=current or None))
        answer = answer or current
        if not answer:
            ctx.error("You must enter a value.")
        elif not _EMAIL.match(answer):
            ctx.error(f'An email address is a localname, "@" and a domain: "{answer}".')
        else:
            return answer


def _number(ctx, field, text, settings):
    low, high = RANGES[field]
    return (yield from ask_int(ctx, text, settings[field], low, high))


def _settings_flow(ctx, current, default):
    """The questions of NEW and EDIT after the name, in the library's order; returns the new settings.

    ``default`` is the Default profile's settings, or None when ``current`` is the Default profile itself.
    """
    new = dict(current)
    inherit = default is not None

    def effective(key):
        return default[key] if inherit and new[key] is None else new[key]

    new["max_retries"] = yield from _number(ctx, "max_retries", "Please enter the maximum number of retries.", new)
    new["max_queue_lifetime"] = yield from _number(
        ctx, "max_queue_lifetime",
        "Please enter the maximum number of seconds a message may stay in the queue before being hard bounced.", new)
    new["initial_retry"] = yield from _number(
        ctx, "initial_retry", ["Please enter the initial number of seconds to wait before", "retrying a message."], new)
    new["max_retry_timeout"] = yield from _number(
        ctx, "max_retry_timeout", "Please enter the maximum number of seconds to wait before retrying a message.", new)
    new["send_bounces"] = yield from _ask_flag(ctx, "Do you want a message sent for each hard bounce?",
                                               new["send_bounces"], inherit)
    if effective("send_bounces"):
        new["use_dsn_bounce_format"] = yield from _ask_flag(
            ctx, "Do you want bounce messages to use the DSN message format?", new["use_dsn_bounce_format"], inherit)
        if effective("use_dsn_bounce_format"):
            new["bounce_subject"] = yield from _ask_text(ctx, "Please enter the subject to use.", new["bounce_subject"])
            new["use_bounce_response_code"] = yield from _ask_flag(
                ctx, 'Do you want to parse the DSN "Status" field received from bounce responses to include in the '
                'DSN generated by the appliance?', new["use_bounce_response_code"], inherit)
    new["send_warnings"] = yield from _ask_flag(
        ctx, "If a message is undeliverable after some interval, do you want to send a delay warning message to "
        "the sender?", new["send_warnings"], inherit)
    if effective("send_warnings"):
        new["delay_subject"] = yield from _ask_text(
            ctx, "Please enter the subject to use for Delivery Status Notification (Delay) messages.",
            new["delay_subject"])
        new["send_warnings_interval"] = yield from _number(
            ctx, "send_warnings_interval", "Please enter the minimum interval in seconds between delay warning messages.",
            new)
        new["send_warnings_count"] = yield from _number(
            ctx, "send_warnings_count", "Please enter the maximum number of delay warning messages to send per message.",
            new)
    alternate = yield from ask_yes_no(
        ctx, "Do you want hard bounce and delay warning messages sent to an alternate address, instead of the sender?",
        bool(new["bounce_address"]))
    new["bounce_address"] = (yield from _ask_address(ctx, new["bounce_address"])) if alternate else ""
    new["sign_bounce_messages"] = yield from _ask_flag(ctx, "Do you want bounce messages to be signed?",
                                                       new["sign_bounce_messages"], inherit)
    if not inherit:
        new["host_initial_retry"] = yield from _number(
            ctx, "host_initial_retry",
            "Please enter the initial number of seconds to wait before retrying a host that is unreachable.", new)
        new["host_max_retry_timeout"] = yield from _number(
            ctx, "host_max_retry_timeout",
            "Please enter the maximum number of seconds to wait before retrying a host that is unreachable.", new)
        new["max_bounce_copy"] = yield from _number(
            ctx, "max_bounce_copy",
            "Please enter the maximum size of the original message (in bytes) to include in a bounce message.", new)
    return new


def _ask_profile(ctx, text, names):
    """A profile by its number in the listing (the library types the number); None for an empty answer."""
    while True:
        answer = yield from ask(ctx, question_text(text))
        if not answer:
            return None
        if answer.isdigit() and 1 <= int(answer) <= len(names):
            return int(answer) - 1
        ctx.error(f'Invalid profile number "{answer}".')


def _follow(ctx, old, new):
    """Destination controls that name profile ``old`` follow its new name, or (``new`` None) the default."""
    entries = ctx.table(DESTINATIONS) or []
    changed = False
    for entry in entries:
        if entry.get("bounce_profile") == old:
            entry["bounce_profile"] = new or (DEFAULT_BOUNCE_PROFILE if entry["domain"] == DEFAULT_DOMAIN else None)
            changed = True
    if changed:
        ctx.set_table(DESTINATIONS, entries, count=False)


def _new(ctx):
    layer, names, table = _state(ctx)
    while True:
        name = yield from ask(ctx, question_text("Please create a name for the profile:"))
        if not name:
            return
        problem = _name_problem(name, names)
        if not problem:
            break
        ctx.error(problem)
    default = bounce_settings(table, DEFAULT_BOUNCE_PROFILE)
    table[name] = yield from _settings_flow(ctx, new_bounce_settings(default), default)
    _save(ctx, layer, names + [name], table)


def _edit(ctx):
    layer, names, table = _state(ctx)
    index = yield from _ask_profile(ctx, "Please enter the number of the profile to edit:", names)
    if index is None:
        return
    name = new_name = names[index]
    default = bounce_settings(table, DEFAULT_BOUNCE_PROFILE)
    if name == DEFAULT_BOUNCE_PROFILE:
        table[name] = yield from _settings_flow(ctx, default, None)
    else:
        while True:
            new_name = yield from _ask_text(ctx, "Please enter the name for the profile:", name)
            problem = _name_problem(new_name, [other for other in names if other != name])
            if not problem:
                break
            ctx.error(problem)
        settings = yield from _settings_flow(ctx, bounce_settings(table, name), default)
        table.pop(name, None)
        table[new_name] = settings
        names[index] = new_name
        if new_name != name:
            _follow(ctx, name, new_name)
    _save(ctx, layer, names, table)


def _delete(ctx):
    layer, names, table = _state(ctx)
    index = yield from _ask_profile(ctx, "Please enter the number of the profile to delete:", names)
    if index is None:
        return
    name = names[index]
    if name == DEFAULT_BOUNCE_PROFILE:
        ctx.error(DEFAULT_NOT_DELETED)
        return
    if not (yield from ask_yes_no(ctx, f'Are you sure you want to delete the profile "{name}"?', False)):
        return
    del names[index]
    table.pop(name, None)
    _follow(ctx, name, None)
    _save(ctx, layer, names, table)


def bounceconfig(ctx):
    while True:
        names = ctx.table(NAMES)
        summary = ["Current bounce profiles:"] + [f"{number}. {name}" for number, name in enumerate(names, start=1)]
        verb = yield from menu(ctx, summary, VERBS)
        if not verb:
            return
        if verb == "NEW":
            yield from _new(ctx)
        elif verb == "EDIT":
            yield from _edit(ctx)
        elif verb == "DELETE":
            yield from _delete(ctx)
        else:
            ctx.error("This option is not available in the lab.")


COMMANDS = [CommandSpec("bounceconfig", bounceconfig, "Configure the behavior of bounces.", editing=True, config=True)]
