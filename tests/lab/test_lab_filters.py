"""The lab's message filter language checker (engine level) and the ``filters`` command.

The shared corpus (tests/unit/plugins/module_utils/_esa/filter_corpus.py) is also run against the
driver's checker (test_filter_language.py): both must accept and refuse the same scripts.
"""

import os

import pytest

from lab.esa import message_filters as mf

from conftest import Cli, ROOT


def _load_corpus():
    path = os.path.join(ROOT, "tests", "unit", "plugins", "module_utils", "_esa", "filter_corpus.py")
    namespace = {}
    with open(path, encoding="utf-8") as handle:
        exec(compile(handle.read(), path, "exec"), namespace)  # pylint: disable=exec-used
    return namespace["ACCEPTED"], namespace["REFUSED"]


ACCEPTED, REFUSED = _load_corpus()


@pytest.mark.parametrize("script, filters, why", ACCEPTED, ids=[item[2] for item in ACCEPTED])
def test_corpus_accepted(script, filters, why):
    parsed = mf.parse_script(script)
    assert [(item["name"], item["active"]) for item in parsed] == filters, why
    # the stored form parses again to the same filters (DETAIL, export and import round trips)
    assert mf.parse_script(mf.render_script(parsed)) == parsed


@pytest.mark.parametrize("script, why", REFUSED, ids=[item[1] for item in REFUSED])
def test_corpus_refused(script, why):
    with pytest.raises(mf.FilterError) as info:
        mf.parse_script(script)
    assert str(info.value).startswith(("Invalid filter syntax at line ", "Invalid filter name", "Duplicate filter name",
                                       "No filters")), why


MENU_TAIL = "- ROLLOVERNOW - Roll over a filter log file.\n[]> "
O365 = """office365_outbound:   # the S12 filter
if (sendergroup == "RELAY_O365") and not header('X-OUTBOUND-AUTH') == "^s3cret$" {
    drop();
}
else {
    strip-header('X-OUTBOUND-AUTH');
}"""

GOOD = [
    "test5: if (true) { log('testing_log'); }",
    "a: if true { drop(); }",
    "a: if (subject == 'hello') { deliver(); }",
    'a: if (subject != "x") { bounce(); }',
    "a: if (mail-from == '^joe@') AND (rcpt-to == '@example\\\\.com$') { skip-filters(); }",
    "a: if (remote-ip == '10.1.1.0/24' or recv-listener == 'InboundMail') { alt-src-host('outbound1'); }",
    "a: if (recv-int == 'Data 1') { alt-mailhost('[192.0.2.1]'); }",
    "a: if (body-size > 10M) { drop(); }",
    "a: if (body-size >= 1048576) { drop(); }",
    "a: if (attachment-size < 100k) { drop(); }",
    "a: if (rcpt-count <= 5) { deliver(); }",
    "a: if (reputation < -3.0) { quarantine('Policy'); }",
    "a: if no-reputation { tag-message('unknown'); }",
    "a: if (header('X-Foo')) { strip-header('X-Foo'); }",
    "a: if (header('X-Foo') == '^bar$') { insert-header('X-Bar', 'yes'); }",
    "a: if (random(100) < 10) { bcc('audit@example.com'); }",
    "a: if (date > '01/01/2025 00:00:00') { log-entry('late'); }",
    "a: if (not (sendergroup == 'ALLOWED_LIST')) { skip-spamcheck(); skip-viruscheck(); }",
    "a: if NOT encrypted AND signed { notify('sec@example.com', 'Signed mail', 'admin@example.com'); }",
    "a: if (body-contains('secret')) { drop-attachments-where-contains('(?i)secret', 'removed'); }",
    "a: if (attachment-filename == '(?i)\\\\.exe$') { drop-attachments-by-name('(?i)\\\\.exe$'); }",
    "a: if (dnslist('bl.example')) { drop(); }",
    "a: if (smtp-auth-id-matches('*EnvelopeFrom')) { deliver(); }",
    "a: if (header-dictionary-match('bad', 'Subject')) { edit-header-text('Subject', 'bad', 'good'); }",
    "a: if (spf-status == 'Fail') { add-heading('SPF failed'); } else { add-footer('ok'); }",
    "a: if (true) { if (subject == 'x') { drop(); } } else if (valid) { deliver(); } else { bounce(); }",
    "a: if (attachment-protected) { html-convert(); }",
    "a: if (url-category ('Adult')) { bounce-profile('Default'); }",
    "a:\nif (subject == 'multi'\n    or subject == 'line')\n{\n    archive('mbox');\n}",
    "a: if (true) { drop(); }\nb: if (true) { deliver(); }",
]

BAD = [
    ("", "No filters were entered."),
    ("a: if (true) { notify(\"customercare@example.com'); }", "line 1, column 23: unterminated string"),
    ("a: if (true) { notify('x); }", "unterminated string"),
    ("a: if (foo == 'x') { drop(); }", 'column 8: unknown rule "foo"'),
    ("a: if (true) { dorp(); }", 'column 16: unknown action "dorp"'),
    ("a: if (true) { drop() }", 'expected ";" after the action "drop"'),
    ("a: if (true) { drop; }", 'expected "(" after the action "drop"'),
    ("a: if (true) { drop('x'); }", 'the action "drop" takes no arguments but 1 were given'),
    ("a: if (true) { insert-header('X'); }", 'the action "insert-header" takes 2 arguments but 1 were given'),
    ("a: if (true) drop();", 'expected "{" but found "drop"'),
    ("a: if (true) { drop();", 'expected "}" but found end of script'),
    ("a: if ((true) { drop(); }", 'expected ")" but found "{"'),
    ("a: if (subject > 'x') { drop(); }", 'the operator ">" cannot be used with the rule "subject"'),
    ("a: if (subject == x) { drop(); }", 'expected a quoted string but found "x"'),
    ("a: if (subject) { drop(); }", 'expected a comparison operator after the rule "subject"'),
    ("a: if (body-size > 'big') { drop(); }", "expected a number but found the string 'big'"),
    ("a: if (true == 'x') { drop(); }", 'the rule "true" cannot be compared'),
    ("a: if (subject = 'x') { drop(); }", 'unexpected character "="'),
    ("a: if (header == 'x') { drop(); }", 'expected "(" after the rule "header"'),
    ("a: if (subject == 'x' and) { drop(); }", 'expected a rule but found ")"'),
    ("a: if { drop(); }", "expected a condition"),
    ("a if (true) { drop(); }", 'expected ":" after the filter name but found "if"'),
    ("a: when (true) { drop(); }", 'expected "if" but found "when"'),
    ("'a': if (true) { drop(); }", "expected a filter name but found the string 'a'"),
    ("a: if (true) { drop(); } else drop();", 'expected "{" but found "drop"'),
    ("a: if (true) { drop(); } $", 'unexpected character "$"'),
    ("if: if (true) { drop(); }", 'Invalid filter name "if".'),
    ("not: if (true) { drop(); }", 'Invalid filter name "not".'),
    ("a: if (true) { drop(); }\nA: if (true) { drop(); }", 'Duplicate filter name "A": the filter "a" has the same name'),
    ("a: if (true) { drop(); }\nb: if (true) { drp(); }", 'line 2, column 16: unknown action "drp"'),
    ("a: if (date == 5) { drop(); }", "expected a quoted date"),
    ("a: if (random() < 5) { drop(); }", 'the rule "random" takes 1 argument but 0 were given'),
    ("a: if (addr-count() > 5) { drop(); }", 'the rule "addr-count" takes at least 1 argument but 0 were given'),
    ("a: if (true()) { drop(); }", 'line 1, column 12: the rule "true" takes no arguments'),
    ("a: if (true) { notify(admin); }", 'expected an argument (a quoted string or a number) but found "admin"'),
    ("a: if (subject == 'a\nb') { drop(); }", "line 1, column 19: unterminated string"),
    ("a: if (body-size > 10Mx) { drop(); }", 'invalid number "10Mx"'),
    ("a: if (true) { drop(); } else { drop(); } else { drop(); }", 'expected ":" after the filter name but found "{"'),
    ("a: if (true) { drop(); }\x03", "line 1, column 25: control character '\\x03' is not allowed"),
    ("a: if (true) {\r\n drop(); }", "line 1, column 15: control character '\\r' is not allowed"),
    ("a:\nif (subject == 'x\x7f') { drop(); }", "line 2, column 18: control character '\\x7f' is not allowed"),
]


@pytest.mark.parametrize("script", GOOD)
def test_good_filters(script):
    filters = mf.parse_script(script)
    assert filters and all(item["active"] and item["valid"] for item in filters)


@pytest.mark.parametrize("script, error", BAD)
def test_bad_filters(script, error):
    with pytest.raises(mf.FilterError) as info:
        mf.parse_script(script)
    message = str(info.value)
    assert error in message
    assert message.startswith(("Invalid filter syntax at line ", "Invalid filter name", "Duplicate filter name", "No filters"))


def test_normalisation_and_split():
    script = "# leading comment\n" + O365 + "   \n\n#!inactive\nsecond: if (true) { deliver(); }  # trailing\n"
    first, second = mf.parse_script(script)
    assert first == {"name": "office365_outbound", "active": True, "valid": True, "body": (
        'office365_outbound:\nif (sendergroup == "RELAY_O365") and not header(\'X-OUTBOUND-AUTH\') == "^s3cret$" {\n'
        "    drop();\n}\nelse {\n    strip-header('X-OUTBOUND-AUTH');\n}")}
    assert second == {"name": "second", "active": False, "valid": True, "body": "second: if (true) { deliver(); }"}
    assert mf.parse_script(mf.render_script([first, second])) == [first, second]
    assert mf.parse_script("a: if (subject == '# not a comment') { drop(); }")[0]["body"] == \
        "a: if (subject == '# not a comment') { drop(); }"


def test_duplicate_against_existing():
    with pytest.raises(mf.FilterError, match='Duplicate filter name "Office365_Outbound"'):
        mf.parse_script("Office365_Outbound: if (true) { drop(); }", ["office365_outbound"])


def new_filter(cli, script):
    return cli.last("new", *script.split("\n"), ".")


@pytest.fixture(name="fcli")
def fcli_fixture(app):
    cli = Cli(app, page_size=0)
    cli.run("filters")
    return cli


def names(cli):
    return [item["name"] for item in cli.session.pending["filters"]]


def test_menu_and_new(app, fcli):
    cli = Cli(app)
    out = cli.run("filters")
    # technote 118145: without filters the menu offers only NEW and IMPORT
    assert out == ("\nChoose the operation you want to perform:\n"
                   "- NEW - Create a new filter.\n- IMPORT - Import a filter script from a file.\n[]> ")
    assert cli.run("list").startswith('Unknown option "list".')
    # technote 118145: the intro line, then raw lines without any prompt until "."
    assert fcli.run("new") == "\nEnter filter script. Enter '.' on its own line to end.\n"
    assert fcli.run("office365_outbound:   # the S12 filter") == ""
    out = ""
    for line in O365.split("\n")[1:]:
        out = fcli.run(line)
        assert out == ""
    out = fcli.run(".")
    assert out.startswith("1 filters added.\n\nChoose the operation") and out.endswith(MENU_TAIL)
    assert app.counters["writes"] == 1
    assert cli.session.pending is None and fcli.session.pending["filters"][0]["body"].startswith("office365_outbound:\nif (")
    out = new_filter(fcli, "b: if (true) { deliver(); }\nc: if (true) { drop(); }")
    assert out.startswith("2 filters added.")
    assert names(fcli) == ["office365_outbound", "b", "c"]
    out = new_filter(fcli, "d: if (true) { dorp(); }")
    assert out.startswith('Invalid filter syntax at line 1, column 16: unknown action "dorp"\n') and out.endswith(MENU_TAIL)
    out = new_filter(fcli, "B: if (true) { drop(); }")
    assert out.startswith('Duplicate filter name "B": the filter "b" has the same name (names are compared without '
                          'regard to case).')
    out = new_filter(fcli, "e: if (true) { drop(); }\nf: if (true) { bounce(); }\ne: if (true) { deliver(); }")
    assert out.startswith('Duplicate filter name "e": the filter "e" has the same name')
    out = new_filter(fcli, "e: if (true) { drop(); }\nf: if (true) { bounce(); }\ng: if (true) { nope(); }")
    assert out.startswith('Invalid filter syntax at line 3, column 16: unknown action "nope"')
    assert names(fcli) == ["office365_outbound", "b", "c"] and app.counters["writes"] == 2
    assert fcli.last("new", ".").startswith("No filters were entered.")


def test_list_detail_set(app, fcli):
    new_filter(fcli, O365)
    new_filter(fcli, "second: if (true) { deliver(); }")
    out = fcli.last("list")
    assert out.startswith("Num Active Valid Name\n=== ====== ===== ====\n  1 Y      Y     office365_outbound\n"
                          "  2 Y      Y     second\n\nChoose the operation")
    # the library's LIST parser: drop the first two and the last line of the text before "Choose the operation "
    rows = out[:out.index("Choose the operation ")].splitlines()[2:-1]
    assert [row.split() for row in rows] == [["1", "Y", "Y", "office365_outbound"], ["2", "Y", "Y", "second"]]
    assert fcli.run("set") == '\nEnter the filter name, number, or range:\n[all]> '
    assert fcli.run("7").startswith('Invalid filter range "7".')
    assert fcli.run("second") == '\nEnter the attribute to set: "active" or "inactive".\n[active]> '
    assert fcli.run("sleepy").startswith('Invalid attribute "sleepy".')
    fcli.run("inactive")
    assert [item["active"] for item in fcli.session.pending["filters"]] == [True, False]
    assert fcli.run("detail") == '\nEnter the filter name, number, or range:\n[all]> '
    out = fcli.run("")
    assert out.startswith("Num Active Valid Name\n=== ====== ===== ====\n  1 Y      Y     office365_outbound\n"
                          "office365_outbound:\nif (sendergroup == \"RELAY_O365\")")
    assert "}\n\n  2 N      Y     second\nsecond: if (true) { deliver(); }\n\nChoose the operation" in out
    assert "# the S12 filter" not in out
    assert app.counters["writes"] == 3
    fcli.run("set", "1-2", "")
    assert all(item["active"] for item in fcli.session.pending["filters"])


def test_delete_and_move(app, fcli):
    new_filter(fcli, "a: if (true) { drop(); }\nb: if (true) { drop(); }\nc: if (true) { drop(); }\nd: if (true) { drop(); }")
    assert fcli.run("move") == "\nEnter the filter name, number, or range to move:\n[]> "
    assert fcli.run("3-2").startswith('Invalid filter range "3-2".')
    assert fcli.run("c-d").startswith('Invalid filter name "c-d": there is no such filter.')
    assert fcli.run("3-4") == '\nEnter the name or number of the filter to insert before, or "last":\n[last]> '
    assert fcli.run("4").startswith('Invalid filter range "4".')
    fcli.run("a")
    assert names(fcli) == ["c", "d", "a", "b"]
    fcli.run("move", "c", "")
    assert names(fcli) == ["d", "a", "b", "c"]
    assert fcli.run("delete") == "\nEnter the filter name, number, or range:\n[]> "
    assert fcli.run("all").startswith('Invalid filter name "all"')
    assert fcli.run("2-3").startswith("2 filters deleted.")
    assert names(fcli) == ["d", "c"]
    assert app.counters["writes"] == 4


def test_import_export(app, fcli):
    new_filter(fcli, O365)
    fcli.run("set", "1", "inactive")
    assert fcli.run("export") == "\nEnter a name for the exported file.\n[]> "
    out = fcli.run("filters.txt")
    assert out == "\nEnter the encoding to use for the exported file.\n1. US-ASCII\n2. UTF-8\n3. ISO-8859-1\n[2]> "
    fcli.run("")
    text = app.files.read("filters.txt")
    assert text.startswith("# File exported by the CLI at ") and "\n#!inactive\noffice365_outbound:\n" in text
    app.files.write("bad.txt", "x: if (true) { drop(); }\ny: if (true) { nope(); }\n")
    out = fcli.last("import", "bad.txt", "")
    assert out.startswith('Invalid filter syntax at line 2, column 16: unknown action "nope"')
    assert fcli.last("import", "nothere.txt", "").startswith("Import failed: the file nothere.txt does not exist.")
    assert fcli.last("import", "../etc/passwd").startswith('Invalid filename "../etc/passwd".')
    assert fcli.run("").endswith(MENU_TAIL)
    app.files.write("uni.txt", "x: if (subject == 'caf\u00e9') { drop(); }\n")
    assert fcli.last("import", "uni.txt", "1").startswith("The file is not US-ASCII text; pick a different encoding.")
    writes = app.counters["writes"]
    assert fcli.last("import", "filters.txt", "").startswith("1 filter imported.")
    assert fcli.session.pending["filters"] == [{"name": "office365_outbound", "active": False, "valid": True,
                                                "body": mf.parse_script(O365)[0]["body"]}]
    assert app.counters["writes"] == writes + 1
    assert fcli.last("logconfig").startswith("No logs currently configured.")


def test_filters_in_xml_and_commit(app):
    cli = Cli(app, page_size=0)
    cli.run("filters")
    new_filter(cli, "a: if (subject == '<x> & y') { drop(); }")
    cli.run("", "commit", "", "")
    assert app.committed["filters"] == [{"name": "a", "active": True, "valid": True,
                                         "body": "a: if (subject == '<x> & y') { drop(); }"}]
    xml = cli.run("showconfig", "1")
    assert "  <filters>a: if (subject == '&lt;x&gt; &amp; y') { drop(); }</filters>\n" in xml
    assert "    <outbound_ciphers>ECDH+aRSA:" in xml


def test_filters_cluster_notice():
    from lab.esa.engine import Appliance  # pylint: disable=import-outside-toplevel

    app = Appliance(hostname="esa1.lab", cluster="ESA-CL")
    cli = Cli(app)
    out = cli.last("clustermode machine esa1.lab", "filters")
    assert "NOTICE: This configuration command has not yet been configured for" in out
    assert cli.run("1").startswith("\nChoose the operation you want to perform:\n- NEW - Create a new filter.")
    assert cli.session.mode == ("cluster", "ESA-CL")
