#!/usr/bin/env bash
# Run every quality gate in order, continuing after a failure (entry point: `make test`).
#
# Each gate is a Makefile target, run as `make <gate> GATE_DEPS=` after one shared preparation
# step (venv deps tree shim bind). Output goes to .build/logs/<gate>.log and to stdout. A gate that
# prints a line starting with "== SKIP:" and exits 0 is reported as skipped, not passed.
# The last line is "N passed, N failed[, N skipped]"; the exit status is 1 if any gate failed.
#
# Environment: GATES="lint units ..." (subset/order), GATE_TIMEOUT (seconds per gate, default 1800).
set -uo pipefail
cd "$(dirname "$0")/.."

MAKE=${MAKE:-make}
LOGDIR=.build/logs
GATE_TIMEOUT=${GATE_TIMEOUT:-1800}
read -r -a GATES <<< "${GATES:-lint docs-lint docsite sanity sanity-219 units lab-tests integration integration-oldest faults molecule molecule-oldest demo build importer offline-install ee}"
mkdir -p "$LOGDIR"
# Plain logs: no ANSI colours from ansible-lint, ansible, pytest.
export NO_COLOR=${NO_COLOR:-1} ANSIBLE_NOCOLOR=${ANSIBLE_NOCOLOR:-1} PY_COLORS=${PY_COLORS:-0}

declare -a RESULTS=()
passed=0 failed=0 skipped=0
total_start=$(date +%s.%N)

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

run_step() {  # run_step NAME CMD... -> sets STEP_RC, STEP_TIME, STEP_STATUS
  local name=$1; shift
  local log="$LOGDIR/$name.log" start
  start=$(date +%s.%N)
  echo
  echo "== $name: start ($(date -u +%H:%M:%S) UTC)"
  timeout --kill-after=30 "$GATE_TIMEOUT" "$@" < /dev/null 2>&1 | tee "$log"
  STEP_RC=${PIPESTATUS[0]}
  STEP_TIME=$(elapsed "$start")
  if [ "$STEP_RC" -eq 0 ] && grep -q '^== SKIP:' "$log"; then
    STEP_STATUS=SKIP
  elif [ "$STEP_RC" -eq 0 ]; then
    STEP_STATUS=PASS
  else
    STEP_STATUS=FAIL
    [ "$STEP_RC" -eq 124 ] && echo "(timed out after ${GATE_TIMEOUT} s)" | tee -a "$log"
    echo "---- $name failed (rc=$STEP_RC); last 40 lines of $log:"
    tail -n 40 "$log"
    echo "----"
  fi
  echo "== $name: $STEP_STATUS ($STEP_TIME s)"
}

run_step prep "$MAKE" --no-print-directory venv deps tree shim bind
prep_status=$STEP_STATUS prep_time=$STEP_TIME
if [ "$prep_status" != PASS ]; then
  echo
  echo "== summary: preparation (venv deps tree shim bind) failed; no gate could run"
  echo "0 passed, ${#GATES[@]} failed"
  exit 1
fi

for gate in "${GATES[@]}"; do
  run_step "$gate" "$MAKE" --no-print-directory "$gate" GATE_DEPS=
  case $STEP_STATUS in
    PASS) passed=$((passed + 1)) ;;
    SKIP) skipped=$((skipped + 1)) ;;
    *) failed=$((failed + 1)) ;;
  esac
  RESULTS+=("$(printf '%-12s %-5s %8s s' "$gate" "$STEP_STATUS" "$STEP_TIME")")
done

echo
echo "== summary (logs in $LOGDIR/)"
printf '%-12s %-5s %8s s\n' prep "$prep_status" "$prep_time"
printf '%s\n' "${RESULTS[@]}"
printf '%-12s %-5s %8s s\n' total "" "$(elapsed "$total_start")"
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
