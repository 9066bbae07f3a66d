"""``python -m lab msp up|down|status``: a lab for managed service providers (MSPs).

One run starts M simulated gateways (ESA over SSH, ``gw<i>/``), K simulated Exchange Online tenants (``tenantNN/``,
each its own HTTPS gateway, tenant ID, app credentials and accepted domains) and one BIND pair (in ``gw1/``), all on
free ports, under one root directory. It then writes:

- ``msp.json`` (mode 600): every endpoint and lab credential, read by the inventory below;
- ``inventory/``: an MSP inventory of the shape docs/msp.md describes (per-tenant ``host_vars`` with the tenant's
  domains; the gateways' domains derived from the tenants they serve), ready for ``ansible-playbook -i``.

Each tenant's domains (``d<j>.tNN.example.test``) start on Exchange Online in the lab DNS: MX
``0 <domain with dashes>.mail.protection.outlook.com.`` and SPF ``v=spf1 include:spf.protection.outlook.com -all``,
written in one TSIG-signed update (the state a tenant is in before the guide's cutover). They are accepted domains
of their tenant (lab choice, so the roles' accepted-domains gate passes).
"""

import json
import os
import shutil

from .cli import LabError, cmd_down, cmd_up, build_parser
from .dns.bind import GATEWAY_HOSTS, GATEWAY_ZONE, KEY_NAME, ZONE
from .exo import cli as exo_cli
from .exo import tenant as tenant_mod
from .exo.store import ExoStore, _accepted_domain
from .state import default_state_dir

MSP_FILE = "msp.json"
SEED_SPF = "v=spf1 include:spf.protection.outlook.com -all"
# What the ces_welcome_letter filter gives for the lab's letter (inventories/lab/welcome_letter.txt), as the keys the
# roles read: the lab's BIND serves these hosts. Written as values, so that the installed lab package (which has
# no inventories/) writes the same inventory.
CES = {
    "mx_hosts": sorted(set("%s.%s" % (host, GATEWAY_ZONE) for host, _address in GATEWAY_HOSTS if host.startswith("mx"))),
    "gateway_ips": [address for host, address in GATEWAY_HOSTS if host.startswith("mx")],
    "outbound_relay_host": "ob1.%s" % GATEWAY_ZONE,
    "spf_mechanism": "exists:%%{i}.spf.%s" % GATEWAY_ZONE,
}


def default_root():
    return os.path.join(default_state_dir(), "msp")


def tenant_names(count):
    return ["tenant%02d" % number for number in range(1, count + 1)]


def tenant_domains(tenant, per_tenant):
    return ["d%d.%s.%s" % (number, tenant.replace("tenant", "t"), ZONE) for number in range(1, per_tenant + 1)]


def m365_host(domain):
    """The tenant's original MX host for a domain: dots become dashes (d1.t01.example.test ->
    d1-t01-example-test.mail.protection.outlook.com)."""
    return domain.replace(".", "-") + ".mail.protection.outlook.com"


def _read_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _write_private(path, text):
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(path + ".tmp", path)


def _exo_vars(state_path):
    values = {}
    with open(os.path.join(state_path, "exo_vars.yml"), encoding="utf-8") as handle:
        for line in handle:
            key, sep, value = line.partition(": ")
            if sep and not key.startswith("#"):
                values[key.strip()] = json.loads(value)
    return values


def _seed_dns(settings, domains):
    """Untimed set-up: every domain on Exchange Online (MX and SPF) in one TSIG-signed update to the primary."""
    import dns.query  # dnspython: in the venv that runs the lab and the collection's DNS modules
    import dns.rcode
    import dns.tsig
    import dns.tsigkeyring
    import dns.update

    keyring = dns.tsigkeyring.from_text({KEY_NAME: settings["key_secret"]})
    update = dns.update.UpdateMessage(ZONE, keyring=keyring, keyname=KEY_NAME, keyalgorithm=dns.tsig.HMAC_SHA256)
    for domain in domains:
        update.replace(domain + ".", 3600, "MX", "0 %s." % m365_host(domain))
        update.replace(domain + ".", 3600, "TXT", '"%s"' % SEED_SPF)
    response = dns.query.tcp(update, settings["server"], port=settings["port"], timeout=30)
    if response.rcode() != dns.rcode.NOERROR:
        raise LabError("seeding the lab DNS failed: %s" % dns.rcode.to_text(response.rcode()))


def _inventory_files(root, gateways, tenants, per_tenant):
    """The MSP inventory (docs/msp.md): hosts, the shared group_vars, and one host_vars file per tenant."""
    hosts = ["# Written by 'python -m lab msp up': the MSP lab's inventory (docs/msp.md). Lab values only.",
             "esa_gateways:", "  hosts:"] + ["    %s:" % name for name in gateways]
    hosts += ["m365_tenants:", "  hosts:"] + ["    %s:" % name for name in tenants]
    files = {"hosts.yml": "\n".join(hosts) + "\n"}
    files["group_vars/all.yml"] = """---
# Where the MSP lab keeps its endpoints and lab credentials (msp.json, mode 600).
msp_lab_root: {root}
msp_lab: "{{{{ lookup('ansible.builtin.file', msp_lab_root ~ '/msp.json') | from_json }}}}"

# One gateway allocation for every tenant here: the lab's welcome letter, as the values the roles read (a real
# inventory parses the letter with mailops.secure_email.ces_welcome_letter). A tenant with its own allocation
# sets its own `ces` in its host_vars (docs/msp.md).
ces: {ces}

# The outbound header secret of the shared gateways (lab value; a real inventory takes it from a vault).
outbound_secret: Lab-Msp-Outbound-Secret-4711
outbound_validate_recipients:
  - validation@example.org

dns_cutover_server: "{{{{ msp_lab.dns.server }}}}"
dns_cutover_port: "{{{{ msp_lab.dns.port }}}}"
dns_cutover_key_name: "{{{{ msp_lab.dns.key_name }}}}"
dns_cutover_key_secret: "{{{{ msp_lab.dns.key_secret }}}}"
dns_cutover_resolvers: ["{{{{ msp_lab.dns.server }}}}:{{{{ msp_lab.dns.port }}}}"]
dns_cutover_settle: 1
dns_cutover_fix_spf: true
dns_cutover_state_dir: "{{{{ msp_lab_root }}}}/dns_cutover"
audit_nameservers: ["{{{{ msp_lab.dns.server }}}}:{{{{ msp_lab.dns.port }}}}"]
""".format(root=json.dumps(root), ces=json.dumps(CES))
    files["group_vars/esa_gateways.yml"] = """---
ansible_connection: ansible.netcommon.network_cli
ansible_network_os: mailops.secure_email.asyncos
ansible_network_cli_ssh_type: libssh
ansible_buffer_read_timeout: 0.02
# The README's setting for real appliances: one whole CLI dialogue (all the tenants' domains) must fit.
ansible_command_timeout: 180
ansible_host: "{{ msp_lab.gateways[inventory_hostname].host }}"
ansible_port: "{{ msp_lab.gateways[inventory_hostname].port }}"
ansible_user: "{{ msp_lab.gateways[inventory_hostname].user }}"
ansible_password: "{{ msp_lab.gateways[inventory_hostname].password }}"
# Lab only: every lab gateway has a new host key; real appliances keep host key checking on.
ansible_host_key_checking: false

# A gateway serves the domains of every tenant that lists it in secure_email_gateways (docs/msp.md).
secure_email_domains: >-
  {{ groups['m365_tenants'] | map('extract', hostvars)
     | selectattr('secure_email_gateways', 'contains', inventory_hostname)
     | map(attribute='secure_email_domains') | flatten }}
"""
    files["group_vars/m365_tenants.yml"] = """---
ansible_connection: local
ansible_python_interpreter: "{{ ansible_playbook_python }}"
# The gateways that serve this tenant (default: all of them). A tenant's host_vars may narrow it.
secure_email_gateways: "{{ groups['esa_gateways'] }}"
exo_tenant_id: "{{ msp_lab.tenants[inventory_hostname].exo_tenant_id }}"
exo_client_id: "{{ msp_lab.tenants[inventory_hostname].exo_client_id }}"
exo_client_secret: "{{ msp_lab.tenants[inventory_hostname].exo_client_secret }}"
exo_base_url: "{{ msp_lab.tenants[inventory_hostname].exo_base_url }}"
exo_authority: "{{ msp_lab.tenants[inventory_hostname].exo_authority }}"
exo_ca_path: "{{ msp_lab.tenants[inventory_hostname].exo_ca_path }}"
"""
    for tenant in tenants:
        lines = ["---", "# %s: its mail domains (lab values)." % tenant, "secure_email_domains:"]
        lines += ["  - name: %s" % domain for domain in tenant_domains(tenant, per_tenant)]
        files["host_vars/%s.yml" % tenant] = "\n".join(lines) + "\n"
    return files


def up(root, tenants, gateways, per_tenant):
    if tenants < 1 or gateways < 1 or per_tenant < 1:
        raise LabError("--tenants, --gateways and --domains must each be at least 1")
    root = os.path.abspath(root)
    os.makedirs(root, mode=0o700, exist_ok=True)
    gateway_names = ["esa%d" % number for number in range(1, gateways + 1)]
    data = {"root": root, "gateways": {}, "tenants": {}, "dns": None}
    for number, name in enumerate(gateway_names, 1):
        state = os.path.join(root, "gw%d" % number)
        argv = ["up", "--state-dir", state, "--esa-port", "0", "--hostname", "%s.lab" % name, "--no-exo"]
        argv += ["--dns-port", "0"] if number == 1 else ["--no-dns"]
        args = build_parser().parse_args(argv)
        cmd_up(args)
        lab_vars = _read_json(os.path.join(state, "lab_vars.json"))
        data["gateways"][name] = dict(lab_vars["esa"], state_dir=state)
        if number == 1:
            if not lab_vars.get("dns"):
                raise LabError("the DNS part did not start (is BIND installed? `make bind`)")
            data["dns"] = lab_vars["dns"]
    all_domains = []
    for name in tenant_names(tenants):
        state = os.path.join(root, name)
        info = exo_cli.up(state, 0, quiet=True)
        domains = tenant_domains(name, per_tenant)
        all_domains += domains
        with ExoStore(state).tenant_transaction() as tenant:
            tenant_mod.seed(tenant, {"accepted_domains": [_accepted_domain(domain, default=False, initial=False)
                                                          for domain in domains]})
        data["tenants"][name] = dict(_exo_vars(state), domains=domains, state_dir=state)
        print("tenant %s: Exchange lab at %s (tenant %s), domains %s"
              % (name, info["base_url"], info["tenant_id"], ", ".join(domains)))
    _seed_dns(data["dns"], all_domains)
    _write_private(os.path.join(root, MSP_FILE), json.dumps(data, indent=2) + "\n")
    inventory = os.path.join(root, "inventory")
    for relative, text in _inventory_files(root, gateway_names, tenant_names(tenants), per_tenant).items():
        path = os.path.join(inventory, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    print("MSP lab: %d gateway(s), %d tenant(s) x %d domain(s); DNS zone %s on port %s"
          % (gateways, tenants, per_tenant, ZONE, data["dns"]["port"]))
    print("inventory: %s" % inventory)
    return data


def down(root):
    root = os.path.abspath(root)
    path = os.path.join(root, MSP_FILE)
    if not os.path.exists(path):
        print("MSP lab: nothing recorded in %s" % root)
        return 0
    data = _read_json(path)
    for name in sorted(data["tenants"]):
        exo_cli.down(data["tenants"][name]["state_dir"], quiet=True)
    for name in sorted(data["gateways"]):
        cmd_down(build_parser().parse_args(["down", "--state-dir", data["gateways"][name]["state_dir"]]))
    os.remove(path)
    shutil.rmtree(os.path.join(root, "inventory"), ignore_errors=True)
    print("MSP lab stopped: %d gateway(s), %d tenant(s)" % (len(data["gateways"]), len(data["tenants"])))
    return 0


def status(root):
    path = os.path.join(os.path.abspath(root), MSP_FILE)
    if not os.path.exists(path):
        print("MSP lab: not running (no %s)" % path)
        return 1
    data = _read_json(path)
    for name, gateway in sorted(data["gateways"].items()):
        print("gateway %s: ssh %s:%s (state %s)" % (name, gateway["host"], gateway["port"], gateway["state_dir"]))
    for name, tenant in sorted(data["tenants"].items()):
        running = bool(exo_cli.running_info(tenant["state_dir"]))
        print("tenant %s: %s %s, domains %s" % (name, tenant["exo_base_url"], "running" if running else "STOPPED",
                                                ", ".join(tenant["domains"])))
    print("inventory: %s" % os.path.join(os.path.dirname(path), "inventory"))
    return 0


def main(argv):
    import argparse

    parser = argparse.ArgumentParser(prog="python -m lab msp", description="the MSP lab: K tenants, M gateways")
    parser.add_argument("action", choices=("up", "down", "status"))
    parser.add_argument("--state-dir", default=default_root(), help="root directory (default <repo>/.lab/msp)")
    parser.add_argument("--tenants", type=int, default=2, help="Exchange Online tenants (default 2)")
    parser.add_argument("--gateways", type=int, default=2, help="ESA gateways (default 2)")
    parser.add_argument("--domains", type=int, default=2, help="domains per tenant (default 2)")
    args = parser.parse_args(argv)
    try:
        if args.action == "up":
            up(args.state_dir, args.tenants, args.gateways, args.domains)
            return 0
        if args.action == "down":
            return down(args.state_dir)
        return status(args.state_dir)
    except (LabError, exo_cli.ExoLabError, OSError) as exc:
        print("lab: error: %s" % exc)
        return 1
