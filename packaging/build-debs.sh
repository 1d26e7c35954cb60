#!/usr/bin/env bash
# dnsstop: build every Debian package into build/deb/ (`make deb`).
#
#   1. packaging/unbound/build.sh: Debian's unbound, rebuilt with the dynlib
#      module (cached; it takes several minutes);
#   2. dnsstop's own packages from packaging/dnsstop/debian, compiled against
#      that Unbound's configured tree;
#   3. lintian on all of dnsstop's packages; a warning or error fails the build
#      (accepted findings are overridden, with reasons, in
#      packaging/dnsstop/debian/*.lintian-overrides).
set -euo pipefail

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
log() { echo "deb: $*"; }
die() { echo "deb: error: $*" >&2; exit 1; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
OUT=$ROOT/build/deb
start=$SECONDS

packaging/unbound/build.sh

version=$(dpkg-parsechangelog -l packaging/dnsstop/debian/changelog -S Version)
src=$OUT/dnsstop-$version
log "dnsstop $version: copying the sources to $src"
rm -rf "$src"
mkdir -p "$src"
# The files git knows or would know (tracked and untracked, not ignored):
# what a release would contain, never build/ output.
# --ignore-failed-read: a tracked file deleted in the work tree is not shipped.
git ls-files -z --cached --others --exclude-standard -- . ':!packaging/dnsstop/debian' \
  | tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$src"
cp -r packaging/dnsstop/debian "$src/debian"

log "dpkg-buildpackage (log: $OUT/dnsstop-build.log)"
if ! (cd "$src" && DNSSTOP_UNBOUND_DIR=$OUT/unbound \
  dpkg-buildpackage -b -uc -us -j"$(nproc)" \
  >"$OUT/dnsstop-build.log" 2>&1 </dev/null); then
  tail -n 40 "$OUT/dnsstop-build.log" >&2
  die "dpkg-buildpackage failed (full output: $OUT/dnsstop-build.log)"
fi
rm -rf "$src"

changes=$OUT/dnsstop_${version}_$(dpkg --print-architecture).changes
log "lintian $(basename "$changes")"
lintian --fail-on error,warning --info "$changes" | tee "$OUT/lintian.txt"
log "done in $((SECONDS - start))s: $(cd "$OUT" && ls ./*.deb | tr '\n' ' ')"
