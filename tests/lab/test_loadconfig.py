"""In-process tests of the lab ESA engine: loadconfig (restore a file written by saveconfig)."""

import re

from conftest import Cli, add_route

from lab.esa.commands.system import parse_config
from lab.esa.engine import Appliance
from lab.esa.store import BOUNCE_SETTINGS, bounce_settings
from lab.esa.tables import normalise_table

# A configuration that uses every table the lab keeps: the loaded file must bring all of it back.
SEED = {
    "smtp_routes": [{"domain": "example.com", "destinations": ["example-com.mail.protection.outlook.com:25"]},
                    {"domain": ".example.net", "destinations": ["h1.example.net:2525/pri=10", "h2.example.net"]}],
    "destination_controls": [{"domain": "example.com", "concurrency_limit": 10, "max_messages_per_connection": 20,
                              "tls": "on"},
                             {"domain": "example.org", "concurrency_limit": 5, "recipient_limit": 30,
                              "recipient_minutes": 60}],
    "listeners": [
        {"name": "IncomingMail", "type": "public", "interface": "Data 1", "port": 25,
         "rat": [{"address": "example.com", "action": "ACCEPT"},
                 {"address": ".example.net", "action": "REJECT", "smtp_response_code": 550,
                  "smtp_response_text": "Not here", "bypass_receiving_control": True},
                 {"address": "ALL", "action": "REJECT"}]},
        {"name": "OutgoingMail", "type": "private", "interface": "Data 2", "port": 25,
         "hat": {"policies": [{"name": "RELAYED", "behavior": "RELAY", "parameters": {"tls": "preferred"}},
                              {"name": "BLOCKED", "behavior": "REJECT"}],
                 "sender_groups": [{"name": "RELAY_O365", "members": [".protection.outlook.com"], "policy": "RELAYED",
                                    "comment": "Relay mail from Microsoft 365"},
                                   {"name": "ALL", "policy": "BLOCKED"}]}},
    ],
    "filters": [{"name": "office365_outbound",
                 "body": 'office365_outbound: if (sendergroup == "RELAY_O365") { strip-header("X-OUTBOUND-AUTH"); }'},
                {"name": "parked", "active": False, "body": 'parked: if (true) { drop(); }'}],
    "ssl": {"outbound_ciphers": "ECDH+aRSA:AES256:!aNULL"},
}


def seeded_app(**kwargs):
    app = Appliance(hostname="esa1.lab", **kwargs)
    with app.store.config_transaction() as data:
        for table, value in SEED.items():
            data["layers"]["local"][table] = normalise_table(table, value)
        data["layers"]["local"]["bounce_profiles"] = ["Default", "Slow"]
        data["layers"]["local"][BOUNCE_SETTINGS] = {"Slow": {"max_retries": 5, "send_warnings": True}}
    return app


def saved_file(cli, option="2"):
    out = cli.run("saveconfig", option)
    return re.search(r'"/configuration/(\S+\.xml)"', out).group(1)


def load(cli, name):
    cli.run("loadconfig", "2")
    return cli.run(name)


def without_time(text):
    return re.sub(r"Current Time: .*", "", text)


def committed(app):
    """The committed tables, bounce profiles with their effective settings (what showconfig shows)."""
    view = app.committed
    tables = dict((table, view.get(table)) for table in list(SEED) + ["bounce_profiles"])
    tables[BOUNCE_SETTINGS] = dict((name, bounce_settings(view.get(BOUNCE_SETTINGS), name))
                                   for name in view["bounce_profiles"])
    return tables


def test_dialogue_texts(cli):
    name = saved_file(cli)
    out = cli.run("loadconfig")
    assert out.endswith("1. Paste via CLI\n2. Load from file\n[1]> ")
    out = cli.run("2")
    assert "Enter the name of the file to import:" in out and out.endswith("[]> ")
    out = cli.run(name)
    assert out.startswith("No changes detected.")
    assert out.endswith("esa1.lab> ")


def test_round_trip_restores_every_table():
    app = seeded_app()
    cli = Cli(app)
    before = committed(app)
    name = saved_file(cli)
    # change a table and commit
    add_route(cli, "changed.example", "h9.example.net")
    assert "Changes committed" in cli.run("commit", "changed", "Y")
    assert committed(app) != before
    writes = app.counters["writes"]
    out = load(cli, name)
    assert "Values have been loaded." in out and 'Be sure to run "commit"' in out
    assert app.counters["writes"] == writes + 1, "a load is one write"
    assert committed(app) != before, "loaded values are pending until commit"
    cli.run("commit", "restored", "Y")
    assert committed(app) == before
    # the file of the restored configuration equals the saved one (the header's time aside)
    again = saved_file(cli)
    assert without_time(app.files.read(again)) == without_time(app.files.read(name))


def test_masked_file_is_refused_and_changes_nothing():
    app = seeded_app()
    cli = Cli(app)
    name = saved_file(cli, "1")
    add_route(cli, "changed.example", "h9.example.net")
    cli.run("commit", "changed", "Y")
    after = committed(app)
    writes = app.counters["writes"]
    out = load(cli, name)
    assert out.startswith("Parsing failed: the file has masked passphrases")
    assert app.counters["writes"] == writes and cli.session.pending is None and committed(app) == after


def test_missing_file_and_pasting(cli):
    out = load(cli, "nosuchfile.xml")
    assert out.startswith('Error: the file "nosuchfile.xml" does not exist.')
    cli.run("loadconfig")
    assert cli.run("1").startswith("No data to load.")


def test_pending_changes_question_discards_them(cli):
    name = saved_file(cli)
    add_route(cli, "pending.example", "h1.example.net")
    out = cli.run("loadconfig")
    assert "uncommitted changes" in out and out.endswith("[Y]> ")
    out = cli.run("N")
    assert out.endswith("esa1.lab> ") and cli.session.pending is not None, "N keeps the pending changes"
    cli.run("loadconfig", "Y")
    assert cli.session.pending is None and cli.app.counters["clears"] == 1
    assert cli.last("2", name).startswith("No changes detected.")


def test_cluster_refused():
    cli = Cli(Appliance(hostname="esa1.lab", cluster="ESA-CL"))
    assert cli.run("loadconfig").startswith("This command is not available on clustered machines.")


def test_parse_errors_are_reported():
    cli = Cli(Appliance(hostname="esa1.lab"))
    cli.app.files.write("broken.xml", "<config><smtp_routes>")
    assert load(cli, "broken.xml").startswith("Parsing failed: the file is not well-formed XML")
    cli.app.files.write("other.xml", "<?xml version=\"1.0\"?><other/>")
    assert load(cli, "other.xml").startswith("Parsing failed: the file is not a configuration")


def test_parse_config_reads_the_rendered_view():
    app = seeded_app(release="11.0")
    cli = Cli(app)
    name = saved_file(cli, "3")      # 11.0 offers plain passphrases: loadable too
    tables = parse_config(app.files.read(name))
    assert tables["smtp_routes"] == app.committed["smtp_routes"]
    assert tables["filters"] == app.committed["filters"] and tables["filters"][1]["active"] is False
    assert tables["listeners"] == app.committed["listeners"]


def test_a_change_of_bounce_settings_only_is_loaded():
    app = seeded_app()
    cli = Cli(app)
    before = committed(app)
    name = saved_file(cli)
    with app.store.config_transaction() as data:
        data["layers"]["local"][BOUNCE_SETTINGS] = {"Slow": {"max_retries": 7}}
    assert committed(app) != before
    assert load(cli, name).startswith("Values have been loaded.")
    cli.run("commit", "restored", "Y")
    assert committed(app) == before
