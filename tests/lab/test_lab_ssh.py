"""The lab ESA over real SSH (paramiko client, pylibssh client, and the ``python -m lab`` CLI)."""

import json
import os
import re
import socket
import subprocess
import sys
import time

import paramiko
import pytest

from conftest import ROOT
from lab.esa.ssh_server import ESASSHServer
from lab.state import StateDir

PROMPT = re.compile(r"(?:^|\n)(?:\((?:Cluster|Group|Machine) [^)\n]+\)|[\w.-]+)> $|\]> $|-Press Any Key For More-$")


@pytest.fixture(name="server", scope="module")
def server_fixture(tmp_path_factory):
    state = tmp_path_factory.mktemp("esa-state")
    server = ESASSHServer(str(state), port=0, password="lab-pass-1").start()
    yield server
    server.stop()


def connect(server, password="lab-pass-1", key=None):
    client = paramiko.SSHClient()
    client.load_host_keys(server.state.file("known_hosts"))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect("127.0.0.1", port=server.port, username="admin", password=password, pkey=key,
                   look_for_keys=False, allow_agent=False, timeout=5)
    return client


class Shell:
    def __init__(self, client, height=24, width=80):
        self.client = client
        self.channel = client.invoke_shell(term="vt100", width=width, height=height)
        self.channel.settimeout(5)
        self.banner = self.read()

    def read(self, pattern=PROMPT):
        data = b""
        while True:
            text = data.decode("utf-8", "replace").replace("\r\n", "\n")
            if pattern.search(text):
                return text
            chunk = self.channel.recv(65536)
            if not chunk:
                return text
            data += chunk

    def send(self, raw):
        self.channel.sendall(raw.encode("utf-8"))
        return self.read()

    def line(self, text, eol="\r"):
        return self.send(text + eol)


def test_password_login_shell_and_commit(server):
    before = server.app.counters
    client = connect(server)
    shell = Shell(client)
    assert shell.banner.startswith("AsyncOS 14.1.1 for Cisco C100V build 010\n")     # the default profile
    assert shell.banner.endswith("\nesa1.lab> ")
    out = shell.line("smtproutes")
    assert out.startswith("smtproutes\n")          # echo
    assert out.endswith("- CLEAR - Remove all routes.\n[]> ")
    shell.line("new")
    shell.line("ssh.example.com")
    shell.line("mx1.example.net:25/pri=10, mx2.example.net", eol="\r\n")
    shell.line("N", eol="\n")
    shell.line("")
    out = shell.line("commit")
    assert out.endswith("[]> ")
    shell.line("over ssh")
    out = shell.line("Y")
    assert re.search(r"Changes committed: \w{3} \w{3} \d{2} [\d:]{8} \d{4}\n\nesa1\.lab> $", out)
    shell.channel.sendall(b"exit\r")
    time.sleep(0.2)
    client.close()
    after = server.app.counters
    assert after["logins"] == before["logins"] + 1
    assert after["commits"] == before["commits"] + 1
    assert after["lines_received"] == before["lines_received"] + 10
    routes = {r["domain"]: r["destinations"] for r in server.app.committed["smtp_routes"]}
    assert routes["ssh.example.com"] == ["mx1.example.net:25/pri=10", "mx2.example.net"]


def test_backspace_ctrl_c_and_pager_keys(server):
    client = connect(server)
    shell = Shell(client, height=10)
    out = shell.send("versiox\x7fn\r")
    assert "Model: C100V" in out and out.endswith("-Press Any Key For More-")
    lines_before = server.app.counters["lines_received"]
    out = shell.send("\r\n")                         # CR LF at the pager is ONE key
    assert out.endswith("-Press Any Key For More-")
    time.sleep(0.2)
    assert server.app.counters["lines_received"] == lines_before + 1
    out = shell.send("\x03")
    assert out == "\nesa1.lab> "
    out = shell.line("smtproutes")
    while out.endswith("-Press Any Key For More-"):    # from 12.0 the menu pages inside the dialogue too
        out = shell.send(" ")
    shell.line("new")
    out = shell.send("\x03")
    assert out == "\n-- Changes not recorded\nesa1.lab> "
    client.close()


def test_key_login_and_wrong_password(server, tmp_path):
    key = paramiko.RSAKey.generate(2048)
    with open(server.state.file("authorized_keys"), "a", encoding="utf-8") as handle:
        handle.write(f"{key.get_name()} {key.get_base64()} test@lab\n")
    client = connect(server, password=None, key=key)
    assert Shell(client).banner.endswith("esa1.lab> ")
    client.close()
    with pytest.raises(paramiko.AuthenticationException):
        connect(server, password="wrong")
    other = paramiko.RSAKey.generate(1024)
    with pytest.raises(paramiko.AuthenticationException):
        connect(server, password=None, key=other)
    del tmp_path


def test_exec_channel(server):
    client = connect(server)
    _stdin, stdout, _stderr = client.exec_command("clustermode; commit", timeout=5)
    assert stdout.read().decode() == ("The clustermode command is only available on cluster systems.\n"
                                      "There is no data to commit.\n")
    client.close()


def _xml_lines(text):
    """The lines of a showconfig answer from its XML declaration to ``</config>``."""
    start, end = text.index("<?xml"), text.index("</config>") + len("</config>")
    return text[start:end].split("\n")


def test_showconfig_wraps_at_the_pty_width_and_reads_are_counted(server):
    server.app.reset_read_max()
    before = server.app.counters
    client = connect(server)
    shell = Shell(client, height=1000, width=100)          # paramiko sends the pty request with 100 columns
    shell.line("showconfig")
    lines = _xml_lines(shell.line("1"))
    assert max(len(line) for line in lines) == 100
    cipher = [index for index, line in enumerate(lines) if line.startswith("    <outbound_ciphers>")]
    assert len(cipher) == 1
    first, second = lines[cipher[0]], lines[cipher[0] + 1]
    assert len(first) == 100 and len(second) <= 100 and (first + second).endswith("</outbound_ciphers>")

    shell.channel.resize_pty(width=60, height=1000)         # window-change request
    time.sleep(0.2)
    shell.line("showconfig")
    lines = _xml_lines(shell.line("1"))
    assert max(len(line) for line in lines) == 60 and sum(len(line) == 60 for line in lines) > 3

    _stdin, stdout, _stderr = client.exec_command("showconfig 1", timeout=5)    # same login, no pty: no wrapping
    lines = _xml_lines(stdout.read().decode())
    assert max(len(line) for line in lines) > 160
    _stdin, stdout, _stderr = client.exec_command("showconfig 1", timeout=5, get_pty=True)   # pty: 80 columns
    lines = _xml_lines(stdout.read().decode().replace("\r\n", "\n"))
    assert max(len(line) for line in lines) == 80
    client.close()
    time.sleep(0.2)

    other = connect(server)                                 # another login
    _stdin, stdout, _stderr = other.exec_command("showconfig 1; smtproutes print", timeout=5)
    stdout.read()
    other.close()
    after = server.app.counters
    assert after["config_reads"]["showconfig"] == before["config_reads"]["showconfig"] + 5
    assert after["config_reads"]["smtproutes"] == before["config_reads"]["smtproutes"] + 1
    assert after["config_reads_max_per_login"]["showconfig"] == 4   # the 4 reads of the first login
    assert after["config_reads_max_per_login"]["smtproutes"] == 1
    assert after["writes"] == before["writes"]


def test_drop_after_lines_fault(server):
    state = server.state
    state.update_faults(drop_after_lines=3, sessions=1)
    before = server.app.counters
    client = connect(server)
    shell = Shell(client)
    shell.line("smtproutes")
    shell.line("new")
    shell.channel.sendall(b"dropped.example.com\r")
    with pytest.raises((socket.timeout, OSError, EOFError)):
        data = shell.channel.recv(4096)
        while data:
            assert b"Enter the destination" not in data
            data = shell.channel.recv(4096)
        raise EOFError("closed")
    client.close()
    time.sleep(0.2)
    after = server.app.counters
    assert after["lines_received"] == before["lines_received"] + 2    # the 3rd line was not processed
    assert state.read_faults() == {}                                  # used up (sessions=1)
    client = connect(server)
    shell = Shell(client)
    assert shell.line("smtproutes").endswith("[]> ")
    assert shell.line("").endswith("esa1.lab> ")
    assert shell.line("version").endswith("esa1.lab> ")
    client.close()


def test_prompt_delay_and_commit_delay_faults(server):
    server.state.update_faults(prompt_delay=0.1, commit_delay=0.4)
    try:
        client = connect(server)
        started = time.monotonic()
        shell = Shell(client)
        shell.line("smtproutes")
        assert time.monotonic() - started >= 0.2
        shell.line("new")
        shell.line("delay.example.com")
        shell.line("USEDNS")
        shell.line("")
        shell.line("")
        shell.line("commit")
        shell.line("slow")
        started = time.monotonic()
        assert "Changes committed" in shell.line("")
        assert time.monotonic() - started >= 0.4 + 0.1
        client.close()
    finally:
        server.state.update_faults(clear=True)


def test_host_key_stable_across_restarts(tmp_path):
    first = ESASSHServer(str(tmp_path), port=0).start()
    line, password = first.host_key_line, first.password
    first.stop()
    second = ESASSHServer(str(tmp_path), port=0).start()
    try:
        assert second.host_key_line == line and second.password == password
        with open(second.state.file("known_hosts"), encoding="utf-8") as handle:
            assert f"[127.0.0.1]:{second.port} {line}" in handle.read()
        client = connect(second, password=password)
        client.close()
    finally:
        second.stop()


LIBSSH_CLIENT = """
import sys, time
from pylibsshext.session import Session
port, password, known_hosts = int(sys.argv[1]), sys.argv[2], sys.argv[3]
session = Session()
try:
    session.connect(host="127.0.0.1", port=port, user="admin", password=password, look_for_keys=False,
                    host_key_checking=True, knownhosts=known_hosts, timeout=5)
except Exception as exc:
    print("REJECTED", exc)
    sys.exit(0)
channel = session.invoke_shell()
data = b""
deadline = time.monotonic() + 5
while time.monotonic() < deadline and not data.endswith(b"> "):
    data += channel.read_nonblocking(4096) or b""
    time.sleep(0.02)
print("PROMPT" if data.endswith(b"\\r\\nesa1.lab> ") else "NO PROMPT " + repr(data[-80:]))
channel.close()
session.close()
"""


def test_libssh_client_strict_host_key(server):
    """libssh (the network_cli transport) logs in with strict host key checking and sees the prompt.

    The client runs in a subprocess: pylibssh holds the GIL while connecting.
    """
    pytest.importorskip("pylibsshext.session")

    def run_client(known_hosts):
        result = subprocess.run([sys.executable, "-c", LIBSSH_CLIENT, str(server.port), "lab-pass-1", known_hosts],
                                capture_output=True, text=True, timeout=30, check=False)
        return result.stdout.strip()

    assert run_client(server.state.file("known_hosts")) == "PROMPT"
    other_known = server.state.file("known_hosts.other")
    with open(other_known, "w", encoding="utf-8") as handle:
        handle.write(f"[127.0.0.1]:{server.port} ssh-rsa {paramiko.RSAKey.generate(1024).get_base64()}\n")
    assert run_client(other_known).startswith("REJECTED")


def lab(*args, check=True):
    result = subprocess.run([sys.executable, "-m", "lab"] + list(args), cwd=ROOT, capture_output=True, text=True,
                            timeout=60, check=False)
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


def test_cli_up_status_config_fault_reset_down(tmp_path):
    state_dir = str(tmp_path / "state")
    out = lab("up", "--state-dir", state_dir, "--esa-port", "0", "--cluster", "ESA-CL").stdout
    try:
        assert "ESA lab running" in out and "ssh -p " in out
        assert "already running" in lab("up", "--state-dir", state_dir, "--esa-port", "0").stdout
        status = json.loads(lab("status", "--state-dir", state_dir, "--json").stdout)["esa"]
        assert status["running"] and status["host"] == "127.0.0.1" and status["cluster"] == "ESA-CL"
        assert status["hostname"] == "esa1.lab" and status["counters"]["logins"] == 0
        state = StateDir(state_dir)
        inventory = open(state.file("inventory.yml"), encoding="utf-8").read()
        assert f"ansible_port: {status['port']}" in inventory
        assert "ansible_connection: \"ansible.netcommon.network_cli\"" in inventory
        assert f"UserKnownHostsFile {state.file('known_hosts')}" in open(state.file("ssh_config"), encoding="utf-8").read()

        client = paramiko.SSHClient()
        client.load_host_keys(state.file("known_hosts"))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        client.connect("127.0.0.1", port=status["port"], username="admin", password=state.read_password(),
                       look_for_keys=False, allow_agent=False, timeout=5)
        _stdin, stdout, _stderr = client.exec_command("clustermode group Main_Group", timeout=5)
        assert stdout.read() == b""
        shell = Shell(client)
        assert shell.banner.endswith("(Cluster ESA-CL)> ")
        for line in ("smtproutes", "new", "cli.example.com", "h1.example.net", "", "", "commit", "", ""):
            shell.line(line)
        for line in ("smtproutes", "print", "", "showconfig", "1"):
            shell.line(line)
        _stdin, stdout, _stderr = client.exec_command("smtproutes print", timeout=5)
        assert b"cli.example.com" in stdout.read()
        client.close()
        time.sleep(0.3)
        counters = json.loads(lab("status", "--state-dir", state_dir, "--json").stdout)["esa"]["counters"]
        assert counters["logins"] == 1 and counters["sessions"] == 3 and counters["commits"] == 1
        assert counters["writes"] == 1 and counters["lines_received"] == 16
        assert counters["config_reads"]["smtproutes"] == 2 and counters["config_reads"]["showconfig"] == 1
        assert counters["config_reads_max_per_login"]["smtproutes"] == 2
        assert counters["config_reads_max_per_login"]["showconfig"] == 1
        assert counters["config_reads"]["destconfig"] == 0
        human = lab("status", "--state-dir", state_dir).stdout
        assert "config reads: showconfig 1 (max 1/login), smtproutes 2 (max 2/login)\n" in human
        assert "config_reads" not in human
        lab("reset", "--state-dir", state_dir, "--read-max-only")
        counters = json.loads(lab("status", "--state-dir", state_dir, "--json").stdout)["esa"]["counters"]
        assert counters["config_reads"]["smtproutes"] == 2 and counters["commits"] == 1
        assert not any(counters["config_reads_max_per_login"].values())
        config = json.loads(lab("config", "--state-dir", state_dir).stdout)
        assert config["esa"]["smtp_routes"] == [{"domain": "cli.example.com", "destinations": ["h1.example.net"]}]
        layers = json.loads(lab("config", "--state-dir", state_dir, "--layers").stdout)["esa"]["table_levels"]
        assert all(levels == ["cluster"] for levels in layers.values())       # clustered factory: all at cluster level
        lab("seed", "--state-dir", state_dir, "--level", "machine:esa1.lab", "--table", "smtp_routes",
            "--json", '[{"domain": "m.example", "destinations": ["h2.example.net"]}]')
        layers = json.loads(lab("config", "--state-dir", state_dir, "--layers").stdout)["esa"]["table_levels"]
        assert layers["smtp_routes"] == ["cluster", "machine:esa1.lab"]
        assert json.loads(lab("config", "--state-dir", state_dir).stdout)["esa"]["smtp_routes"][0]["domain"] == "m.example"

        faults = lab("fault", "--state-dir", state_dir, "--drop-after-lines", "2", "--sessions", "3",
                     "--commit-delay", "1").stdout
        assert '"drop_after_lines": 2' in faults and '"sessions": 3' in faults
        assert lab("fault", "--state-dir", state_dir, "--clear").stdout.strip() == "faults: none"

        lab("reset", "--state-dir", state_dir)          # takes effect while running
        assert json.loads(lab("config", "--state-dir", state_dir).stdout)["esa"]["smtp_routes"] == []
        status = json.loads(lab("status", "--state-dir", state_dir, "--json").stdout)["esa"]
        assert status["counters"]["commits"] == 0
        assert lab("fault", "--state-dir", state_dir, "--sessions", "2", check=False).returncode == 1
    finally:
        lab("down", "--state-dir", state_dir)
    assert "not running" in lab("down", "--state-dir", state_dir).stdout
    status = json.loads(lab("status", "--state-dir", state_dir, "--json").stdout)["esa"]
    assert not status["running"] and status["pid"] is None and status["port"] is None
    assert not os.path.exists(os.path.join(state_dir, "esa.pid"))


def test_cli_up_port_in_use(tmp_path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        port = blocker.getsockname()[1]
        result = lab("up", "--state-dir", str(tmp_path), "--esa-port", str(port), check=False)
    assert result.returncode != 0 and "cannot listen" in result.stderr
