"""The lab's ``sslconfig`` and the new tables in ``python -m lab config``/``seed``."""

import json
import re
import subprocess

import pytest

from lab.cli import main as lab_main
from lab.esa import tls_settings as ts
from lab.esa.engine import Appliance
from lab.esa.hat import factory_hat

from conftest import Cli

MENU_TAIL = "- PEER_CERT_X509 - Enable or disable X509 validation of peer certificates.\n[]> "
# 14.1 (the default profile): capitalised labels, the cipher list one element per line (reconstructed layout)
OUTBOUND_BLOCK = re.compile(r"^  Outbound SMTP Ciphers:\n((?:    \S+\n)+)", re.MULTILINE)


def ciphers_of(out):
    return ":".join(line.strip() for line in OUTBOUND_BLOCK.search(out).group(1).splitlines())


@pytest.fixture(name="cli")
def cli_fixture(app):
    """No paging (the 14.1 settings block is longer than a screen; paging is tested in test_lab_releases.py)."""
    return Cli(app, page_size=0)


def test_read_and_set_outbound(app, cli):
    out = cli.run("sslconfig")
    assert out.startswith("\nsslconfig settings:\n  GUI HTTPS Method:  TLS v1.2\n  GUI HTTPS Ciphers:\n    ECDH+aRSA\n")
    assert ciphers_of(out) == ts.DEFAULT_CIPHERS
    assert "  GUI HTTPS TLS Renegotiation:  Enabled\n" in out and "  Peer cert fqdn" not in out
    assert out.endswith("\n\nChoose the operation you want to perform:\n- GUI - Edit GUI HTTPS ssl settings.\n"
                        "- INBOUND - Edit Inbound SMTP ssl settings.\n- OUTBOUND - Edit Outbound SMTP ssl settings.\n"
                        "- VERIFY - Verify and show ssl cipher list.\n"
                        "- OTHER_CLIENT_TLSV10 - Enable or disable TLS v1.0 for other client services.\n"
                        "- PEER_CERT_FQDN - Enable or disable FQDN validation of peer certificates.\n" + MENU_TAIL)
    out = cli.run("outbound")
    assert out == ("\nEnter the outbound SMTP ssl method you want to use.\n1. TLS v1.0\n2. TLS v1.1\n3. TLS v1.2\n"
                   "4. TLS v1.1 and TLS v1.2\n5. TLS v1.0, TLS v1.1 and TLS v1.2\n[3]> ")
    assert cli.run("9").startswith('That value is not valid: "9".')
    out = cli.run("tls v1.1 and tls v1.2")
    assert out == f"\nEnter the outbound SMTP ssl cipher you want to use.\n[{ts.DEFAULT_CIPHERS}]> "
    assert cli.run("HIGH::MEDIUM").startswith('Invalid cipher string "HIGH::MEDIUM".')
    assert cli.run("HIGH MEDIUM").startswith('Invalid cipher string "HIGH MEDIUM".')
    out = cli.run("ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:!aNULL")   # no renegotiation for OUTBOUND
    assert "  Outbound SMTP Method:  TLS v1.1 and TLS v1.2\n" in out
    assert ciphers_of(out) == "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:!aNULL"
    assert app.counters["writes"] == 1
    out = cli.last("inbound", "", "")
    assert out == "\nDo you want to enable TLS Renegotiation for inbound SMTP? [Y]> "
    assert cli.run("n").endswith(MENU_TAIL)
    assert app.counters["writes"] == 2
    assert cli.last("gui", "") == f"\nEnter the GUI HTTPS ssl cipher you want to use.\n[{ts.DEFAULT_CIPHERS}]> "
    assert cli.run("") == "\nDo you want to enable TLS Renegotiation for GUI HTTPS? [Y]> "
    cli.run("", "", "commit", "", "")
    assert app.committed["ssl"]["outbound_ciphers"].endswith(":!aNULL")
    assert app.committed["ssl"]["outbound_methods"] == ["TLSv1.1", "TLSv1.2"]
    assert app.committed["ssl"]["inbound_tls_renegotiation"] is False


def test_peer_verbs(app, cli):
    cli.run("sslconfig")
    out = cli.run("peer_cert_fqdn")
    assert out == "\nFQDN validation of peer certificates is currently disabled.\nEnter ENABLE or DISABLE:> "
    assert cli.run("maybe").startswith('Unknown option "maybe".')
    out = cli.run("enable")
    assert "  FQDN validation of peer certificates:  Enabled\n" in out and out.endswith(MENU_TAIL)
    assert cli.run("") == "esa1.lab> "
    assert cli.session.pending["ssl"]["peer_cert_fqdn"] is True and app.counters["writes"] == 1


def test_verify_and_exec(app, cli):
    cli.run("sslconfig")
    assert cli.run("verify") == "\nEnter the ssl cipher you want to verify.\n[]> "
    out = cli.run("HIGH:!MD5")
    assert out.startswith("Cipher string HIGH:!MD5 is valid. Elements:\nHIGH\n!MD5\n\nsslconfig settings:\n")
    cli.run("")
    session = app.open_session()
    out = session.run_exec("sslconfig")
    assert ciphers_of(out + "\n") == ts.DEFAULT_CIPHERS


def test_normalise_ssl():
    table = ts.normalise_ssl({"outbound_ciphers": "HIGH", "outbound_methods": ["tlsv1.2"]})
    assert table["outbound_ciphers"] == "HIGH" and table["inbound_ciphers"] == ts.DEFAULT_CIPHERS
    with pytest.raises(ts.SslError):
        ts.normalise_ssl({"outbound_cipher": "HIGH"})


def test_config_and_seed_new_tables(tmp_path, capsys):
    def lab_cli(*args):
        code = lab_main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    state = str(tmp_path)
    Appliance(hostname="esa1.lab", store=state)
    config = json.loads(lab_cli("config", "--state-dir", state).stdout)["esa"]
    assert config["filters"] == [] and config["ssl"] == ts.factory_ssl()
    assert config["listeners"][0]["hat"] == factory_hat("public")
    assert config["listeners"][1]["hat"]["policies"][0] == {"name": "RELAYED", "behavior": "RELAY", "parameters": {},
                                                            "comment": None}
    filters = [{"name": "office365_outbound", "active": False,
                "body": "office365_outbound: if (sendergroup == 'RELAY_O365') { drop(); }  # x"}]
    assert lab_cli("seed", "--state-dir", state, "--level", "local", "--table", "filters",
                   "--json", json.dumps(filters)).returncode == 0
    assert lab_cli("seed", "--state-dir", state, "--level", "local", "--table", "ssl",
                   "--json", '{"outbound_ciphers": "HIGH:!aNULL"}').returncode == 0
    listeners = [{"name": "OutgoingMail", "type": "private", "interface": "Data 2",
                  "hat": {"sender_groups": [{"name": "RELAY_O365", "members": [".protection.outlook.com"], "policy": "RELAYED"},
                                            {"name": "ALL", "policy": "BLOCKED"}],
                          "policies": [{"name": "RELAYED", "behavior": "RELAY", "parameters": {"tls": "preferred"}},
                                       {"name": "BLOCKED", "behavior": "REJECT"}]}}]
    result = lab_cli("seed", "--state-dir", state, "--level", "local", "--table", "listeners", "--json", json.dumps(listeners))
    assert result.returncode == 0, result.stderr
    config = json.loads(lab_cli("config", "--state-dir", state).stdout)["esa"]
    assert config["filters"] == [{"name": "office365_outbound", "active": False, "valid": True,
                                  "body": "office365_outbound: if (sendergroup == 'RELAY_O365') { drop(); }"}]
    assert config["ssl"]["outbound_ciphers"] == "HIGH:!aNULL"
    hat = config["listeners"][0]["hat"]
    assert [(item["name"], item["order"], item["policy"]) for item in hat["sender_groups"]] == [
        ("RELAY_O365", 1, "RELAYED"), ("ALL", 2, "BLOCKED")]
    assert hat["default_policy"]["spam_check"] is False
    bad = lab_cli("seed", "--state-dir", state, "--level", "local", "--table", "filters",
                  "--json", '[{"body": "x: if (true) { dorp(); }"}]')
    assert bad.returncode == 1 and 'unknown action "dorp"' in bad.stderr
    app = Appliance(hostname="esa1.lab", store=state)
    cli = Cli(app, page_size=0)
    out = cli.last("listenerconfig edit OutgoingMail hostaccess print")
    assert out.startswith("$RELAYED\n    RELAY {\n        tls = \"preferred\"\n    }\n$BLOCKED\n    REJECT\nRELAY_O365:\n"
                          "        .protection.outlook.com\n        $RELAYED\nALL\n    $BLOCKED\n")
