"""State directory of the lab: paths, password, faults, runtime info, client files.

Layout (see lab/README.md)::

    <state>/esa_config.json     committed configuration (per level) + appliance identity
    <state>/esa_counters.json   counters
    <state>/faults.json         fault injection settings
    <state>/password            the lab admin password (mode 600)
    <state>/authorized_keys     public keys accepted for admin
    <state>/ssh_host_rsa_key    the server host key (generated on first start)
    <state>/configuration/      the appliance's /configuration directory
    <state>/esa.pid, esa.json   pid and runtime info of the running server
    <state>/esa.log             server log
    <state>/inventory.yml, known_hosts, ssh_config   files for clients
"""

import json
import os
import secrets
import string

from .esa.store import LOCK_FILE, read_json, write_json_atomic

DEFAULT_PORT = 2222
BIND_HOST = "127.0.0.1"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Run from a clone of the collection's repository (python -m lab), or installed as its own package
# (pip install ./lab: then REPO_ROOT is the site-packages directory and state goes under the working directory).
IN_REPOSITORY = os.path.exists(os.path.join(REPO_ROOT, "galaxy.yml"))

FAULT_KEYS = ("drop_after_lines", "sessions", "prompt_delay", "commit_delay", "ttymode_ignored")


def default_state_dir():
    """$LAB_STATE_DIR, else <repository>/.lab in a clone, else ./.lab (the installed package)."""
    return os.path.abspath(os.environ.get("LAB_STATE_DIR") or os.path.join(REPO_ROOT if IN_REPOSITORY else os.getcwd(),
                                                                           ".lab"))


def default_port():
    return int(os.environ.get("LAB_ESA_PORT") or DEFAULT_PORT)


class StateDir:
    def __init__(self, path):
        self.path = os.path.abspath(path)

    def file(self, name):
        return os.path.join(self.path, name)

    def ensure(self):
        os.makedirs(self.path, mode=0o700, exist_ok=True)
        os.makedirs(self.file("configuration"), exist_ok=True)
        ignore = self.file(".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w", encoding="utf-8") as handle:
                handle.write("# lab state: never commit\n*\n")

    # -- password ------------------------------------------------------------
    def password(self, override=None):
        """The lab password: ``override`` (stored), else the stored one, else a new random one."""
        path = self.file("password")
        if override:
            self._write_secret(path, override)
            return override
        try:
            with open(path, encoding="utf-8") as handle:
                value = handle.read().strip()
            if value:
                return value
        except FileNotFoundError:
            pass
        value = "".join(secrets.choice(string.ascii_letters + string.digits) for _unused in range(16))
        self._write_secret(path, value)
        return value

    @staticmethod
    def _write_secret(path, value):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")

    def read_password(self):
        try:
            with open(self.file("password"), encoding="utf-8") as handle:
                return handle.read().strip() or None
        except FileNotFoundError:
            return None

    # -- faults ----------------------------------------------------------------
    def _faults_lock(self):
        import fcntl  # local: only this helper needs it

        handle = open(self.file(LOCK_FILE), "a", encoding="utf-8")
        fcntl.flock(handle, fcntl.LOCK_EX)
        return handle

    def read_faults(self):
        return read_json(self.file("faults.json"), {})

    def update_faults(self, clear=False, **values):
        self.ensure()
        lock = self._faults_lock()
        try:
            faults = {} if clear else self.read_faults()
            for key, value in values.items():
                if value is None:
                    continue
                if key in ("drop_after_lines", "sessions") and value <= 0:
                    faults.pop(key, None)
                elif key in ("prompt_delay", "commit_delay") and value <= 0:
                    faults.pop(key, None)
                elif key == "ttymode_ignored" and not value:
                    faults.pop(key, None)
                else:
                    faults[key] = value
            if "drop_after_lines" not in faults:
                faults.pop("sessions", None)
            write_json_atomic(self.file("faults.json"), faults)
            return faults
        finally:
            lock.close()

    def take_session_faults(self):
        """Faults for a new session; uses up one of the ``sessions`` of a drop fault."""
        if not os.path.exists(self.file("faults.json")):
            return {}
        lock = self._faults_lock()
        try:
            faults = self.read_faults()
            result = dict(faults)
            if faults.get("drop_after_lines") and faults.get("sessions") is not None:
                faults["sessions"] -= 1
                if faults["sessions"] <= 0:
                    faults.pop("sessions")
                    faults.pop("drop_after_lines")
                write_json_atomic(self.file("faults.json"), faults)
            return result
        finally:
            lock.close()

    # -- runtime ---------------------------------------------------------------
    def runtime(self):
        return read_json(self.file("esa.json"), None)

    def write_runtime(self, info):
        write_json_atomic(self.file("esa.json"), info)
        with open(self.file("esa.pid"), "w", encoding="utf-8") as handle:
            handle.write(f"{info['pid']}\n")

    def clear_runtime(self, pid):
        info = self.runtime()
        if info and info.get("pid") == pid:
            for name in ("esa.json", "esa.pid"):
                try:
                    os.unlink(self.file(name))
                except FileNotFoundError:
                    pass

    # -- client files ------------------------------------------------------------
    def write_client_files(self, host, port, host_key_line, password):
        """inventory.yml, known_hosts and ssh_config for clients of the running server."""
        hostport = host if port == 22 else f"[{host}]:{port}"
        names = [hostport] + ([] if port == 22 else [f"[localhost]:{port}"])
        with open(self.file("known_hosts"), "w", encoding="utf-8") as handle:
            for name in names:
                handle.write(f"{name} {host_key_line}\n")
        with open(self.file("ssh_config"), "w", encoding="utf-8") as handle:
            handle.write(
                f"# Written by 'python -m lab up'; host keys are verified.\n"
                f"Host {host} localhost esa1\n"
                f"    HostName {host}\n"
                f"    Port {port}\n"
                f"    User admin\n"
                f"    UserKnownHostsFile {self.file('known_hosts')}\n"
                f"    StrictHostKeyChecking yes\n")
        host_vars = [
            ("ansible_host", host),
            ("ansible_port", port),
            ("ansible_user", "admin"),
            ("ansible_password", password),
            ("ansible_connection", "ansible.netcommon.network_cli"),
            ("ansible_network_os", "mailops.secure_email.asyncos"),
            ("ansible_network_cli_ssh_type", "libssh"),
            # Lab only: the lab's host key is new for every state dir and its
            # port may be random, and pylibssh 1.4.0 ignores the
            # ansible_libssh_config_file that would point libssh at
            # <state>/known_hosts, so the lab inventory opts out of host key
            # checking. `python -m lab trust` adds the key to ~/.ssh/known_hosts
            # for those who want to rehearse with checking on. Real appliances
            # keep the default (checking on).
            ("ansible_host_key_checking", False),
        ]
        lines = ["# Written by 'python -m lab up'.", "esa_gateways:", "  hosts:", "    esa1:"]
        lines += [f"      {key}: {json.dumps(value)}" for key, value in host_vars]
        with open(self.file("inventory.yml"), "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        os.chmod(self.file("inventory.yml"), 0o600)
