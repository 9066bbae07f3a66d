#!/usr/bin/env bash
# The offline install path of docs/install-offline.md, followed step by step in a clean consumer project:
# no Galaxy server, only the built collection tarball and the PyPI `ansible` wheel (already downloaded by
# `make deps`). Then the installed collection is used for real: its docs load, a playbook of the consumer project
# runs a module and a role of the collection against the lab (SSH, HTTPS, DNS), with nothing from this repository
# on the collections path.
#
# Usage: .ci/offline_install.sh <collection tarball> <ansible wheel> <work dir>
set -euo pipefail
tarball=$(readlink -f "$1")
wheel=$(readlink -f "$2")
work=$3
repo=$(cd "$(dirname "$0")/.." && pwd)

rm -rf "$work"
mkdir -p "$work/offline"
consumer="$work/consumer"
mkdir -p "$consumer"

echo "== offline-install: 1. the dependencies from the ansible wheel (no Galaxy)"
# The wheel is a zip archive: take only the two collections the collection depends on (meta/runtime.yml and
# galaxy.yml name ansible.netcommon and ansible.utils).
unzip -q "$wheel" 'ansible_collections/ansible/netcommon/*' 'ansible_collections/ansible/utils/*' -d "$work/offline"
ls "$work/offline/ansible_collections/ansible"

echo "== offline-install: 2. ansible-galaxy collection install --offline into the consumer project"
cd "$consumer"
cat > ansible.cfg <<'EOF'
[defaults]
collections_path = ./collections
# A consumer project never reaches Galaxy here: only what is installed below is used.
[galaxy]
server_list =
EOF
# Nothing of the repository or of the gate tree on the path: only the consumer project's own collections.
export ANSIBLE_COLLECTIONS_PATH="$consumer/collections"
export ANSIBLE_CONFIG="$consumer/ansible.cfg"
ansible-galaxy collection install --offline -p ./collections \
  "$work/offline/ansible_collections/ansible/utils" \
  "$work/offline/ansible_collections/ansible/netcommon" \
  "$tarball"
listed=$(ansible-galaxy collection list -p ./collections 2>/dev/null)
echo "$listed"
for name in mailops.secure_email ansible.netcommon ansible.utils; do
  grep -q "^$name " <<< "$listed" || { echo "offline-install: $name is not installed"; exit 1; }
done
[ "$(readlink -f collections/ansible_collections/mailops/secure_email)" != "$repo" ] || exit 1

echo "== offline-install: 3. the installed collection works"
ansible-doc -t module mailops.secure_email.esa_recipient_access | head -3
ansible-doc -t role mailops.secure_email.inbound | head -3

state=$(mktemp -d)
trap 'cd "$repo" && python -m lab down --state-dir "$state" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
(cd "$repo" && python -m lab up --state-dir "$state" --esa-port 0 --dns-port 0 >/dev/null)
mkdir -p inventory
cp -r "$repo/inventories/lab/." inventory/
cat > plan.yml <<'EOF'
- name: Read the gateway with the installed collection
  hosts: esa_gateways
  gather_facts: false
  tasks:
    - name: Gateway facts
      mailops.secure_email.esa_info:
        gather: [smtp_routes]
      register: facts

    - name: The gateway answered
      ansible.builtin.assert:
        that: facts.esa.smtp_routes is defined

- name: Plan the inbound gateway side (guide steps S3-S5) with the installed role
  hosts: esa_gateways
  gather_facts: false
  tasks:
    - name: Inbound role, gateway side
      ansible.builtin.import_role:
        name: mailops.secure_email.inbound
        tasks_from: gateway
EOF
LAB_STATE_DIR="$state" ansible-playbook -i inventory plan.yml --check

echo "== offline-install: 4. the lab as its own package (pip install ./lab), for users who rehearse"
python3 -m venv "$work/labvenv"
"$work/labvenv/bin/python" -m pip install --quiet --disable-pip-version-check -c "$repo/.ci/constraints-py312.txt" \
  "$repo/lab" 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
labstate="$work/labstate"
(cd "$work" && "$work/labvenv/bin/mailops-lab" up --state-dir "$labstate" --esa-port 0 --no-dns --no-exo)
status=$(cd "$work" && "$work/labvenv/bin/mailops-lab" status --state-dir "$labstate" --json)
grep -q '"running": true' <<< "$status" || { echo "offline-install: the installed lab is not running: $status"; exit 1; }
(cd "$work" && "$work/labvenv/bin/mailops-lab" down --state-dir "$labstate")
echo "== offline-install: passed"
