"""Fixtures for the lab tests (run from the repo root: python -m pytest tests/lab -q)."""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from lab.esa.engine import Appliance  # noqa: E402  pylint: disable=wrong-import-position


class Cli:
    """Drive one engine session; ``run`` returns all output of the given lines."""

    def __init__(self, app, **kwargs):
        self.app = app
        self.session = app.open_session(**kwargs)
        self.banner = self.session.start()

    def run(self, *lines):
        return "".join(self.session.send_line(line) for line in lines)

    def last(self, *lines):
        out = ""
        for line in lines:
            out = self.session.send_line(line)
        return out


@pytest.fixture(name="app")
def app_fixture():
    return Appliance(hostname="esa1.lab")


@pytest.fixture(name="cli")
def cli_fixture(app):
    return Cli(app)


def add_route(cli, domain, destinations):
    """Walk smtproutes > NEW and return to the main prompt."""
    return cli.run("smtproutes", "new", domain, destinations, "", "")
