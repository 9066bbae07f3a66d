"""In-process tests of the lab ESA engine: cluster levels, the NOTICE and restricted questions, `python -m lab seed`."""

import json
import subprocess
import sys

import pytest

from conftest import ROOT, Cli
from lab.esa.engine import Appliance, ClusterSpec
from lab.esa.hat import factory_hat

NOTICE = (
    "\nNOTICE: This configuration command has not yet been configured for\n"
    "  the current cluster mode (Machine esa1.lab).\n"
    "What would you like to do?\n"
    '1. Switch modes to edit at mode "Cluster ESA-CL".\n'
    "2. Start a new configuration at the current mode (Machine esa1.lab).\n"
    "3. Copy settings from another cluster mode to the current mode (Machine esa1.lab).\n"
    "[1]> ")
RESTRICTED = (
    "\nThis command is restricted to run in machine mode of the machine you\n"
    '  are logged in to.  Do you want to switch to "Machine esa1.lab" mode? [Y]> ')


@pytest.fixture(name="capp")
def capp_fixture():
    return Appliance(hostname="esa1.lab", cluster=ClusterSpec("ESA-CL", {"Main_Group": ["esa1.lab", "esa2.lab"]}))


def machine_cli(app):
    cli = Cli(app)
    assert cli.run("clustermode machine esa1.lab") == "(Machine esa1.lab)> "
    return cli


def seed_routes(app, layer, domain):
    with app.store.config_transaction() as data:
        data["layers"][layer]["smtp_routes"] = [{"domain": domain, "destinations": ["h.example.net"]}]


@pytest.mark.parametrize("command, menu_start", [("smtproutes", "\nThere are no routes configured."),
                                                 ("destconfig", "\nThere are currently 0 entries configured."),
                                                 ("listenerconfig", "\nCurrently configured listeners:")])
def test_notice_switch_mode(capp, command, menu_start):
    cli = machine_cli(capp)
    assert cli.run(command) == NOTICE
    assert cli.run("9").startswith('That value is not valid: "9".\n' + NOTICE)
    assert cli.run("").startswith(menu_start)        # default 1: switch
    assert cli.session.mode == ("cluster", "ESA-CL")
    out = cli.run("")
    while not cli.session.at_main_prompt:
        out = cli.run("")
    assert out.endswith("(Cluster ESA-CL)> ")
    assert not cli.session.has_pending and capp.counters["writes"] == 0
    assert cli.run(command).startswith(menu_start)   # configured at cluster level: no NOTICE


def test_notice_start_new_configuration_creates_override(capp):
    seed_routes(capp, "cluster", "cluster.example")
    cli = machine_cli(capp)
    cli.run("smtproutes")
    out = cli.run("2")
    assert out.startswith("\nThere are no routes configured.")
    assert cli.session.mode == ("machine", "esa1.lab") and capp.counters["writes"] == 1
    cli.run("new", "machine.example", "h1.example.net", "", "", "commit", "", "")
    layers = capp.committed_layers
    assert layers["machine:esa1.lab"]["smtp_routes"][0]["domain"] == "machine.example"
    assert layers["cluster"]["smtp_routes"][0]["domain"] == "cluster.example"
    assert capp.committed["smtp_routes"][0]["domain"] == "machine.example"   # the machine override wins
    assert cli.run("smtproutes").startswith("\nThere are currently 1 routes defined.")   # no NOTICE any more
    cli.run("")
    cli.run("clustermode cluster")
    assert "cluster.example" in cli.run("smtproutes print")


def test_notice_copy_settings(capp):
    seed_routes(capp, "cluster", "cluster.example")
    seed_routes(capp, "machine:esa2.lab", "esa2.example")
    cli = machine_cli(capp)
    cli.run("smtproutes")
    out = cli.run("3")
    assert out == "\nChoose the mode from which to copy settings:\n1. Cluster ESA-CL\n2. Machine esa2.lab\n[1]> "
    out = cli.run("2")
    assert out.startswith("\nThere are currently 1 routes defined.")
    assert cli.session.pending["smtp_routes"][0]["domain"] == "esa2.example"
    assert capp.counters["writes"] == 1
    cli.run("", "commit", "", "")
    assert capp.committed_layers["machine:esa1.lab"]["smtp_routes"][0]["domain"] == "esa2.example"


def test_notice_in_group_mode_and_copy_destconfig(capp):
    cli = Cli(capp)
    cli.run("clustermode group Main_Group")
    out = cli.run("destconfig")
    assert "the current cluster mode (Group Main_Group)." in out and '1. Switch modes to edit at mode "Cluster ESA-CL".' in out
    cli.run("3", "1")
    assert cli.session.pending is not None
    assert "destination_controls" in cli.session.layers()["group:Main_Group"]


def test_notice_in_cluster_mode_switches_to_machine(capp):
    with capp.store.config_transaction() as data:
        data["layers"]["machine:esa1.lab"]["listeners"] = data["layers"]["cluster"].pop("listeners")
    cli = Cli(capp)
    out = cli.run("listenerconfig")
    assert "the current cluster mode (Cluster ESA-CL)." in out and '1. Switch modes to edit at mode "Machine esa1.lab".' in out
    assert cli.run("1").startswith("\nCurrently configured listeners:")
    assert cli.session.mode == ("machine", "esa1.lab")


def test_no_level_defines_the_table(capp):
    with capp.store.config_transaction() as data:
        del data["layers"]["cluster"]["smtp_routes"]
    cli = Cli(capp)
    out = cli.run("smtproutes")
    assert out == "\nDo you want to start a new configuration at the current mode (Cluster ESA-CL)? [Y]> "
    assert cli.run("n") == "(Cluster ESA-CL)> "
    cli.run("smtproutes", "")
    assert cli.session.layers()["cluster"]["smtp_routes"] == [] and capp.counters["writes"] == 1


def test_notice_ignores_batch_arguments(capp):
    session = capp.open_session()
    session.start()
    session.send_line("clustermode machine esa1.lab")
    out = session.send_line("smtproutes print")
    assert out == NOTICE
    out = session.send_line("1")
    assert out.startswith("There are no routes configured.\n") and out.endswith("(Cluster ESA-CL)> ")


def test_ctrl_c_at_notice_changes_nothing(capp):
    cli = machine_cli(capp)
    cli.run("destconfig")
    assert cli.session.interrupt() == "\n-- Changes not recorded\n(Machine esa1.lab)> "
    assert not cli.session.has_pending


def test_restricted_command(capp, app):
    cli = Cli(capp)
    assert cli.run("interfaceconfig") == RESTRICTED
    assert cli.run("maybe").startswith("Please answer Y or N.\n" + RESTRICTED)
    assert cli.run("n") == "(Cluster ESA-CL)> "
    out = cli.run("interfaceconfig", "y")
    assert "Currently configured interfaces:\n1. Management" in out
    assert cli.run("") == "(Machine esa1.lab)> "
    assert cli.run("interfaceconfig").startswith("\nCurrently configured interfaces:")   # no question in machine mode
    cli.run("")
    cli.run("clustermode machine esa2.lab")
    assert cli.run("interfaceconfig") == RESTRICTED
    cli.session.interrupt()
    assert Cli(app).run("interfaceconfig").startswith("\nCurrently configured interfaces:")   # standalone


def lab_cli(*args):
    return subprocess.run([sys.executable, "-m", "lab"] + list(args), cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)


def test_cli_seed_and_layers(tmp_path):
    state = str(tmp_path)
    cluster = ClusterSpec("ESA-CL", {"Main_Group": ["esa1.lab", "esa2.lab"]})
    Appliance(hostname="esa1.lab", cluster=cluster, store=state)     # what `up --cluster ESA-CL` stores
    listeners = [{"name": "IncomingMail", "type": "public", "interface": "Data 1",
                  "rat": [{"address": "example.com", "action": "ACCEPT", "bypass_receiving_control": True}]}]
    result = lab_cli("seed", "--state-dir", state, "--level", "machine:esa1.lab", "--table", "listeners",
                     "--json", json.dumps(listeners))
    assert result.returncode == 0, result.stderr
    assert "listeners seeded at machine:esa1.lab" in result.stdout
    routes_file = tmp_path / "routes.json"
    routes_file.write_text(json.dumps([{"domain": "Group.example", "destinations": "h1.example.net, h2.example.net"}]))
    assert lab_cli("seed", "--state-dir", state, "--level", "group:Main_Group", "--table", "smtp_routes",
                   "--file", str(routes_file)).returncode == 0
    dest = [{"domain": "dc.example", "concurrency_limit": 5}, {"domain": "DEFAULT", "tls": "on"}]
    assert lab_cli("seed", "--state-dir", state, "--level", "cluster", "--table", "destination_controls",
                   "--json", json.dumps(dest)).returncode == 0
    layers = json.loads(lab_cli("config", "--state-dir", state, "--layers").stdout)["esa"]
    assert layers["table_levels"] == {"bounce_profiles": ["cluster"], "destination_controls": ["cluster"],
                                      "filters": ["cluster"], "listeners": ["cluster", "machine:esa1.lab"],
                                      "smtp_routes": ["cluster", "group:Main_Group"], "ssl": ["cluster"]}
    config = json.loads(lab_cli("config", "--state-dir", state).stdout)["esa"]
    assert config["smtp_routes"] == [{"domain": "group.example", "destinations": ["h1.example.net", "h2.example.net"]}]
    assert config["listeners"] == [{"name": "IncomingMail", "type": "public", "interface": "Data 1", "port": 25, "rat": [
        {"address": "example.com", "action": "ACCEPT", "smtp_response_code": None, "smtp_response_text": None,
         "bypass_receiving_control": True, "bypass_ldap_accept": False, "bypass_call_ahead": False},
        {"address": "ALL", "action": "REJECT", "smtp_response_code": None, "smtp_response_text": None,
         "bypass_receiving_control": False, "bypass_ldap_accept": False, "bypass_call_ahead": False}],
        "hat": factory_hat("public")}]
    dc = config["destination_controls"]
    assert dc[0]["domain"] == "dc.example" and dc[0]["concurrency_limit"] == 5 and dc[0]["tls"] is None
    assert dc[-1]["domain"] == "DEFAULT" and dc[-1]["tls"] == "on" and dc[-1]["concurrency_limit"] == 500

    # the engine sees the seeded levels: machine mode edits the machine-level listeners without a NOTICE
    app = Appliance(hostname="esa1.lab", cluster=cluster, store=state)
    cli = machine_cli(app)
    assert cli.last("listenerconfig EDIT IncomingMail RCPTACCESS PRINT") == (
        "example.com ACCEPT\nALL REJECT\n\n(Machine esa1.lab)> ")
    out = cli.run("smtproutes")           # not at machine level: option 1 goes to the closest level that has it
    assert '1. Switch modes to edit at mode "Group Main_Group".' in out
    assert cli.run("1").startswith("\nThere are currently 1 routes defined.")
    assert cli.session.mode == ("group", "Main_Group")
    cli.session.interrupt()

    assert lab_cli("seed", "--state-dir", state, "--level", "machine:esa1.lab", "--table", "listeners",
                   "--remove").returncode == 0
    layers = json.loads(lab_cli("config", "--state-dir", state, "--layers").stdout)["esa"]
    assert layers["table_levels"]["listeners"] == ["cluster"]
    bad = lab_cli("seed", "--state-dir", state, "--level", "machine:nope", "--table", "listeners", "--json", "[]")
    assert bad.returncode == 1 and "unknown level" in bad.stderr
    bad = lab_cli("seed", "--state-dir", state, "--level", "cluster", "--table", "smtp_routes", "--json", '[{"domain": "x"}]')
    assert bad.returncode == 1 and "invalid smtp_routes" in bad.stderr
