#!/usr/bin/env bash
# `make demo`: start the lab (simulated Cisco ESA over SSH on 127.0.0.1), run playbooks/site.yml
# against it twice, prove the second run changed nothing, print the lab's counters, stop the lab.
# Expects .venv, the dependency collections and the scratch tree (make venv-main deps tree).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/.build/collections"
export ANSIBLE_FORCE_COLOR="${ANSIBLE_FORCE_COLOR:-0}"
state=.lab/demo
logs=.build/logs
mkdir -p "$logs"

stop_lab() { python -m lab down --state-dir "$state" >/dev/null 2>&1 || true; }
python -m lab down --state-dir "$state" >/dev/null 2>&1 || true   # a leftover from an interrupted run
trap 'echo "== demo: stopping the lab"; stop_lab' EXIT

echo "== demo: starting the lab (state dir $state)"
python -m lab up --state-dir "$state" --esa-port 0
inventory="$state/inventory.yml"
[ -f "$inventory" ] || { echo "demo: the lab did not write $inventory" >&2; exit 1; }

# Demo input (tenant domains) lives next to the playbook; extra -e files can be added with DEMO_VARS.
extra=()
for f in ${DEMO_VARS:-playbooks/vars/lab_demo.yml}; do
  [ -f "$f" ] && extra+=(-e "@$f")
done

recap() {  # recap LOG -> prints "changed=N failed=N unreachable=N" summed over all hosts
  awk '/^PLAY RECAP/ {r=1; next} r && /ok=/ {
         for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] in want) s[kv[1]] += kv[2] } }
       BEGIN { want["changed"]; want["failed"]; want["unreachable"]; s["changed"]=0; s["failed"]=0; s["unreachable"]=0 }
       END { if (!r) { print "no-recap"; exit } printf "changed=%d failed=%d unreachable=%d\n", s["changed"], s["failed"], s["unreachable"] }' "$1"
}

echo
echo "== demo: run 1 (converge, with --diff)"
start=$SECONDS
ansible-playbook -i "$inventory" "${extra[@]}" playbooks/site.yml --diff 2>&1 | tee "$logs/demo-run1.log"
echo "== demo: run 1 took $((SECONDS - start)) s: $(recap "$logs/demo-run1.log")"

echo
echo "== demo: run 2 (must change nothing)"
start=$SECONDS
ansible-playbook -i "$inventory" "${extra[@]}" playbooks/site.yml --diff 2>&1 | tee "$logs/demo-run2.log"
second=$(recap "$logs/demo-run2.log")
echo "== demo: run 2 took $((SECONDS - start)) s: $second"

echo
echo "== demo: lab counters"
python -m lab status --json --state-dir "$state"

echo
case $second in
  "changed=0 failed=0 unreachable=0")
    echo "== demo: IDEMPOTENT: the second run reported changed=0 on every host" ;;
  *)
    echo "== demo: NOT IDEMPOTENT: the second run reported $second" >&2
    exit 1 ;;
esac
