#!/usr/bin/env bash
# dnsstop: runs every libFuzzer target (tests/fuzz/fuzz_*.cc) for a while; `make
# fuzz` calls it.
#
#   tests/fuzz/run-fuzzers.sh [SECONDS_PER_TARGET [TARGET...]]   (default 60, all)
#
# Builds with clang into build/cmake-fuzz (binaries in build/fuzz/bin), then runs
# each target over build/fuzz/corpus/<target>: a working copy seeded from
# tests/fuzz/corpus/<target> that keeps growing across runs. Crashing inputs land
# in build/fuzz/artifacts/<target>/; a minimised one belongs in the seed corpus as
# a regression input once the bug is fixed. Exits non-zero when any target failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
seconds=${1:-60}
if (($# > 0)); then shift; fi
if (($# > 0)); then
  targets=("$@")
else
  targets=()
  for source in tests/fuzz/fuzz_*.cc; do targets+=("$(basename "$source" .cc)"); done
fi

out=$PWD/build/fuzz
CC=clang CXX=clang++ cmake -S . -B build/cmake-fuzz -G Ninja -DDNSSTOP_OUTPUT_DIR="$out"
# Only the fuzz targets: the rest of the tree (the Unbound module above all) is
# built and tested by the gcc builds.
cmake --build build/cmake-fuzz -j "$(nproc)" --target "${targets[@]}"

failed=()
for target in "${targets[@]}"; do
  corpus=$out/corpus/$target
  artifacts=$out/artifacts/$target
  mkdir -p "$corpus" "$artifacts"
  cp -r tests/fuzz/corpus/"$target"/. "$corpus"/
  dictionary=()
  [[ -f tests/fuzz/$target.dict ]] && dictionary=(-dict="tests/fuzz/$target.dict")
  echo "fuzz: $target for ${seconds}s"
  # -timeout: an input that runs for seconds is a hang to report, not a slow case.
  if ! "$out/bin/$target" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "${dictionary[@]}" "$corpus"; then
    failed+=("$target")
  fi
done

if ((${#failed[@]} > 0)); then
  echo "fuzz: failed: ${failed[*]} (inputs in $out/artifacts/)" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s without a failure"
