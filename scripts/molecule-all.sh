#!/usr/bin/env bash
# Run molecule scenarios, MOLECULE_JOBS at a time (default 2), each into its own log
# (.build/molecule-logs/<scenario>.log), printed whole when the scenario ends; exits non-zero
# when any scenario failed, naming them. Scenarios are independent: each has its own podman
# network and container names, its own ephemeral directory and (cluster) its own control planes
# on free ports. Most of a scenario's time is waiting (systemd, SSH, retries), so two at once
# take far less than twice one on a machine with two cores.
#   scripts/molecule-all.sh scenario [scenario ...]
set -uo pipefail

jobs=${MOLECULE_JOBS:-2}
logs=${MEDIASTACK_ROOT:-$PWD}/.build/molecule-logs
mkdir -p "$logs"
for scenario in "$@"; do
  rm -f "$logs/$scenario.log" "$logs/$scenario.rc"  # only this run's scenarios (another may be running)
done

run_one() {
  local scenario=$1 start rc
  start=$(date +%s)
  molecule test --scenario-name "$scenario" >"$logs/$scenario.log" 2>&1
  rc=$?
  echo "$rc" >"$logs/$scenario.rc"
  {
    echo "==> molecule: scenario $scenario (exit $rc, $(( $(date +%s) - start )) s)"
    cat "$logs/$scenario.log"
    echo "==> molecule: scenario $scenario ended (exit $rc)"
  } | flock "$logs/.print" cat
}
export -f run_one
export logs

printf '%s\n' "$@" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {}

failed=()
for scenario in "$@"; do
  [[ $(cat "$logs/$scenario.rc" 2>/dev/null) == 0 ]] || failed+=("$scenario")
done
if (( ${#failed[@]} )); then
  echo "==> molecule: failed: ${failed[*]} (logs in $logs)" >&2
  exit 1
fi
echo "==> molecule: all passed: $*"
