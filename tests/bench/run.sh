#!/usr/bin/env bash
# `make bench`: runs the benchmarks against the build in OUTPUT_DIR (as `make` names
# it, e.g. build) and prints their figures; the JSON goes to OUTPUT_DIR/bench/.
set -euo pipefail
out_dir=${1:?usage: tests/bench/run.sh OUTPUT_DIR}
mkdir -p "$out_dir/bench"

# Prints the table itself; takes about a minute (two on a busy machine) and 2.5 GB.
"$out_dir/bin/dnsstop-core-bench" --entries 1000000,10000000 --json "$out_dir/bench/core.json"
echo "figures written to $out_dir/bench/core.json"
