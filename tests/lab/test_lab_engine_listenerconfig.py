"""In-process tests of the lab ESA engine: listenerconfig and the Recipient Access Table."""

import pytest

from conftest import Cli

RAT_TAIL = "- CLEAR - Remove all entries.\n[]> "
ADDRESS_Q = "Enter the recipient address for this entry."


@pytest.fixture(name="cli")
def cli_fixture(app):
    """No paging: from 12.0 the long listener screens page inside the dialogue (tested in test_lab_releases.py)."""
    return Cli(app, page_size=0)


def rat_of(view, name="IncomingMail"):
    return next(item for item in view["listeners"] if item["name"] == name)["rat"]


def pending_rat(cli, name="IncomingMail"):
    return rat_of(cli.session.pending, name)


def enter_rat(cli):
    return cli.run("listenerconfig", "edit", "IncomingMail", "rcptaccess")


def add_entry(cli, address, action, *rest):
    """From the RAT menu: NEW with defaults for everything not given."""
    return cli.run("new", address, action, *rest)


def finish(cli):
    """Answer the remaining questions with their defaults until the RAT menu is back."""
    out = ""
    while not out.endswith(RAT_TAIL):
        out = cli.run("")
    return out


def test_menus_and_levels(cli):
    out = cli.run("listenerconfig")
    assert out == (
        "\nCurrently configured listeners:\n"
        "1. IncomingMail (on Data 1, 192.0.2.10) SMTP TCP Port 25 Public\n"
        "2. OutgoingMail (on Data 2, 198.51.100.10) SMTP TCP Port 25 Private\n\n"
        "Choose the operation you want to perform:\n"
        "- NEW - Create a new listener.\n"
        "- EDIT - Modify a listener.\n"
        "- DELETE - Remove a listener.\n"
        "- SETUP - Change global settings.\n"
        "[]> ")
    assert cli.run("edit") == "\nEnter the name or number of the listener you wish to edit.\n[]> "
    out = cli.run("nope")
    assert out.startswith('That value is not valid: "nope".')
    assert out.endswith("Enter the name or number of the listener you wish to edit.\n[]> ")
    out = cli.run("incomingmail")
    assert out.startswith("\nName: IncomingMail\nType: Public\nInterface: Data 1 (192.0.2.10/24) TCP Port 25\n")
    for verb in ("NAME", "INTERFACE", "LIMITS", "SETUP", "BOUNCECONFIG", "MASQUERADE", "DOMAINMAP"):
        assert f"\n- {verb} - " in out
    assert "- HOSTACCESS - Modify the Host Access Table.\n" in out
    assert "- RCPTACCESS - Modify the Recipient Access Table.\n" in out
    out = cli.run("rcptaccess")
    assert out == (
        "\nRecipient Access Table\nThere are currently 1 entries.\nDefault Access: REJECT\n\n"
        "Choose the operation you want to perform:\n"
        "- NEW - Create a new entry.\n"
        "- EDIT - Modify an entry.\n"
        "- DELETE - Remove an entry.\n"
        "- PRINT - Display the table.\n"
        "- IMPORT - Import a table from a file.\n"
        "- EXPORT - Export the table to a file.\n"
        "- CLEAR - Remove all entries.\n"
        "[]> ")
    assert cli.run("").startswith("\nName: IncomingMail\n")                  # 1: listener menu
    assert cli.run("").startswith("\nCurrently configured listeners:\n")     # 2: listeners menu
    assert cli.run("") == "esa1.lab> "                                       # 3: main prompt
    assert cli.run("") == "esa1.lab> "                                       # a 4th Enter is harmless


def test_private_listener_has_no_rat(cli):
    out = cli.run("listenerconfig", "edit", "2")
    assert "Type: Private" in out and "RCPTACCESS" not in out
    assert cli.run("rcptaccess").startswith('Unknown option "rcptaccess".')
    assert cli.run("hostaccess").startswith("\nDefault Policy Parameters\n")


def test_rat_new_full_dialogue(app, cli):
    enter_rat(cli)
    out = cli.run("new")
    assert out.startswith(f"\n{ADDRESS_Q}\n") and out.endswith("[]> ")
    assert cli.run("").startswith("Please enter a value.\n\n" + ADDRESS_Q)
    assert cli.run("bad address").startswith("A Recipient Access Table address can be one of the following")
    assert cli.run("a@b@c").startswith("A Recipient Access Table address can be one of the following")
    assert cli.run("all").startswith("The value ALL is already in the Recipient Access Table.")
    out = cli.run("Joe@Example.COM")
    assert out == "\nSelect the action to apply to this address:\n1. Accept\n2. Reject\n3. TCP Refuse\n4. Continue\n[1]> "
    assert cli.run("") == "\nWould you like to specify a custom SMTP response? [N]> "
    assert cli.run("y") == "\nEnter the SMTP code to use in the response.\n[250]> "
    assert cli.run("600").startswith("The value must be an integer from 200 to 599.")
    out = cli.run("251")
    # free-text lines at a bare "> " prompt (the library's "^>" sub-prompt form)
    assert out == "\nEnter your custom SMTP response. Press Enter on a blank line to finish.\n> "
    assert cli.run("Welcome") == "> "
    assert cli.run("friend") == "> "
    assert cli.run("") == "\nWould you like to bypass receiving control for this entry? [N]> "
    assert cli.run("y") == "\nWould you like to bypass LDAP ACCEPT for this entry? [N]> "
    assert cli.run("") == "\nWould you like to bypass SMTP Call-Ahead for this entry? [N]> "
    out = cli.run("y")
    assert "There are currently 2 entries." in out and out.endswith(RAT_TAIL)
    assert pending_rat(cli) == [
        {"address": "Joe@example.com", "action": "ACCEPT", "smtp_response_code": 251, "smtp_response_text": "Welcome\nfriend",
         "bypass_receiving_control": True, "bypass_ldap_accept": False, "bypass_call_ahead": True},
        {"address": "ALL", "action": "REJECT", "smtp_response_code": None, "smtp_response_text": None,
         "bypass_receiving_control": False, "bypass_ldap_accept": False, "bypass_call_ahead": False}]
    assert app.counters["writes"] == 1


@pytest.mark.parametrize("address", ["user@example.com", "@example.com", "example.com", ".example.com", "user@",
                                     "@.example.com", "user@[192.0.2.1]", "@[192.0.2.1]"])
def test_rat_address_forms(cli, address):
    enter_rat(cli)
    add_entry(cli, address, "2")
    finish(cli)
    assert pending_rat(cli)[0]["address"] == address


@pytest.mark.parametrize("address", ["user@[300.1.1.1]", "user name@example.com", "example..com", "192.0.2.1", "@", "ex_ample.com"])
def test_rat_bad_addresses(cli, address):
    enter_rat(cli)
    out = cli.run("new", address)
    assert "A Recipient Access Table address can be one of the following" in out and out.endswith("[]> ")


def test_rat_reject_and_tcprefuse_questions(cli):
    enter_rat(cli)
    out = add_entry(cli, "reject.example", "Reject", "y")
    assert out.endswith("\nEnter the SMTP code to use in the response.\n[550]> ")
    out = cli.run("", "550 5.1.1 No such user", "")
    assert out.endswith(RAT_TAIL)              # no bypass questions for REJECT
    out = add_entry(cli, "refuse.example", "tcprefuse")
    assert out.endswith(RAT_TAIL)              # no custom response, no bypass for TCPREFUSE
    out = cli.last("new", "cont.example", "4")
    assert out == "\nWould you like to specify a custom SMTP response? [N]> "
    assert cli.run("").endswith(RAT_TAIL)
    rat = pending_rat(cli)
    assert [(entry["address"], entry["action"]) for entry in rat] == [
        ("reject.example", "REJECT"), ("refuse.example", "TCPREFUSE"), ("cont.example", "CONTINUE"), ("ALL", "REJECT")]
    assert rat[0]["smtp_response_code"] == 550 and rat[0]["smtp_response_text"] == "550 5.1.1 No such user"


def test_rat_edit_delete_print_clear(app, cli):
    enter_rat(cli)
    add_entry(cli, "a.example", "1", "y", "", "hello", "", "y", "y", "y")
    add_entry(cli, "b.example", "2")
    finish(cli)
    assert cli.run("edit") == "\nEnter the address to edit.\n[]> "
    assert cli.run("c.example").startswith('The address "c.example" was not found in the Recipient Access Table.')
    out = cli.run("A.EXAMPLE")
    assert out == "\nWhat access for a.example?\n1. Accept\n2. Reject\n3. TCP Refuse\n4. Continue\n[1]> "
    assert cli.run("") == "\nWould you like to specify a custom SMTP response? [Y]> "
    assert cli.run("") == "\nEnter the SMTP code to use in the response.\n[250]> "
    cli.run("")
    cli.run("")                                 # empty first line keeps the current text
    assert cli.run("") == "\nWould you like to bypass LDAP ACCEPT for this entry? [Y]> "
    cli.run("n", "")
    entry = pending_rat(cli)[0]
    assert entry["smtp_response_text"] == "hello" and entry["bypass_ldap_accept"] is False and entry["bypass_call_ahead"]
    out = cli.run("print")
    # the entries, a blank line, then the menu's "Recipient Access Table" heading (the library's PRINT parser)
    assert out.startswith("a.example ACCEPT\nb.example REJECT\nALL REJECT\n\nRecipient Access Table\n")
    cli.run("delete")
    assert cli.run("ALL").startswith("The ALL entry cannot be deleted.\n\nEnter the address to delete.")
    cli.run("a.example")
    assert [entry["address"] for entry in pending_rat(cli)] == ["b.example", "ALL"]
    out = cli.run("clear")
    assert out == ("\nSelect the default access behavior for all other recipients (ALL):\n"
                   "1. Accept\n2. Reject\n3. TCP Refuse\n4. Continue\n[2]> ")
    out = cli.run("1")
    assert "Default Access: ACCEPT" in out
    assert [(entry["address"], entry["action"]) for entry in pending_rat(cli)] == [("ALL", "ACCEPT")]
    assert app.counters["writes"] == 5


def test_rat_print_confirmation_for_large_tables(app):
    lines = "".join(f"u{number}@example.com ACCEPT\n" for number in range(101))
    app.files.write("big.txt", lines)
    cli = Cli(app, page_size=0)
    enter_rat(cli)
    cli.run("import", "big.txt")
    assert cli.run("print") == "\nThis could take a while. Do you want to continue? [Y]> "
    assert "ALL REJECT" not in cli.run("n")
    out = cli.run("print", "")
    assert "u100@example.com ACCEPT" in out or cli.session.at_pager


def test_rat_export_import(app, cli):
    enter_rat(cli)
    add_entry(cli, "a.example", "2", "y", "", 'No "way"', "second", "")
    add_entry(cli, "b.example", "1", "n", "y", "n", "y")
    cli.run("export", "rat.txt")
    text = app.files.read("rat.txt")
    assert text.startswith("# File exported by the CLI at ")
    assert text.split("\n", 1)[1] == ('a.example REJECT {smtp_response_code=550 smtp_response_text="No \\"way\\"\\nsecond"}\n'
                                      "b.example ACCEPT {bypass_receiving_control=yes bypass_call_ahead=yes}\n"
                                      "ALL REJECT\n")
    before = pending_rat(cli)
    cli.run("clear", "")
    cli.run("import", "rat.txt")
    assert pending_rat(cli) == before
    app.files.write("plain.txt", "# comment\n.example.com ACCEPT\n")
    cli.run("import", "plain.txt")
    assert [(entry["address"], entry["action"]) for entry in pending_rat(cli)] == [(".example.com", "ACCEPT"), ("ALL", "REJECT")]
    app.files.write("bad.txt", "ok.example ACCEPT\nbad@@address REJECT\n")
    assert "Import failed. Line 2: A Recipient Access Table address" in cli.run("import", "bad.txt")
    app.files.write("bad2.txt", "ok.example MAYBE\n")
    assert 'Import failed. Line 1: Invalid action "MAYBE".' in cli.run("import", "bad2.txt")


def test_listener_new_rename_delete(app, cli):
    cli.run("listenerconfig")
    out = cli.run("new")
    assert out == "\nPlease select the type of listener you want to create.\n1. Private\n2. Public\n[2]> "
    assert cli.run("") == "\nEnter a name for this listener.\n[]> "
    assert cli.run("IncomingMail").startswith("The value IncomingMail is already used by another listener.")
    out = cli.run("Extra")
    assert "Please choose an IP interface for this Listener.\n1. Management" in out
    assert cli.run("1") == "\nChoose a protocol.\n1. SMTP\n2. QMQP\n[1]> "
    assert cli.run("qmqp").startswith("QMQP listeners are not available in the lab.")
    assert cli.run("") == "\nEnter the TCP port for this listener.\n[25]> "
    out = cli.run("")
    assert out.startswith("Listener Extra created.\n")     # the library's NEW ends at "created."
    assert "3. Extra (on Management, 192.168.42.42) SMTP TCP Port 25 Public" in out
    cli.run("edit", "Extra", "name")
    cli.run("Renamed", "", "delete", "OutgoingMail")
    names = [item["name"] for item in cli.session.pending["listeners"]]
    assert names == ["IncomingMail", "Renamed"]
    assert app.counters["writes"] == 3


def test_batch_rcptaccess_print_and_xml(app):
    session = app.open_session()
    out = session.run_exec("listenerconfig EDIT IncomingMail RCPTACCESS PRINT")
    assert out == "ALL REJECT\n"
    cli = Cli(app, page_size=0)
    enter_rat(cli)
    add_entry(cli, "a.example", "1", "y", "", "hi", "", "y", "n", "y")
    cli.run("", "", "", "commit", "", "")
    assert rat_of(app.committed)[0]["address"] == "a.example"
    out = cli.run("showconfig", "1")
    assert ("<listener_name>IncomingMail</listener_name>\n      <type>public</type>\n"
            "      <interface_name>Data 1</interface_name>") in out
    assert ("        <rat_entry>\n          <rat_address>a.example</rat_address>\n          <access>ACCEPT</access>\n"
            "          <rat_params>\n            <smtp_response_code>250</smtp_response_code>\n"
            "            <smtp_response_text>hi</smtp_response_text>\n"
            "            <bypass_ldap_accept>no</bypass_ldap_accept>\n"
            "            <bypass_receiving_control>yes</bypass_receiving_control>\n"
            "            <bypass_call_ahead>yes</bypass_call_ahead>\n"
            "          </rat_params>\n        </rat_entry>\n") in out
    assert "<listener_name>OutgoingMail</listener_name>\n      <type>private</type>" in out
    assert out.count("<rat>") == 1
