"""In-process tests of the lab ESA engine: destconfig."""

import pytest

from conftest import Cli

MENU_TAIL = "- EXPORT - Export tables to a file.\n[]> "


def entries(table):
    return {entry["domain"]: entry for entry in table}


def pending_dc(cli):
    return entries(cli.session.pending["destination_controls"])


def new_full(cli):
    """NEW example.com with every per-domain setting; returns the outputs of each step."""
    steps = [
        ("new", "\nEnter the domain you wish to configure.\n[]> "),
        ("Example.COM", "\nDo you wish to configure a concurrency limit for example.com? [Y]> "),
        ("", '\nEnter the max concurrency limit for "example.com".\n[500]> '),
        ("10", "\nDo you wish to apply a recipient limit to this domain? [N]> "),
        ("y", "\nEnter the number of minutes used to measure the recipient limit.\n[60]> "),
        ("30", '\nEnter the max number of recipients per 30 minutes for "example.com".\n[]> '),
        ("100", "\nSelect how you want to apply the limits for example.com:\n1. One limit applies to the entire domain\n"
                "2. Separate limit for each mail exchanger IP address\n[1]> "),
        ("2", "\nSelect how the limits will be enforced:\n1. System Wide\n2. Per Virtual Gateway(tm)\n[1]> "),
        ("2", "\nDo you wish to apply a messages-per-connection limit to this domain? [N]> "),
        ("y", '\nEnter the max number of messages per connection for "example.com".\n[50]> '),
        ("20", "\nDo you wish to apply a specific TLS setting for this domain? [N]> "),
        ("y", "\nDo you want to use TLS support?\n1. No\n2. Preferred\n3. Required\n4. Preferred - Verify\n"
              "5. Required - Verify\n[1]> "),
        ("2", "\nDo you wish to configure DANE Support for this domain? [N]> "),
        ("y", "\nPlease choose a DANE option:\n1. No\n2. Opportunistic\n3. Mandatory\n[1]> "),
        ("2", "You have not entered a certificate."),
        ("", "\nDo you wish to apply a specific bounce verification address tagging setting for this domain? [N]> "),
        ("y", "\nPerform bounce verification address tagging? [N]> "),
        ("y", "\nDo you wish to apply a specific bounce profile to this domain? [N]> "),
        ("y", "\nPlease choose a bounce profile to apply:\n1. Default\n2. New Profile\n[1]> "),
        ("1", "\nDo you wish to apply a specific IP sort preference for this domain? [N]> "),
        ("y", "\nSelect how you want to sort IP addresses within an MX record:\n1. Prefer IPv4\n2. Prefer IPv6\n"
              "3. Require IPv4\n4. Require IPv6\n[2]> "),
        ("1", "There are currently 1 entries configured."),
    ]
    for answer, expected in steps:
        out = cli.run(answer)
        assert expected in out, (answer, out)
    return out


def test_menu_and_new_full_flow(app, cli):
    out = cli.run("destconfig")
    assert out == (
        "\nThere are currently 0 entries configured.\n\n"
        "Choose the operation you want to perform:\n"
        "- SETUP - Change global settings.\n"
        "- NEW - Create a new entry.\n"
        "- EDIT - Modify an entry.\n"
        "- DELETE - Remove an entry.\n"
        "- DEFAULT - Change the default.\n"
        "- LIST - Display a summary list of all entries.\n"
        "- DETAIL - Display details for one destination or all entries.\n"
        "- CLEAR - Remove all entries.\n"
        "- IMPORT - Import tables from a file.\n"
        "- EXPORT - Export tables to a file.\n"
        "[]> ")
    out = new_full(cli)
    assert out.endswith(MENU_TAIL)
    entry = pending_dc(cli)["example.com"]
    assert entry == {"domain": "example.com", "concurrency_limit": 10, "recipient_limit": 100, "recipient_minutes": 30,
                     "limit_type": "mxip", "limit_apply": "vg", "max_messages_per_connection": 20, "tls": "on",
                     "dane": "opportunistic", "bounce_verification": True, "bounce_profile": "Default", "ip_sort": "prefer_v4"}
    assert app.counters["writes"] == 1
    assert cli.session.pending["destination_controls"][-1]["domain"] == "DEFAULT"
    assert cli.run("") == "esa1.lab> "


def test_new_minimal_inherits_everything(cli):
    cli.run("destconfig", "new", "min.example")
    out = cli.run("n")
    assert out == "\nDo you wish to apply a recipient limit to this domain? [N]> "
    out = cli.run("")       # no limits -> no limit type/enforcement questions
    assert out == "\nDo you wish to apply a messages-per-connection limit to this domain? [N]> "
    cli.run("")
    out = cli.run("")       # TLS inherited (No) -> no DANE question
    assert out == "\nDo you wish to apply a specific bounce verification address tagging setting for this domain? [N]> "
    out = cli.run("", "", "")
    assert "There are currently 1 entries configured." in out
    entry = pending_dc(cli)["min.example"]
    assert all(entry[key] is None for key in entry if key != "domain")


@pytest.mark.parametrize("value, message", [("0", "The value must be an integer from 1 to 1000."),
                                            ("1001", "The value must be an integer from 1 to 1000."),
                                            ("ten", "The value must be an integer from 1 to 1000.")])
def test_concurrency_out_of_range_reasks(cli, value, message):
    cli.run("destconfig", "new", "example.com", "y")
    out = cli.run(value)
    assert out == f'{message}\n\nEnter the max concurrency limit for "example.com".\n[500]> '
    assert cli.run("1000").endswith("[N]> ")


def test_minutes_range_and_domain_errors(cli):
    cli.run("destconfig", "new")
    assert cli.run("bad domain!").startswith('Invalid hostname format "bad domain!".\n\nEnter the domain you wish to configure.')
    assert cli.run("").startswith("You must enter a value.")
    assert cli.run("DEFAULT").startswith('Invalid hostname format "DEFAULT".')
    cli.run("example.com", "n", "y")
    out = cli.run("61")
    assert out.startswith("The value must be an integer from 1 to 60.\n\nEnter the number of minutes used to measure")


def test_unknown_bounce_profile_and_new_profile(cli):
    cli.run("destconfig", "new", "example.com", "n", "n", "n", "n", "n", "y")
    out = cli.run("NoSuchProfile")
    assert out.startswith('Invalid profile name "NoSuchProfile".\n\nPlease choose a bounce profile to apply:')
    out = cli.run("New Profile")
    assert out == "\nEnter the name of a profile to create.\n[]> "
    assert cli.run("1bad").startswith("The bounce profile name must start with a letter")
    assert cli.run("default").startswith('The bounce profile "default" already exists.')
    cli.run("Soft_Bounce", "n")
    assert pending_dc(cli)["example.com"]["bounce_profile"] == "Soft_Bounce"
    assert cli.session.pending["bounce_profiles"] == ["Default", "Soft_Bounce"]
    assert cli.app.counters["writes"] == 1
    out = cli.run("new", "other.example", "n", "n", "n", "n", "n", "y")
    assert "1. Default\n2. Soft_Bounce\n3. New Profile\n[1]> " in out
    cli.run("soft_bounce", "n")
    assert pending_dc(cli)["other.example"]["bounce_profile"] == "Soft_Bounce"


def test_duplicate_and_edit_shows_current_values(cli):
    cli.run("destconfig")
    new_full(cli)
    cli.run("new")
    assert cli.run("example.com").startswith("The value example.com is already in the destination control table.")
    cli.session.interrupt()
    cli.run("destconfig", "edit")
    assert cli.run("nope.example").startswith('The domain "nope.example" was not found in the destination control table.')
    assert cli.run("DEFAULT").startswith("Use DEFAULT to change the default entry.")
    assert cli.run("example.com") == "\nDo you wish to configure a concurrency limit for example.com? [Y]> "
    assert cli.run("") == '\nEnter the max concurrency limit for "example.com".\n[10]> '
    assert cli.run("") == "\nDo you wish to apply a recipient limit to this domain? [Y]> "
    assert cli.run("") == "\nEnter the number of minutes used to measure the recipient limit.\n[30]> "
    assert cli.run("") == '\nEnter the max number of recipients per 30 minutes for "example.com".\n[100]> '
    assert cli.run("").endswith("[2]> ")      # limit type: MX IP
    assert cli.run("").endswith("[2]> ")      # enforcement: per VG
    assert cli.run("").endswith("this domain? [Y]> ")
    assert cli.run("").endswith("[20]> ")
    assert cli.run("") == "\nDo you wish to apply a specific TLS setting for this domain? [Y]> "
    out = cli.run("n")      # N = use the default (TLS No) -> no DANE question
    assert out == "\nDo you wish to apply a specific bounce verification address tagging setting for this domain? [Y]> "
    cli.run("", "", "n", "n")
    entry = pending_dc(cli)["example.com"]
    assert entry["tls"] is None and entry["dane"] is None and entry["bounce_profile"] is None and entry["ip_sort"] is None
    assert entry["concurrency_limit"] == 10 and entry["bounce_verification"] is True
    assert cli.app.counters["writes"] == 2


def test_default_flow_and_detail(cli):
    cli.run("destconfig", "new", "inherit.example", "n", "n", "n", "n", "n", "n", "n")
    steps = [
        ("default", "\nEnter the default maximum concurrency limit.\n[500]> "),
        ("0", "The value must be an integer from 1 to 1000."),
        ("400", "\nDo you wish to specify a default recipient limit? [N]> "),
        ("y", "\nEnter the number of minutes used to measure recipient limit.\n[60]> "),
        ("", "\nEnter number of recipients per 60 minutes.\n[]> "),
        ("1000", "\nSelect how you want to apply the limits for destinations by default:\n"),
        ("", "\nSelect how the limits will be enforced:\n"),
        ("", "\nEnter the maximum number of messages per connection.\n[50]> "),
        ("", "\nDo you want to use TLS support?\n"),
        ("3", "\nDo you want to use DANE Support?\n1. No\n2. Opportunistic\n3. Mandatory\n[1]> "),
        ("", "have not entered a certificate"),
        ("", "\nPerform bounce verification address tagging? [N]> "),
        ("", "\nSelect how you want to sort IP addresses within an MX record:\n"),     # no bounce profile

        ("3", "There are currently 1 entries configured."),
    ]
    for answer, expected in steps:
        assert expected in cli.run(answer), answer
    default = pending_dc(cli)["DEFAULT"]
    assert default["concurrency_limit"] == 400 and default["recipient_limit"] == 1000 and default["tls"] == "require"
    assert default["ip_sort"] == "require_v4"
    out = cli.run("detail")
    assert out == '\nEnter the domain you wish to view, or "all" to view all entries.\n[]> '
    assert cli.run("nope.example").startswith('The domain "nope.example" was not found')
    out = cli.run("all")
    while cli.session.at_pager:     # from 12.0 the menu after a listing pages too (docs/asyncos-cli.md §1)
        out += cli.run("")
    out = out.replace("-Press Any Key For More-\n", "")
    assert out.startswith(
        "Domain: inherit.example\n"
        "    Concurrency Limit: Default (400)\n"
        "    Recipient Limit: Default (1000 per 60 minutes)\n"
        "    Limit Type: Default (Entire domain)\n"
        "    Limits Applied: Default (System Wide)\n"
        "    Messages Per Connection: Default (50)\n"
        "    TLS: Default (Required)\n"
        "    DANE: Default (No)\n"
        "    Bounce Verification: Default (Off)\n"
        "    Bounce Profile: Default (Default)\n"
        "    IP Sort Preference: Default (Require IPv4)\n"
        "Domain: DEFAULT\n"
        "    Concurrency Limit: 400\n"
        "    Recipient Limit: 1000 per 60 minutes\n")
    assert "    IP Sort Preference: Require IPv4\n\nThere are currently 1 entries configured." in out
    out = cli.last("detail", "default")
    assert out.startswith("Domain: DEFAULT\n    Concurrency Limit: 400\n")


def test_list_layout(cli):
    cli.run("destconfig")
    new_full(cli)
    out = cli.run("list")
    lines = out.split("\n")
    assert lines[0] == "Domain                Concurrency  Recipient Limit  TLS        Bounce Profile"
    assert lines[1] == "example.com           10           100/30 min       Preferred  Default"
    assert lines[2] == "DEFAULT               500          None             No         Default"
    assert all(len(line) <= 80 for line in lines[:3])


def test_delete_and_default_not_deletable(cli):
    cli.run("destconfig", "new", "a.example", "n", "n", "n", "n", "n", "n", "n")
    cli.run("delete")
    assert cli.run("DEFAULT").startswith("The default entry cannot be deleted.\n\nEnter the domain you wish to delete.")
    assert cli.run("b.example").startswith('The domain "b.example" was not found in the destination control table.')
    cli.run("a.example")
    assert list(pending_dc(cli)) == ["DEFAULT"]
    assert cli.app.counters["writes"] == 2
    assert cli.run("delete").startswith("There are no entries configured.")


def test_clear_keeps_default(cli):
    cli.run("destconfig", "new", "a.example", "n", "n", "n", "n", "n", "n", "n")
    cli.run("new", "b.example", "n", "n", "n", "n", "n", "n", "n")
    assert len(pending_dc(cli)) == 3
    # no confirmation (phoebe1411/cli/ctor/destconfig.py CLEAR: the verb, one Enter, the main prompt)
    assert cli.run("clear").startswith("\nThere are currently 0 entries configured.")
    assert list(pending_dc(cli)) == ["DEFAULT"]
    assert cli.app.counters["writes"] == 3


def test_setup(cli):
    out = cli.run("destconfig", "setup")
    assert "Please choose the certificate to use for outbound TLS connections:\n1. Demo\n[1]> " in out
    assert cli.run("") == "\nDo you want to send an alert when a required TLS connection fails? [N]> "
    cli.run("y")
    assert pending_dc(cli)["DEFAULT"]["tls_alert"] is True


def test_export_import_round_trip(app, cli):
    cli.run("destconfig")
    new_full(cli)
    cli.run("export", "dc.txt")
    text = app.files.read("dc.txt")
    assert text.startswith("# File exported by the CLI at ")
    assert "\n[DEFAULT]\nmax_host_concurrency = 500\nrecipient_limit = 0\nrecipient_minutes = 60\n" in text
    assert "limit_type = host\nlimit_apply = system\nmax_messages_per_connection = 50\ntable_tls = off\ndane = off\n" in text
    assert "bounce_validation = 0\nbounce_profile = Default\nip_sort_pref = PREFER_V6\n" in text
    assert "\n[example.com]\nmax_host_concurrency = 10\nrecipient_limit = 100\nrecipient_minutes = 30\nlimit_type = MXIP\n" in text
    before = cli.session.pending["destination_controls"]
    cli.run("clear")
    cli.run("import", "dc.txt")
    assert cli.session.pending["destination_controls"] == before
    assert app.counters["writes"] == 3
    app.files.write("bad.txt", "[DEFAULT]\nmax_host_concurrency = 5\n")
    assert "Import failed. Line 1: the [DEFAULT] section requires" in cli.run("import", "bad.txt")
    app.files.write("bad2.txt", text.replace("bounce_profile = Default", "bounce_profile = Nope"))
    assert 'Import failed. Line ' in cli.run("import", "bad2.txt")
    assert 'Invalid profile name "Nope"' in cli.run("import", "bad2.txt")
    assert cli.last("import", "missing.txt").startswith("Error reading file.")
    assert app.counters["writes"] == 3


def test_commit_and_showconfig_xml(app):
    cli = Cli(app, page_size=0)
    cli.run("destconfig")
    new_full(cli)
    cli.run("", "commit", "", "")
    assert entries(app.committed["destination_controls"])["example.com"]["concurrency_limit"] == 10
    out = cli.run("showconfig", "2")
    assert ("  <destination_controls>\n    <destination_control>\n      <domain>example.com</domain>\n"
            "      <max_host_concurrency>10</max_host_concurrency>\n") in out
    assert "<table_tls>on</table_tls>" in out and "<domain>DEFAULT</domain>" in out


def test_batch_detail_all(app):
    session = app.open_session()
    out = session.run_exec("destconfig detail all")
    assert out.startswith("Domain: DEFAULT\n    Concurrency Limit: 500\n") and "IP Sort Preference: Prefer IPv6" in out
    assert Cli(app).run("destconfig list").startswith("Domain ")
