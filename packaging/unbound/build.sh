#!/usr/bin/env bash
# dnsstop: rebuild Debian's own `unbound` source package with the dynlib module,
# as installable binary packages in build/deb/ (unbound, libunbound8, ...).
#
# Why: Debian's unbound is built without --with-dynlibmodule, so it cannot load
# the dnsstop module (docs/unbound-module.md). We change only that: same
# version, same Debian patches and flags, plus --with-dynlibmodule for the
# daemon build and a version suffix (+dnsstop1) that sorts just above
# bookworm's, so apt prefers it and the module package can depend on it exactly.
#
# The source is the one scripts/build-unbound.sh (run by `make deps`) already
# fetched with apt-get source into build/unbound/src; we unpack a fresh copy of
# it so the development build and the packages never share a tree.
#
# Result:
#   build/deb/unbound_<version>_<arch>.deb and its sibling packages
#   build/deb/unbound/version       the rebuilt version, e.g. 1.17.1-2+deb12u4+dnsstop1
#   build/deb/unbound/build-id      GNU build ID of the packaged /usr/sbin/unbound
#   build/deb/unbound/tree          configured tree of the packaged daemon (config.h),
#                                   what the module must be compiled against
#   build/deb/unbound/.stamp        inputs of the last good build (skip if unchanged)
#
# DEB_BUILD_OPTIONS defaults to nocheck: Unbound's own test suite takes longer
# than the whole build and tests code we do not change.
set -euo pipefail

export PATH=/usr/sbin:/usr/bin:/sbin:/bin # Debian's tools, not a pyenv python3
export DEBIAN_FRONTEND=noninteractive
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-nocheck}
# Bump when this script changes what it builds, so upgrades reach the fleet.
SUFFIX=+dnsstop1

log() { echo "deb: unbound: $*"; }
die() { echo "deb: unbound: error: $*" >&2; exit 1; }

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
OUT=$ROOT/build/deb
WORK=$OUT/unbound
SELF=$(realpath "${BASH_SOURCE[0]}")

dsc=$(ls "$ROOT"/build/unbound/bookworm/src/unbound_*.dsc 2>/dev/null | head -n 1)
[[ -n $dsc ]] || die "no unbound source package in build/unbound/bookworm/src: run make deps"
src_version=$(sed -n 's/^Version: //p' "$dsc")
version=$src_version$SUFFIX
stamp="version=$version
script-sha256=$(sha256sum "$SELF" | cut -d' ' -f1)
options=$DEB_BUILD_OPTIONS"

if [[ -f $WORK/.stamp && $(cat "$WORK/.stamp") == "$stamp" ]] \
  && ls "$OUT"/unbound_"${version#*:}"_*.deb >/dev/null 2>&1; then
  log "unbound $version is built (cached in $OUT)"
  exit 0
fi

rm -rf "$WORK"
mkdir -p "$WORK"
tree=$WORK/unbound-${src_version%-*}
log "unpacking $(basename "$dsc")"
dpkg-source --no-check -x "$dsc" "$tree" >"$WORK/build.log" 2>&1

# The daemon's configure call in debian/rules is the one with --enable-subnet;
# add --with-dynlibmodule next to it (the libunbound build has no modules).
sed -i 's/^\(\t\t--enable-subnet \\\)$/\1\n\t\t--with-dynlibmodule \\/' "$tree/debian/rules"
grep -q -- '--with-dynlibmodule' "$tree/debian/rules" || die "could not add --with-dynlibmodule to debian/rules"

(cd "$tree" && DEBFULLNAME="dnsstop packaging" DEBEMAIL="packaging@dnsstop.example.org" \
  dch --newversion "$version" --distribution bookworm --force-distribution \
  "Rebuild with --with-dynlibmodule so the dnsstop module can be loaded." >>"$WORK/build.log" 2>&1)

log "dpkg-buildpackage $version (DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS; log: $WORK/build.log)"
start=$SECONDS
if ! (cd "$tree" && dpkg-buildpackage -b -uc -us -j"$(nproc)" >>"$WORK/build.log" 2>&1 </dev/null); then
  tail -n 40 "$WORK/build.log" >&2
  die "dpkg-buildpackage failed (full output: $WORK/build.log)"
fi
log "built in $((SECONDS - start))s"

# dpkg-buildpackage leaves its results next to the tree; move the packages up.
mv "$WORK"/*.deb "$OUT"/
# The reason for the rebuild: the packaged daemon must list the dynlib module.
dpkg-deb -x "$OUT"/unbound_"${version#*:}"_*.deb "$WORK/check"
"$WORK/check/usr/sbin/unbound" -V | grep -q 'Linked modules:.*dynlib' \
  || die "the packaged unbound does not list the dynlib module"
# The module checks at start that it runs in exactly this binary
# (plugin/unbound_version_check.h).
readelf -n "$WORK/check/usr/sbin/unbound" | awk '$1 == "Build" && $2 == "ID:" { print $3 }' >"$WORK/build-id"
[[ -s $WORK/build-id ]] || die "the packaged unbound has no GNU build ID"
rm -rf "$WORK/check"

# The daemon was configured out of tree (b/unbound holds config.h), but the
# module includes config.h and the headers from one directory: give it a tree
# of symlinks with both.
mkdir -p "$WORK/tree"
cp -as "$tree"/. "$WORK/tree"/
ln -sf "$tree/b/unbound/config.h" "$WORK/tree/config.h"

echo "$version" >"$WORK/version"
echo "$stamp" >"$WORK/.stamp"
