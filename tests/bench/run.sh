#!/usr/bin/env bash
# `make bench`: runs the benchmarks against the build in OUTPUT_DIR (as `make` names
# it, e.g. build) and prints their figures; the JSON goes to OUTPUT_DIR/bench/.
# BENCH="core unbound purge stoppage sync rpz" (any of them) runs only those parts (default: all).
set -euo pipefail
out_dir=$(realpath "${1:?usage: tests/bench/run.sh OUTPUT_DIR}")
parts=${BENCH:-core unbound}
mkdir -p "$out_dir/bench"

if [[ " $parts " == *" core "* ]]; then
  # Prints the table itself; takes about a minute (two on a busy machine) and 2.5 GB.
  "$out_dir/bin/dnsstop-core-bench" --entries 1000000,10000000 --json "$out_dir/bench/core.json"
  echo "figures written to $out_dir/bench/core.json"
fi

# for_each_unbound SCRIPT: runs the Python benchmark SCRIPT once for each Unbound
# version the module is built for, with DNSSTOP_UNBOUND and DNSSTOP_MODULE naming
# that version's Unbound and module: every ratio is against the same version's plain
# Unbound, in the same run.
for_each_unbound() {
  local module version tree
  for module in "$out_dir"/lib/unbound-*/libdnsstop-unbound.so; do
    version=${module%/libdnsstop-unbound.so}
    version=${version##*/unbound-}
    for tree in "$(dirname "$0")"/../../build/unbound/*/src/unbound; do
      [[ $tree =~ /build/unbound/[a-z]+/src/unbound$ ]] || continue # not a sanitizer's (RELEASE-asan)
      grep -q "^#define PACKAGE_VERSION \"$version\." "$tree/config.h" || continue
      DNSSTOP_UNBOUND=$tree/unbound DNSSTOP_MODULE=$module DNSSTOP_OUTPUT_DIR=$out_dir \
        /usr/bin/python3 "$(dirname "$0")/$1" "$out_dir"
    done
  done
}

# Plain Unbound, the dnsstop module, RPZ and local-zone with the same N-name list
# (N=1000000 unless set), all on 127.0.0.1; about ten minutes and 4 GB at 1M.
[[ " $parts " != *" unbound "* ]] || for_each_unbound unbound_bench.py
# One swap's cache purge with 1M and 5M cached names (PURGE_ENTRIES), on 2 and 16
# worker threads (BENCH=purge alone); about 15 minutes and 8 GB at 5M.
[[ -n ${BENCH:-} && " $BENCH " != *" purge "* ]] || for_each_unbound purge_bench.py
# The stop page against nginx under wrk, 1,000 connections (BENCH=stoppage alone); about 30 s.
[[ -n ${BENCH:-} && " $BENCH " != *" stoppage "* ]] || "$(dirname "$0")/stoppage_bench.sh" "$out_dir"
# Signed list sync at 1M entries from nginx over HTTPS (BENCH=sync alone); about 15 s.
[[ -n ${BENCH:-} && " $BENCH " != *" sync "* ]] || /usr/bin/python3 "$(dirname "$0")/sync_bench.py" "$out_dir"
# dnsstop-sync's RPZ output in Debian's stock Unbound, BIND, PowerDNS Recursor and Knot
# Resolver at 5,000 and 1M names (BENCH=rpz alone); about 20 minutes and 3.5 GB.
[[ -n ${BENCH:-} && " $BENCH " != *" rpz "* ]] || /usr/bin/python3 "$(dirname "$0")/rpz_bench.py" "$out_dir"
