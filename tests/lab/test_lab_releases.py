"""Release profiles of the lab (11.0, 13.5, 14.1, 16.0): what differs between them, per command.

Sources: lab/esa/releases.py and the comments next to each text (Cisco's CLI test library dharma412/PythonClass
b79a424, release directories phoebe1100 / phoebe1350 / phoebe1411; technote 118145); docs/asyncos-cli.md.
"""

import pytest

from lab.cli import _release_arg, build_parser
from lab.esa import releases
from lab.esa.engine import Appliance

from conftest import Cli, add_route

PAGER = "-Press Any Key For More-"
PROFILES = ["11.0", "13.5", "14.1", "16.0"]
VERSIONS = {"11.0": "11.0.0-264", "13.5": "13.5.0-230", "14.1": "14.1.1-010", "16.0": "16.0.3-020"}
DANE_FROM_12 = {"11.0": False, "13.5": True, "14.1": True, "16.0": True}
RENEGOTIATION_FROM_13 = DANE_FROM_12
FROM_1387 = {"11.0": False, "13.5": False, "14.1": True, "16.0": True}


def open_cli(release, page_size=0, **kwargs):
    return Cli(Appliance(hostname="esa1.lab", release=release, **kwargs), page_size=page_size)


@pytest.fixture(name="release", params=PROFILES)
def release_fixture(request):
    return request.param


# -- profiles, version, banner, option/env --------------------------------------------------------------
def test_version_and_banner(release):
    cli = open_cli(release)
    number, build = VERSIONS[release].split("-")
    assert cli.banner.startswith(f"AsyncOS {number} for Cisco C100V build {build}\n")
    out = cli.run("version")
    assert f"\nVersion: {VERSIONS[release]}\n" in out and "Current Version\n===============\n" in out
    assert cli.app.release.name == release and cli.app.version == VERSIONS[release]
    assert releases.get_release(release).reconstructed is (release == "16.0")


def test_default_profile_unknown_profile_option_and_env(monkeypatch):
    assert Appliance().release.name == "14.1" == releases.DEFAULT_RELEASE
    with pytest.raises(ValueError, match="unknown release profile"):
        Appliance(release="12.9")
    parser = build_parser()
    monkeypatch.delenv("LAB_RELEASE", raising=False)
    assert _release_arg(parser.parse_args(["up"])).name == "14.1"
    monkeypatch.setenv("LAB_RELEASE", "11.0")
    assert _release_arg(parser.parse_args(["up"])).name == "11.0"                  # env when no option
    assert _release_arg(parser.parse_args(["up", "--release", "16.0"])).name == "16.0"   # the option wins
    assert _release_arg(parser.parse_args(["serve", "--release", "13.5"])).name == "13.5"
    with pytest.raises(SystemExit):
        parser.parse_args(["up", "--release", "15.5"])


# -- destconfig -----------------------------------------------------------------------------------------
def test_destconfig_dane_and_demo_certificate_question(release):
    cli = open_cli(release)
    cli.run("destconfig", "new", "tls.example", "n", "n", "n", "y")
    out = cli.run("2")                          # TLS Preferred
    if DANE_FROM_12[release]:
        assert out == "\nDo you wish to configure DANE Support for this domain? [N]> "
        out = cli.run("")
    # every release ASKS the demo-certificate question (a question, not a warning)
    assert "have not entered a certificate" in out and out.endswith("Do you want to use the demo certificate? [Y]> ")
    assert cli.run("").startswith("\nDo you wish to apply a specific bounce verification")
    cli.run("", "", "")
    entry = next(item for item in cli.session.pending["destination_controls"] if item["domain"] == "tls.example")
    assert entry["tls"] == "on"
    # N to the question: no TLS setting of its own
    cli.run("new", "no.example", "n", "n", "n", "y", "3", *([""] if DANE_FROM_12[release] else []))
    cli.run("n", "", "", "")
    entry = next(item for item in cli.session.pending["destination_controls"] if item["domain"] == "no.example")
    assert entry["tls"] is None


def test_destconfig_default_dane(release):
    cli = open_cli(release)
    out = cli.last("destconfig", "default", "", "", "", "", "", "3")       # TLS Required
    if DANE_FROM_12[release]:
        assert out == "\nDo you want to use DANE Support?\n1. No\n2. Opportunistic\n3. Mandatory\n[1]> "
        out = cli.run("")
    assert "have not entered a certificate" in out
    # CLEAR asks nothing (phoebe1411/cli/ctor/destconfig.py: the verb, one Enter, the main prompt)
    out = cli.run("", "", "")       # certificate, bounce verification, IP sort (no bounce-profile question)
    assert out.endswith("- EXPORT - Export tables to a file.\n[]> ")
    assert cli.run("clear").startswith("\nThere are currently 0 entries configured.")


# -- smtproutes -----------------------------------------------------------------------------------------
def test_smtproutes_edit_new_domain_and_smtp_auth(release):
    cli = open_cli(release)
    add_route(cli, "example.com", "h1.example.net")
    out = cli.last("smtproutes", "edit", "example.com")
    assert "Enter the new domain for which you want to set up a permanent route." in out and out.endswith("[example.com]> ")
    out = cli.run("", "add", "h2.example.net")
    assert out.endswith("\nDo you want to associate an SMTP authentication profile with this route? [N]> ")
    cli.run("", "")
    assert cli.session.pending["smtp_routes"] == [{"domain": "example.com",
                                                   "destinations": ["h1.example.net", "h2.example.net"]}]


# -- filters (technote 118145) --------------------------------------------------------------------------
def test_filters_empty_menu_raw_script_lines_and_count(release):
    cli = open_cli(release)
    out = cli.run("filters")
    assert out.endswith("Choose the operation you want to perform:\n- NEW - Create a new filter.\n"
                        "- IMPORT - Import a filter script from a file.\n[]> ")
    assert cli.run("new") == "\nEnter filter script. Enter '.' on its own line to end.\n"
    assert cli.run("f2: if (true) {") == ""          # no prompt for the raw lines
    assert cli.run("    log('f2'); }") == ""
    out = cli.run(".")
    assert out.startswith("1 filters added.\n") and "- LIST - List the filters.\n" in out


# -- sslconfig ------------------------------------------------------------------------------------------
def test_sslconfig_per_release(release):
    cli = open_cli(release)
    out = cli.run("sslconfig")
    assert out.startswith("\nsslconfig settings:\n")
    if release == "11.0":
        assert "  Outbound SMTP method:  TLS v1.2\n  Outbound SMTP ciphers:  ECDH+aRSA:ECDH+ECDSA:" in out
    elif release == "13.5":
        assert "  Outbound SMTP Method:  TLS v1.2\n  Outbound SMTP Ciphers:  ECDH+aRSA:ECDH+ECDSA:" in out
    else:                                       # one cipher element per line
        assert "  Outbound SMTP Method:  TLS v1.2\n  Outbound SMTP Ciphers:\n    ECDH+aRSA\n    ECDH+ECDSA\n" in out
    assert ("- PEER_CERT_FQDN - " in out) is FROM_1387[release]
    assert ("- OTHER_CLIENT_TLSV10 - " in out) is FROM_1387[release]
    assert ("- PEER_CERT_X509 - " in out) is FROM_1387[release]
    out = cli.run("outbound")
    assert out.startswith("\nEnter the outbound SMTP ssl method you want to use.\n1. TLS v1.0\n")
    if release in ("11.0", "13.5"):
        assert "\n2. TLS v1/TLS v1.2\n3. TLS v1.2\n" in out and out.endswith("[3]> ")
    else:
        assert "\n2. TLS v1.1\n3. TLS v1.2\n" in out and out.endswith("[3]> ")
    assert ("TLS v1.3" in out) is (release == "16.0")
    out = cli.run("1")
    assert out.startswith("\nEnter the outbound SMTP ssl cipher you want to use.\n[")
    assert "enable TLS Renegotiation" not in cli.run("HIGH")          # OUTBOUND never asks it
    assert cli.session.pending["ssl"]["outbound_methods"] == ["TLSv1.0"]
    out = cli.last("inbound", "", "")
    if RENEGOTIATION_FROM_13[release]:
        assert out == "\nDo you want to enable TLS Renegotiation for inbound SMTP? [Y]> "
        cli.run("")
    else:
        assert out.endswith("[]> ") and "Choose the operation" in out
    out = cli.last("gui", "", "")
    assert ("enable TLS Renegotiation for GUI HTTPS" in out) is RENEGOTIATION_FROM_13[release]


def test_sslconfig_peer_verbs_colon_prompt(release):
    cli = open_cli(release)
    cli.run("sslconfig")
    out = cli.run("other_client_tlsv10")
    if not FROM_1387[release]:
        assert out.startswith('Unknown option "other_client_tlsv10".')
        return
    assert out == "\nTLS v1.0 for other client services is currently disabled.\nEnter ENABLE or DISABLE:> "
    assert ":>" in out.splitlines()[-1]            # the library's ".*:>" sub-prompt form (from 12.0)
    assert "TLS v1.0 for other client services:  Enabled" in cli.run("ENABLE")
    assert cli.run("") == "esa1.lab> "


# -- listenerconfig: HAT --------------------------------------------------------------------------------
def enter_hat(cli, name="IncomingMail"):
    return cli.last("listenerconfig", "edit", name, "hostaccess")


def test_hat_menu_reset_and_sender_group_verbs(release):
    cli = open_cli(release)
    out = enter_hat(cli)
    assert out.endswith("- EXPORT - Export the table to a file.\n- RESET - Remove all entries.\n[]> ")
    assert "- CLEAR -" not in out
    assert cli.run("new") == "\nChoose the type of entry to create:\n1. New Sender Group\n2. New Policy\n[1]> "
    cli.run("1", "PARTNERS", "10.1.1.1", "1", "")
    out = cli.last("edit", "1", "PARTNERS")
    verbs = [line.split(" - ")[0][2:] for line in out.splitlines() if line.startswith("- ")]
    expected = ["NEW", "DELETE", "MOVE", "COUNTRY", "EXTERNAL THREAT FEED SOURCE", "POLICY", "PRINT", "RENAME"]
    if release == "11.0":
        expected.remove("EXTERNAL THREAT FEED SOURCE")
    assert verbs == expected
    cli.run("country")
    out = cli.run("add")
    if release == "11.0":
        assert out == "\nEnter the countries to add, separated by commas.\n[]> "
    else:                           # from 12.0 the ":>" sub-prompt form
        assert out == "\nEnter the countries to add, separated by commas:> "
    assert cli.run("China").startswith("This option is not available in the lab.")
    cli.run("")
    if release != "11.0":
        out = cli.run("external threat feed source")
        assert out.endswith("- ADD - Add entries.\n- DELETE - Remove entries.\n- PRINT - Display the entries.\n[]> ")
        assert cli.run("add").endswith("separated by commas:> ")
        cli.run("", "")
    out = cli.last("", "reset")                     # no confirmation
    assert "There are currently 1 sender groups." in out


def test_hat_policy_parameters_per_release(release):
    cli = open_cli(release)
    enter_hat(cli)
    out = cli.last("default", "", "", "", "", "", "", "", "")
    assert out == "\nWould you like to enable anti-virus scanning? [Y]> "
    out = cli.run("")
    scan = ["Would you like to enable Sender Domain Reputation scanning?", "Would you like to enable Outbreak Filters?",
            "Would you like to enable Advanced Phishing Protection scanning?", "Would you like to enable Graymail scanning?",
            "Would you like to enable Content Filters?", "Would you like to enable Message Filters?"]
    if FROM_1387[release]:
        for question in scan:
            assert out == f"\n{question} [Y]> "
            out = cli.run("n" if "Graymail" in question else "")
    assert out.startswith("\nDo you want to allow encrypted TLS connections?")
    out = cli.run("", "")
    assert ("Graymail Scanning: No" in out) is FROM_1387[release]
    defaults = cli.session.pending["listeners"][0]["hat"]["default_policy"]
    assert defaults["graymail_check"] is (not FROM_1387[release])
    cli.run("", "", "", "commit", "", "")
    xml = cli.run("showconfig", "1")
    assert ("<hat_default_graymail_check>" in xml) is FROM_1387[release]


def test_listener_new_protocol_and_created(release):
    cli = open_cli(release)
    out = cli.last("listenerconfig", "new", "1", "Relay2", "1")
    assert out == "\nChoose a protocol.\n1. SMTP\n2. QMQP\n[1]> "
    out = cli.last("", "2525")
    assert out.startswith("Listener Relay2 created.\n")


def test_rat_custom_response_bare_prompt(release):
    cli = open_cli(release)
    cli.run("listenerconfig", "edit", "IncomingMail", "rcptaccess", "new", "a.example", "1")
    out = cli.last("y", "")
    assert out == "\nEnter your custom SMTP response. Press Enter on a blank line to finish.\n> "
    assert cli.run("Hello") == "> "


# -- showconfig passphrase options ----------------------------------------------------------------------
def test_showconfig_passphrase_options_and_ssl_elements(release):
    cli = open_cli(release)
    out = cli.run("showconfig")
    assert ("3. Plain passphrases" in out) is (release == "11.0")
    xml = cli.run("1")
    assert "<outbound_ciphers>" in xml
    assert ("<inbound_tls_renegotiation>" in xml) is RENEGOTIATION_FROM_13[release]
    assert ("<peer_cert_fqdn>" in xml) is FROM_1387[release]


# -- prompts and the pager ------------------------------------------------------------------------------
def test_pager_inside_dialogues_from_12(release):
    cli = open_cli(release, page_size=23)
    out = cli.last("listenerconfig", "edit", "IncomingMail")       # the listener's screen: 25 lines
    while cli.session.at_pager:
        out = cli.run(" ")
    assert out.endswith("[]> ")
    out = cli.run("hostaccess")                 # the HAT screen is longer than 23 lines
    if release == "11.0":
        assert PAGER not in out and out.endswith("[]> ")       # 11.0: no paging inside dialogues
        return
    assert out.endswith(PAGER) and cli.session.at_pager
    assert len(out.split("\n")) == 24
    rest = cli.run(" ")
    while cli.session.at_pager:
        rest += cli.run(" ")
    assert rest.startswith("\n") and rest.endswith("- RESET - Remove all entries.\n[]> ")


def test_listing_pages_in_every_release(release):
    cli = open_cli(release, page_size=10)
    cli.session.page_size = 0
    for index in range(15):
        add_route(cli, f"d{index:02}.example.com", "h1.example.net")
    cli.session.page_size = 10
    out = cli.run("smtproutes print")           # a listing pages in every release (the exec-style batch form)
    assert out.endswith(PAGER)
