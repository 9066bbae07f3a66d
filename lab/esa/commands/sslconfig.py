"""``sslconfig``: TLS methods and ciphers of the GUI, inbound SMTP and outbound SMTP, per release profile.

Evidence (docs/asyncos-cli.md §10; Cisco's CLI test library dharma412/PythonClass b79a424):

* verbs GUI, INBOUND, OUTBOUND, VERIFY in every release (``phoebe1100/cli/ctor/sslconfig.py`` ..
  ``phoebe1411/cli/ctor/sslconfig.py``); OTHER_CLIENT_TLSV10, PEER_CERT_FQDN, PEER_CERT_X509 from 13.8.7
  (``phoebe1387/cli/ctor/sslconfig.py``), each answered ``ENABLE`` or ``DISABLE`` at one prompt, after which the
  main menu returns (one Enter then leaves the command);
* ``<x> ssl method`` is a NUMBERED list and ``<x> ssl cipher`` free text, with x = ``GUI HTTPS``,
  ``inbound SMTP``, ``outbound SMTP``; from 13.0 INBOUND and GUI also ask ``TLS Renegotiation for inbound
  SMTP`` / ``TLS Renegotiation for GUI HTTPS`` (``phoebe1300/cli/ctor/sslconfig.py``), OUTBOUND never;
* on entry a settings block of ``Label: value`` lines (``get_settings``: regex ``(.*):\\s+(.*)``), then the menu;
  VERIFY's result ends where the command prints ``sslconfig settings:`` again;
* label case varies between releases, cipher lists may print one element per line, the method-list labels
  differ by release (``csa/resources/esa/global.txt`` tries ``TLS v1/TLS v1.2``, ``TLS v1.0``, item ``3``; the
  14.1.1 GUI library names ``TLS v1.0``, ``TLS v1.1``, ``TLS v1.2``).

Reconstructed (no source shows them): the whole question lines, the menu descriptions, the exact labels and
layout of the settings block per release, the method-list items per release, the renegotiation question's
yes/no form and default, the ENABLE/DISABLE prompt text (a ``:>`` sub-prompt, a form the library accepts from
12.0), VERIFY's output, the errors.
"""

from ..tls_settings import SERVICES, SslError, check_ciphers
from ..dialog import Ask, ask, ask_yes_no, menu, question_text
from ..registry import CommandSpec
from .levels import check_cluster_level

TABLE = "ssl"

BASE_MENU = (
    ("GUI", "Edit GUI HTTPS ssl settings."),
    ("INBOUND", "Edit Inbound SMTP ssl settings."),
    ("OUTBOUND", "Edit Outbound SMTP ssl settings."),
    ("VERIFY", "Verify and show ssl cipher list."),
)
# 13.8.7+ (phoebe1387/cli/ctor/sslconfig.py): (verb, table key, reconstructed description / subject)
PEER_VERBS = (
    ("OTHER_CLIENT_TLSV10", "other_client_tlsv10", "TLS v1.0 for other client services"),
    ("PEER_CERT_FQDN", "peer_cert_fqdn", "FQDN validation of peer certificates"),
    ("PEER_CERT_X509", "peer_cert_x509", "X509 validation of peer certificates"),
)

_V = {"TLSv1.0": "TLS v1.0", "TLSv1.1": "TLS v1.1", "TLSv1.2": "TLS v1.2", "TLSv1.3": "TLS v1.3"}


def method_items(release):
    """The numbered method list of a release: [(label, [methods])] (reconstructed, see the module doc)."""
    if release.ssl_style in ("11", "13"):
        # "TLS v1/TLS v1.2" and "TLS v1.0" are labels csa/resources/esa/global.txt tries; the rest reconstructed
        return [("TLS v1.0", ["TLSv1.0"]), ("TLS v1/TLS v1.2", ["TLSv1.0", "TLSv1.1", "TLSv1.2"]),
                ("TLS v1.2", ["TLSv1.2"]), ("TLS v1.1/TLS v1.2", ["TLSv1.1", "TLSv1.2"])]
    items = [("TLS v1.0", ["TLSv1.0"]), ("TLS v1.1", ["TLSv1.1"]), ("TLS v1.2", ["TLSv1.2"])]
    if release.tls13:       # reconstructed: 16.0 offers TLS v1.3
        items.append(("TLS v1.3", ["TLSv1.3"]))
    items += [("TLS v1.1 and TLS v1.2", ["TLSv1.1", "TLSv1.2"]),
              ("TLS v1.0, TLS v1.1 and TLS v1.2", ["TLSv1.0", "TLSv1.1", "TLSv1.2"])]
    if release.tls13:
        items.append(("TLS v1.2 and TLS v1.3", ["TLSv1.2", "TLSv1.3"]))
    return items


def methods_label(methods, release):
    """How the settings block shows a method set: the list label when one matches, else the names."""
    for label, value in method_items(release):
        if value == list(methods):
            return label
    return ", ".join(_V.get(method, method) for method in methods)


def _summary(table, release):
    """The settings block (reconstructed per release; ``Label: value`` lines under ``sslconfig settings:``)."""
    lines = ["sslconfig settings:"]
    for key, label, _name in SERVICES:
        methods = methods_label(table[f"{key}_methods"], release)
        ciphers = table[f"{key}_ciphers"]
        if release.ssl_style == "11":
            # 11.0: lower-case labels ("GUI HTTPS method"), ciphers on one line
            lines += [f"  {label} method:  {methods}", f"  {label} ciphers:  {ciphers}"]
            continue
        if release.ssl_style == "13":
            # 13.x: capitalised labels, ciphers on one line
            lines += [f"  {label} Method:  {methods}", f"  {label} Ciphers:  {ciphers}"]
        else:
            # 14.x/16.x: capitalised labels, the cipher list one element per line under its label
            lines += [f"  {label} Method:  {methods}", f"  {label} Ciphers:"]
            lines += [f"    {element}" for element in ciphers.split(":")]
        if key in ("gui", "inbound") and release.tls_renegotiation:
            lines.append(f"  {label} TLS Renegotiation:  {'Enabled' if table.get(f'{key}_tls_renegotiation', True) else 'Disabled'}")
    if release.ssl_peer_verbs:
        for _verb, key, subject in PEER_VERBS:
            lines.append(f"  {subject[0].upper() + subject[1:]}:  {'Enabled' if table.get(key) else 'Disabled'}")
    return lines


def _menu(release):
    options = list(BASE_MENU)
    if release.ssl_peer_verbs:
        options += [(verb, f"Enable or disable {subject}.") for verb, _key, subject in PEER_VERBS]
    return options


def _ask_method(ctx, key, name):
    items = method_items(ctx.app.release)
    table = ctx.table(TABLE)
    current = next((str(number) for number, (_label, value) in enumerate(items, start=1)
                    if value == table[f"{key}_methods"]), "")
    lines = [f"Enter the {name} ssl method you want to use."]
    lines += [f"{number}. {label}" for number, (label, _value) in enumerate(items, start=1)]
    text = question_text(lines, current)
    while True:
        answer = yield from ask(ctx, text, default=current or None)
        answer = answer or current
        if not answer:
            ctx.error("You must enter a value.")
            continue
        if answer.isascii() and answer.isdigit() and 1 <= int(answer) <= len(items):
            return list(items[int(answer) - 1][1])
        for label, value in items:
            if label.lower() == answer.lower():
                return list(value)
        ctx.error(f'That value is not valid: "{answer}".')


def _edit(ctx, key, label, name):
    methods = yield from _ask_method(ctx, key, name)
    table = ctx.table(TABLE)
    current = table[f"{key}_ciphers"]
    text = question_text(f"Enter the {name} ssl cipher you want to use.", current)
    while True:
        answer = yield from ask(ctx, text, default=current)
        try:
            ciphers = check_ciphers(answer or current)
            break
        except SslError as exc:
            ctx.error(str(exc))
    if key in ("gui", "inbound") and ctx.app.release.tls_renegotiation:
        table[f"{key}_tls_renegotiation"] = yield from ask_yes_no(
            ctx, f"Do you want to enable TLS Renegotiation for {name}?",
            table.get(f"{key}_tls_renegotiation", True))
    table[f"{key}_methods"] = methods
    table[f"{key}_ciphers"] = ciphers
    ctx.set_table(TABLE, table)


def _peer(ctx, key, subject):
    table = ctx.table(TABLE)
    state = "enabled" if table.get(key) else "disabled"
    text = f"{subject[0].upper() + subject[1:]} is currently {state}.\nEnter ENABLE or DISABLE:> "
    while True:
        if ctx.preanswers:
            answer = ctx.preanswers.pop(0).strip()
        else:
            answer = (yield Ask(text)).strip()
        if not answer:
            return
        if answer.upper() in ("ENABLE", "DISABLE"):
            break
        ctx.error(f'Unknown option "{answer}".')
    table[key] = answer.upper() == "ENABLE"
    ctx.set_table(TABLE, table)


def _verify(ctx):
    while True:
        answer = yield from ask(ctx, question_text("Enter the ssl cipher you want to verify."))
        if not answer:
            return
        try:
            ciphers = check_ciphers(answer)
            break
        except SslError as exc:
            ctx.error(str(exc))
    ctx.page("\n".join([f"Cipher string {ciphers} is valid. Elements:"] + ciphers.split(":")) + "\n")


def sslconfig(ctx):
    if not (yield from check_cluster_level(ctx, TABLE)):
        return
    release = ctx.app.release
    while True:
        verb = yield from menu(ctx, _summary(ctx.table(TABLE), release), _menu(release))
        if not verb:
            return
        if verb == "VERIFY":
            yield from _verify(ctx)
        elif verb in [item[0] for item in PEER_VERBS]:
            _verb, key, subject = [item for item in PEER_VERBS if item[0] == verb][0]
            yield from _peer(ctx, key, subject)
        else:
            yield from _edit(ctx, *[item for item in SERVICES if item[0] == verb.lower()][0])


COMMANDS = [CommandSpec("sslconfig", sslconfig, "Configure SSL/TLS settings.", editing=True, config=True)]
