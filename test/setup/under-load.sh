#!/usr/bin/env bash
# The suite under load, as issue 16 asks it to be shown: two CPU-bound processes occupy both cores while the whole
# suite (`npm test`) runs RUNS times in a row (default 2). Exits non-zero at the first failing run.
set -uo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-2}
burners=()
for _ in 1 2; do
  node -e 'for (;;) {}' &
  burners+=($!)
done
trap 'kill "${burners[@]}" 2>/dev/null' EXIT
for i in $(seq 1 "$runs"); do
  echo "== run $i of $runs, load $(cut -d' ' -f1-3 /proc/loadavg)"
  npm test || { echo "== run $i failed"; exit 1; }
done
echo "== $runs runs passed under load, load $(cut -d' ' -f1-3 /proc/loadavg)"
