"""In-process tests of the lab ESA engine: session, commit/clear, pager, Ctrl-C, cluster, showconfig."""

import re
import time

import pytest

from conftest import Cli, add_route
from lab.esa.engine import Appliance, ClusterSpec

DATE = r"\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} \d{4}"


def test_banner_prompt_unknown_and_empty(cli):
    assert cli.banner == (
        "AsyncOS 14.1.1 for Cisco C100V build 010\n\n"
        "Welcome to the Cisco C100V Email Security Virtual Appliance\n\n"
        "NOTE: This session will expire if left idle for 30 minutes. Any uncommitted\n"
        "configuration changes will be lost. Commit the configuration changes as soon as\n"
        "they are made.\n\n"
        "esa1.lab> ")
    assert cli.run("") == "esa1.lab> "
    assert cli.run("frobnicate now") == "Unknown command or missing feature key\n\nesa1.lab> "
    out = cli.run("version")
    assert "Model: C100V" in out and "Version: 14.1.1-010" in out and "Serial #: " in out and out.endswith("esa1.lab> ")


def test_commit_flow_and_counters(app, cli):
    out = cli.run("commit")
    assert out.startswith("There is no data to commit.\n") and out.endswith("esa1.lab> ")
    assert out.splitlines()[0].endswith("no data to commit.")
    add_route(cli, "example.com", "h1.example.net")
    assert cli.session.has_pending
    out = cli.run("commit")
    assert out == "\nPlease enter some comments describing your changes:\n[]> "
    out = cli.run("added example.com")
    assert out == "\nDo you want to save the current configuration for rollback? [Y]> "
    out = cli.run("")
    assert re.fullmatch(rf"Changes committed: {DATE}\n\nesa1\.lab> ", out)
    assert app.committed["smtp_routes"] == [{"domain": "example.com", "destinations": ["h1.example.net"]}]
    assert not cli.session.has_pending and cli.session.pending is None
    assert app.counters["commits"] == 1
    assert app.last_commit["comment"] == "added example.com"
    assert cli.last("commit").startswith("There is no data to commit.")


def test_batch_commit(app, cli):
    add_route(cli, "example.com", "h1.example.net")
    out = cli.run('commit "batch comment" Y')
    assert re.fullmatch(rf"Changes committed: {DATE}\n\nesa1\.lab> ", out)
    assert app.last_commit["comment"] == "batch comment"


def test_clear_and_clearchanges(app, cli):
    assert cli.run("clear").startswith("No changes have been made.\n")
    assert cli.run("clearchanges").startswith("No changes have been made.\n")
    add_route(cli, "example.com", "h1.example.net")
    out = cli.run("clearchanges")
    assert out.endswith("Are you sure you want to clear all changes since the last commit? [Y]> ")
    cli.run("n")
    assert cli.session.has_pending
    cli.run("clear")
    out = cli.run("")
    assert re.fullmatch(rf"Changes cleared: {DATE}\n\nesa1\.lab> ", out)
    assert not cli.session.has_pending and app.counters["clears"] == 1
    assert app.committed["smtp_routes"] == []


def test_session_isolation_and_lost_uncommitted(app):
    first, second = Cli(app), Cli(app)
    add_route(first, "example.com", "h1.example.net")
    assert "There are no routes configured." in second.last("smtproutes", "print")
    first.session.close()
    assert app.counters["lost_uncommitted"] == 1
    assert app.committed["smtp_routes"] == []
    second.session.close()
    assert app.counters["lost_uncommitted"] == 1
    assert app.counters["sessions"] == 2 and app.counters["logins"] == 2


def test_concurrent_sessions_commit_their_own_tables(app):
    first, second = Cli(app), Cli(app)
    add_route(first, "a.example.com", "h1.example.net")
    add_route(second, "b.example.com", "h1.example.net")
    first.run("commit", "", "")
    second.run("commit", "", "")
    # last commit wins per table (the whole smtp_routes table of the second session)
    assert [r["domain"] for r in app.committed["smtp_routes"]] == ["b.example.com"]


def test_exit_warns_about_pending(app, cli):
    add_route(cli, "example.com", "h1.example.net")
    out = cli.run("exit")
    assert "uncommitted changes" in out and not out.endswith("> ")
    assert cli.session.closed and app.counters["lost_uncommitted"] == 1
    assert cli.run("version") == ""
    other = Cli(app)
    assert other.run("quit") == "" and other.session.closed


def test_ctrl_c_everywhere(app, cli):
    assert cli.session.interrupt() == "\nesa1.lab> "
    cli.run("smtproutes", "new", "example.com")
    out = cli.session.interrupt()
    assert out == "\n-- Changes not recorded\nesa1.lab> "
    assert not cli.session.has_pending and app.counters["writes"] == 0
    cli.run("commit")
    assert cli.session.interrupt() == "\nesa1.lab> "
    assert cli.run("") == "esa1.lab> "


def test_pager_and_ctrl_c_at_pager():
    # 11.0: only listings page (phoebe1100 has no pager inside dialogues); 12.0+ in test_lab_releases.py
    cli = Cli(Appliance(hostname="esa1.lab", release="11.0"), page_size=10)
    for index in range(25):
        add_route(cli, f"d{index:02}.example.com", "h1.example.net")
    cli.run("smtproutes")
    out = cli.run("print")
    assert out.endswith("\n-Press Any Key For More-")
    assert len(out.split("\n")) == 11 and cli.session.at_pager
    out2 = cli.run(" ")
    assert out2.startswith("\n") and out2.endswith("-Press Any Key For More-")
    out3 = cli.run("q")
    assert out3.endswith("- CLEAR - Remove all routes.\n[]> ")
    lines = [line for line in (out + out2 + out3).split("\n") if line.startswith("d")]
    assert len(lines) == 25
    cli.run("print")
    assert cli.session.interrupt() == "\nesa1.lab> "
    assert cli.session.at_main_prompt


def test_terminal_height_sets_page_size(app):
    cli = Cli(app)
    cli.session.set_terminal_height(40)
    out = cli.last("showconfig", "1")
    assert len(out.split("\n")) == 40 and out.endswith("-Press Any Key For More-")


def test_setttymode_0_1_stops_the_pager_for_the_session(app):
    """Cisco's CLI test library sends `setttymode 0 1` after every login ("NOT paginate output"): the listings and
    showconfig then arrive whole; a later `setttymode 1 1` pages again (reconstructed)."""
    cli = Cli(app, page_size=10)
    assert cli.run("setttymode 0 1") == "esa1.lab> "
    for index in range(25):        # 14.1 pages inside dialogues too: without the pager, add_route's script fits
        add_route(cli, f"d{index:02}.example.com", "h1.example.net")
    before = app.counters["pager_keys"]
    out = cli.run("smtproutes", "print")
    assert "-Press Any Key For More-" not in out and len([l for l in out.split("\n") if l.startswith("d")]) == 25
    cli.run("")
    out = cli.last("showconfig", "1")
    assert "-Press Any Key For More-" not in out and out.endswith("esa1.lab> ")
    assert app.counters["pager_keys"] == before
    cli.run("", "setttymode 1 1")
    assert "-Press Any Key For More-" in cli.run("smtproutes", "print")


@pytest.mark.parametrize("line", ["setttymode", "setttymode 0", "setttymode x 1", "setttymode 0 1 2"])
def test_setttymode_needs_two_numbers(cli, line):
    assert cli.run(line) == "Invalid arguments when processing: setttymode\n\nesa1.lab> "
    assert cli.session.paginate


def test_setttymode_ignored_fault_keeps_paging():
    cli = Cli(Appliance(hostname="esa1.lab", release="11.0"), page_size=10)
    cli.session.ttymode_ignored = True
    for index in range(25):
        add_route(cli, f"d{index:02}.example.com", "h1.example.net")
    assert cli.run("setttymode 0 1") == "esa1.lab> "
    assert cli.run("smtproutes", "print").endswith("-Press Any Key For More-")


def _showconfig(app, option):
    cli = Cli(app, page_size=0, width=0)       # no wrapping: whole XML lines (wrapping: test_lab_engine_reads.py)
    out = cli.run("showconfig")
    plain = "3. Plain passphrases\n" if app.release.name == "11.0" else ""     # only 11.0 offers plain
    assert out == ("\nChoose the passphrase option:\n"
                   "1. Mask passphrases (Files with masked passphrases cannot be loaded using\n"
                   "loadconfig command)\n"
                   "2. Encrypt passphrases\n" + plain + "[1]> ")
    return cli.run(option)


def test_showconfig_xml_and_masking():
    app = Appliance(hostname="esa1.lab", password="s3cret-lab")
    cli = Cli(app)
    add_route(cli, "example.com", "h1.example.net:25/pri=10, h2.example.net")
    cli.run("commit", "", "")
    masked = _showconfig(app, "")
    assert masked.startswith('<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE config SYSTEM "config.dtd">')
    assert "<hostname>esa1.lab</hostname>" in masked
    assert re.search(r"<smtp_route>\s*<route_source_address>example.com</route_source_address>\s*"
                     r"<route_destination_address>h1.example.net:25/pri=10</route_destination_address>\s*"
                     r"<route_destination_address>h2.example.net</route_destination_address>\s*</smtp_route>", masked)
    assert "<password>*****</password>" in masked and "s3cret-lab" not in masked
    encrypted = _showconfig(app, "2")
    assert "s3cret-lab" not in encrypted and "*****" not in encrypted
    assert re.search(r"<password>\$lab\$[A-Za-z0-9+/=]{20,}</password>", encrypted)
    assert _showconfig(app, "3").startswith('That value is not valid: "3".')     # 14.1: mask / encrypt only
    old = Appliance(hostname="esa1.lab", password="s3cret-lab", release="11.0")
    plain = _showconfig(old, "3")
    assert "<password>s3cret-lab</password>" in plain
    assert len(plain.splitlines()) > 60


def test_showconfig_shows_committed_only_and_reasks(cli):
    add_route(cli, "pending.example.com", "h1.example.net")
    cli.run("showconfig")
    assert cli.last("7").startswith('That value is not valid: "7".')
    cli.session.page_size = 0
    out = cli.run("2")
    assert "<smtp_routes>" in out and "pending.example.com" not in out     # pending changes are not shown
    assert cli.session.has_pending


def test_saveconfig(app, cli):
    cli.run("saveconfig")
    out = cli.run("1")
    match = re.search(r"\S+\.xml", out)
    path = match.group(0).strip('"')
    assert re.fullmatch(rf"/configuration/C100V-{re.escape(app.serial)}-\d{{8}}T\d{{6}}\.xml", path)
    assert out.splitlines()[0].startswith('File written on machine "esa1.lab"')
    assert app.files.read(path.rsplit("/", 1)[1]).startswith("<?xml")
    out = cli.run("saveconfig y 1")
    assert "/configuration/C100V-" in out and "not valid" not in out


def test_clustermode_standalone(cli):
    out = cli.run("clustermode")
    assert "command is only available on cluster system" in out and out.endswith("esa1.lab> ")


@pytest.fixture(name="cluster_app")
def cluster_app_fixture():
    return Appliance(hostname="esa1.lab", cluster=ClusterSpec("ESA-CL", {"Main_Group": ["esa1.lab", "esa2.lab"]}))


def test_clustermode_interactive_and_batch(cluster_app):
    cli = Cli(cluster_app)
    assert cli.banner.endswith("\n(Cluster ESA-CL)> ")
    out = cli.run("clustermode")
    assert "Choose the configuration mode." in out and "1. Cluster\n2. Group\n3. Machine\n[1]> " in out
    out = cli.run("3")
    assert "Choose a machine.\n1. esa1.lab\n2. esa2.lab\n[1]> " in out
    assert cli.run("2") == "(Machine esa2.lab)> "
    out = cli.run("clustermode", "group")
    assert "Choose the group to configure.\n1. Main_Group\n[1]> " in out
    assert cli.run("").endswith("(Group Main_Group)> ")
    assert cli.run("clustermode cluster") == "(Cluster ESA-CL)> "
    assert cli.run("clustermode group Main_Group") == "(Group Main_Group)> "
    assert cli.run("clustermode machine esa1.lab") == "(Machine esa1.lab)> "
    assert cli.last("clustermode group Nope").startswith('That value is not valid: "Nope".')
    cli.session.interrupt()
    cli.run("clustermode cluster")      # smtp_routes live at cluster level (machine mode would ask the NOTICE)
    add_route(cli, "example.com", "h1.example.net")
    cli.run("commit", "", "")
    assert cluster_app.committed_layers["cluster"]["smtp_routes"][0]["domain"] == "example.com"
    assert cluster_app.committed["smtp_routes"][0]["domain"] == "example.com"


def test_cluster_string_shorthand():
    app = Appliance(hostname="esa9.lab", cluster="LAB")
    assert app.cluster == {"name": "LAB", "groups": {"Main_Group": ["esa9.lab"]}}
    assert Cli(app).banner.endswith("(Cluster LAB)> ")


def test_exec_mode(app):
    session = app.open_session(page_size=5)
    out = session.run_exec('smtproutes print; commit; clustermode')
    assert out == ("There are no routes configured.\nThere is no data to commit.\n"
                   "The clustermode command is only available on cluster systems.\n")
    answers = iter(["example.com", "h1.example.net", "N", ""])
    out = session.run_exec("smtproutes new; commit x Y", lambda: next(answers, None))
    assert "Changes committed:" in out and app.committed["smtp_routes"][0]["domain"] == "example.com"
    out = session.run_exec("smtproutes new", lambda: None)
    assert out.endswith("-- Changes not recorded\n")


def test_commit_delay_and_lines_counter(app):
    cli = Cli(app, commit_delay=0.3)
    add_route(cli, "example.com", "h1.example.net")
    started = time.monotonic()
    cli.run("commit", "", "")
    assert time.monotonic() - started >= 0.3
    assert app.counters["lines_received"] == 6 + 3


def test_reset(app, cli):
    add_route(cli, "example.com", "h1.example.net")
    cli.run("commit", "", "")
    app.reset(counters_only=True)
    assert app.counters["commits"] == 0 and app.committed["smtp_routes"]
    app.reset()
    assert app.committed["smtp_routes"] == []


def test_file_store_persists(tmp_path):
    app = Appliance(hostname="esa1.lab", store=str(tmp_path))
    cli = Cli(app)
    add_route(cli, "example.com", "h1.example.net")
    cli.run("commit", "", "", "saveconfig", "")
    again = Appliance(hostname="esa1.lab", store=str(tmp_path))
    assert again.committed["smtp_routes"][0]["destinations"] == ["h1.example.net"]
    assert again.counters["commits"] == 1
    assert any(name.endswith(".xml") for name in again.files.names())
    assert (tmp_path / "configuration").is_dir()
