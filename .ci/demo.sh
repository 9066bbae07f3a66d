#!/usr/bin/env bash
# `make demo`: the whole guide rehearsed against the lab (see .ci/demo.py for the phases).
# Expects .venv, the dependency collections and the scratch tree (make venv-main deps tree).
#
# DNS=rfc2136 (default): the MX cutover, SPF fix and rollback as TSIG-signed RFC 2136 updates to the lab's BIND.
# DNS=route53 (`make demo DNS=route53`): the same phases with dns_cutover_provider: route53, through the lab's Route 53
# API (moto, lab/route53.py), which pushes every change into the lab's BIND, so the audits and dns_wait see it. The
# lab is started with LAB_ROUTE53=1, every ansible-playbook of the demo gets the provider variables as extra vars (the
# endpoint and fake credentials from lab_vars.json `route53`), and at the end the lab's Route 53 counters must show
# the changes (a cutover that bypassed Route 53 fails the demo).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="${DEMO_COLLECTIONS_PATH:-$PWD/.build/collections}"
dns="${DEMO_DNS:-${DNS:-rfc2136}}"

case "$dns" in
  rfc2136)
    exec python .ci/demo.py
    ;;
  route53)
    ;;
  *)
    echo "demo: DNS=$dns is not a DNS provider of the demo: rfc2136 (default) or route53" >&2
    exit 2
    ;;
esac

mkdir -p .build
vars="$PWD/.build/demo-route53-vars.yml"
cat > "$vars" <<'YAML'
# Written by .ci/demo.sh for `make demo DNS=route53`: the dns_cutover role through the lab's Route 53 (moto).
dns_cutover_provider: route53
dns_cutover_route53_endpoint_url: "{{ lab.route53.endpoint_url }}"
dns_cutover_aws_access_key_id: "{{ lab.route53.access_key_id }}"
dns_cutover_aws_secret_access_key: "{{ lab.route53.secret_access_key }}"
# Route 53 is written through its API; the role reads and waits on the lab's BIND, which the lab feeds from it.
dns_cutover_nameservers: ["{{ lab.dns.server }}:{{ lab.dns.port }}"]
YAML
export LAB_ROUTE53=1
echo "== demo: DNS=route53: the cutover goes through the lab's Route 53 (moto) into BIND; extra vars $vars"

# demo.py runs every phase as `ansible-playbook -i inventories/lab ...`; this adds `-e @<vars>` to each of them.
rc=0
DEMO_ROUTE53_VARS="$vars" python - <<'PY' || rc=$?
import os
import runpy
import subprocess
import sys

extra = ["-e", "@" + os.environ["DEMO_ROUTE53_VARS"]]
_popen = subprocess.Popen


class Popen(_popen):
    def __init__(self, args, *rest, **kwargs):
        if isinstance(args, (list, tuple)) and args and args[0] == "ansible-playbook":
            args = list(args) + extra
        super().__init__(args, *rest, **kwargs)


subprocess.Popen = Popen
sys.argv = [".ci/demo.py"]
sys.stdin = open(os.devnull)
try:
    runpy.run_path(".ci/demo.py", run_name="__main__")
except SystemExit as exc:
    sys.exit(exc.code)
PY

# The lab's Route 53 counters (kept in its state dir after `lab down`): the cutover and the rollback were changes.
counters=".lab/demo/route53/counters.json"
python - "$counters" "$rc" <<'PY' || rc=$?
import json
import sys

path, rc = sys.argv[1], int(sys.argv[2])
try:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
except (OSError, ValueError):
    print("\n== demo: FAILED: no Route 53 counters in %s (did the lab's Route 53 start? pip install boto3 'moto[server]')"
          % path)
    sys.exit(1)
calls = data.get("calls") or {}
print("\n== demo: Route 53 (lab, moto): %s; %d change(s) pushed into BIND%s" % (
    ", ".join("%s %d" % item for item in sorted(calls.items())), data.get("bind_syncs", 0),
    "; push errors: %s" % data["bind_sync_errors"] if data.get("bind_sync_errors") else ""))
if calls.get("ChangeResourceRecordSets", 0) < 4 or data.get("bind_sync_errors"):
    print("== demo: FAILED: the cutover (3 change batches) and the rollback (1) did not all go through Route 53")
    sys.exit(1)
sys.exit(rc)
PY
exit "$rc"
