"""The lab's ``bounceconfig`` (docs/asyncos-cli.md section 11, lab/README.md "bounceconfig")."""

import re

import pytest

from lab.esa import destinations as dc
from lab.esa.store import BOUNCE_SETTINGS, FACTORY_BOUNCE_DEFAULT

MENU = ("\nChoose the operation you want to perform:\n- NEW - Create a new profile.\n- EDIT - Modify a profile.\n"
        "- DELETE - Remove a profile.\n- SETUP - Configure global bounce settings.\n[]> ")
# The library's substrings of NEW, in its order (segments 1 to 3), for a profile with hard bounces in DSN format,
# delay warnings and an alternate address.
NEW_SUBSTRINGS = ["create a name", "maximum number of retries", "stay in the queue", "initial number",
                  "maximum number of seconds", "message sent for each hard bounce", "DSN message", "subject to use",
                  "include in the DSN generated", "send a delay", "Notification (Delay)",
                  "seconds between delay warning", "send per", "instead of the sender", "email address",
                  "messages to be signed"]


def listing(*names):
    return "\nCurrent bounce profiles:\n" + "".join(f"{n}. {name}\n" for n, name in enumerate(names, start=1)) + MENU


def profile_numbers(out):
    """What a reader of the listing sees: the text from ``1. Default`` to the menu holds only ``N. name`` lines."""
    block = out[out.index("1. Default"):out.index("Choose the operation")]
    lines = [line for line in block.split("\n") if line.strip()]
    assert all(re.match(r"^\d+\. \S+$", line) for line in lines), lines
    return {name: number for number, name in (line.split(". ") for line in lines)}


def new_profile(cli, name, *answers):
    """NEW with ``answers`` after the name (the rest Enter); returns the output up to the menu."""
    if cli.session.at_main_prompt:
        cli.run("bounceconfig")
    out = cli.run("new", name, *answers)
    while not out.endswith(MENU):
        out += cli.run("")
    return out


def settings(app, name):
    return app.committed[BOUNCE_SETTINGS][name]


def test_listing_and_menu(cli):
    out = cli.run("bounceconfig")
    assert out == listing("Default")
    assert profile_numbers(out) == {"Default": "1"}
    assert cli.run("") == "esa1.lab> "
    assert cli.app.counters["writes"] == 0


def test_new_asks_the_library_questions_in_order(app, cli):
    cli.run("bounceconfig")
    asked = []
    for answer in ["new", "M365", "20", "86400", "", "", "Y", "Y", "", "", "Y", "", "", "", "Y", "ndr@example.com"]:
        out = cli.run(answer)
        asked.append(out)
    out = cli.run("")
    assert out.endswith(listing("Default", "M365"))
    for text, substring in zip(asked, NEW_SUBSTRINGS):
        assert substring in text, (substring, text)
    assert asked[1] == "\nPlease enter the maximum number of retries.\n[100]> "
    # technote 118287 (docs/asyncos-cli.md section 11)
    assert asked[3] == "\nPlease enter the initial number of seconds to wait before\nretrying a message.\n[60]> "
    assert asked[4] == "\nPlease enter the maximum number of seconds to wait before retrying a message.\n[3600]> "
    assert asked[5].endswith("Do you want a message sent for each hard bounce? (Yes/No/Default) [Default]> ")
    cli.run("", "commit", "", "")
    assert app.committed["bounce_profiles"] == ["Default", "M365"]
    expected = {key: value for key, value in FACTORY_BOUNCE_DEFAULT.items()
                if key not in ("host_initial_retry", "host_max_retry_timeout", "max_bounce_copy")}
    expected.update(max_retries=20, max_queue_lifetime=86400, send_bounces=True, use_dsn_bounce_format=True,
                    use_bounce_response_code=None, send_warnings=True, bounce_address="ndr@example.com",
                    sign_bounce_messages=None)
    assert settings(app, "M365") == expected
    assert app.counters["writes"] == 1


def test_questions_follow_the_answers(cli):
    out = new_profile(cli, "quiet", "", "", "", "", "N", "N", "N", "N")
    assert "DSN message" not in out and "subject to use" not in out and "Notification (Delay)" not in out
    assert "email address" not in out
    # "Default" follows the Default profile, which sends hard bounces in DSN format
    out = new_profile(cli, "inherit", "", "", "", "", "Default", "Default")
    assert "Please enter the subject to use.\n[Delivery Status Notification (Failure)]> " in out


def test_name_errors(app, cli):
    cli.run("bounceconfig", "new")
    out = cli.run("1st")
    assert out.startswith("The bounce profile name must start with a letter or underscore")
    assert out.endswith("\nPlease create a name for the profile:\n[]> ")
    assert cli.run("default").startswith("Profile name already in use.")
    assert cli.run("").endswith(listing("Default"))
    assert app.counters["writes"] == 0
    new_profile(cli, "_x1-y")
    assert cli.run("").endswith("esa1.lab> ")


def test_number_range_errors(cli):
    cli.run("bounceconfig", "new", "a")
    assert cli.run("10001").startswith("The value must be an integer from 0 to 10000.")
    cli.run("0", "3000000")
    assert cli.run("59").startswith("The value must be an integer from 60 to 86400.")
    cli.run("60", "86400")
    assert cli.run("maybe").startswith("Please answer Y, N or Default.")


def seed(app, table, value):
    """Commit ``value`` as ``table`` directly (what another command, such as destconfig, would have written)."""
    session = app.open_session()
    session.write(table, value)
    session.commit_pending()


def test_edit_shows_current_values_and_renames(app, cli):
    new_profile(cli, "M365", "20")
    cli.run("", "commit", "", "")
    controls = app.committed["destination_controls"]
    seed(app, "destination_controls", [dict(dc.new_entry("example.com"), bounce_profile="M365")] + controls)
    cli.run("bounceconfig")
    assert cli.run("edit") == "\nPlease enter the number of the profile to edit:\n[]> "
    assert cli.run("9").startswith('Invalid profile number "9".')
    assert cli.run("2") == "\nPlease enter the name for the profile:\n[M365]> "
    assert cli.run("O365") == "\nPlease enter the maximum number of retries.\n[20]> "
    out = cli.run("")
    while not out.endswith(MENU):
        out += cli.run("")
    assert out.endswith(listing("Default", "O365"))
    cli.run("", "commit", "", "")
    assert app.committed["bounce_profiles"] == ["Default", "O365"]
    assert settings(app, "O365")["max_retries"] == 20
    # destination controls follow the new name (lab choice)
    assert dc.find(app.committed["destination_controls"], "example.com")["bounce_profile"] == "O365"
    cli.run("bounceconfig", "delete", "2", "Y", "", "commit", "", "")
    assert dc.find(app.committed["destination_controls"], "example.com")["bounce_profile"] is None


def test_edit_default(app, cli):
    cli.run("bounceconfig")
    cli.run("edit")
    # no name question: the Default profile's name cannot change
    assert cli.run("1") == "\nPlease enter the maximum number of retries.\n[100]> "
    out = cli.run("50", "", "", "", "")
    assert out.endswith("Do you want bounce messages to use the DSN message format? [Y]> ")
    assert cli.run("Default").startswith("Please answer Y or N.")
    out = ""
    while "retrying a host" not in out:
        out = cli.run("")
    assert out == ("\nPlease enter the initial number of seconds to wait before retrying a host that is unreachable."
                   "\n[60]> ")
    cli.run("", "")
    assert cli.run("").endswith(listing("Default"))
    cli.run("", "commit", "", "")
    assert settings(app, "Default")["max_retries"] == 50


def test_delete(app, cli):
    new_profile(cli, "a")
    out = cli.run("delete")
    assert out == "\nPlease enter the number of the profile to delete:\n[]> "
    out = cli.run("1")
    assert out.startswith("The default profile may not be deleted.")
    assert out.endswith(listing("Default", "a"))
    cli.run("delete")
    assert cli.run("2") == '\nAre you sure you want to delete the profile "a"? [N]> '
    assert cli.run("").endswith(listing("Default", "a"))
    cli.run("delete", "2")
    assert cli.run("y").endswith(listing("Default"))
    cli.run("", "commit", "", "")
    assert app.committed["bounce_profiles"] == ["Default"]
    assert "a" not in app.committed[BOUNCE_SETTINGS]


def test_setup_and_ctrl_c(app, cli):
    cli.run("bounceconfig")
    assert cli.run("setup").startswith("This option is not available in the lab.")
    cli.run("new", "a", "5")
    assert cli.session.interrupt().startswith("\n-- Changes not recorded")
    assert app.counters["writes"] == 0


@pytest.mark.parametrize("created_by", ["bounceconfig", "destconfig"])
def test_showconfig_shows_the_settings(app, cli, created_by):
    if created_by == "bounceconfig":
        new_profile(cli, "M365", "20", "", "", "", "N")
        cli.run("")
    else:
        # destconfig "New Profile" adds only a name: the profile has the settings of a new profile
        seed(app, "bounce_profiles", ["Default", "M365"])
    cli.run("commit", "", "")
    session = app.open_session(page_size=0)
    session.start()
    xml = session.send_line("showconfig") + session.send_line("1")
    block = xml[xml.index("<bounce_profiles>"):xml.index("</bounce_profiles>")]
    assert block.count("<bounce_profile>") == 2
    m365 = block[block.index("<profile_name>M365</profile_name>"):]
    assert "<max_retries>%s</max_retries>" % ("20" if created_by == "bounceconfig" else "100") in m365
    assert "<send_bounces>%s</send_bounces>" % ("no" if created_by == "bounceconfig" else "default") in m365
    assert "<send_warnings>default</send_warnings>" in m365 and "host_initial_retry" not in m365
