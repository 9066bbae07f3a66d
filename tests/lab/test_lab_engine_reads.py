"""showconfig/saveconfig show the committed configuration only, showconfig wraps at the terminal width,
and the configuration-read counters (config_reads, config_reads_max_per_login)."""

import json
import re

import pytest

from conftest import Cli, add_route
from lab.esa.commands import REGISTRY
from lab.esa.engine import PAGER_TEXT, Appliance, LoginReads
from lab.esa.store import CONFIG_COMMANDS, COUNTERS_FILE

DATE = re.compile(r"\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} \d{4}")
PROMPT = "esa1.lab> "


def showconfig(app, width, option="2"):
    """The whole showconfig output (no pager) of a new session of ``width`` columns, without the prompt."""
    cli = Cli(app, page_size=0, width=width)
    cli.run("showconfig")
    out = cli.run(option)
    assert out.endswith("\n\n" + PROMPT)
    return DATE.sub("DATE", out[:-len("\n\n" + PROMPT)])


def pieces(line, width):
    return [line[start:start + width] for start in range(0, len(line), width)] or [""]


def routes_in(xml):
    return re.findall(r"<route_source_address>([^<]*)</route_source_address>", xml)


# -- committed only ------------------------------------------------------------------------------------


def test_showconfig_and_saveconfig_show_the_committed_configuration_only(app):
    cli = Cli(app, page_size=0, width=0)
    add_route(cli, "old.example", "h1.example.net")
    cli.run("commit", "", "")
    cli.run("smtproutes", "edit", "old.example", "", "replace", "h2.example.net", "", "")
    add_route(cli, "new.example", "h3.example.net")
    assert cli.session.has_pending

    xml = cli.run("showconfig", "1")
    assert routes_in(xml) == ["old.example"]
    assert "<route_destination_address>h1.example.net</route_destination_address>" in xml
    assert "h2.example.net" not in xml and "h3.example.net" not in xml

    out = cli.run("saveconfig", "1")
    name = re.search(r'"/configuration/(\S+\.xml)"', out).group(1)
    saved = app.files.read(name)
    assert routes_in(saved) == ["old.example"] and "h2.example.net" not in saved

    # the other commands keep showing the session's view, pending changes included
    printed = cli.run("smtproutes print")
    assert "new.example" in printed and "h2.example.net" in printed and "h1.example.net" not in printed

    cli.run("commit", "", "")
    xml = cli.run("showconfig", "1")
    assert routes_in(xml) == ["new.example", "old.example"]
    assert "h2.example.net" in xml and "h3.example.net" in xml and "h1.example.net" not in xml


def test_showconfig_of_another_session_after_commit(app):
    writer, reader = Cli(app, page_size=0, width=0), Cli(app, page_size=0, width=0)
    add_route(writer, "a.example", "h1.example.net")
    assert "a.example" not in reader.run("showconfig", "1")
    writer.run("commit", "", "")
    assert routes_in(reader.run("showconfig", "1")) == ["a.example"]


# -- wrapping ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [80, 60, 200, 100])
def test_showconfig_wraps_long_lines_at_the_width(app, width):
    plain = showconfig(app, 0)
    wrapped = showconfig(app, width)
    lines = plain.split("\n")
    longest = max(len(line) for line in lines)
    assert longest > 160                      # the cipher strings of <ssl>
    expected = [piece for line in lines for piece in pieces(line, width)]
    assert wrapped.split("\n") == expected
    assert all(len(line) <= width for line in wrapped.split("\n"))
    cipher = next(line for line in lines if "<outbound_ciphers>" in line)
    cut = pieces(cipher, width)
    assert all(len(piece) == width for piece in cut[:-1]) and 0 < len(cut[-1]) <= width
    assert "\n".join(cut) in wrapped
    if width < longest:
        assert len(wrapped.split("\n")) > len(lines)
        assert any(len(line) == width for line in wrapped.split("\n"))
    if width >= longest:
        assert wrapped == plain


def test_default_width_is_80_and_exact_lines_are_kept(app):
    session = app.open_session()
    assert session.width == 80
    wrapped = showconfig(app, 80)
    assert max(len(line) for line in wrapped.split("\n")) == 80
    # a line of exactly W characters stays one line; W + 1 become W and 1
    plain_lines = showconfig(app, 0).split("\n")
    line = next(item for item in plain_lines if len(item) > 1)
    assert showconfig(app, len(line)).split("\n").count(line) >= 1
    assert "\n".join(pieces(line, len(line) - 1)) in showconfig(app, len(line) - 1)


def test_only_showconfig_output_is_wrapped(app):
    cli = Cli(app, page_size=0, width=20)
    out = cli.run("showconfig")
    assert "1. Mask passphrases (Files with masked passphrases cannot be loaded using\n" in out
    cli.run("1")
    out = cli.run("sslconfig")
    assert max(len(line) for line in out.split("\n")) > 60      # the menu lines stay whole (not cut at 20)
    cli.session.interrupt()
    saved = cli.run("saveconfig", "1")
    name = re.search(r'"/configuration/(\S+\.xml)"', saved).group(1)
    assert max(len(line) for line in app.files.read(name).split("\n")) > 160   # the file is not wrapped


def test_set_terminal_width(app):
    cli = Cli(app, page_size=0)
    cli.session.set_terminal_width(60)
    cli.run("showconfig")
    out = cli.run("1")
    assert max(len(line) for line in out.split("\n")) == 60
    cli.session.set_terminal_width(0)
    cli.run("showconfig")
    out = cli.run("1")
    assert max(len(line) for line in out.split("\n")) > 160


def test_pager_counts_the_wrapped_lines(app):
    width, page = 60, 23
    expected = showconfig(app, width, "1")
    cli = Cli(app, page_size=page, width=width)
    cli.run("showconfig")
    parts = [cli.run("1")]
    while cli.session.at_pager:
        parts.append(cli.run(" "))
    assert len(parts) > 2
    for part in parts[:-1]:
        assert part.endswith(PAGER_TEXT)
        body = part[:-len(PAGER_TEXT)]
        lines = body.split("\n")
        if body.startswith("\n"):            # a continuation starts with a newline
            lines = lines[1:]
        assert len(lines) == page + 1 and lines[-1] == ""          # page lines, each ending in a newline
        assert all(len(line) <= width for line in lines)
    joined = DATE.sub("DATE", "".join(parts).replace(PAGER_TEXT + "\n", ""))
    assert joined == expected + "\n\n" + PROMPT
    assert len(parts) == -(-len(expected.split("\n")) // page)                  # pages of the wrapped lines
    assert len(parts) > -(-len(showconfig(app, 0, "1").split("\n")) // page)   # more than unwrapped


def test_exec_run_wraps_at_the_session_width(app):
    assert max(len(line) for line in app.open_session(width=0).run_exec("showconfig 1").split("\n")) > 160
    assert max(len(line) for line in app.open_session(width=70).run_exec("showconfig 1").split("\n")) == 70


# -- configuration-read counters ---------------------------------------------------------------------


def reads(app):
    counters = app.counters
    return ({name: count for name, count in counters["config_reads"].items() if count},
            {name: count for name, count in counters["config_reads_max_per_login"].items() if count})


def test_config_commands_are_the_counted_ones():
    flagged = {spec.name for spec in REGISTRY.values() if spec.config}
    assert flagged == set(CONFIG_COMMANDS)
    assert {"showconfig", "saveconfig", "smtproutes", "destconfig", "filters", "sslconfig", "bounceconfig",
            "listenerconfig"} <= flagged
    assert not {"version", "commit", "clearchanges", "clustermode", "help", "exit"} & flagged


def test_zero_read_counters(app):
    counters = app.counters
    assert counters["config_reads"] == dict.fromkeys(CONFIG_COMMANDS, 0)
    assert counters["config_reads_max_per_login"] == dict.fromkeys(CONFIG_COMMANDS, 0)


def test_reads_are_counted_per_command_and_login(app):
    cli = Cli(app, page_size=0)
    cli.run("smtproutes", "print", "")                    # interactive: menu, PRINT, leave
    cli.run("smtproutes print")                           # batch
    cli.run("showconfig", "1")
    cli.run("destconfig")
    cli.session.interrupt()                               # abandoned with Ctrl-C: still a read (no change)
    cli.run("version", "help", "commit", "clear", "clustermode", "nosuchcommand")   # not configuration commands
    assert reads(app) == ({"smtproutes": 2, "showconfig": 1, "destconfig": 1},
                          {"smtproutes": 2, "showconfig": 1, "destconfig": 1})
    writes = app.counters["writes"]

    add_route(cli, "a.example", "h1.example.net")         # a write: not a read
    cli.run("smtproutes", "new", "b.example", "h1.example.net", "", "print", "")   # wrote, then printed: not a read
    assert app.counters["writes"] == writes + 2
    assert reads(app)[0]["smtproutes"] == 2
    cli.run("smtproutes print")                           # reading the pending view is a read
    cli.run("commit", "", "")
    assert reads(app) == ({"smtproutes": 3, "showconfig": 1, "destconfig": 1},
                          {"smtproutes": 3, "showconfig": 1, "destconfig": 1})

    other = Cli(app, page_size=0)                         # another login: its own tally
    other.run("smtproutes print", "smtproutes print", "sslconfig", "")
    assert reads(app) == ({"smtproutes": 5, "showconfig": 1, "destconfig": 1, "sslconfig": 1},
                          {"smtproutes": 3, "showconfig": 1, "destconfig": 1, "sslconfig": 1})
    for _round in range(4):
        other.run("showconfig", "1")
    assert reads(app)[1]["showconfig"] == 4


def test_sessions_of_one_login_share_the_tally(app):
    login = LoginReads()
    first = app.open_session(login=login)
    first.run_exec("filters list; bounceconfig")
    second = app.open_session(count_login=False, login=login)
    second.run_exec("filters list")
    assert reads(app) == ({"filters": 2, "bounceconfig": 1}, {"filters": 2, "bounceconfig": 1})
    assert login.counts() == {"filters": 2, "bounceconfig": 1}


def test_a_dropped_session_counts_the_running_read(app):
    cli = Cli(app)
    cli.run("listenerconfig")
    assert cli.session.at_question
    cli.session.close()
    assert reads(app)[0] == {"listenerconfig": 1}


def test_cluster_override_is_a_write_not_a_read():
    app = Appliance(hostname="esa1.lab", cluster="ESA-CL")
    cli = Cli(app)
    cli.run("clustermode machine esa1.lab")
    cli.run("smtproutes", "2", "")                        # NOTICE: start a new configuration here (a write)
    assert app.counters["writes"] == 1 and reads(app)[0] == {}
    cli.run("smtproutes print")
    assert reads(app)[0] == {"smtproutes": 1}


def test_read_counters_persist_and_reset(tmp_path):
    app = Appliance(hostname="esa1.lab", store=str(tmp_path))
    Cli(app).run("smtproutes print", "smtproutes print", "showconfig", "1")
    again = Appliance(hostname="esa1.lab", store=str(tmp_path))
    assert reads(again) == ({"smtproutes": 2, "showconfig": 1}, {"smtproutes": 2, "showconfig": 1})
    stored = json.loads((tmp_path / COUNTERS_FILE).read_text(encoding="utf-8"))
    assert stored["config_reads"]["smtproutes"] == 2 and stored["writes"] == 0
    again.reset_read_max()                                # a new measuring window: totals stay
    assert reads(again) == ({"smtproutes": 2, "showconfig": 1}, {})
    Cli(again).run("smtproutes print")
    assert reads(again) == ({"smtproutes": 3, "showconfig": 1}, {"smtproutes": 1})
    again.reset(counters_only=True)
    assert reads(again) == ({}, {})


def test_counters_file_of_an_older_lab(tmp_path):
    (tmp_path / COUNTERS_FILE).write_text(json.dumps({"logins": 3, "writes": 2}), encoding="utf-8")
    app = Appliance(hostname="esa1.lab", store=str(tmp_path))
    counters = app.counters
    assert counters["logins"] == 3 and counters["config_reads"]["showconfig"] == 0
    app.bump("commits")
    Cli(app, count_login=False).run("showconfig", "1")
    counters = app.counters
    assert counters["logins"] == 3 and counters["commits"] == 1 and counters["config_reads"]["showconfig"] == 1
