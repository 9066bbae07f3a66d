"""General commands: version, commit, clear, showconfig, saveconfig, setttymode, exit, help.

Sources of the texts printed here: ``Please enter some comments describing your changes:`` (substrings
``enter some comments describing your changes:`` / ``lease enter some comments``), ``Do you want to save the
current configuration for rollback?``, ``no data to commit.``: phoebe1411/cli/ctor/commit.py (all); the whole
commit lines and ``Changes committed: <date>``: Cisco's AsyncOS 16.0.3 sample deployment script
(docs/asyncos-cli.md §12 item 1); ``No changes have been made``: phoebe1411/cli/ctor/clearchanges.py; the
passphrase list: oxidized's AsyncOS model (its options per release: keywords/show_config.py); the saveconfig
lines: the library's ``S+.xml`` regex (with a backslash) and Cisco's community backup script (docs/asyncos-cli.md §5); the version
fields: phoebe1411/cli/ctor/version.py.  Reconstructed: the clear confirmation and ``Changes cleared:``, the
exit warning, the help list, the version values (lab/README.md, "Session", "commit / clear", "showconfig").

loadconfig (``loadconfig`` below): the dialogue and its outcomes follow Cisco's CLI test library, public repository
dharma412/PythonClass at commit b79a424, csa/testlib/phoebe1411/cli/ctor/loadconfig.py (release phoebe1411, the same
dialogue in phoebe1100-phoebe1400): a first question containing ``uncommitted changes`` when changes are pending
(answered Y), the list items ``Paste via CLI`` (1) and ``Load from file`` (2), the file name, then one of
``Values have been loaded``, ``Parsing failed``, ``No data to load``, ``Error: the file "<name>" does not exist``
or ``No changes detected``. "Not available on clustered machines." and "a configuration created without passwords
will fail when trying to reload" (a masked file ends in ``Parsing failed``: the keyword's example saves with
``Save Config yes``, i.e. masked, and expects that error): phoebe1411/cli/keywords/load_config.py. Reconstructed:
the whole question lines, the list's header line, the detail after ``Parsing failed``, the commit reminder after
``Values have been loaded``, the cluster refusal text, and that the loaded values are pending until ``commit`` (the
library's keyword never commits; the lab needs a commit as for any other change). Not modelled: the 12.0+
``Enter your Passphrase to make changes:`` question (the library answers it with the admin passphrase when asked).
"""

import xml.etree.ElementTree as ET

from .. import destinations as dc
from ..dialog import ask, ask_choice, ask_yes_no, question_text, wrap_lines
from ..hat import PARAM_KEYS, HatError, default_parameters, parse_hat, parse_text_value
from ..listeners import rat_entry
from ..message_filters import FilterError, parse_script
from ..registry import CommandSpec
from ..store import BOUNCE_FLAGS, BOUNCE_SETTINGS, FACTORY_BOUNCE_DEFAULT, bounce_settings, config_filename
from ..tables import TableError, normalise_table
from ..tls_settings import FLAGS as SSL_FLAGS
from ..xmlconfig import MASK, PASSPHRASE_ENCRYPT, PASSPHRASE_MASK, PASSPHRASE_PLAIN, render_config

PASSPHRASE_OPTIONS = [
    "Mask passphrases (Files with masked passphrases cannot be loaded using\nloadconfig command)",
    "Encrypt passphrases",
    "Plain passphrases",
]


def version(ctx):
    # Field names and order: phoebe1411/cli/ctor/version.py (all) and csa/bin/pybot_run (docs/asyncos-cli.md §12
    # item 3); the value of Version: is the release profile's (lab/esa/releases.py: the N.N.N part follows the
    # library directory, the build number is reconstructed); all other values are reconstructed.
    app = ctx.app
    lines = [
        "Current Version",
        "===============",
        f"Product: Cisco {app.model} Email Security Virtual Appliance",
        f"Model: {app.model}",
        f"Version: {app.version}",
        "Build Date: 2024-02-29",
        "Install Date: 2026-01-05 09:30:00",
        f"Serial #: {app.serial}",
        "BIOS: 6.00",
        "CPUs: 2 expected, 2 allocated",
        "Memory: 8192 MB expected, 8192 MB allocated",
        "Hard disk: 200 GB, or more, expected; 200 GB allocated",
        "RAID: NA",
        "RAID Status: Unknown",
        "RAID Type: NA",
        "BMC: NA",
        "Cisco Unified Threat Management Feature Key: Unavailable",
        "Virtual Appliance: VMware ESXi",
        f"Hostname: {app.hostname}",
    ]
    ctx.page("\n".join(lines) + "\n")


def commit(ctx):
    session = ctx.session
    if not session.has_pending:
        ctx.out("There is no data to commit.\n")
        return
    comment = yield from ask(ctx, question_text("Please enter some comments describing your changes:"))
    save = yield from ask_yes_no(ctx, "Do you want to save the current configuration for rollback?", True)
    session.commit_pending(comment, save)
    ctx.out(f"Changes committed: {ctx.ctime()}\n")


def clearchanges(ctx):
    session = ctx.session
    if not session.has_pending:
        ctx.out("No changes have been made.\n")
        return
    sure = yield from ask_yes_no(ctx, "Are you sure you want to clear all changes since the last commit?", True)
    if sure:
        session.clear_pending()
        ctx.out(f"Changes cleared: {ctx.ctime()}\n")


def _ask_passphrase_option(ctx):
    if ctx.preanswers and ctx.preanswers[0].lower() in ("y", "yes", "n", "no"):
        # Older releases asked "Do you want to mask the passphrase?" ([SARF]): "saveconfig y 1".
        legacy = ctx.preanswers.pop(0).lower()
        if not ctx.preanswers:
            if legacy.startswith("y"):
                return PASSPHRASE_MASK
            return PASSPHRASE_PLAIN if ctx.app.release.name == "11.0" else PASSPHRASE_ENCRYPT
    # Options per release: mask / encrypt / plain in 11.0, mask / encrypt from 12.0 on (the keyword docs
    # phoebe1100/cli/keywords/show_config.py vs phoebe1200..phoebe1411/cli/keywords/show_config.py;
    # save_config.py agrees for 11.0 and 13.0-14.1.1; docs/asyncos-cli.md §5).  The item texts: oxidized.
    options = PASSPHRASE_OPTIONS if ctx.app.release.name == "11.0" else PASSPHRASE_OPTIONS[:2]
    index = yield from ask_choice(ctx, "Choose the passphrase option:", options, default=0)
    return index + 1


def _render(ctx, option):
    """The configuration XML of the **committed** configuration (merged view of the logged-in machine).

    showconfig and saveconfig never show the session's pending (uncommitted) changes. Source: Cisco's
    AsyncOS CLI test library, keyword ``show_config`` ("Shows the current system configuration. This does
    not include uncommitted changes."), public repository dharma412/PythonClass at commit b79a424, file
    csa/testlib/phoebe1411/cli/keywords/show_config.py (release phoebe1411; the same text in every release
    11.0-14.1.1 of that library). See docs/asyncos-cli.md, "showconfig and saveconfig". The other commands
    (smtproutes PRINT, destconfig DETAIL, filters DETAIL, ...) show the session's view, pending included.
    """
    app = ctx.app
    info = {
        "model": app.model, "version": app.version, "serial": app.serial, "hostname": app.hostname,
        "password": app.password, "now": ctx.ctime(), "cluster": app.cluster,
        "hat_scan_params": app.release.hat_scan_params,
        # sslconfig switches a release does not have (see commands/sslconfig.py) are left out of <ssl>
        "ssl_hidden": (() if app.release.tls_renegotiation else ("gui_tls_renegotiation", "inbound_tls_renegotiation"))
        + (() if app.release.ssl_peer_verbs else ("other_client_tlsv10", "peer_cert_fqdn", "peer_cert_x509")),
    }
    return render_config(info, app.committed, option)


def showconfig(ctx):
    option = yield from _ask_passphrase_option(ctx)
    # The appliance wraps long output lines at the terminal width, splitting words: Cisco's CLI test
    # library repairs the artefact ("message\r\ns>" back to "messages>") in
    # csa/testlib/phoebe1411/cli/ctor/showconfig.py (dharma412/PythonClass at b79a424, release phoebe1411;
    # likewise in releases 11.0-14.1.1), and oxidized's AsyncOS model (ytti/oxidized,
    # lib/oxidized/model/asyncos.rb) unwraps showconfig output too. So every line longer than the
    # session's width (the SSH pty's columns, 80 by default) is cut into pieces of exactly that width,
    # before paging (the pager counts the wrapped lines). Whether other commands wrap their output the
    # same way is not known from public sources, so the lab wraps showconfig only.
    ctx.page(wrap_lines(_render(ctx, option), ctx.session.width))


def saveconfig(ctx):
    option = yield from _ask_passphrase_option(ctx)
    app = ctx.app
    name = f"{app.model}-{app.serial}-{ctx.timestamp()}.xml"
    try:
        app.files.write(name, _render(ctx, option))
    except OSError:
        ctx.error("Error writing file.")
        return
    ctx.out(f'File written on machine "{app.hostname}" to the location\n"/configuration/{name}".\nConfiguration saved.\n')


# -- loadconfig -------------------------------------------------------------------------------------------------
LOAD_METHODS = ["Paste via CLI", "Load from file"]
LOADED_TABLES = ("smtp_routes", "destination_controls", "listeners", "bounce_profiles", "filters", "ssl")


class LoadError(ValueError):
    """The file does not hold a configuration the lab can load."""


def _text(node, tag, default=""):
    child = node.find(tag)
    return default if child is None or child.text is None else child.text


def _yes(text):
    return text.strip().lower() == "yes"


def _bounce(root):
    names, settings = [], {}
    for item in root.findall("./bounce_profiles/bounce_profile"):
        name = _text(item, "profile_name")
        names.append(name)
        values = {}
        for key, factory in FACTORY_BOUNCE_DEFAULT.items():
            if item.find(key) is None:
                continue
            raw = _text(item, key)
            if key in BOUNCE_FLAGS:
                values[key] = None if raw == "default" else _yes(raw)
            elif isinstance(factory, int):
                values[key] = int(raw)
            else:
                values[key] = raw
        settings[name] = values
    return names, settings


def _listeners(root):
    listeners = []
    for item in root.findall("./listeners/listener"):
        kind = _text(item, "type")
        defaults = default_parameters(kind)
        for key in PARAM_KEYS:
            if item.find(f"hat_default_{key}") is not None:
                defaults[key] = parse_text_value(key, _text(item, f"hat_default_{key}"))
        listener = {"name": _text(item, "listener_name"), "type": kind, "interface": _text(item, "interface_name"),
                    "port": int(_text(item, "port")), "hat": parse_hat(_text(item, "hat"), defaults), "rat": None}
        if item.find("rat") is not None:
            listener["rat"] = []
            for entry in item.findall("./rat/rat_entry"):
                params = entry.find("rat_params")
                code = _text(params, "smtp_response_code") if params is not None else ""
                listener["rat"].append(rat_entry(
                    _text(entry, "rat_address"), _text(entry, "access"), int(code) if code else None,
                    (_text(params, "smtp_response_text") or None) if code else None,
                    bypass_rc=params is not None and _yes(_text(params, "bypass_receiving_control")),
                    bypass_ldap=params is not None and _yes(_text(params, "bypass_ldap_accept")),
                    bypass_ca=params is not None and _yes(_text(params, "bypass_call_ahead"))))
        listeners.append(listener)
    return listeners


def _ssl(root):
    table = {}
    for item in root.find("ssl") if root.find("ssl") is not None else []:
        raw = item.text or ""
        if item.tag in SSL_FLAGS:
            table[item.tag] = _yes(raw)
        elif item.tag.endswith("_methods"):
            table[item.tag] = [method.strip() for method in raw.split(",") if method.strip()]
        else:
            table[item.tag] = raw
    return table


def parse_config(text):
    """The tables of a configuration file written by showconfig/saveconfig (the lab's XML, lab/esa/xmlconfig.py).

    Raises LoadError. A file whose passphrases are masked is refused (see the module docstring)."""
    try:
        root = ET.fromstring(text.encode("iso-8859-1", "replace") if "ISO-8859-1" in text[:80] else text)
    except ET.ParseError as exc:
        raise LoadError(f"the file is not well-formed XML ({exc})") from None
    if root.tag != "config":
        raise LoadError("the file is not a configuration (its root element is not <config>)")
    if any((item.text or "") == MASK for item in root.iter("password")):
        raise LoadError("the file has masked passphrases (saved with \"Mask passphrases\"); it cannot be loaded")
    dest_entries = []
    for item in root.findall("./destination_controls/destination_control"):
        entry = {"domain": _text(item, "domain")}
        for key, field in dc.FILE_KEYS.items():
            if item.find(key) is not None and field != "bounce_profile":
                entry[field] = dc.parse_value(key, _text(item, key), [])
            elif item.find(key) is not None:
                entry[field] = _text(item, key)
        if entry.get("recipient_limit") == 0:     # 0 = no limit, as in a destconfig IMPORT file
            entry["recipient_limit"] = None
        dest_entries.append(entry)
    names, settings = _bounce(root)
    raw = {
        "smtp_routes": [{"domain": _text(item, "route_source_address"),
                         "destinations": [node.text or "" for node in item.findall("route_destination_address")]}
                        for item in root.findall("./smtp_routes/smtp_route")],
        "destination_controls": dest_entries,
        "listeners": _listeners(root),
        "bounce_profiles": names,
        "filters": parse_script(_text(root, "filters")) if _text(root, "filters").strip() else [],
        "ssl": _ssl(root),
    }
    tables = {}
    for name in LOADED_TABLES:
        tables[name] = normalise_table(name, raw[name])
    tables[BOUNCE_SETTINGS] = settings
    return tables


def loadconfig(ctx):
    session, app = ctx.session, ctx.app
    if app.cluster:
        # "Not available on clustered machines." (keyword docstring); the text is reconstructed.
        ctx.error("This command is not available on clustered machines.")
        return
    if session.has_pending:
        # Substring "uncommitted changes": loadconfig.py; the whole line is reconstructed.
        discard = yield from ask_yes_no(
            ctx, "You have uncommitted changes. Loading a configuration discards them. Do you want to continue?", True)
        if not discard:
            return
        session.clear_pending()
    method = yield from ask_choice(ctx, "Choose the method to load the configuration:", LOAD_METHODS, default=0)
    if method == 0:
        # Paste via CLI: the XML typed line by line, ended with Ctrl-D (loadconfig.py). Not modelled: the lab's
        # engine has no Ctrl-D; the collection never pastes (multi-line input is refused by its input checks).
        ctx.error("No data to load.")
        return
    answer = yield from ask(ctx, question_text("Enter the name of the file to import:"))
    name = config_filename(answer) if answer else None
    try:
        if name is None:
            raise FileNotFoundError(answer)
        text = app.files.read(name)
    except (OSError, UnicodeDecodeError):
        ctx.error(f'Error: the file "{answer}" does not exist.')
        return
    try:
        tables = parse_config(text)
    except (LoadError, TableError, HatError, FilterError, dc.DestError, KeyError, TypeError, ValueError) as exc:
        ctx.error(f"Parsing failed: {str(exc).rstrip('.')}.")
        return
    view = session.view()

    def effective(settings):
        return dict((name, bounce_settings(settings, name)) for name in tables["bounce_profiles"])

    if all(view.get(table) == tables[table] for table in LOADED_TABLES) and \
            effective(view.get(BOUNCE_SETTINGS)) == effective(tables[BOUNCE_SETTINGS]):
        ctx.out("No changes detected.\n")
        return
    for table, value in tables.items():
        ctx.set_table(table, value, count=False)
    app.bump("writes")
    ctx.out('Values have been loaded.\nBe sure to run "commit" to make these changes active.\n')


def setttymode(ctx):
    """``setttymode 0 1``: no pagination for the rest of the session.

    Source: Cisco's CLI test library sends exactly ``setttymode 0 1`` right after every login, in every release
    directory (phoebe1100-phoebe1411: ``get_sess`` in cli/ctor/clictorbase.py, and cli/cli.py), with the docstring
    "set the tty mode to NOT paginate output", and then waits for the prompt again. The command is not in Cisco's
    CLI reference. Reconstructed: that the first argument 0 turns pagination off and any other value on, that the
    second argument is accepted and ignored, that nothing is printed, and the error for missing or non-numeric
    arguments (the line the terminal plugin's error patterns know)."""
    args = ctx.preanswers
    if len(args) != 2 or not all(arg.isdigit() for arg in args):
        ctx.error("Invalid arguments when processing: setttymode")
        return
    ctx.session.set_tty_mode(paginate=args[0] != "0")


def exit_cli(ctx):
    if ctx.session.has_pending:
        ctx.out("Warning: You have uncommitted changes. They have been discarded.\n")
    ctx.session.request_close()


def help_cli(ctx):
    seen = set()
    lines = []
    for _name, spec in sorted(ctx.registry.items()):
        if spec.name in seen:
            continue
        seen.add(spec.name)
        names = " or ".join((spec.name,) + spec.aliases)
        lines.append(f"{names.ljust(24)}{spec.summary}")
    ctx.page("\n".join(lines) + "\n")


COMMANDS = [
    CommandSpec("version", version, "View system version information."),
    CommandSpec("commit", commit, "Commit changes."),
    CommandSpec("clearchanges", clearchanges, "Clear changes.", aliases=("clear",)),
    CommandSpec("showconfig", showconfig, "Display all configuration values.", config=True),
    CommandSpec("saveconfig", saveconfig, "Saves the configuration to disk.", config=True),
    CommandSpec("loadconfig", loadconfig, "Load a configuration file.", editing=True),
    CommandSpec("setttymode", setttymode, "Set the terminal mode (pagination)."),
    CommandSpec("exit", exit_cli, "Exit the CLI.", aliases=("quit", "q")),
    CommandSpec("help", help_cli, "Show the list of commands.", aliases=("?",)),
]
