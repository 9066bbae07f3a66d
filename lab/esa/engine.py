"""Transport-free AsyncOS CLI engine of the simulated Cisco ESA.

Usage (in-process)::

    app = Appliance(hostname="esa1.lab")
    s = app.open_session(user="admin")
    s.start()                      # banner + "esa1.lab> "
    s.send_line("smtproutes")      # output up to the next question/prompt/pager (no echo)
    s.interrupt()                  # Ctrl-C
    s.close()                      # pending changes are dropped

Texts printed here: the banner and the idle note (oxidized issue 1172; model, build and the product line are
reconstructed, the release number is the profile's, releases.py), the prompts ``host> `` and ``(Cluster|Group|
Machine x)> `` (sal/multiprompt.py), ``-Press Any Key For More-`` (clictorbase.py, oxidized; from 12.0 inside
dialogues too: phoebe1200/cli/ctor/clictorbase.py), ``-- Changes not recorded`` (``-- Changes not``:
clictorbase.py ``_restart``; the rest reconstructed), ``Unknown command or missing feature key`` and
``An application fault occurred`` (reconstructed).

Output uses "\\n" line endings.  Every response ends with the main prompt,
a question ending in ``]> `` (or a bare ``> `` / a ``:> `` sub-prompt), ``-Press Any Key For More-``, or
nothing (the raw lines of a ``filters`` NEW script).  ``showconfig`` and
``saveconfig`` show the committed configuration only; ``showconfig`` wraps its long
lines at the session's terminal width (``open_session(width=80)``).
"""

import copy
import hashlib
import logging
import os
import shlex
import threading
import time
import types

from .commands import REGISTRY
from .dialog import Ask
from .releases import DEFAULT_RELEASE, get_release
from .store import (
    FACTORY_TABLES,
    DirFiles,
    FileStore,
    MemoryFiles,
    MemoryStore,
    defining_layer,
    effective_view,
    layer_chain,
    mode_chain,
)

LOG = logging.getLogger(__name__)

MODEL = "C100V"
VERSION = get_release(DEFAULT_RELEASE).version   # the default profile's (see releases.py)
DEFAULT_PAGE_SIZE = 23          # 24-line terminal minus the pager line
DEFAULT_WIDTH = 80              # columns of the default pty (libssh, paramiko invoke_shell: 80x24)
PAGER_TEXT = "-Press Any Key For More-"
# Commands whose long output the library still reads through the pager although every session it opens has sent
# `setttymode 0 1` first (phoebe1411/cli/ctor/status.py, dictionaryconfig.py, domainkeysconfig.py, loadlicense.py,
# featurekey.py, servicelogsconfig.py): the lab keeps paging them (inference from the library, docs/asyncos-cli.md
# §1). None of them is a command the collection runs.
STILL_PAGED = frozenset(("status", "dictionaryconfig", "domainkeysconfig", "loadlicense", "featurekey",
                         "servicelogsconfig"))
DEFAULT_PASSWORD = "ironport"   # in-process default; the SSH lab generates one per state dir


class ClusterSpec:
    """A Centralized Management cluster: ``name`` and ``groups`` ``{group: [machine, ...]}``."""

    def __init__(self, name="ESA-CL", groups=None):
        self.name = name
        self.groups = {group: list(machines) for group, machines in (groups or {}).items()}

    def as_dict(self):
        return {"name": self.name, "groups": {group: list(machines) for group, machines in self.groups.items()}}


def normalise_cluster(cluster, hostname):
    """``None``, a cluster name, a dict or a ClusterSpec -> plain dict (or None)."""
    if not cluster:
        return None
    if isinstance(cluster, str):
        spec = ClusterSpec(cluster)
    elif isinstance(cluster, ClusterSpec):
        spec = cluster
    else:
        spec = ClusterSpec(cluster.get("name", "ESA-CL"), cluster.get("groups"))
    data = spec.as_dict()
    if not data["groups"]:
        data["groups"] = {"Main_Group": [hostname]}
    if not any(hostname in machines for machines in data["groups"].values()):
        first = next(iter(data["groups"]))
        data["groups"][first].insert(0, hostname)
    return data


def ctime_now():
    """UTC date like ``Fri Nov 27 08:15:26 2026`` (day zero-padded)."""
    return time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime())


def split_commands(text):
    """Split an exec command string on ``;`` outside quotes."""
    parts, current, quote = [], [], None
    for char in text:
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == ";":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def split_words(text):
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


class Appliance:
    """One simulated ESA: committed configuration, counters, /configuration files."""

    model = MODEL

    def __init__(self, hostname="esa1.lab", cluster=None, store=None, password=DEFAULT_PASSWORD,
                 files=None, serial=None, commit_delay=0.0, release=None):
        self.release = get_release(release)
        self.version = self.release.version
        self.hostname = hostname
        self.cluster = normalise_cluster(cluster, hostname)
        self.group = None
        if self.cluster:
            self.group = next(group for group, machines in self.cluster["groups"].items() if hostname in machines)
        identity = {"hostname": hostname, "cluster": self.cluster}
        if store is None:
            self.store = MemoryStore(identity)
        elif isinstance(store, (str, os.PathLike)):
            self.store = FileStore(store, identity)
        else:
            self.store = store
        if files is None:
            if isinstance(self.store, FileStore):
                files = DirFiles(os.path.join(self.store.state_dir, "configuration"))
            else:
                files = MemoryFiles()
        self.files = files
        self.password = password
        self.serial = serial or self._serial(hostname)
        self.commit_delay = commit_delay
        self.chain = layer_chain(hostname, self.cluster)
        self.rollbacks = []
        self.last_commit = None
        self._lock = threading.RLock()

    @staticmethod
    def _serial(hostname):
        digest = hashlib.sha256(hostname.encode("utf-8")).hexdigest().upper()
        return f"{digest[:20]}-{digest[20:32]}"

    # -- state -------------------------------------------------------------
    @property
    def counters(self):
        return self.store.read_counters()

    @property
    def committed(self):
        """Effective committed configuration of this machine, e.g. ``{"smtp_routes": [...]}``."""
        return effective_view(self.store.read_config()["layers"], self.chain)

    @property
    def committed_layers(self):
        """The committed configuration per level (``local`` or ``cluster``/``group:G``/``machine:M``)."""
        return self.store.read_config()["layers"]

    def machines(self):
        if not self.cluster:
            return [self.hostname]
        result = []
        for machines in self.cluster["groups"].values():
            result += [machine for machine in machines if machine not in result]
        return result

    def bump(self, name, amount=1):
        self.store.bump(name, amount)

    def record_login(self):
        self.bump("logins")

    def record_config_read(self, command, in_login):
        """One configuration read of ``command``, the ``in_login``-th of that command in its login."""
        self.store.record_config_read(command, in_login)

    def reset_read_max(self):
        """Zero ``config_reads_max_per_login`` only (a new measuring window)."""
        self.store.reset_read_max()

    def reset(self, counters_only=False):
        self.store.reset(counters_only)

    def open_session(self, user="admin", page_size=DEFAULT_PAGE_SIZE, count_login=True, commit_delay=None,
                     width=DEFAULT_WIDTH, login=None):
        """Open a CLI session (counts a session, and a login unless ``count_login=False``).

        ``width``: terminal columns (``showconfig`` wraps longer lines; 0 = no wrapping).
        ``login``: a :class:`LoginReads` shared by the sessions of one login (the SSH server passes one
        per SSH connection); by default the session is a login of its own.
        """
        if count_login:
            self.record_login()
        self.bump("sessions")
        return Session(self, user, page_size, self.commit_delay if commit_delay is None else commit_delay,
                       width=width, login=login)


class LoginReads:
    """Configuration reads per command within one login (shared by the sessions of that login)."""

    def __init__(self):
        self._counts = {}
        self._lock = threading.Lock()

    def add(self, command):
        """Count one read of ``command``; returns how many reads of it this login has made."""
        with self._lock:
            self._counts[command] = self._counts.get(command, 0) + 1
            return self._counts[command]

    def counts(self):
        with self._lock:
            return dict(self._counts)


class Context:
    """What a command sees: output, configuration, batch arguments."""

    def __init__(self, session, args):
        self.session = session
        self.app = session.app
        self.registry = REGISTRY
        self.preanswers = list(args)
        self.batch = bool(args)

    def out(self, text):
        self.session.emit(text)

    def page(self, text):
        self.session.emit(text, paged=True)

    def error(self, line):
        self.session.emit(line + "\n")

    def table(self, name):
        return self.session.table(name)

    def set_table(self, name, value, layer=None, count=True):
        self.session.write(name, value, layer=layer, count=count)

    @staticmethod
    def ctime():
        return ctime_now()

    @staticmethod
    def timestamp():
        return time.strftime("%Y%m%dT%H%M%S", time.gmtime())


class Session:
    """One CLI session; pending (uncommitted) changes belong to it."""

    def __init__(self, app, user, page_size, commit_delay, width=DEFAULT_WIDTH, login=None):
        self.app = app
        self.user = user
        self.page_size = page_size
        self.width = width
        self.login = login if login is not None else LoginReads()
        self.commit_delay = commit_delay
        self.mode = ("cluster", app.cluster["name"]) if app.cluster else ("standalone", None)
        self.closed = False
        self._gen = None
        self._spec = None
        self._chunks = []
        self._held = []
        self._pending = None
        self._dirty = set()
        self._close_requested = False
        self._reading = None        # name of the running configuration command (see _end_invocation)
        self._changed = False       # that invocation completed an edit
        self._command = None        # name of the running command (the pager exceptions of setttymode)
        self.paginate = True        # `setttymode 0 1` turns it off (lab/esa/commands/system.py)
        self.ttymode_ignored = False  # fault: the appliance keeps paging after setttymode

    # -- prompt and state --------------------------------------------------
    @property
    def prompt(self):
        level, name = self.mode
        if level == "standalone":
            return f"{self.app.hostname}> "
        return f"({level.capitalize()} {name})> "

    @property
    def at_pager(self):
        return bool(self._held)

    @property
    def at_question(self):
        return self._gen is not None and not self._held

    @property
    def at_main_prompt(self):
        return not self.closed and self._gen is None and not self._held

    def set_terminal_height(self, rows):
        self.page_size = max(rows - 1, 1) if rows else 0

    def set_tty_mode(self, paginate):
        """``setttymode``: pagination on or off for this session (a fault can make the session ignore it)."""
        if not self.ttymode_ignored:
            self.paginate = bool(paginate)

    def set_terminal_width(self, columns):
        """Terminal columns: ``showconfig`` wraps longer lines at this width; 0 disables wrapping."""
        self.width = max(int(columns), 0) if columns else 0

    def set_mode(self, level, name):
        self.mode = (level, name)

    def request_close(self):
        self._close_requested = True

    # -- configuration -----------------------------------------------------
    @property
    def has_pending(self):
        return self._pending is not None

    @property
    def pending(self):
        """Effective pending configuration (like ``Appliance.committed``) or None."""
        if self._pending is None:
            return None
        return effective_view(self._pending, self.app.chain)

    def view(self):
        """The configuration as this session sees it (pending if any, else committed)."""
        layers = self._pending if self._pending is not None else self.app.store.read_config()["layers"]
        return effective_view(layers, self.app.chain)

    @property
    def mode_chain(self):
        """Layers seen from the current cluster mode, most specific first."""
        return mode_chain(self.mode, self.app.cluster)

    @property
    def mode_layer(self):
        """The layer of the current cluster mode (``local`` when standalone)."""
        return self.mode_chain[0]

    def layers(self):
        """Per-level configuration as this session sees it (pending if any, else committed)."""
        if self._pending is not None:
            return copy.deepcopy(self._pending)
        return self.app.store.read_config()["layers"]

    def table(self, name):
        """A table as seen from the current cluster mode (most specific level that defines it)."""
        layers = self.layers()
        layer = defining_layer(layers, self.mode_chain, name)
        if name in layers.get(layer, {}):
            return copy.deepcopy(layers[layer][name])
        return copy.deepcopy(FACTORY_TABLES.get(name))

    def write(self, name, value, layer=None, count=True):
        """Record one completed edit as a pending change (copy-on-first-write).

        The table is written at ``layer``, by default where the current mode reads it.
        """
        if self._pending is None:
            self._pending = self.app.store.read_config()["layers"]
        if layer is None:
            layer = defining_layer(self._pending, self.mode_chain, name)
        self._pending.setdefault(layer, {})[name] = copy.deepcopy(value)
        self._dirty.add((layer, name))
        self._changed = True
        if count:
            self.app.bump("writes")

    def commit_pending(self, comment="", save_rollback=True):
        if self.commit_delay:
            time.sleep(self.commit_delay)
        if self._pending is None:
            return
        with self.app.store.config_transaction() as data:
            if save_rollback:
                self.app.rollbacks = (self.app.rollbacks + [copy.deepcopy(data["layers"])])[-10:]
            for layer, name in sorted(self._dirty):
                data["layers"].setdefault(layer, {})[name] = copy.deepcopy(self._pending[layer][name])
        self.app.last_commit = {"user": self.user, "comment": comment, "time": ctime_now()}
        self.app.bump("commits")
        self._pending = None
        self._dirty = set()

    def clear_pending(self):
        self._pending = None
        self._dirty = set()
        self.app.bump("clears")

    # -- I/O -----------------------------------------------------------------
    def emit(self, text, paged=False):
        self._chunks.append((text, paged))

    def start(self):
        """Banner and first prompt."""
        model = self.app.model
        release, build = self.app.version.split("-")
        return (
            f"AsyncOS {release} for Cisco {model} build {build}\n"
            "\n"
            f"Welcome to the Cisco {model} Email Security Virtual Appliance\n"
            "\n"
            "NOTE: This session will expire if left idle for 30 minutes. Any uncommitted\n"
            "configuration changes will be lost. Commit the configuration changes as soon as\n"
            "they are made.\n"
            "\n"
            + self.prompt
        )

    def send_line(self, line):
        """One input line (an answer, a command, or any key at the pager)."""
        if self.closed:
            return ""
        line = line.rstrip("\r\n")
        self.app.bump("lines_received")
        if self._held:
            self.app.bump("pager_keys")
            return self._held.pop(0)
        if self._gen is not None:
            return self._advance(line)
        return self._dispatch(line)

    def interrupt(self):
        """Ctrl-C: abandon the pager/question/command; back to the main prompt."""
        if self.closed:
            return ""
        out = "\n"
        at_pager = bool(self._held)
        self._held = []
        self._chunks = []
        if self._gen is not None:
            if self._spec.editing and not at_pager:
                out += "-- Changes not recorded\n"
            self._gen.close()
            self._gen = None
            self._spec = None
            self._end_invocation()
        if self._close_requested:
            self.close()
            return out
        return out + self.prompt

    def close(self):
        """End of the session: pending changes are lost."""
        if self.closed:
            return
        if self._gen is not None:
            self._gen.close()
            self._gen = None
            self._end_invocation()
        if self._pending is not None:
            self.app.bump("lost_uncommitted")
        self._pending = None
        self._dirty = set()
        self._held = []
        self.closed = True

    def run_exec(self, command, read_line=None):
        """Run ``cmd1; cmd2`` non-interactively (SSH exec channel).

        A question is answered with ``read_line()``; when it returns None the
        command is interrupted.  Prompts are not included in the output.  There is
        no pager; ``showconfig`` still wraps at ``self.width`` (the SSH server opens
        exec sessions with width 0, i.e. no wrapping, unless the client asked for a pty).
        """
        self.page_size = 0
        output = []
        for line in split_commands(command):
            text = self.send_line(line)
            while not self.closed and not self.at_main_prompt:
                answer = read_line() if read_line else None
                if answer is None:
                    text += self.interrupt()
                    break
                text += self.send_line(answer)
            if text.endswith(self.prompt):
                text = text[:-len(self.prompt)]
            text = text.strip("\n")
            if text:
                output.append(text + "\n")
            if self.closed:
                break
        return "".join(output)

    # -- internals -------------------------------------------------------------
    def _dispatch(self, line):
        words = split_words(line.strip())
        if not words:
            return self.prompt
        spec = REGISTRY.get(words[0].lower())
        if spec is None:
            self.emit("Unknown command or missing feature key\n")
            return self._finish()
        ctx = Context(self, words[1:])
        self._command = spec.name
        self._reading = spec.name if spec.config else None
        self._changed = False
        try:
            result = spec.func(ctx)
        except Exception as exc:  # a lab bug must not kill the session
            return self._fault(exc)
        if isinstance(result, types.GeneratorType):
            self._gen = result
            self._spec = spec
            return self._advance(None)
        return self._finish()

    def _advance(self, answer):
        try:
            request = self._gen.send(answer)
        except StopIteration:
            self._gen = None
            self._spec = None
            return self._finish()
        except Exception as exc:  # a lab bug must not kill the session
            return self._fault(exc)
        if not isinstance(request, Ask):
            return self._fault(TypeError(f"command yielded {request!r}"))
        self.emit(("\n" if request.gap else "") + request.text)
        if self.app.release.dialog_pager:
            # From 12.0 output pages anywhere, also inside dialogues (_process_input in
            # phoebe1200/cli/ctor/clictorbase.py pages through -Press Any Key For More-; phoebe1100 does not).
            # The whole response (output before the question, and the question) is counted as one page run.
            self._chunks = [("".join(text for text, _paged in self._chunks), True)]
        return self._flush()

    def _fault(self, exc):
        LOG.exception("lab command failed: %s", exc)
        self._gen = None
        self._spec = None
        self.emit(f"An application fault occurred: {exc}\n")
        return self._finish()

    def _end_invocation(self):
        """A top-level command invocation ended (normally, by Ctrl-C, a fault or the end of the session).

        A configuration command that completed no edit counts as one configuration read of that command.
        """
        name, self._reading = self._reading, None
        if name and not self._changed:
            self.app.record_config_read(name, self.login.add(name))
        self._changed = False

    def _finish(self):
        """The command ended: output, blank line, main prompt."""
        self._gen = None
        self._spec = None
        self._end_invocation()
        text = "".join(chunk for chunk, _paged in self._chunks)
        if self._close_requested:
            self._chunks = []
            self.close()
            return text
        if text:
            self.emit("\n" if text.endswith("\n") else "\n\n")
        self.emit(self.prompt)
        return self._flush()

    def _flush(self):
        pieces = self._paginate(self._chunks)
        self._chunks = []
        self._held = pieces[1:]
        return pieces[0]

    def _paginate(self, chunks):
        size = self.page_size if self.paginate or self._command in STILL_PAGED else 0
        pieces = []
        current = []
        for text, paged in chunks:
            if not paged or not size:
                current.append(text)
                continue
            body, end = (text[:-1], "\n") if text.endswith("\n") else (text, "")
            lines = body.split("\n")
            count = 0
            for index, line in enumerate(lines):
                if count == size:
                    current.append(PAGER_TEXT)
                    pieces.append("".join(current))
                    current = ["\n"]
                    count = 0
                current.append(line + ("\n" if index < len(lines) - 1 else end))
                count += 1
        pieces.append("".join(current))
        return pieces
