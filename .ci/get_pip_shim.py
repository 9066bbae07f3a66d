"""Offline stand-in for pip's get-pip.py bootstrap script, used by ansible-test.

ansible-test downloads ``get-pip-<version>.py`` from ci-files.testing.ansible.com, which is not
reachable here. It looks for a cached copy at ``~/.ansible/test/cache/get_pip_<X_Y>.py`` first, so
``make shim`` installs this file there. ansible-test runs it as::

    python get_pip_X_Y.py --disable-pip-version-check pip==X.Y --no-setuptools --no-wheel

We bootstrap pip from the interpreter's bundled wheel (ensurepip), then let that pip install the
requested version from the configured index. ensurepip sets PIP_CONFIG_FILE=/dev/null in
os.environ as a side effect, which would drop the machine's pip config (certificate, mirrors), so
the environment is restored before calling pip.
"""

import ensurepip
import os
import subprocess
import sys


def main():
    args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
    saved_env = dict(os.environ)
    ensurepip.bootstrap(upgrade=True)
    os.environ.clear()
    os.environ.update(saved_env)
    return subprocess.call([sys.executable, '-m', 'pip', 'install', '--upgrade'] + args)


if __name__ == '__main__':
    sys.exit(main())
