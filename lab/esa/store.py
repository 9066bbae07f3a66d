"""Configuration and counter storage for the simulated ESA.

The committed configuration is a dict of *layers*; each layer holds tables
(``{"smtp_routes": [...]}``).  A standalone appliance has one layer,
``local``.  A clustered appliance has ``cluster``, ``group:<name>`` and
``machine:<host>`` layers (Centralized Management); a table is read from the
most specific layer of the logged-in machine that defines it, and written to
that same layer.  Factory tables live at the level named in ``TABLE_HOME``.

``MemoryStore`` keeps everything in memory (in-process tests); ``FileStore``
keeps it in JSON files of a state directory, under an inter-process lock, so
that ``python -m lab status|config|reset`` see and change the live state.
"""

import copy
import fcntl
import json
import os
import re
import threading
from contextlib import contextmanager

from .destinations import factory_table as factory_destination_controls
from .listeners import complete_listeners, factory_listeners
from .tls_settings import factory_ssl

COUNTER_NAMES = ("logins", "sessions", "commits", "writes", "lines_received", "pager_keys", "lost_uncommitted", "clears")

# Configuration commands of the lab (``CommandSpec(config=True)``). A "configuration read" is one top-level
# invocation of one of them that made no change (no completed edit). Counted per command name in two
# counters ({command: n}):
#   config_reads                 total reads;
#   config_reads_max_per_login   the largest number of reads of that command within one login (an SSH
#                                login with all its channels; in-process: one open_session()).
# ``reset_read_max`` zeroes only the second one (a new measuring window for a bench or demo phase).
CONFIG_COMMANDS = ("showconfig", "saveconfig", "smtproutes", "destconfig", "listenerconfig", "filters",
                   "sslconfig", "bounceconfig", "interfaceconfig")
READ_COUNTERS = ("config_reads", "config_reads_max_per_login")

# Level at which each table lives on a clustered appliance (factory placement).
TABLE_HOME = {
    "smtp_routes": "cluster",
    "destination_controls": "cluster",
    "listeners": "cluster",
    "bounce_profiles": "cluster",
    "filters": "cluster",
    "ssl": "cluster",
}

FACTORY_TABLES = {
    "smtp_routes": [],
    "destination_controls": factory_destination_controls(),
    "listeners": factory_listeners(),
    "bounce_profiles": ["Default"],
    "filters": [],
    "ssl": factory_ssl(),
}

# "Start a new configuration at the current mode" (docs/asyncos-cli.md, "Cluster levels") creates these
# (lab choice).
EMPTY_TABLES = {
    "smtp_routes": [],
    "destination_controls": factory_destination_controls(),
    "listeners": [],
    "bounce_profiles": ["Default"],
    "filters": [],
    "ssl": factory_ssl(),
}

# Bounce profiles (commands/bounceconfig.py, lab/README.md "bounceconfig"). ``bounce_profiles`` lists the names
# in the order ``bounceconfig`` numbers them (``Default`` first). ``bounce_profile_settings`` ({name: settings})
# sits in the same layer; it is created by the first ``bounceconfig`` change (it is not a factory table), and a
# profile without an entry in it (factory ``Default``, a ``destconfig`` "New Profile") has the settings below.
BOUNCE_SETTINGS = "bounce_profile_settings"
DEFAULT_BOUNCE_PROFILE = "Default"
# Factory settings of the Default profile. Retries, queue time and the two waits: docs/asyncos-cli.md section 11
# (user guide and technote 118287); the rest lab choices. Keys: the batch keys of bounceconfig (section 11).
FACTORY_BOUNCE_DEFAULT = {
    "max_retries": 100, "max_queue_lifetime": 259200, "initial_retry": 60, "max_retry_timeout": 3600,
    "send_bounces": True, "use_dsn_bounce_format": True, "bounce_subject": "Delivery Status Notification (Failure)",
    "use_bounce_response_code": False, "send_warnings": False,
    "delay_subject": "Delivery Status Notification (Delay)", "send_warnings_interval": 14400,
    "send_warnings_count": 1, "bounce_address": "", "sign_bounce_messages": False,
    "host_initial_retry": 60, "host_max_retry_timeout": 3600, "max_bounce_copy": 10000,
}
# Yes/no settings; a profile other than Default may hold None ("Default": follow the Default profile).
BOUNCE_FLAGS = ("send_bounces", "use_dsn_bounce_format", "use_bounce_response_code", "send_warnings",
                "sign_bounce_messages")
# Settings only the Default profile has.
BOUNCE_DEFAULT_ONLY = ("host_initial_retry", "host_max_retry_timeout", "max_bounce_copy")


def new_bounce_settings(default):
    """A new profile: the Default profile's values, every yes/no setting following the Default profile."""
    settings = {key: value for key, value in default.items() if key not in BOUNCE_DEFAULT_ONLY}
    settings.update(dict.fromkeys(BOUNCE_FLAGS))
    return settings


def bounce_settings(table, name):
    """The settings of profile ``name`` from a ``bounce_profile_settings`` table (or None)."""
    table = table or {}
    default = dict(FACTORY_BOUNCE_DEFAULT, **table.get(DEFAULT_BOUNCE_PROFILE, {}))
    if name == DEFAULT_BOUNCE_PROFILE:
        return default
    return dict(new_bounce_settings(default), **table.get(name, {}))


CONFIG_FILE = "esa_config.json"
COUNTERS_FILE = "esa_counters.json"
LOCK_FILE = "esa.lock"


def zero_counters():
    counters = dict.fromkeys(COUNTER_NAMES, 0)
    for name in READ_COUNTERS:
        counters[name] = dict.fromkeys(CONFIG_COMMANDS, 0)
    return counters


def merge_counters(stored):
    """Zero counters updated with ``stored`` (a counters file; older files lack the read counters)."""
    counters = zero_counters()
    for name, value in (stored or {}).items():
        if isinstance(counters.get(name), dict) and isinstance(value, dict):
            counters[name].update(value)
        else:
            counters[name] = value
    return counters


def add_config_read(counters, command, in_login):
    """Count one configuration read of ``command``, the ``in_login``-th of that command in its login."""
    reads = counters.setdefault("config_reads", {})
    reads[command] = reads.get(command, 0) + 1
    most = counters.setdefault("config_reads_max_per_login", {})
    most[command] = max(most.get(command, 0), in_login)


def load_counters(path):
    """The counters stored in ``path`` (``esa_counters.json``), completed with zeros."""
    return merge_counters(read_json(path, {}))


def layer_chain(hostname, cluster):
    """Layers that apply to ``hostname``, most specific first."""
    if not cluster:
        return ["local"]
    chain = [f"machine:{hostname}"]
    for group, machines in cluster["groups"].items():
        if hostname in machines:
            chain.append(f"group:{group}")
            break
    chain.append("cluster")
    return chain


def mode_chain(mode, cluster):
    """Layers seen from a cluster mode ``(level, name)``, most specific first."""
    level, name = mode
    if level == "standalone" or not cluster:
        return ["local"]
    if level == "cluster":
        return ["cluster"]
    if level == "group":
        return [f"group:{name}", "cluster"]
    return layer_chain(name, cluster)


def layer_title(layer, cluster):
    """``cluster`` -> ``Cluster ESA-CL``, ``group:G`` -> ``Group G``, ``machine:M`` -> ``Machine M``."""
    if layer == "cluster":
        return f"Cluster {cluster['name']}"
    kind, _sep, name = layer.partition(":")
    return f"{kind.capitalize()} {name}"


def all_layers(cluster):
    """Every layer of a cluster: cluster, groups, machines (in that order)."""
    layers = ["cluster"] + [f"group:{group}" for group in cluster["groups"]]
    for machines in cluster["groups"].values():
        layers += [f"machine:{machine}" for machine in machines if f"machine:{machine}" not in layers]
    return layers


def table_levels(layers):
    """``{table: [layer, ...]}``: where each table is defined."""
    result = {}
    for layer, tables in layers.items():
        for table in tables:
            result.setdefault(table, []).append(layer)
    return {table: sorted(levels) for table, levels in sorted(result.items())}


def factory_layers(hostname, cluster):
    if not cluster:
        return {"local": copy.deepcopy(FACTORY_TABLES)}
    layers = {"cluster": {}}
    for group, machines in cluster["groups"].items():
        layers[f"group:{group}"] = {}
        for machine in machines:
            layers[f"machine:{machine}"] = {}
    for table, value in FACTORY_TABLES.items():
        layers[TABLE_HOME.get(table, "cluster")][table] = copy.deepcopy(value)
    if f"machine:{hostname}" not in layers:
        layers[f"machine:{hostname}"] = {}
    return layers


def complete_layers(layers, cluster):
    """Add factory tables that no level defines (state files of older lab versions) at their home level."""
    for tables in layers.values():
        complete_listeners(tables.get("listeners"))
    defined = {table for tables in layers.values() for table in tables}
    for table, value in FACTORY_TABLES.items():
        if table not in defined:
            home = TABLE_HOME.get(table, "cluster") if cluster else "local"
            layers.setdefault(home, {})[table] = copy.deepcopy(value)
    return layers


def defining_layer(layers, chain, table):
    """The layer (of ``chain``) whose value of ``table`` is in effect."""
    for key in chain:
        if table in layers.get(key, {}):
            return key
    return chain[-1]


def effective_view(layers, chain):
    """Flat ``{table: value}`` view for one machine (deep copy)."""
    tables = set()
    for key in chain:
        tables.update(layers.get(key, {}))
    view = {}
    for table in sorted(tables):
        view[table] = copy.deepcopy(layers[defining_layer(layers, chain, table)][table])
    return view


class MemoryStore:
    """In-memory committed configuration and counters (thread-safe)."""

    def __init__(self, identity, layers=None):
        self._lock = threading.RLock()
        self._data = {"identity": identity, "layers": layers or factory_layers(identity["hostname"], identity["cluster"])}
        self._counters = zero_counters()

    @contextmanager
    def config_transaction(self):
        """Yield the stored config dict for modification (under the lock)."""
        with self._lock:
            yield self._data

    def read_config(self):
        with self._lock:
            return copy.deepcopy(self._data)

    def bump(self, name, amount=1):
        with self._lock:
            self._counters[name] = self._counters.get(name, 0) + amount

    def read_counters(self):
        with self._lock:
            return copy.deepcopy(self._counters)

    def record_config_read(self, command, in_login):
        with self._lock:
            add_config_read(self._counters, command, in_login)

    def reset_read_max(self):
        with self._lock:
            self._counters["config_reads_max_per_login"] = zero_counters()["config_reads_max_per_login"]

    def reset(self, counters_only=False):
        with self._lock:
            self._counters = zero_counters()
            if not counters_only:
                identity = self._data["identity"]
                self._data["layers"] = factory_layers(identity["hostname"], identity["cluster"])


def read_json(path, default):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return default


def write_json_atomic(path, data, mode=0o644):
    tmp = f"{path}.tmp{os.getpid()}.{threading.get_ident()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.chmod(tmp, mode)
    os.replace(tmp, path)


class FileStore:
    """Committed configuration and counters in JSON files of a state directory.

    Every access re-reads the files under a lock (``fcntl.flock`` across
    processes plus a thread lock), so a ``reset`` by another process takes
    effect at once.
    """

    def __init__(self, state_dir, identity):
        self.state_dir = os.path.abspath(state_dir)
        os.makedirs(self.state_dir, exist_ok=True)
        self.identity = identity
        self._tlock = threading.RLock()
        self.config_path = os.path.join(self.state_dir, CONFIG_FILE)
        self.counters_path = os.path.join(self.state_dir, COUNTERS_FILE)
        self.lock_path = os.path.join(self.state_dir, LOCK_FILE)
        with self.config_transaction():
            pass

    @contextmanager
    def _locked(self):
        with self._tlock:
            with open(self.lock_path, "a", encoding="utf-8") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)

    def _load_config(self):
        data = read_json(self.config_path, None)
        if not data or data.get("identity") != self.identity:
            # First start, or the appliance identity (hostname/cluster) changed.
            data = {"identity": self.identity,
                    "layers": factory_layers(self.identity["hostname"], self.identity["cluster"])}
        complete_layers(data["layers"], self.identity["cluster"])
        return data

    @contextmanager
    def config_transaction(self):
        with self._locked():
            data = self._load_config()
            yield data
            write_json_atomic(self.config_path, data)

    def read_config(self):
        with self._locked():
            return self._load_config()

    def bump(self, name, amount=1):
        with self._locked():
            counters = load_counters(self.counters_path)
            counters[name] = counters.get(name, 0) + amount
            write_json_atomic(self.counters_path, counters)

    def record_config_read(self, command, in_login):
        with self._locked():
            counters = load_counters(self.counters_path)
            add_config_read(counters, command, in_login)
            write_json_atomic(self.counters_path, counters)

    def reset_read_max(self):
        with self._locked():
            counters = load_counters(self.counters_path)
            counters["config_reads_max_per_login"] = zero_counters()["config_reads_max_per_login"]
            write_json_atomic(self.counters_path, counters)

    def read_counters(self):
        with self._locked():
            return load_counters(self.counters_path)

    def reset(self, counters_only=False):
        with self._locked():
            write_json_atomic(self.counters_path, zero_counters())
            if not counters_only:
                write_json_atomic(self.config_path, {
                    "identity": self.identity,
                    "layers": factory_layers(self.identity["hostname"], self.identity["cluster"])})


_FILENAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$")


def config_filename(name):
    """Validate a file name in the appliance's ``/configuration`` directory; None if invalid."""
    name = name.strip()
    if name.startswith("/configuration/"):
        name = name[len("/configuration/"):]
    if not _FILENAME.match(name) or ".." in name:
        return None
    return name


class MemoryFiles:
    """The ``/configuration`` directory, in memory."""

    def __init__(self):
        self._files = {}
        self._lock = threading.Lock()

    def read(self, name):
        with self._lock:
            if name not in self._files:
                raise FileNotFoundError(name)
            return self._files[name]

    def write(self, name, text):
        with self._lock:
            self._files[name] = text

    def names(self):
        with self._lock:
            return sorted(self._files)


class DirFiles:
    """The ``/configuration`` directory, as a real directory."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        os.makedirs(self.path, exist_ok=True)

    def read(self, name):
        with open(os.path.join(self.path, name), encoding="utf-8") as handle:
            return handle.read()

    def write(self, name, text):
        with open(os.path.join(self.path, name), "w", encoding="utf-8") as handle:
            handle.write(text)

    def names(self):
        return sorted(os.listdir(self.path))
