"""In-process tests of the lab ESA engine: listenerconfig > EDIT > HOSTACCESS (sender groups, mail flow policies)."""

import pytest

from lab.esa import hat as hm
from lab.esa.engine import Appliance

from conftest import Cli

MENU_TAIL = "- RESET - Remove all entries.\n[]> "
SCAN_QUESTIONS = [     # 13.8.7+ (the default profile 14.1): after anti-virus, before TLS
    "Would you like to enable Sender Domain Reputation scanning?", "Would you like to enable Outbreak Filters?",
    "Would you like to enable Advanced Phishing Protection scanning?", "Would you like to enable Graymail scanning?",
    "Would you like to enable Content Filters?", "Would you like to enable Message Filters?"]

GROUP_TAIL = "[]> "
HOSTS_Q = "Enter the senders to add to this sender group."
PUBLIC_HAT = """$ACCEPTED
    ACCEPT
$THROTTLED
    ACCEPT {
        max_msgs_per_session = 10
        max_concurrency = 10
        max_rcpts_per_msg = 25
        max_rcpts_per_hour = 20
        tls = "off"
    }
$TRUSTED
    ACCEPT {
        max_msgs_per_session = 5000
        max_concurrency = 600
        max_rcpts_per_msg = 5000
        max_rcpts_per_hour = -1
        tls = "off"
    }
$BLOCKED
    REJECT
BLOCKED_LIST:
        $BLOCKED (Spammers are rejected)
SUSPECTLIST:
        $THROTTLED (Suspicious senders are throttled)
UNKNOWNLIST:
        $ACCEPTED (Reviewed but undecided, continue normal acceptance)
ALL
    $ACCEPTED (Everyone else)"""


@pytest.fixture(name="cli")
def cli_fixture(app):
    """No paging: from 12.0 the long HOSTACCESS screen pages inside the dialogue (tested in test_lab_releases.py)."""
    return Cli(app, page_size=0)


def hat_of(view, name="IncomingMail"):
    return next(item for item in view["listeners"] if item["name"] == name)["hat"]


def pending_hat(cli, name="IncomingMail"):
    return hat_of(cli.session.pending, name)


def enter(cli, name="IncomingMail"):
    return cli.last("listenerconfig", "edit", name, "hostaccess")


def groups(hat):
    return [item["name"] for item in hat["sender_groups"]]


def new_group(cli, name, hosts, policy, comment=""):
    return cli.run("new", "1", name, hosts, policy, comment)


def test_menu_summary_and_levels(cli):
    out = enter(cli)
    assert out.startswith("\nDefault Policy Parameters\n==========================\nMaximum Message Size: 10M\n")
    assert "Maximum Number Of Concurrent Connections From A Single IP: 10\n" in out
    assert "Maximum Number Of Recipients Per Hour: Disabled\n" in out
    assert "Allow TLS Connections: No\n" in out and "Allow SMTP Authentication: No\n" in out
    assert out.endswith(
        "\nThere are currently 4 policies defined.\nThere are currently 4 sender groups.\n\n"
        "Choose the operation you want to perform:\n"
        "- NEW - Create a new entry.\n- EDIT - Modify an entry.\n- DELETE - Remove an entry.\n- MOVE - Move an entry.\n"
        "- DEFAULT - Set the defaults.\n- PRINT - Display the table.\n- IMPORT - Import a table from a file.\n"
        "- EXPORT - Export the table to a file.\n- RESET - Remove all entries.\n[]> ")
    assert cli.run("").startswith("\nName: IncomingMail\n")
    assert cli.run("").startswith("\nCurrently configured listeners:\n")
    assert cli.run("") == "esa1.lab> "


def test_print_factory_public_and_private(app):
    cli = Cli(app, page_size=0)
    enter(cli)
    out = cli.run("print")
    assert out.startswith(PUBLIC_HAT + "\n\nDefault Policy Parameters\n")
    cli.run("", "", "")
    enter(cli, "OutgoingMail")
    out = cli.run("print")
    assert out.startswith("$RELAYED\n    RELAY\n$BLOCKED\n    REJECT\nRELAYLIST:\n        $RELAYED (Relay mail from these hosts)\n"
                          "ALL\n    $BLOCKED (Everyone else)\n\n")
    assert "Spam Detection Enabled: No\n" in out


def test_new_sender_group_dialogue(app, cli):
    enter(cli, "OutgoingMail")
    assert cli.run("new") == "\nChoose the type of entry to create:\n1. New Sender Group\n2. New Policy\n[1]> "
    assert cli.run("") == "\nEnter a name for this sender group.\n[]> "
    assert cli.run("").startswith("You must enter a value.\n")
    assert cli.run("9bad").startswith('The sender group name must start with a letter and contain only letters, digits, "-" and "_"')
    assert cli.run("relaylist").startswith('The sender group "relaylist" already exists.\n')
    assert cli.run("all").startswith('The sender group "all" already exists.\n')
    out = cli.run("RELAY_O365")
    assert out.startswith(f"\n{HOSTS_Q}\n") and out.endswith("Separate multiple hosts with commas.\n[]> ")
    assert cli.run(".protection.outlook.com, 10.1.1.300").startswith('Invalid IP or IP range "10.1.1.300".\n\n' + HOSTS_Q)
    assert cli.run("bad_host!").startswith("A hostname must ")
    assert cli.run("10.0.0.0/40").startswith("A CIDR address is an IP")
    out = cli.run(".protection.outlook.com, 40.92.0.0/15, .protection.outlook.com")
    assert out == "\nSelect the policy for this sender group:\n1. $RELAYED\n2. $BLOCKED\n[]> "
    assert cli.run("").startswith("You must enter a value.\n")
    assert cli.run("$NOPE").startswith('There is no policy named "$NOPE".\n')
    assert cli.run("$relayed") == "\nEnter a comment for this sender group.\n[]> "
    assert cli.run("Microsoft 365 outbound").endswith(MENU_TAIL)
    hat = pending_hat(cli, "OutgoingMail")
    assert groups(hat) == ["RELAYLIST", "RELAY_O365", "ALL"]
    assert hat["sender_groups"][1] == {"name": "RELAY_O365", "order": 2, "members": [".protection.outlook.com", "40.92.0.0/15"],
                                       "policy": "RELAYED", "comment": "Microsoft 365 outbound", "dns_verification": []}
    assert app.counters["writes"] == 1
    assert cli.run("print").startswith(
        "$RELAYED\n    RELAY\n$BLOCKED\n    REJECT\nRELAYLIST:\n        $RELAYED (Relay mail from these hosts)\n"
        "RELAY_O365:\n        .protection.outlook.com\n        40.92.0.0/15\n        $RELAYED (Microsoft 365 outbound)\n"
        "ALL\n    $BLOCKED (Everyone else)\n")


@pytest.mark.parametrize("member, canonical", [
    ("192.0.2.10", "192.0.2.10"), ("10.1.", "10.1."), ("10.1.1", "10.1.1"), ("10.1.1.1-20", "10.1.1.1-20"),
    ("10.1.1-20.", "10.1.1-20."), ("10.0.0.0/8", "10.0.0.0/8"), ("10/8", "10/8"), ("2001:DB8::10", "2001:db8::10"),
    ("2001:db8::/32", "2001:db8::/32"), ("Mail.Example.COM", "mail.example.com"),
    (".protection.outlook.com", ".protection.outlook.com"), ("sbrs[-10:-3]", "SBRS[-10.0:-3.0]"),
    ("SBRS[none]", "SBRS[none]"), ("SBO:12345", "SBO:12345"), ("dnslist[Query.Blocklist.example]", "dnslist[query.blocklist.example]"),
])
def test_member_syntax(member, canonical):
    assert hm.canonical_member(member) == canonical


@pytest.mark.parametrize("member, error", [
    ("10.1.1.256", "Invalid IP or IP range"), ("10.1.1.1.1", "Invalid IP or IP range"), ("10.1.1.20-1", "Invalid IP or IP range"),
    ("10.1-2.1.1", "Invalid IP or IP range"), ("2001:db8::g", "Invalid IP or IP range"), ("10.0.0.0/33", "A CIDR address is an IP"),
    ("2001:db8::/129", "A CIDR address is an IP"), ("host..example", "A hostname must "), ("exa mple.com", "A hostname must "),
    ("SBRS[-11:0]", "SenderBase Reputation Score"), ("SBRS[5:1]", "SenderBase Reputation Score"), ("SBO:x", "SenderBase Network Owner"),
])
def test_member_errors(member, error):
    with pytest.raises(hm.HatError, match=error.replace("[", r"\[")):
        hm.canonical_member(member)


def test_new_policy_with_wizard(app, cli):
    enter(cli, "OutgoingMail")
    cli.run("new")
    assert cli.run("2") == "\nEnter a name for this policy.\n[]> "
    assert cli.run("$RELAYED").startswith('The policy "$RELAYED" already exists.\n')
    out = cli.run("$TLS_RELAY")
    assert out == "\nSelect a behavior for this policy:\n1. Accept\n2. Relay\n3. Reject\n4. TCP Refuse\n5. Continue\n[1]> "
    assert cli.run("bogus").startswith('That value is not valid: "bogus".')
    assert cli.run("relay") == "\nDo you want to change the parameters of this host access policy? [N]> "
    out = cli.run("y")
    assert out == ('Answer "default" to use the value of the listener\'s default policy parameters.\n\n'
                   "Enter the maximum message size. Add a trailing K for kilobytes or M for megabytes.\n[default]> ")
    assert cli.run("abc").startswith("The value must be a size from 1 to 1024M.")
    assert cli.run("20M") == "\nEnter the maximum number of concurrent connections allowed from a single IP address.\n[default]> "
    assert cli.run("") == "\nEnter the maximum number of messages per connection.\n[default]> "
    assert cli.run("0").startswith("The value must be an integer from 1 to 10000.")
    assert cli.run("default") == "\nEnter the maximum number of recipients per message.\n[default]> "
    assert cli.run("100") == "\nDo you want to enable rate limiting per host? [default]> "
    assert cli.run("maybe").startswith('Please answer Y or N or "default".')
    assert cli.run("y") == "\nEnter the maximum number of recipients per hour from a remote host.\n[1000]> "
    assert cli.run("500") == "\nDo you want to enable Directory Harvest Attack Prevention per host? [default]> "
    assert cli.run("n") == "\nWould you like to use SenderBase for flow control by default? [default]> "
    assert cli.run("") == "\nWould you like to enable anti-spam scanning? [default]> "
    assert cli.run("n") == "\nWould you like to enable anti-virus scanning? [default]> "
    for question in SCAN_QUESTIONS:
        assert cli.run("") == f"\n{question} [default]> "
    out = cli.run("")
    assert out == ("\nDo you want to allow encrypted TLS connections?\n1. No\n2. Preferred\n3. Required\n"
                   "4. Preferred - Verify\n5. Required - Verify\n[default]> ")
    assert cli.run("2") == ("\nYou may use the demo certificate to test TLS, but this will not be secure. "
                            "Do you really wish to use the demo certificate? [Y]> ")
    assert cli.run("") == "\nDo you want to allow SMTP authentication?\n1. No\n2. Preferred\n3. Required\n[default]> "
    assert cli.run("3") == "\nRequire TLS to offer SMTP authentication? [default]> "
    assert cli.run("y") == "\nEnter a comment for this policy.\n[]> "
    assert cli.run("TLS relay").endswith(MENU_TAIL)
    policy = hm.find_policy(pending_hat(cli, "OutgoingMail"), "TLS_RELAY")
    assert policy == {"name": "TLS_RELAY", "behavior": "RELAY", "comment": "TLS relay", "parameters": {
        "max_message_size": 20971520, "max_rcpts_per_msg": 100, "max_rcpts_per_hour": 500, "dhap_limit": 0,
        "spam_check": False, "tls": "preferred", "tls_verify_client": False, "smtpauth_allow": "required",
        "smtpauth_requiretls": True}}
    assert app.counters["writes"] == 1
    out = cli.run("print")
    assert ("$TLS_RELAY\n    RELAY {\n        spam_check = \"off\"\n        max_rcpts_per_msg = 100\n"
            "        max_rcpts_per_hour = 500\n        dhap_limit = 0\n        max_message_size = 20971520\n"
            "        tls = \"preferred\"\n        tls_verify_client = \"off\"\n        smtpauth_allow = \"required\"\n"
            "        smtpauth_requiretls = \"on\"\n        comment = \"TLS relay\"\n    }\n") in out


def test_new_policy_without_parameters_and_defaults(cli):
    enter(cli)
    out = cli.last("new", "policy", "OPEN", "")
    assert out == "\nDo you want to change the parameters of this host access policy? [N]> "
    assert cli.run("").endswith(MENU_TAIL)
    assert hm.find_policy(pending_hat(cli), "OPEN") == {"name": "OPEN", "behavior": "ACCEPT", "parameters": {}, "comment": None}


def test_edit_policy_keeps_and_resets_overrides(cli):
    enter(cli)
    out = cli.run("edit")
    assert out == "\nChoose the type of entry to edit:\n1. Sender Group\n2. Policy\n[1]> "
    out = cli.run("2")
    assert out == "\nChoose the policy to edit:\n1. $ACCEPTED\n2. $THROTTLED\n3. $TRUSTED\n4. $BLOCKED\n[]> "
    assert cli.run("NOPE").startswith('There is no policy named "$NOPE".\n')
    assert cli.run("$throttled").endswith("5. Continue\n[1]> ")
    cli.run("", "y")
    out = cli.run("", "")        # size default, concurrency shows the override
    assert out.endswith("\nEnter the maximum number of messages per connection.\n[10]> ")
    out = cli.run("default", "")
    assert out.endswith("\nDo you want to enable rate limiting per host? [Y]> ")
    out = cli.run("", "")
    assert out.endswith("Do you want to enable Directory Harvest Attack Prevention per host? [default]> ")
    out = cli.run("", "", "", "", *[""] * 6)
    assert out.endswith("5. Required - Verify\n[1]> ")        # tls = off is an override
    out = cli.last("default", "")
    assert out == "\nEnter a comment for this policy.\n[]> "
    assert cli.run("").endswith(MENU_TAIL)
    policy = hm.find_policy(pending_hat(cli), "THROTTLED")
    assert policy["parameters"] == {"max_concurrency": 10, "max_rcpts_per_msg": 25, "max_rcpts_per_hour": 20}


def test_edit_sender_group_submenu(app, cli):
    enter(cli)
    new_group(cli, "PARTNERS", "10.1.1.1, .partner.example", "ACCEPTED", "Partners")
    out = cli.last("edit", "1")
    assert out == ("\nChoose the sender group to edit:\n1. BLOCKED_LIST\n2. SUSPECTLIST\n3. UNKNOWNLIST\n4. PARTNERS\n5. ALL\n[]> ")
    assert cli.run("nope").startswith('There is no sender group named "nope".')
    out = cli.run("partners")
    assert out == ("\nSender Group PARTNERS: (Partners)\nPolicy: $ACCEPTED\nDNS Host Verification: None\n"
                   "There are currently 2 hosts.\n1. 10.1.1.1\n2. .partner.example\n\n"
                   "Choose the operation you want to perform:\n- NEW - Add a new host.\n- DELETE - Remove a host.\n"
                   "- MOVE - Reorder the hosts.\n- COUNTRY - Configure the countries of this sender group.\n"
                   "- EXTERNAL THREAT FEED SOURCE - Configure the external threat feed sources of this sender group.\n"
                   "- POLICY - Change the policy settings and options.\n"
                   "- PRINT - Display the current definition.\n- RENAME - Rename this sender group.\n[]> ")
    writes = app.counters["writes"]
    # NEW hosts: one already here (dropped), one elsewhere -> "Add anyway?"
    assert "There are currently 3 hosts." in cli.last("new", "10.1.1.1, 10.2.2.2")
    out = cli.last("new", "10.2.2.2")
    assert "There are currently 3 hosts." in out                     # already present: nothing added
    # MOVE hosts
    out = cli.run("move")
    assert out == "\nChoose the host to move:\n1. 10.1.1.1\n2. .partner.example\n3. 10.2.2.2\n[]> "
    assert cli.run("3") == "\nChoose the host to insert before:\n1. 10.1.1.1\n2. .partner.example\n[]> "
    out = cli.run("1")
    assert "1. 10.2.2.2\n2. 10.1.1.1\n3. .partner.example\n" in out
    # DELETE host
    out = cli.last("delete", "bogus")
    assert out.startswith('The host "bogus" is not in this sender group.')
    out = cli.run(".partner.example")
    assert "There are currently 2 hosts." in out
    # POLICY (list, then the change-parameters question), RENAME, PRINT
    out = cli.run("policy")
    assert out == "\nSelect the policy for this sender group:\n1. $ACCEPTED\n2. $THROTTLED\n3. $TRUSTED\n4. $BLOCKED\n[1]> "
    assert cli.run("3") == "\nDo you want to change the parameters of this host access policy? [N]> "
    assert "Policy: $TRUSTED" in cli.run("")
    assert cli.run("rename") == "\nEnter the new name for this sender group.\n[PARTNERS]> "
    assert cli.run("suspectlist").startswith('The sender group "suspectlist" already exists.')
    assert cli.run("PARTNER_HOSTS").startswith("\nSender Group PARTNER_HOSTS: (Partners)\n")
    for gone in ("comment", "verify"):       # not in the library's sender-group menu
        assert cli.run(gone).startswith(f'Unknown option "{gone}".')
    out = cli.run("country")
    assert out.endswith("- ADD - Add entries.\n- DELETE - Remove entries.\n- PRINT - Display the entries.\n[]> ")
    assert cli.run("").startswith("\nSender Group PARTNER_HOSTS:")
    out = cli.run("print")
    assert out.startswith("PARTNER_HOSTS:\n        10.2.2.2\n        10.1.1.1\n        $TRUSTED (Partners)\n")
    assert app.counters["writes"] == writes + 6          # new, move, delete, policy, rename (+1 new)
    assert cli.run("").endswith(MENU_TAIL)
    group = hm.find_group(pending_hat(cli), "PARTNER_HOSTS")
    assert group == {"name": "PARTNER_HOSTS", "order": 4, "members": ["10.2.2.2", "10.1.1.1"], "policy": "TRUSTED",
                     "comment": "Partners", "dns_verification": []}


def test_add_anyway_question(cli):
    enter(cli)
    new_group(cli, "A", "10.9.9.9", "1")
    new_group(cli, "B", "", "1")
    cli.run("edit", "1", "B")
    out = cli.last("new", "10.9.9.9, 10.8.8.8")
    assert out == "\nThese hosts are already in other sender groups: 10.9.9.9 (A). Add anyway? [N]> "
    assert "There are currently 0 hosts." in cli.run("")
    cli.run("new", "10.9.9.9, 10.8.8.8")
    assert "There are currently 2 hosts." in cli.run("y")


def test_all_group_submenu(cli):
    enter(cli)
    out = cli.last("edit", "1", "ALL")
    assert out.startswith("\nSender Group ALL: (Everyone else)\nPolicy: $ACCEPTED\n\nChoose the operation")
    assert "- NEW -" not in out and "- POLICY -" in out and "- COUNTRY -" not in out
    assert cli.run("rename").startswith('Unknown option "rename".')


def test_delete_group_and_policy(app, cli):
    enter(cli)
    out = cli.last("delete", "1")
    assert out.startswith("\nChoose the sender group to delete:\n1. BLOCKED_LIST\n")
    assert cli.run("ALL").startswith("The ALL sender group cannot be deleted.\n")
    assert cli.run("BLOCKED_LIST").endswith(MENU_TAIL)
    assert groups(pending_hat(cli)) == ["SUSPECTLIST", "UNKNOWNLIST", "ALL"]
    out = cli.last("delete", "policy", "THROTTLED")
    assert out.startswith('The policy "$THROTTLED" is used by the sender groups SUSPECTLIST and cannot be deleted.\n')
    assert cli.run("TRUSTED").endswith(MENU_TAIL)
    assert [item["name"] for item in pending_hat(cli)["policies"]] == ["ACCEPTED", "THROTTLED", "BLOCKED"]
    assert app.counters["writes"] == 2
    assert cli.run("delete", "2", "").endswith(MENU_TAIL)            # empty answer: nothing deleted
    assert app.counters["writes"] == 2


def test_move_and_order(cli):
    enter(cli)
    new_group(cli, "FIRST", "10.0.0.1", "1")
    out = cli.run("move")
    assert out.startswith("\nChoose the sender group to move:\n")
    assert cli.run("ALL").startswith("The ALL sender group cannot be moved.\n")
    out = cli.run("FIRST")
    assert out == ("\nChoose the sender group to insert before:\n1. BLOCKED_LIST\n2. SUSPECTLIST\n3. UNKNOWNLIST\n"
                   "4. ALL\n[]> ")
    cli.run("1")
    hat = pending_hat(cli)
    assert groups(hat) == ["FIRST", "BLOCKED_LIST", "SUSPECTLIST", "UNKNOWNLIST", "ALL"]
    assert [item["order"] for item in hat["sender_groups"]] == [1, 2, 3, 4, 5]
    cli.run("move", "first", "ALL")
    assert groups(pending_hat(cli))[-2:] == ["FIRST", "ALL"]


def test_default_policy_wizard(app, cli):
    enter(cli, "OutgoingMail")
    out = cli.run("default")
    assert out == "\nEnter the maximum message size. Add a trailing K for kilobytes or M for megabytes.\n[10M]> "
    assert cli.run("default").startswith("The value must be a size")       # no "default" in DEFAULT
    out = cli.run("512k", "", "", "")
    assert out.endswith("\nDo you want to enable rate limiting per host? [N]> ")
    assert cli.run("") == "\nDo you want to enable Directory Harvest Attack Prevention per host? [N]> "
    assert cli.run("y") == "\nEnter the maximum number of invalid recipients per hour from a remote host.\n[25]> "
    out = cli.run("", "", "", "", *[""] * 6)
    assert out.endswith("5. Required - Verify\n[1]> ")
    out = cli.run("5", "")
    assert out.endswith("3. Required\n[1]> ")
    out = cli.run("")
    assert out.startswith("\nDefault Policy Parameters\n") and out.endswith(MENU_TAIL)
    assert "Maximum Message Size: 512K\n" in out and "Allow TLS Connections: Required\n" in out
    assert "Verify Client Certificate: Yes\n" in out and "Maximum Number Of Invalid Recipients Per Hour: 25\n" in out
    defaults = pending_hat(cli, "OutgoingMail")["default_policy"]
    assert defaults["max_message_size"] == 524288 and defaults["dhap_limit"] == 25 and defaults["tls"] == "required"
    assert defaults["smtpauth_requiretls"] is False
    assert app.counters["writes"] == 1


def test_demo_certificate_refused_turns_tls_off(cli):
    enter(cli)
    cli.run("default", *[""] * 15)
    out = cli.run("2")
    assert out.endswith("Do you really wish to use the demo certificate? [Y]> ")
    cli.run("n", "")
    assert pending_hat(cli)["default_policy"]["tls"] == "off"


def test_export_import_roundtrip_and_errors(app, cli):
    enter(cli)
    new_group(cli, "RELAY_O365", ".protection.outlook.com, SBRS[none]", "ACCEPTED", "M365")
    assert cli.run("export") == "\nEnter a name for the exported file.\n[]> "
    cli.run("hat.txt")
    text = app.files.read("hat.txt")
    assert text.startswith("# File exported by the CLI at ")
    assert "RELAY_O365:\n        .protection.outlook.com\n        SBRS[none]\n        $ACCEPTED (M365)\nALL\n" in text
    app.files.write("bad.txt", "$P\n    ACCEPT\nG:\n        10.1.1.300\n        $P\nALL\n    $P\n")
    out = cli.last("import", "bad.txt")
    assert out.startswith('Import failed. Line 4: Invalid IP or IP range "10.1.1.300".\n')
    app.files.write("nopolicy.txt", "$P\n    ACCEPT\nG:\n        $Q\nALL\n    $P\n")
    assert cli.last("import", "nopolicy.txt").startswith('Import failed. The policy "$Q" of sender group G does not exist.')
    app.files.write("noall.txt", "$P\n    ACCEPT\n")
    assert cli.last("import", "noall.txt").startswith("Import failed. The ALL entry is missing.")
    app.files.write("inline.txt", "spamdomain.com\n    REJECT (no)\n")
    assert cli.last("import", "inline.txt").startswith('Import failed. Line 1: Invalid entry "spamdomain.com"')
    assert cli.last("import", "missing.txt").startswith("Error reading file.")
    writes = app.counters["writes"]
    app.files.write("new.txt", "# comment\n$OPEN\n    CONTINUE {\n        max_concurrency = 5\n        use_sb = \"off\"\n    }\n"
                    "WEB:\n        .example.com\n        $OPEN (web)\nALL\n    $OPEN\n")
    cli.run("import", "new.txt")
    hat = pending_hat(cli)
    assert app.counters["writes"] == writes + 1
    assert groups(hat) == ["WEB", "ALL"]
    assert hat["policies"] == [{"name": "OPEN", "behavior": "CONTINUE", "parameters": {"max_concurrency": 5, "use_sb": False},
                                "comment": None}]
    assert hat["default_policy"] == hm.default_parameters("public")
    # round trip of a rendered HAT
    assert hm.parse_hat(hm.render_hat(hat), hat["default_policy"]) == hat


def test_clear_and_reset(app, cli):
    enter(cli)
    assert cli.run("clear").startswith('Unknown option "clear".')        # RESET in every library release
    assert app.counters["writes"] == 0
    out = cli.last("reset")                     # no confirmation (listenerconfigEditHostaccess.clear())
    assert "There are currently 1 policies defined.\nThere are currently 1 sender groups." in out
    hat = pending_hat(cli)
    assert groups(hat) == ["ALL"] and [item["name"] for item in hat["policies"]] == ["ACCEPTED"]
    assert app.counters["writes"] == 1


def test_batch_and_commit_and_xml(app, cli):
    out = cli.last('listenerconfig edit IncomingMail hostaccess new sendergroup RELAY_O365 ".protection.outlook.com" 1 "M365"')
    assert out.endswith("esa1.lab> ")
    assert groups(pending_hat(cli))[-2:] == ["RELAY_O365", "ALL"]
    cli.run("listenerconfig edit IncomingMail hostaccess edit sendergroup RELAY_O365 new 10.5.5.5")
    assert hm.find_group(pending_hat(cli), "RELAY_O365")["members"] == [".protection.outlook.com", "10.5.5.5"]
    cli.run("commit", "hat", "")
    assert groups(hat_of(app.committed))[-2:] == ["RELAY_O365", "ALL"]
    xml = cli.run("showconfig", "2")
    while cli.session.at_pager:
        xml += cli.run(" ")
    assert "        $ACCEPTED (M365)\n" in xml
    assert "<hat_default_max_message_size>10485760</hat_default_max_message_size>" in xml
    assert "<hat_default_tls>off</hat_default_tls>" in xml


def test_ctrl_c_and_new_listener_hat(app, cli):
    enter(cli)
    cli.run("new", "1", "X", "10.1.1.1")
    assert cli.session.interrupt() == "\n-- Changes not recorded\nesa1.lab> "
    assert app.counters["writes"] == 0 and not cli.session.has_pending
    cli.run("listenerconfig", "new", "1", "Relay2", "3", "", "2525", "")
    listener = next(item for item in cli.session.pending["listeners"] if item["name"] == "Relay2")
    assert listener["hat"] == hm.factory_hat("private")


def test_cluster_notice_applies():
    app = Appliance(hostname="esa1.lab", cluster="ESA-CL")
    cli = Cli(app, page_size=0)
    cli.run("clustermode machine esa1.lab")
    out = cli.run("listenerconfig")
    assert "NOTICE: This configuration command has not yet been configured for" in out
    cli.run("3", "1", "edit", "IncomingMail", "hostaccess", "new", "1", "M", "10.1.1.1", "1", "")
    assert app.counters["writes"] == 2
    cli.run("", "", "", "commit", "", "")
    assert groups(hat_of(app.committed_layers["machine:esa1.lab"]))[-2:] == ["M", "ALL"]
    assert "M" not in groups(hat_of(app.committed_layers["cluster"]))


def test_seed_normalises_hat():
    value = {"sender_groups": [{"name": "ALL", "policy": "$BLOCKED"},
                               {"name": "RELAY_O365", "members": [".PROTECTION.outlook.com"], "policy": "relayed", "order": 1}],
             "policies": [{"name": "RELAYED", "behavior": "relay", "parameters": {"tls": "preferred", "max_concurrency": None}},
                          {"name": "BLOCKED", "behavior": "REJECT"}],
             "default_policy": {"spam_check": False}}
    hat = hm.normalise_hat(value, "private")
    assert groups(hat) == ["RELAY_O365", "ALL"]
    assert hat["sender_groups"][0]["members"] == [".protection.outlook.com"]
    assert hat["policies"][0] == {"name": "RELAYED", "behavior": "RELAY", "parameters": {"tls": "preferred"}, "comment": None}
    with pytest.raises(hm.HatError, match="does not exist"):
        hm.normalise_hat({"sender_groups": [{"name": "G", "policy": "NOPE"}], "policies": []}, "public")
    with pytest.raises(hm.HatError, match="tls"):
        hm.normalise_hat({"policies": [{"name": "P", "parameters": {"tls": "maybe"}}]}, "public")
