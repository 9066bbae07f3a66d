"""``sslconfig``: TLS methods and cipher strings of the GUI, inbound SMTP and outbound SMTP (lab choice, minimal)."""

from ..tls_settings import METHODS, SERVICES, SslError, check_ciphers, parse_methods
from ..dialog import ask, menu, question_text
from ..registry import CommandSpec
from .levels import check_cluster_level

TABLE = "ssl"

SSL_MENU = (
    ("GUI", "Edit GUI HTTPS ssl settings."),
    ("INBOUND", "Edit Inbound SMTP ssl settings."),
    ("OUTBOUND", "Edit Outbound SMTP ssl settings."),
    ("VERIFY", "Verify and show ssl cipher list."),
)


def _summary(table):
    lines = ["sslconfig settings:"]
    for key, label, _name in SERVICES:
        lines.append(f"  {label} method: {', '.join(table[f'{key}_methods'])}")
        lines.append(f"  {label} ciphers: {table[f'{key}_ciphers']}")
    return lines


def _edit(ctx, key, label, name):
    table = ctx.table(TABLE)
    current = ", ".join(table[f"{key}_methods"])
    text = question_text(f"Enter the TLS methods to enable for {label}, separated by commas ({', '.join(METHODS)}).", current)
    while True:
        answer = yield from ask(ctx, text, default=current)
        try:
            methods = parse_methods(answer or current)
            break
        except SslError as exc:
            ctx.error(str(exc))
    current = table[f"{key}_ciphers"]
    text = question_text(f"Enter the {name} ssl cipher you want to use.", current)
    while True:
        answer = yield from ask(ctx, text, default=current)
        try:
            ciphers = check_ciphers(answer or current)
            break
        except SslError as exc:
            ctx.error(str(exc))
    table[f"{key}_methods"] = methods
    table[f"{key}_ciphers"] = ciphers
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
    while True:
        verb = yield from menu(ctx, _summary(ctx.table(TABLE)), SSL_MENU)
        if not verb:
            return
        if verb == "VERIFY":
            yield from _verify(ctx)
        else:
            yield from _edit(ctx, *[item for item in SERVICES if item[0] == verb.lower()][0])


COMMANDS = [CommandSpec("sslconfig", sslconfig, "Configure SSL/TLS settings.", editing=True, config=True)]
