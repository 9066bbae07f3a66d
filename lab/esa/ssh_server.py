"""paramiko SSH server in front of the AsyncOS CLI engine.

- password auth (user ``admin``) and public-key auth (``<state>/authorized_keys``);
- PTY + shell: echo, CR/LF/CRLF end a line (CRLF counts once), backspace,
  Ctrl-C interrupts, any single key continues the pager;
- exec channel: ``ssh host "cmd1; cmd2"`` runs the commands without prompts;
- terminal size from the pty request and window changes: rows set the pager, columns the
  width at which ``showconfig`` wraps long lines (80 when the client sent no size; an exec
  channel without a pty has no terminal, so no wrapping there);
- one :class:`LoginReads` per SSH connection (login), shared by its channels, for the
  ``config_reads_max_per_login`` counter;
- faults from ``<state>/faults.json``, read when a session starts.
"""

import codecs
import hmac
import logging
import os
import socket
import threading
import time

import paramiko

from ..state import BIND_HOST, StateDir
from .engine import DEFAULT_WIDTH, Appliance, LoginReads

LOG = logging.getLogger(__name__)

USERNAME = "admin"
HOST_KEY_FILE = "ssh_host_rsa_key"
HOST_KEY_BITS = 3072


def load_or_create_host_key(path):
    if os.path.exists(path):
        return paramiko.RSAKey.from_private_key_file(path)
    key = paramiko.RSAKey.generate(HOST_KEY_BITS)
    key.write_private_key_file(path)
    os.chmod(path, 0o600)
    return key


def read_authorized_keys(path):
    keys = set()
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                fields = line.split()
                if len(fields) >= 2 and not line.lstrip().startswith("#"):
                    keys.add((fields[0], fields[1]))
    except FileNotFoundError:
        pass
    return keys


class _ChannelRequest:
    def __init__(self):
        self.kind = None
        self.command = ""
        self.rows = 0
        self.columns = 0
        self.pty = False
        self.session = None
        self.ready = threading.Event()


class _Interface(paramiko.ServerInterface):
    def __init__(self, server):
        self.server = server
        self.username = None
        self.login_reads = LoginReads()     # one login = one SSH connection, all its channels
        self._requests = {}
        self._lock = threading.Lock()

    def request_for(self, channel):
        with self._lock:
            return self._requests.setdefault(channel.get_id(), _ChannelRequest())

    def get_allowed_auths(self, username):
        return "password,publickey"

    def check_auth_none(self, username):
        return paramiko.AUTH_FAILED

    def check_auth_password(self, username, password):
        if username == USERNAME and hmac.compare_digest(password.encode("utf-8"), self.server.password.encode("utf-8")):
            self.username = username
            return paramiko.AUTH_SUCCESSFUL
        LOG.info("password rejected for %r", username)
        return paramiko.AUTH_FAILED

    def check_auth_publickey(self, username, key):
        allowed = read_authorized_keys(self.server.state.file("authorized_keys"))
        if username == USERNAME and (key.get_name(), key.get_base64()) in allowed:
            self.username = username
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_pty_request(self, channel, term, width, height, pixelwidth, pixelheight, modes):
        request = self.request_for(channel)
        request.pty = True
        request.rows = height
        request.columns = width
        return True

    def check_channel_window_change_request(self, channel, width, height, pixelwidth, pixelheight):
        request = self.request_for(channel)
        request.rows = height
        request.columns = width
        if request.session is not None:
            request.session.set_terminal_height(height)
            request.session.set_terminal_width(width or DEFAULT_WIDTH)
        return True

    def check_channel_shell_request(self, channel):
        request = self.request_for(channel)
        request.kind = "shell"
        request.ready.set()
        return True

    def check_channel_exec_request(self, channel, command):
        request = self.request_for(channel)
        request.kind = "exec"
        request.command = command.decode("utf-8", "replace")
        request.ready.set()
        return True


class _Dropped(Exception):
    """The drop-after-N-lines fault fired."""


class ESASSHServer:
    """The lab ESA: one Appliance behind a threaded paramiko SSH server."""

    def __init__(self, state_dir, port=0, hostname="esa1.lab", cluster=None, password=None, host=BIND_HOST,
                 release=None):
        self.state = StateDir(state_dir)
        self.state.ensure()
        self.host = host
        self.requested_port = port
        self.port = None
        self.password = self.state.password(password)
        self.host_key = load_or_create_host_key(self.state.file(HOST_KEY_FILE))
        self.app = Appliance(hostname=hostname, cluster=cluster, store=self.state.path, password=self.password,
                             release=release)
        self._sock = None
        self._stop = threading.Event()
        self._transports = set()
        self._lock = threading.Lock()
        self._thread = None

    @property
    def host_key_line(self):
        return f"{self.host_key.get_name()} {self.host_key.get_base64()}"

    def start(self):
        """Bind (loopback), write client files and start accepting in a thread."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.requested_port))
        except OSError:
            sock.close()
            raise
        sock.listen(64)
        sock.settimeout(0.5)
        self._sock = sock
        self.port = sock.getsockname()[1]
        self.state.write_client_files(self.host, self.port, self.host_key_line, self.password)
        self._thread = threading.Thread(target=self._accept_loop, name="esa-accept", daemon=True)
        self._thread.start()
        LOG.info("ESA lab listening on %s:%s (hostname %s)", self.host, self.port, self.app.hostname)
        return self

    def stop(self):
        self._stop.set()
        if self._sock is not None:
            self._sock.close()
        with self._lock:
            transports = list(self._transports)
        for transport in transports:
            transport.close()
        if self._thread is not None:
            self._thread.join(5)

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                client, address = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            LOG.info("connection from %s:%s", *address[:2])
            threading.Thread(target=self._handle_connection, args=(client,), name="esa-conn", daemon=True).start()

    def _handle_connection(self, client):
        transport = paramiko.Transport(client)
        transport.add_server_key(self.host_key)
        interface = _Interface(self)
        try:
            transport.start_server(server=interface)
        except (paramiko.SSHException, EOFError, OSError) as exc:
            LOG.info("SSH negotiation failed: %s", exc)
            transport.close()
            return
        with self._lock:
            self._transports.add(transport)
        logged_in = False
        try:
            while transport.is_active() and not self._stop.is_set():
                channel = transport.accept(0.5)
                if not logged_in and transport.is_authenticated():
                    logged_in = True
                    self.app.record_login()
                    LOG.info("login %s", interface.username)
                if channel is not None:
                    threading.Thread(target=self._handle_channel, args=(transport, channel, interface),
                                     name="esa-chan", daemon=True).start()
        finally:
            with self._lock:
                self._transports.discard(transport)

    def _handle_channel(self, transport, channel, interface):
        request = interface.request_for(channel)
        if not request.ready.wait(15):
            channel.close()
            return
        try:
            if request.kind == "exec":
                self._run_exec(channel, request, interface)
            else:
                self._run_shell(transport, channel, request, interface)
        except _Dropped:
            LOG.info("fault: connection dropped")
            transport.close()
        except (OSError, EOFError, paramiko.SSHException) as exc:
            LOG.info("channel ended: %s", exc)

    def _run_shell(self, transport, channel, request, interface):
        faults = self.state.take_session_faults()
        drop_after = int(faults.get("drop_after_lines") or 0)
        prompt_delay = float(faults.get("prompt_delay") or 0)
        rows = request.rows or 24
        session = self.app.open_session(user=interface.username, page_size=max(rows - 1, 1), count_login=False,
                                        commit_delay=float(faults.get("commit_delay") or 0),
                                        width=request.columns or DEFAULT_WIDTH, login=interface.login_reads)
        session.ttymode_ignored = bool(faults.get("ttymode_ignored"))
        request.session = session
        lines = 0

        def send(text):
            if prompt_delay:
                time.sleep(prompt_delay)
            channel.sendall(text.replace("\n", "\r\n").encode("utf-8"))

        def line_arrives():
            nonlocal lines
            lines += 1
            if drop_after and lines >= drop_after:
                session.close()
                transport.close()
                raise _Dropped()

        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        buffer = []
        previous_cr = False
        escape = 0
        try:
            send(session.start())
            while not session.closed:
                data = channel.recv(4096)
                if not data:
                    break
                for char in decoder.decode(data):
                    if session.closed:
                        break
                    if escape:
                        # skip ESC [ ... final-byte / ESC O x sequences (arrow keys)
                        escape = 0 if (escape > 1 and (char.isalpha() or char == "~")) else escape + 1
                        if escape > 8:
                            escape = 0
                        continue
                    if char == "\n" and previous_cr:
                        previous_cr = False
                        continue
                    previous_cr = char == "\r"
                    if char == "\x03":
                        buffer = []
                        send(session.interrupt())
                    elif session.at_pager:
                        line_arrives()
                        send(session.send_line(char))
                    elif char in "\r\n":
                        channel.sendall(b"\r\n")
                        line_arrives()
                        line, buffer = "".join(buffer), []
                        send(session.send_line(line))
                    elif char in "\x7f\x08":
                        if buffer:
                            buffer.pop()
                            channel.sendall(b"\x08 \x08")
                    elif char == "\x04" and not buffer:
                        session.close()
                    elif char == "\x1b":
                        escape = 1
                    elif char.isprintable() or char == "\t":
                        buffer.append(char)
                        channel.sendall(char.encode("utf-8"))
        finally:
            session.close()
        channel.send_exit_status(0)
        channel.close()

    def _run_exec(self, channel, request, interface):
        # No pty, no terminal: showconfig is not wrapped (lab choice; how the appliance wraps exec output is
        # not known from public sources). With a pty (ssh -t), it wraps at the pty's columns like a shell.
        width = (request.columns or DEFAULT_WIDTH) if request.pty else 0
        session = self.app.open_session(user=interface.username, page_size=0, count_login=False, width=width,
                                        login=interface.login_reads)
        pending = bytearray()
        channel.settimeout(5)

        def read_line():
            while b"\n" not in pending:
                try:
                    data = channel.recv(4096)
                except socket.timeout:
                    return None
                if not data:
                    return None
                pending.extend(data)
            line, _sep, rest = bytes(pending).partition(b"\n")
            pending[:] = rest
            return line.decode("utf-8", "replace").rstrip("\r")

        try:
            output = session.run_exec(request.command, read_line)
        finally:
            session.close()
        if request.pty:
            output = output.replace("\n", "\r\n")
        channel.sendall(output.encode("utf-8"))
        channel.send_exit_status(0)
        channel.close()
