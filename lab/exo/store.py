"""JSON state of the lab Exchange, shared by the server and the CLI under a lock.

Files in the state directory (see lab/README.md):

    exo_apps.json      tenant identity and the app registrations (kept across ``reset``)
    exo_tenant.json    the tenant's objects (connectors, rules, accepted domains, message trace, smart host map)
    exo_counters.json  counters
    exo_faults.json    fault injection settings
    exo.json, exo.pid  runtime info of the running server
    exo.lock           the lock (flock)
"""

import copy
import fcntl
import json
import os
import secrets
import string
import threading
import uuid
from contextlib import contextmanager

APPS_FILE = "exo_apps.json"
TENANT_FILE = "exo_tenant.json"
COUNTERS_FILE = "exo_counters.json"
FAULTS_FILE = "exo_faults.json"
RUNTIME_FILE = "exo.json"
PID_FILE = "exo.pid"
LOCK_FILE = "exo.lock"

COUNTER_NAMES = ("http_requests", "token_requests", "token_failures", "invoke_calls", "reads", "writes",
                 "validations", "cmdlet_errors", "auth_failures", "faults_served", "smtp_sessions",
                 "smtp_messages", "graph_calls", "mail_received", "mail_sent")

FAULT_QUEUE_KEYS = ("http_429", "http_500", "http_503", "http_403_nul", "concurrency")
# Faults of the fault suite (tests/faults), taken after the queue above: what happens to the request itself.
# bad_body / drop: the next N calls get HTTP 200 with a body that is not JSON / a closed connection and no answer
# (the cmdlet is not run). write_http_500 / lost_answer: the next N WRITE cmdlets get HTTP 500 (not run) / are run,
# and then the connection is closed without an answer (the change is made, the client never learns it).
CALL_FAULT_KEYS = ("bad_body", "drop")
WRITE_FAULT_KEYS = ("write_http_500", "lost_answer")


def read_json(path, default):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return copy.deepcopy(default)


def write_json_atomic(path, data, mode=0o600):
    tmp = f"{path}.tmp{os.getpid()}.{threading.get_ident()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def zero_counters():
    counters = dict.fromkeys(COUNTER_NAMES, 0)
    counters["cmdlets"] = {}
    return counters


LAB_RELAY_HOST = "ob1.hc4321-12.iphmx.com"


def factory_tenant(apps):
    """A fresh tenant: four accepted domains, nothing else (lab choice). Besides example.com and the initial domain,
    the two domains of the lab inventory (inventories/lab), which live in the lab's DNS zone, so that the roles'
    accepted-domains gate passes; other domains are added with ``python -m lab exo seed``."""
    initial = apps["tenant"]["initial_domain"]
    return {
        "inbound_connectors": [],
        "outbound_connectors": [],
        "transport_rules": [],
        "accepted_domains": [
            _accepted_domain("example.com", default=True, initial=False),
            _accepted_domain(initial, default=False, initial=True),
            _accepted_domain("example.test", default=False, initial=False),
            _accepted_domain("sales.example.test", default=False, initial=False),
        ],
        "message_trace": [],
        # The lab letter's outbound relay host (inventories/lab, GATEWAY_ALLOC in lab/dns/bind.py) answers on
        # the lab's SMTP listener, so S10 validation passes out of the box (lab choice).
        "smart_hosts": {LAB_RELAY_HOST: "lab"},
    }


def _accepted_domain(name, default, initial):
    # Shape of graph2otel's sanitised live record (docs/exchange-rest.md section 13), a subset of its 56 fields.
    return {
        "DomainName": name, "DomainType": "Authoritative", "Default": default, "InitialDomain": initial,
        "MatchSubDomains": False, "SmtpDaneStatus": "Disabled", "AuthenticationType": "Managed",
        "RawAuthenticationType": "Managed", "ExternallyManaged": False, "PendingRemoval": False,
        "PendingCompletion": False, "OutboundOnly": False, "EmailOnly": False, "AddressBookEnabled": True,
        "SendingFromDomainDisabled": False, "SendingToDomainDisabled": False, "IsCoexistenceDomain": False,
        "CatchAllRecipientID": None, "FederatedOrganizationLink": None, "Name": name, "Identity": name,
        "DistinguishedName": f"CN={name},CN=Accepted Domains", "ExchangeVersion": "0.20 (15.0.0.0)",
        "AdminDisplayName": "", "MailFlowRegion": "", "AzureProvisioningRegion": "",
        "Guid": str(uuid.uuid5(uuid.NAMESPACE_DNS, name)),
    }


def _random_secret(length=40):
    alphabet = string.ascii_letters + string.digits + "~._-"
    return "".join(secrets.choice(alphabet) for _unused in range(length))


class ExoStore:
    def __init__(self, state_path):
        self.path = os.path.abspath(state_path)
        self._tlock = threading.RLock()

    def file(self, name):
        return os.path.join(self.path, name)

    @contextmanager
    def locked(self):
        with self._tlock:
            with open(self.file(LOCK_FILE), "a", encoding="utf-8") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)

    # -- apps ------------------------------------------------------------------------------
    def apps(self, app_cert_sha1=None, app_cert_sha256=None, app_cert_pem=None):
        """The tenant identity and app registry; created on first use."""
        with self.locked():
            data = read_json(self.file(APPS_FILE), None)
            before = copy.deepcopy(data)
            if data is None:
                tenant_id = str(uuid.uuid4())
                data = {
                    "tenant": {"id": tenant_id, "initial_domain": "mailopslab.onmicrosoft.com",
                               "name": "mailops lab"},
                    "apps": {},
                }
                client_id = str(uuid.uuid4())
                data["apps"][client_id] = {"display_name": "mailops-lab-automation", "secret": _random_secret(),
                                           "app_role": True, "directory_role": True}
                data["default_client_id"] = client_id
            app = data["apps"][data["default_client_id"]]
            if app_cert_pem and app.get("cert_sha1") != app_cert_sha1:
                app.update(cert_sha1=app_cert_sha1, cert_sha256=app_cert_sha256, cert_pem=app_cert_pem)
            if data != before:
                write_json_atomic(self.file(APPS_FILE), data)
            return data

    def update_app(self, client_id=None, **values):
        with self.locked():
            data = read_json(self.file(APPS_FILE), None)
            if data is None:
                raise KeyError("no app registry yet; run 'python -m lab up' first")
            app = data["apps"][client_id or data["default_client_id"]]
            app.update({k: v for k, v in values.items() if v is not None})
            write_json_atomic(self.file(APPS_FILE), data)
            return app

    # -- tenant ----------------------------------------------------------------------------
    def read_tenant(self):
        with self.locked():
            return self._read_tenant_unlocked()

    def _read_tenant_unlocked(self):
        data = read_json(self.file(TENANT_FILE), None)
        if data is None:
            data = factory_tenant(read_json(self.file(APPS_FILE), None) or self._default_apps())
        return data

    @staticmethod
    def _default_apps():
        return {"tenant": {"initial_domain": "mailopslab.onmicrosoft.com"}}

    @contextmanager
    def tenant_transaction(self):
        with self.locked():
            data = self._read_tenant_unlocked()
            yield data
            write_json_atomic(self.file(TENANT_FILE), data)

    def reset(self, counters_only=False):
        with self.locked():
            write_json_atomic(self.file(COUNTERS_FILE), zero_counters())
            if not counters_only:
                apps = read_json(self.file(APPS_FILE), None) or self._default_apps()
                write_json_atomic(self.file(TENANT_FILE), factory_tenant(apps))
                write_json_atomic(self.file(FAULTS_FILE), {})

    # -- counters --------------------------------------------------------------------------
    def counters(self):
        counters = zero_counters()
        counters.update(read_json(self.file(COUNTERS_FILE), {}))
        return counters

    def count(self, cmdlet=None, **increments):
        with self.locked():
            counters = self.counters()
            for key, value in increments.items():
                counters[key] = counters.get(key, 0) + value
            if cmdlet:
                counters["cmdlets"][cmdlet] = counters["cmdlets"].get(cmdlet, 0) + 1
            write_json_atomic(self.file(COUNTERS_FILE), counters)

    # -- faults ----------------------------------------------------------------------------
    def faults(self):
        return read_json(self.file(FAULTS_FILE), {})

    def update_faults(self, clear=False, **values):
        with self.locked():
            faults = {} if clear else self.faults()
            for key, value in values.items():
                if value is None:
                    continue
                if not value:
                    faults.pop(key, None)
                else:
                    faults[key] = value
            write_json_atomic(self.file(FAULTS_FILE), faults)
            return faults

    def take_fault(self):
        """The fault for the next InvokeCommand call (one of FAULT_QUEUE_KEYS, in that order) or None."""
        with self.locked():
            faults = self.faults()
            for key in FAULT_QUEUE_KEYS:
                if faults.get(key, 0) > 0:
                    faults[key] -= 1
                    if faults[key] <= 0:
                        faults.pop(key)
                    write_json_atomic(self.file(FAULTS_FILE), faults)
                    return key, faults.get("retry_after")
            return None, None

    def take_fault_of(self, keys):
        """The first fault of ``keys`` (CALL_FAULT_KEYS or WRITE_FAULT_KEYS) with calls left, one call used up; or
        None."""
        with self.locked():
            faults = self.faults()
            for key in keys:
                if faults.get(key, 0) > 0:
                    faults[key] -= 1
                    if faults[key] <= 0:
                        faults.pop(key)
                    write_json_atomic(self.file(FAULTS_FILE), faults)
                    return key
            return None

    # -- runtime ---------------------------------------------------------------------------
    def runtime(self):
        return read_json(self.file(RUNTIME_FILE), None)

    def write_runtime(self, info):
        write_json_atomic(self.file(RUNTIME_FILE), info, mode=0o644)
        with open(self.file(PID_FILE), "w", encoding="utf-8") as handle:
            handle.write(f"{info['pid']}\n")

    def clear_runtime(self, pid):
        info = self.runtime()
        if info and info.get("pid") == pid:
            for name in (RUNTIME_FILE, PID_FILE):
                try:
                    os.unlink(self.file(name))
                except FileNotFoundError:
                    pass
