"""General commands: version, commit, clear, showconfig, saveconfig, exit, help.

Sources of the texts printed here: ``Please enter some comments describing your changes:`` (substrings
``enter some comments describing your changes:`` / ``lease enter some comments``), ``Do you want to save the
current configuration for rollback?``, ``no data to commit.``: phoebe1411/cli/ctor/commit.py (all); the whole
commit lines and ``Changes committed: <date>``: Cisco's AsyncOS 16.0.3 sample deployment script
(docs/asyncos-cli.md §12 item 1); ``No changes have been made``: phoebe1411/cli/ctor/clearchanges.py; the
passphrase list: oxidized's AsyncOS model (its options per release: keywords/show_config.py); the saveconfig
lines: the library's ``S+.xml`` regex (with a backslash) and Cisco's community backup script (docs/asyncos-cli.md §5); the version
fields: phoebe1411/cli/ctor/version.py.  Reconstructed: the clear confirmation and ``Changes cleared:``, the
exit warning, the help list, the version values (lab/README.md, "Session", "commit / clear", "showconfig").
"""

from ..dialog import ask, ask_choice, ask_yes_no, question_text, wrap_lines
from ..registry import CommandSpec
from ..xmlconfig import PASSPHRASE_ENCRYPT, PASSPHRASE_MASK, PASSPHRASE_PLAIN, render_config

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
    CommandSpec("exit", exit_cli, "Exit the CLI.", aliases=("quit", "q")),
    CommandSpec("help", help_cli, "Show the list of commands.", aliases=("?",)),
]
