"""``listenerconfig``: listeners and their Recipient Access Tables (docs/asyncos-cli.md §8).

Sources of the texts printed here: ``Currently configured listeners:`` and the listing line form
(``1. allqa (on data1, 172.21.41.1) SMTP TCP Port 25 Private``), the verbs NEW/EDIT/DELETE/SETUP, the listener
menu verbs, NEW's order (type, name, interface, protocol, port) and its end text ``created.``, the RAT verbs and
substrings (``recipient address for this entry``, ``action to apply to this address``, ``specify a custom SMTP
response``, ``receiving control for this entry``, ``to bypass LDAP ACCEPT``, ``to bypass SMTP Call-Ahead``,
``Enter the address to edit``, ``What access for``, ``could take a while``, ``Recipient Access Table``) and the
errors ``Please enter a value.``, ``A Recipient Access Table address can be one of the following``:
phoebe1411/cli/ctor/listenerconfig.py (all release directories; the RAT is unchanged in every release); the
rest (whole lines, listener screen, descriptions, help lines, ``Listener <name> created.``, the bare ``> ``
response lines) is reconstructed (lab/README.md, "listenerconfig and RCPTACCESS").

Levels (an empty answer at a menu goes one level up): listeners menu > listener menu > RCPTACCESS menu
or HOSTACCESS menu (``hostaccess.py``) > sender-group menu.
"""

import re

from .. import listeners as lm
from ..hat import factory_hat
from ..dialog import Ask, ask, ask_export, ask_import_text, ask_int, ask_yes_no, menu, question_text
from ..registry import CommandSpec
from .hostaccess import hostaccess
from .levels import check_cluster_level

TABLE = "listeners"

TOP_MENU = (
    ("NEW", "Create a new listener."),
    ("EDIT", "Modify a listener."),
    ("DELETE", "Remove a listener."),
    ("SETUP", "Change global settings."),
)

LISTENER_MENU = (
    ("NAME", "Change the name of the listener."),
    ("INTERFACE", "Change the interface."),
    ("LIMITS", "Change the injection limits."),
    ("SETUP", "Configure general options."),
    ("HOSTACCESS", "Modify the Host Access Table."),
    ("RCPTACCESS", "Modify the Recipient Access Table."),
    ("BOUNCECONFIG", "Choose the bounce profile to use for messages injected on this listener."),
    ("MASQUERADE", "Configure the Domain Masquerading Table."),
    ("DOMAINMAP", "Configure domain mappings."),
)

RAT_MENU = (
    ("NEW", "Create a new entry."),
    ("EDIT", "Modify an entry."),
    ("DELETE", "Remove an entry."),
    ("PRINT", "Display the table."),
    ("IMPORT", "Import a table from a file."),
    ("EXPORT", "Export the table to a file."),
    ("CLEAR", "Remove all entries."),
)

ADDRESS_QUESTION = question_text([
    "Enter the recipient address for this entry.",
    'Hostnames such as "example.com" are allowed.',
    'Partial hostnames such as ".example.com" are allowed.',
    'Usernames such as "postmaster@" are allowed.',
    'Full email addresses such as "joe@example.com" or "joe@[1.2.3.4]" are allowed.',
])

PRINT_CONFIRM_OVER = 100        # lab choice: PRINT asks "This could take a while" above this many entries
NOT_IN_LAB = "This option is not available in the lab."
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def describe(listener):
    interface = listener["interface"]
    return (f"{listener['name']} (on {interface}, {lm.interface_ip(interface)}) SMTP TCP Port {listener['port']} "
            f"{listener['type'].capitalize()}")


def _find(listeners, name):
    for listener in listeners:
        if listener["name"].lower() == name.lower():
            return listener
    return None


def _ask_listener(ctx, listeners, text):
    """Name or number of an existing listener; '' returns None."""
    while True:
        answer = yield from ask(ctx, question_text(text))
        if not answer:
            return None
        if answer.isascii() and answer.isdigit() and 1 <= int(answer) <= len(listeners):
            return listeners[int(answer) - 1]
        listener = _find(listeners, answer)
        if listener is not None:
            return listener
        ctx.error(f'That value is not valid: "{answer}". There is no listener with that name or number.')


def _save_listener(ctx, name, listener):
    """Replace the listener called ``name`` (one pending write)."""
    listeners = ctx.table(TABLE)
    ctx.set_table(TABLE, [listener if item["name"] == name else item for item in listeners])


# -- RAT ---------------------------------------------------------------------------
def _ask_action(ctx, header, current):
    labels = [label for _action, label in lm.ACTIONS]
    default = next((index for index, (action, _label) in enumerate(lm.ACTIONS) if action == current), 0)
    text = question_text([header] + [f"{number}. {label}" for number, label in enumerate(labels, start=1)], str(default + 1))
    while True:
        answer = yield from ask(ctx, text, default=str(default + 1))
        answer = answer or str(default + 1)
        if answer.isascii() and answer.isdigit() and 1 <= int(answer) <= len(labels):
            return lm.ACTIONS[int(answer) - 1][0]
        for action, label in lm.ACTIONS:
            if answer.lower() in (label.lower(), action.lower()):
                return action
        ctx.error(f'That value is not valid: "{answer}".')


def _ask_response_text(ctx, current):
    """Multi-line free text ended by an empty line, each line at a bare ``> `` prompt: the library types the text
    and an empty line without waiting for ``[]>`` (listenerconfigEditRcptaccess.new, phoebe1411/cli/ctor/
    listenerconfig.py) and accepts ``^>`` as an input prompt in every release (``_sub_prompt`` in
    phoebe1100/cli/ctor/clictorbase.py).  The question line and using ``> `` here are reconstructed."""
    lines = []
    while True:
        if ctx.preanswers:
            line = ctx.preanswers.pop(0).strip()
        else:
            text = "Enter your custom SMTP response. Press Enter on a blank line to finish.\n> " if not lines else "> "
            line = (yield Ask(text, gap=not lines)).strip()
        if not line:
            break
        lines.append(line)
    if not lines:
        return current or ""
    return "\n".join(lines)


def _entry_tail(ctx, address, action, current):
    """Custom SMTP response and bypass questions; returns the new entry."""
    entry = lm.rat_entry(address, action)
    if action != "TCPREFUSE":
        has_custom = bool(current and current.get("smtp_response_code"))
        if (yield from ask_yes_no(ctx, "Would you like to specify a custom SMTP response?", has_custom)):
            code = current.get("smtp_response_code") if has_custom else (550 if action == "REJECT" else 250)
            entry["smtp_response_code"] = yield from ask_int(ctx, "Enter the SMTP code to use in the response.", code, 200, 599)
            entry["smtp_response_text"] = yield from _ask_response_text(ctx, current.get("smtp_response_text") if has_custom else None)
    if action == "ACCEPT":
        old = current or {}
        entry["bypass_receiving_control"] = yield from ask_yes_no(
            ctx, "Would you like to bypass receiving control for this entry?", bool(old.get("bypass_receiving_control")))
        entry["bypass_ldap_accept"] = yield from ask_yes_no(
            ctx, "Would you like to bypass LDAP ACCEPT for this entry?", bool(old.get("bypass_ldap_accept")))
        entry["bypass_call_ahead"] = yield from ask_yes_no(
            ctx, "Would you like to bypass SMTP Call-Ahead for this entry?", bool(old.get("bypass_call_ahead")))
    return entry


def _rat_new(ctx, listener):
    rat = listener["rat"]
    while True:
        answer = yield from ask(ctx, ADDRESS_QUESTION)
        try:
            address = lm.canonical_address(answer)
        except lm.RatError as exc:
            ctx.error(str(exc))
            continue
        if lm.find_entry(rat, address) is None:
            break
        ctx.error(f"The value {address} is already in the Recipient Access Table.")
    action = yield from _ask_action(ctx, "Select the action to apply to this address:", "ACCEPT")
    entry = yield from _entry_tail(ctx, address, action, None)
    listener["rat"] = lm.order_rat(rat[:-1] + [entry] + rat[-1:])
    return True


def _ask_entry(ctx, rat, text):
    while True:
        answer = yield from ask(ctx, question_text(text))
        if not answer:
            return None
        entry = lm.find_entry(rat, answer.strip())
        if entry is None:
            try:
                entry = lm.find_entry(rat, lm.canonical_address(answer))
            except lm.RatError:
                entry = None
        if entry is not None:
            return entry
        ctx.error(f'The address "{answer}" was not found in the Recipient Access Table.')


def _rat_edit(ctx, listener):
    rat = listener["rat"]
    entry = yield from _ask_entry(ctx, rat, "Enter the address to edit.")
    if entry is None:
        return False
    action = yield from _ask_action(ctx, f"What access for {entry['address']}?", entry["action"])
    updated = yield from _entry_tail(ctx, entry["address"], action, entry)
    listener["rat"] = [updated if item is entry else item for item in rat]
    return True


def _rat_delete(ctx, listener):
    rat = listener["rat"]
    while True:
        entry = yield from _ask_entry(ctx, rat, "Enter the address to delete.")
        if entry is None:
            return False
        if entry["address"] != "ALL":
            break
        ctx.error("The ALL entry cannot be deleted.")
    listener["rat"] = [item for item in rat if item is not entry]
    return True


def _rat_print(ctx, listener):
    rat = listener["rat"]
    if len(rat) > PRINT_CONFIRM_OVER:
        if not (yield from ask_yes_no(ctx, "This could take a while. Do you want to continue?", True)):
            return False
    # Only the "<address> <ACTION>" lines: listenerconfigEditRcptaccess.Print (phoebe1411/cli/ctor/
    # listenerconfig.py, all releases) takes the entries from the text between the echoed PRINT and the next
    # "Recipient Access Table" line (the menu's heading shown again after a blank line) and requires that blank
    # line; a heading before the entries would leave it an empty table.  The line form "<address> <ACTION>":
    # the same parser (the action is the last word).
    lines = [f"{entry['address']} {entry['action']}" for entry in rat]
    ctx.page("\n".join(lines) + "\n")
    return False


def _rat_clear(ctx, listener):
    everyone = listener["rat"][-1]
    action = yield from _ask_action(ctx, "Select the default access behavior for all other recipients (ALL):", everyone["action"])
    listener["rat"] = [lm.rat_entry("ALL", action)]
    return True


def _rat_import(ctx, listener):
    text = yield from ask_import_text(ctx)
    if text is None:
        return False
    try:
        rat = lm.parse_rat_file(text)
    except lm.RatError as exc:
        ctx.error(f"Import failed. {exc}")
        return False
    if lm.find_entry(rat, "ALL") is None:
        rat.append(listener["rat"][-1])
    listener["rat"] = lm.order_rat(rat)
    return True


def _rat_export(ctx, listener):
    yield from ask_export(ctx, lambda: lm.render_rat_file(listener["rat"], ctx.timestamp()))
    return False


RAT_OPERATIONS = {
    "NEW": _rat_new,
    "EDIT": _rat_edit,
    "DELETE": _rat_delete,
    "PRINT": _rat_print,
    "IMPORT": _rat_import,
    "EXPORT": _rat_export,
    "CLEAR": _rat_clear,
}


def _rcptaccess(ctx, name):
    while True:
        listener = _find(ctx.table(TABLE), name)
        rat = listener["rat"]
        summary = ["Recipient Access Table", f"There are currently {len(rat)} entries.",
                   f"Default Access: {rat[-1]['action']}"]
        verb = yield from menu(ctx, summary, RAT_MENU)
        if not verb:
            return
        if (yield from RAT_OPERATIONS[verb](ctx, listener)):
            _save_listener(ctx, name, listener)


# -- listeners ---------------------------------------------------------------------
def _listener_summary(listener):
    interface = listener["interface"]
    return [
        f"Name: {listener['name']}",
        f"Type: {listener['type'].capitalize()}",
        f"Interface: {interface} ({lm.interface_ip(interface)}/24) TCP Port {listener['port']}",
        "Protocol: SMTP",
        "Default Domain: <none configured>",
        "Max Concurrent Connections: 50 (TCP Queue: 50)",
        "Domain Map: Disabled",
        "TLS: No",
        "SMTP Authentication: Disabled",
        "Bounce Profile: Default",
        "Use SenderBase For Reputation Filters and IP Profiling: Yes",
        "Footer: None",
        "Heading: None",
        "SMTP Call-Ahead: Disabled",
        "LDAP: Off",
    ]


def _ask_new_name(ctx, listeners, text, default=None):
    while True:
        answer = yield from ask(ctx, question_text(text, default or ""), default=default)
        answer = answer or (default or "")
        if not _NAME.match(answer):
            ctx.error('The value must be a name of up to 64 letters, digits, ".", "-" or "_".')
        elif default is not None and answer == default:
            return answer
        elif _find(listeners, answer) is not None:
            ctx.error(f'The value {answer} is already used by another listener.')
        else:
            return answer


def _edit_listener(ctx, name):
    while True:
        listener = _find(ctx.table(TABLE), name)
        verbs = [item for item in LISTENER_MENU if listener["type"] == "public" or item[0] != "RCPTACCESS"]
        verb = yield from menu(ctx, _listener_summary(listener), verbs)
        if not verb:
            return
        if verb == "RCPTACCESS":
            yield from _rcptaccess(ctx, name)
        elif verb == "HOSTACCESS":
            yield from hostaccess(ctx, name)
        elif verb == "NAME":
            new_name = yield from _ask_new_name(ctx, ctx.table(TABLE), "Enter the name of this listener.", default=name)
            if new_name != name:
                listener["name"] = new_name
                _save_listener(ctx, name, listener)
                name = new_name
        else:
            ctx.error(NOT_IN_LAB)


def _op_edit(ctx):
    listeners = ctx.table(TABLE)
    if not listeners:
        ctx.error("There are no listeners configured.")
        return
    listener = yield from _ask_listener(ctx, listeners, "Enter the name or number of the listener you wish to edit.")
    if listener is not None:
        yield from _edit_listener(ctx, listener["name"])


def _op_new(ctx):
    listeners = ctx.table(TABLE)
    kinds = ["Private", "Public"]
    lines = ["Please select the type of listener you want to create."] + [f"{n}. {k}" for n, k in enumerate(kinds, start=1)]
    text = question_text(lines, "2")
    while True:
        answer = yield from ask(ctx, text, default="2")
        answer = (answer or "2").lower()
        kind = {"1": "private", "private": "private", "2": "public", "public": "public"}.get(answer)
        if kind:
            break
        ctx.error(f'That value is not valid: "{answer}".')
    name = yield from _ask_new_name(ctx, listeners, "Enter a name for this listener.")
    names = [interface for interface, _address in lm.INTERFACES]
    lines = ["Please choose an IP interface for this Listener."]
    lines += [f"{n}. {iface} ({address}/24: {ctx.app.hostname})" for n, (iface, address) in enumerate(lm.INTERFACES, start=1)]
    text = question_text(lines, "1")
    while True:
        answer = yield from ask(ctx, text, default="1")
        answer = answer or "1"
        if answer.isascii() and answer.isdigit() and 1 <= int(answer) <= len(names):
            interface = names[int(answer) - 1]
            break
        interface = next((item for item in names if item.lower() == answer.lower()), None)
        if interface:
            break
        ctx.error(f'That value is not valid: "{answer}".')
    # "protocol" (L) between the interface and the TCP port: phoebe1411/cli/ctor/listenerconfig.py NEW (all
    # releases); "Choose a protocol" is the library's substring of listener EDIT > INTERFACE.  The labels come
    # from the listing's protocol word (SMTP/QMQP); the lab models SMTP listeners only (QMQP refused: reconstructed).
    protocol_text = question_text(["Choose a protocol.", "1. SMTP", "2. QMQP"], "1")
    while True:
        answer = (yield from ask(ctx, protocol_text, default="1")) or "1"
        if answer.lower() in ("1", "smtp"):
            break
        if answer.lower() in ("2", "qmqp"):
            ctx.error("QMQP listeners are not available in the lab.")
        else:
            ctx.error(f'That value is not valid: "{answer}".')
    while True:
        port = yield from ask_int(ctx, "Enter the TCP port for this listener.", 25, 1, 65535)
        if not any(item["interface"] == interface and item["port"] == port for item in listeners):
            break
        ctx.error(f"The value {port} is already used by another listener on {interface}.")
    listener = {"name": name, "type": kind, "interface": interface, "port": port,
                "rat": [lm.rat_entry("ALL", "REJECT")] if kind == "public" else None, "hat": factory_hat(kind)}
    ctx.set_table(TABLE, listeners + [listener])
    # the library's NEW dialogue ends at the text "created." (phoebe1411/cli/ctor/listenerconfig.py, all
    # releases); the rest of the line is reconstructed
    ctx.out(f"Listener {name} created.\n")


def _op_delete(ctx):
    listeners = ctx.table(TABLE)
    if not listeners:
        ctx.error("There are no listeners configured.")
        return
    listener = yield from _ask_listener(ctx, listeners, "Enter the name or number of the listener you wish to delete.")
    if listener is not None:
        ctx.set_table(TABLE, [item for item in listeners if item["name"] != listener["name"]])


def _op_setup(ctx):
    ctx.error(NOT_IN_LAB)


OPERATIONS = {"NEW": _op_new, "EDIT": _op_edit, "DELETE": _op_delete, "SETUP": _op_setup}


def listenerconfig(ctx):
    if not (yield from check_cluster_level(ctx, TABLE)):
        return
    while True:
        listeners = ctx.table(TABLE)
        if listeners:
            summary = ["Currently configured listeners:"]
            summary += [f"{number}. {describe(item)}" for number, item in enumerate(listeners, start=1)]
        else:
            summary = ["There are no listeners configured."]
        verb = yield from menu(ctx, summary, TOP_MENU)
        if not verb:
            return
        result = OPERATIONS[verb](ctx)
        if result is not None:
            yield from result


COMMANDS = [
    CommandSpec("listenerconfig", listenerconfig, "Configure mail listeners.", editing=True, config=True),
]
