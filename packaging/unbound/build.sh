#!/usr/bin/env bash
# dnsstop: rebuild Debian's own `unbound` source package of one release with
# the dynlib module, as installable binary packages (unbound, libunbound8, ...).
#
#   build.sh RELEASE SOURCE_VERSION OUT
#
# Runs inside a clean build root of RELEASE (packaging/roots.sh), as root:
# packaging/build-debs.sh copies it there, runs it, and keeps OUT in the
# machine-wide cache keyed by RELEASE, SOURCE_VERSION and this script's text.
# So the packages are made with RELEASE's compiler and libraries, like
# Debian's own, and never on the machine that runs `make deb`.
#
# Why: Debian's unbound is built without --with-dynlibmodule, so it cannot load
# the dnsstop module (docs/unbound-module.md). We change only that: same
# version, same Debian patches and flags, plus --with-dynlibmodule for the
# daemon build and a version suffix (+dnsstop1) that sorts just above
# RELEASE's, so apt prefers it and the module package can depend on it exactly.
#
# Steps: apt-get build-dep (from the Sources index), apt-get source (the only
# source there is: Debian's, of RELEASE's suites), add --with-dynlibmodule,
# a changelog entry, dpkg-buildpackage, then check the result. Takes several
# minutes. Result in OUT:
#   *.deb       unbound_<version>_<arch>.deb and its sibling packages
#   version     the rebuilt version, e.g. 1.17.1-2+deb12u4+dnsstop1
#   build-id    GNU build ID of the packaged /usr/sbin/unbound
#   tree/       the configured source tree of the packaged daemon (headers and
#               its config.h), what the module must be compiled against
#   build.log   everything the steps printed
#
# Exit status 3: apt's Sources index names SOURCE_VERSION, but Debian's mirror
# does not serve its files (HTTP 404): apt's lines saying so are in build.log.
#
# DEB_BUILD_OPTIONS defaults to nocheck: Unbound's own test suite takes longer
# than the whole build and tests code we do not change.
set -euo pipefail

export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-nocheck}
# Bump when this script changes what it builds, so upgrades reach the fleet.
SUFFIX=+dnsstop1
EXIT_SOURCE_NOT_SERVED=3

RELEASE=${1:?usage: build.sh RELEASE SOURCE_VERSION OUT}
SRC_VERSION=${2:?usage: build.sh RELEASE SOURCE_VERSION OUT}
OUT=${3:?usage: build.sh RELEASE SOURCE_VERSION OUT}
VERSION=$SRC_VERSION$SUFFIX
WORK=/build/unbound
LOG=$OUT/build.log

log() { echo "deb: $RELEASE: unbound: $*"; }
die() { echo "deb: $RELEASE: unbound: error: $*" >&2; exit 1; }

# run_logged CMD...: run CMD with its output appended to $LOG; on failure
# show the end of the log and stop.
run_logged() {
  if ! "$@" >>"$LOG" 2>&1 </dev/null; then
    tail -n 40 "$LOG" >&2
    die "failed: $* (full output: $LOG)"
  fi
}

rm -rf "$OUT" "$WORK"
mkdir -p "$OUT" "$WORK"

log "apt-get build-dep unbound=$SRC_VERSION"
run_logged apt-get build-dep -y -q --no-install-recommends "unbound=$SRC_VERSION"

log "apt-get source unbound=$SRC_VERSION"
if ! (cd "$WORK" && apt-get source -q -o APT::Sandbox::User=root "unbound=$SRC_VERSION" >>"$LOG" 2>&1 </dev/null); then
  if grep -q '404 *Not Found' "$LOG"; then
    log "Debian's mirror does not serve the files of unbound $SRC_VERSION (HTTP 404)"
    exit "$EXIT_SOURCE_NOT_SERVED"
  fi
  tail -n 40 "$LOG" >&2
  die "apt-get source unbound=$SRC_VERSION failed (full output: $LOG)"
fi
trees=("$WORK"/unbound-*/)
[[ ${#trees[@]} -eq 1 && -f ${trees[0]}debian/rules ]] || die "apt-get source left no single unpacked tree in $WORK"
tree=${trees[0]%/}

# The daemon's configure call in debian/rules is the one with --enable-subnet;
# add --with-dynlibmodule next to it (the libunbound build has no modules).
sed -i 's/^\(\t\t--enable-subnet \\\)$/\1\n\t\t--with-dynlibmodule \\/' "$tree/debian/rules"
grep -q -- '--with-dynlibmodule' "$tree/debian/rules" || die "could not add --with-dynlibmodule to debian/rules"

changelog=$(mktemp)
cat >"$changelog" <<EOF
unbound ($VERSION) $RELEASE; urgency=medium

  * Rebuild with --with-dynlibmodule so the dnsstop module can be loaded.

 -- dnsstop packaging <packaging@dnsstop.example.org>  $(date -R)

EOF
cat "$tree/debian/changelog" >>"$changelog"
mv "$changelog" "$tree/debian/changelog"

log "dpkg-buildpackage $VERSION (DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS; several minutes)"
start=$SECONDS
(cd "$tree" && run_logged dpkg-buildpackage -b -uc -us -j"$(nproc)")
log "built in $((SECONDS - start))s"

# dpkg-buildpackage leaves its results next to the tree.
mv "$WORK"/*.deb "$OUT"/
# The reason for the rebuild: the packaged daemon must list the dynlib module.
dpkg-deb -x "$OUT"/unbound_"${VERSION#*:}"_*.deb "$WORK/check"
"$WORK/check/usr/sbin/unbound" -V | grep -q 'Linked modules:.*dynlib' \
  || die "the packaged unbound does not list the dynlib module"
# The module checks at start that it runs in exactly this binary
# (plugin/unbound_version_check.h).
readelf -n "$WORK/check/usr/sbin/unbound" | awk '$1 == "Build" && $2 == "ID:" { print $3 }' >"$OUT/build-id"
[[ -s $OUT/build-id ]] || die "the packaged unbound has no GNU build ID"

# The daemon was configured out of tree (b/unbound holds config.h and the
# other generated headers), but the module includes config.h and the headers
# from one directory: the sources without the build directories, plus the
# headers generated for the daemon.
mkdir -p "$OUT/tree"
tar -C "$tree" --exclude=./b --exclude=./debian -cf - . | tar -C "$OUT/tree" -xf -
(cd "$tree/b/unbound" && find . -name '*.h' -print0 | tar --null -T - -cf -) | tar -C "$OUT/tree" -xf -
[[ -f $OUT/tree/config.h ]] || die "the daemon's build left no config.h in b/unbound"

echo "$VERSION" >"$OUT/version"
log "unbound $VERSION: $(cd "$OUT" && ls ./*.deb | tr '\n' ' ')"
