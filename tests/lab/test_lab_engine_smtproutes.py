"""In-process tests of the lab ESA engine: smtproutes."""

import re

from conftest import Cli, add_route

MENU_TAIL = "- CLEAR - Remove all routes.\n[]> "


def routes_of(app):
    return {route["domain"]: route["destinations"] for route in app.committed["smtp_routes"]}


def pending_routes(cli):
    return {route["domain"]: route["destinations"] for route in cli.session.pending["smtp_routes"]}


def test_menu_texts(cli):
    out = cli.run("smtproutes")
    assert out == (
        "\nThere are no routes configured.\n\n"
        "Choose the operation you want to perform:\n"
        "- NEW - Create a new route.\n"
        "- EDIT - Edit destinations of an existing route.\n"
        "- DELETE - Remove a route.\n"
        "- PRINT - Display all routes.\n"
        "- IMPORT - Import new routes from a file.\n"
        "- EXPORT - Export all routes to a file.\n"
        "- CLEAR - Remove all routes.\n"
        "[]> ")
    assert cli.run("") == "esa1.lab> "


def test_new_route_full_dialogue(cli):
    cli.run("smtproutes")
    out = cli.run("NeW")
    assert "Enter the domain for which you want to set up a permanent route." in out
    assert 'Partial hostnames such as ".example.com" are allowed.' in out
    assert 'Use "ALL" for the default route.' in out and out.endswith("[]> ")
    out = cli.run("Example.com")
    for text in ("Enter the destination hosts, separated by commas, which you want mail for example.com to be delivered.",
                 "Enter USEDNS by itself to use normal DNS resolution for this route.",
                 "Enter /dev/null by itself if you wish to discard the mail.",
                 "Enclose in square brackets to force resolution via address (A) records, ignoring any MX records."):
        assert text in out
    out = cli.run("h1.example.net:25/pri=10 ,  h2.example.net")
    assert out.endswith("Do you want to associate an SMTP authentication profile with this route? [N]> ")
    out = cli.run("")
    assert "There are currently 1 routes defined." in out and out.endswith(MENU_TAIL)
    assert pending_routes(cli) == {"example.com": ["h1.example.net:25/pri=10", "h2.example.net"]}
    assert cli.app.committed["smtp_routes"] == []
    assert cli.app.counters["writes"] == 1


def test_new_route_errors_reask(cli):
    cli.run("smtproutes", "new")
    out = cli.run("bad domain")
    assert out.startswith('Invalid hostname format "bad domain".\n\nEnter the domain for which')
    out = cli.run("")
    assert out.startswith("You must enter a value.\n\nEnter the domain for which")
    cli.run("example.com")
    out = cli.run("h1.example.net, bad host!")
    assert out.startswith('Invalid hostname format "bad host!".\n\nEnter the destination hosts')
    out = cli.run("USEDNS, h1.example.net")
    assert "may not combine USEDNS" in out and out.endswith("[]> ")
    out = cli.run("h1.example.net:2525, h1.example.net")
    assert "The host h1.example.net already has an alternate port (2525)." in out
    out = cli.run("h1.example.net, h1.example.net:2525")
    assert "The host h1.example.net is already using the standard port." in out
    cli.run("USEDNS")
    out = cli.run("Y")
    assert "No SMTP authentication profiles are configured." in out
    assert out.endswith("Do you want to associate an SMTP authentication profile with this route? [N]> ")
    out = cli.run("maybe")
    assert out.startswith("Please answer Y or N.")
    cli.run("n")
    assert pending_routes(cli) == {"example.com": ["USEDNS"]}
    assert cli.app.counters["writes"] == 1


def test_duplicate_domain_and_default_route(cli):
    add_route(cli, "example.com", "h1.example.net")
    add_route(cli, "ALL", "USEDNS")
    cli.run("smtproutes", "new")
    assert cli.run("EXAMPLE.com").startswith("The value example.com is already in the routing table.\n")
    assert cli.run("all").startswith("There is already a default route set.\n")
    assert cli.run(".example.com").count("Enter the destination hosts") == 1


def test_print_layout_all_last(cli):
    add_route(cli, "ALL", "/dev/null")
    add_route(cli, "zz.example.com", "[relay.example.net]:2525")
    add_route(cli, ".a-very-long-subdomain-name.example.com", "10.1.1.1/pri=5, 10.1.1.2/pri=6")
    cli.run("smtproutes")
    out = cli.run("print")
    table = out.split("\n\nThere are currently")[0].split("\n")
    assert re.match(r"^Domain {2,}Destinations$", table[0])
    rows = [re.split(r" {2,}", line, maxsplit=1) for line in table[1:]]
    assert rows == [[".a-very-long-subdomain-name.example.com", "10.1.1.1/pri=5, 10.1.1.2/pri=6"],
                    ["zz.example.com", "[relay.example.net]:2525"],
                    ["ALL", "/dev/null"]]
    assert out.endswith(MENU_TAIL)


def test_print_empty(cli):
    out = cli.last("smtproutes", "print")
    assert out.startswith("There are no routes configured.\n")


def test_edit_add_replace_remove(cli):
    add_route(cli, "example.com", "h1.example.net")
    add_route(cli, "other.example.com", "h1.example.net")
    cli.run("smtproutes", "edit")
    out = cli.run("nosuch.example.com")
    assert "entry does not appear to be in the routing table" in out and out.endswith("[]> ")
    # the new domain name comes before the sub-menu (phoebe1411/cli/ctor/smtproutes.py EDIT)
    out = cli.run("example.com")
    assert out == ("\nEnter the new domain for which you want to set up a permanent route.\n"
                   'Partial hostnames such as ".example.com" are allowed.\nUse "ALL" for the default route.\n'
                   "[example.com]> ")
    assert cli.run("Other.Example.com").startswith("The value other.example.com is already in the routing table.")
    out = cli.run("")
    assert "- ADD - Add new destination hosts." in out
    assert "- REPLACE - Specify a new destination or set of destinations." in out
    assert "- REMOVE - Remove a destination." in out
    out = cli.run("add")
    assert "the additional destination hosts, separated by commas" in out
    assert "already using the standard port" in cli.run("h1.example.net:2525")
    out = cli.run("h2.example.net/pri=1, h3.example.net")
    # the SMTP-auth follow-up after ADD/REPLACE/REMOVE
    assert out == "\nDo you want to associate an SMTP authentication profile with this route? [N]> "
    assert cli.run("").endswith(MENU_TAIL)
    assert pending_routes(cli)["example.com"] == ["h1.example.net", "h2.example.net/pri=1", "h3.example.net"]
    out = cli.run("edit", "example.com", "", "REMOVE")
    assert "the destination you would like to remove" in out and "2. h2.example.net/pri=1" in out
    cli.run("2", "")
    assert pending_routes(cli)["example.com"] == ["h1.example.net", "h3.example.net"]
    cli.run("edit", "example.com", "", "remove", "H3.example.net", "")
    assert pending_routes(cli)["example.com"] == ["h1.example.net"]
    out = cli.last("edit", "example.com", "", "remove", "1")
    assert "at least one destination" in out
    cli.run("")
    out = cli.run("edit", "example.com", "", "replace")
    assert "Enter the destination hosts, separated by commas" in out
    cli.run("[mx.example.org]", "")
    assert pending_routes(cli)["example.com"] == ["[mx.example.org]"]
    out = cli.run("edit", "example.com", "", "")
    assert out.endswith(MENU_TAIL)
    assert cli.app.counters["writes"] == 6
    # a new name alone (sub-menu left empty) renames the route
    cli.run("edit", "example.com", "renamed.example.com", "")
    assert "renamed.example.com" in pending_routes(cli) and "example.com" not in pending_routes(cli)
    assert cli.app.counters["writes"] == 7


def test_delete_and_default_route_confirmation(cli):
    add_route(cli, "a.example.com", "h1.example.net")
    add_route(cli, "b.example.com", "h1.example.net")
    add_route(cli, "ALL", "USEDNS")
    cli.run("smtproutes", "delete")
    out = cli.run("c.example.com")
    assert "entry does not appear to be in the routing table" in out
    cli.run("a.example.com")
    assert set(pending_routes(cli)) == {"b.example.com", "ALL"}
    out = cli.run("delete", "all")
    assert out.endswith("Are you sure you want to reset the default route? [N]> ")
    cli.run("")
    assert set(pending_routes(cli)) == {"b.example.com", "ALL"}
    cli.run("delete", "ALL, b.example.com", "y")
    assert pending_routes(cli) == {}


def test_clear_all(cli):
    add_route(cli, "a.example.com", "h1.example.net")
    out = cli.run("smtproutes", "clear")
    assert out.endswith("Are you sure you want to delete all of the configured routes? [N]> ")
    cli.run("n")
    assert len(pending_routes(cli)) == 1
    cli.run("clear", "Y")
    assert pending_routes(cli) == {}


def test_export_import(app):
    cli = Cli(app)
    add_route(cli, "a.example.com", "h1.example.net:25/pri=10,h2.example.net")
    add_route(cli, "ALL", "USEDNS")
    cli.run("commit", "", "")
    out = cli.run("smtproutes", "export")
    assert "Enter a name for the exported file." in out
    cli.run("routes.txt", "")
    exported = app.files.read("routes.txt").splitlines()
    assert exported[0].startswith("# File exported by the CLI at ")
    assert exported[1:] == ["a.example.com h1.example.net:25/pri=10,h2.example.net", "ALL USEDNS"]
    app.files.write("new.txt", "# comment\nb.example.com  mx.example.org , [mx2.example.org]\n")
    out = cli.run("smtproutes", "import")
    assert "Enter the name of the file to import." in out
    cli.run("new.txt")
    assert pending_routes(cli) == {"b.example.com": ["mx.example.org", "[mx2.example.org]"]}
    out = cli.last("import", "missing.txt")
    assert out.startswith("Error reading file.\n")
    app.files.write("bad.txt", "c.example.com bad host!\n")
    out = cli.last("import", "bad.txt")
    assert out.startswith('Import failed. Line 1: Invalid hostname format "bad host!".')
    assert pending_routes(cli) == {"b.example.com": ["mx.example.org", "[mx2.example.org]"]}


def test_unknown_verb_and_batch_print(cli):
    out = cli.last("smtproutes", "frobnicate")
    assert out.startswith('Unknown option "frobnicate".') and out.endswith(MENU_TAIL)
    cli.run("")
    add_route(cli, "a.example.com", "h1.example.net")
    out = cli.last("smtproutes print")
    assert out.startswith("Domain") and "a.example.com" in out and out.endswith("esa1.lab> ")
