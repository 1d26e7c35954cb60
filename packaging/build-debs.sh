#!/usr/bin/env bash
# dnsstop: build the Debian packages for each Debian release the project
# supports (`make deb`), into build/deb/RELEASE/.
#
#   packaging/build-debs.sh [RELEASE...]   (default: scripts/setup.sh --releases)
#
# Environment (all optional; dnsstop-rebuild sets them):
#   DNSSTOP_DEB_OUT       where the results go, instead of build/deb
#   DNSSTOP_BINNMU=N      append +bN to dnsstop's version (0.1.0+deb12+b2): the
#                         same dnsstop rebuilt against a newer Unbound, so apt
#                         upgrades the module together with that Unbound
#   DNSSTOP_APT_SOURCES   a deb822 file with the Debian archives to build from
#                         (scripts/debian-sources.sh), instead of this machine's
#
# Each release is built in a clean root of that release (packaging/roots.sh:
# debootstrap --variant=buildd, plus lintian and the build dependencies of
# unbound and of dnsstop; cached machine-wide), with its own compiler and
# libraries, never on this machine:
#   1. packaging/unbound/build.sh: Debian's unbound source package of the
#      release, rebuilt with the dynlib module. Kept in the machine-wide cache
#      (scripts/cache.sh) as unbound-deb/RELEASE-VERSION-KEY, keyed by release,
#      source version, that script and DEB_BUILD_OPTIONS: built once, in
#      several minutes;
#   2. dnsstop's own packages from packaging/dnsstop/debian, compiled against
#      that Unbound's configured tree, their version suffixed with the
#      release's number (0.1.0+deb12), so one apt repository can hold every
#      release's packages. Kept in the cache as dnsstop-deb/RELEASE-VERSION-KEY,
#      keyed by the sources, that Unbound build, the root and the version;
#   3. lintian, the release's own, on dnsstop's packages: a warning or error
#      fails the build (accepted findings are overridden, with reasons, in
#      packaging/dnsstop/debian/*.lintian-overrides).
#
# A release whose unbound source Debian's mirror lists but does not serve
# (HTTP 404) is skipped, loudly: a "SKIPPED:" line with apt's 404 lines, also
# written to build/deb/RELEASE.skipped (packaging/test-install.sh reports it in
# turn), and `make deb` goes on with the others. Its packages are not made:
# Debian's source package is the only Unbound we package. dnsstop's programs
# and unit tests are still compiled and run in its root, without the module,
# so the code is known to build with that release's compiler and libraries.
#
# Result, per release built:
#   build/deb/RELEASE/*.deb         dnsstop's packages, and links to unbound's in the cache
#   build/deb/RELEASE/unbound       link to the cached unbound build (version,
#                                   build-id, tree/, build.log)
#   build/deb/RELEASE/*.changes, *.buildinfo, *.log, lintian.txt
set -euo pipefail

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=${DNSSTOP_DEB_OUT:-$PWD/build/deb}
EXIT_SOURCE_NOT_SERVED=3 # packaging/unbound/build.sh's
RELEASE=                 # the release being built
DIR=                     # its unpacked build root
# shellcheck source=packaging/roots.sh
. packaging/roots.sh
. packaging/releases.sh

log() { echo "deb: $RELEASE: $*"; }
die() { echo "deb: $RELEASE: error: $*" >&2; exit 1; }

# shellcheck source=scripts/run-logged.sh
. scripts/run-logged.sh

# The build root of a release (packaging/roots.sh): Debian's archives of the
# release, binary and source; lintian; the build dependencies of its unbound
# and of dnsstop ($3: the source paragraph of dnsstop's debian/control).
setup_build_root() {
  local dir=$1 release=$2 control=$3
  write_release_sources "$dir" "$release" "deb deb-src"
  in_root "$dir" apt-get update -q
  in_root "$dir" apt-get install -y -q --no-install-recommends lintian
  in_root "$dir" apt-get build-dep -y -q --no-install-recommends unbound
  mkdir -p "$dir/tmp/dnsstop/debian"
  echo "$control" >"$dir/tmp/dnsstop/debian/control"
  in_root "$dir" apt-get build-dep -y -q --no-install-recommends /tmp/dnsstop
  rm -rf "$dir/tmp/dnsstop"
}

# copy_sources DIR: the files git knows or would know (tracked and untracked,
# not ignored): what a release would contain, never build/ output.
# --ignore-failed-read: a tracked file deleted in the work tree is not shipped.
# Outside a git checkout (dnsstop-build-host's unpacked source tarball, which
# holds exactly those files) every file but build/. packaging/dnsstop/debian
# stays in the copy, unchanged, for dnsstop-build-host's source tarball.
copy_sources() {
  mkdir -p "$1"
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard \
      | tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$1"
  else
    tar --exclude=./build -cf - . | tar -xf - -C "$1"
  fi
}

# tree_key DIR: a hash of every file's name, mode and content under DIR.
tree_key() {
  tar -C "$1" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - . | sha256sum | cut -c1-16
}

# build_unbound SRC_VERSION ENTRY: run packaging/unbound/build.sh in the
# root and keep its result as cache entry ENTRY. Exits with the script's
# status (EXIT_SOURCE_NOT_SERVED included); run it in a subshell.
build_unbound() {
  local src_version=$1 entry=$2 status=0
  lock_cache unbound-deb
  prune_cache unbound-deb
  [[ ! -f $entry/.complete ]] || return 0
  cp packaging/unbound/build.sh "$DIR/tmp/unbound-build.sh"
  in_root "$DIR" env DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-nocheck}" \
    bash /tmp/unbound-build.sh "$RELEASE" "$src_version" /build/unbound-out || status=$?
  cp "$DIR/build/unbound-out/build.log" "$OUT/$RELEASE/unbound-build.log"
  ((status == 0)) || exit "$status"
  rm -rf "$entry"
  cp -a "$DIR/build/unbound-out" "$entry.tmp"
  mv "$entry.tmp" "$entry"
  touch "$entry/.complete"
}

# dnsstop_packages ENTRY: dnsstop's packages, against the unbound in ENTRY:
# from the cache if these sources were built against it before, in this root.
dnsstop_packages() {
  local entry=$1 version os_version suffix src cached file
  version=$(dpkg-parsechangelog -l packaging/dnsstop/debian/changelog -S Version)
  os_version=$(. "$DIR/etc/os-release" && echo "${VERSION_ID:-}")
  [[ -n $os_version ]] || die "the $RELEASE root's /etc/os-release has no VERSION_ID"
  suffix=+deb$os_version${DNSSTOP_BINNMU:++b$DNSSTOP_BINNMU}
  src=$DIR/build/dnsstop-$version
  copy_sources "$src"
  cp -r packaging/dnsstop/debian "$src/debian"
  cached=$DNSSTOP_CACHE/dnsstop-deb/$RELEASE-$version$suffix-$(input_key "$RELEASE" "$version$suffix" \
    "$entry" "$ROOT_TARBALL" "${DEB_BUILD_OPTIONS:-}" "$(tree_key "$src")")
  if [[ ! -f $cached/.complete ]]; then
    build_dnsstop_packages "$entry" "$version" "$suffix" "$os_version" "$src"
    (lock_cache dnsstop-deb && prune_cache dnsstop-deb)
    rm -rf "$cached.tmp"
    mkdir -p "$cached.tmp"
    for file in "$OUT/$RELEASE"/dnsstop*.deb "$OUT/$RELEASE"/dnsstop*.changes "$OUT/$RELEASE"/dnsstop*.buildinfo \
      "$OUT/$RELEASE/lintian.txt" "$OUT/$RELEASE/dnsstop-build.log"; do
      cp "$file" "$cached.tmp/"
    done
    rm -rf "$cached"
    mv "$cached.tmp" "$cached"
  else
    log "dnsstop $version$suffix against unbound $(cat "$entry/version") is built (cached in $cached)"
    cp "$cached"/dnsstop*.changes "$cached"/dnsstop*.buildinfo "$cached"/*.txt "$cached"/*.log "$OUT/$RELEASE/"
    ln -sf "$cached"/*.deb "$OUT/$RELEASE/"
  fi
  touch "$cached/.complete" # used now: prune_cache keeps it
}

# build_dnsstop_packages ENTRY VERSION SUFFIX OS_VERSION SRC: dpkg-buildpackage
# and lintian in the root, results into $OUT/$RELEASE.
build_dnsstop_packages() {
  local entry=$1 version=$2 suffix=$3 os_version=$4 src=$5 arch
  {
    printf 'dnsstop (%s) %s; urgency=medium\n\n' "$version$suffix" "$RELEASE"
    if [[ -n ${DNSSTOP_BINNMU:-} ]]; then
      printf '  * Rebuild against unbound %s.\n' "$(cat "$entry/version")"
    fi
    printf '  * Build for Debian %s (%s).\n\n' "$os_version" "$RELEASE"
    printf ' -- dnsstop packaging <packaging@dnsstop.example.org>  %s\n\n' "$(date -R)"
    cat packaging/dnsstop/debian/changelog
  } >"$src/debian/changelog"
  mkdir -p "$DIR/build/unbound"
  cp -a "$entry/tree" "$entry/version" "$entry/build-id" "$DIR/build/unbound/"

  log "dpkg-buildpackage dnsstop $version$suffix (log: $OUT/$RELEASE/dnsstop-build.log)"
  run_logged "$OUT/$RELEASE/dnsstop-build.log" in_root "$DIR" \
    env DNSSTOP_UNBOUND_DIR=/build/unbound DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-}" \
    sh -c 'cd "$1" && dpkg-buildpackage -b -uc -us -j"$(nproc)"' sh "/build/dnsstop-$version"
  arch=$(in_root "$DIR" dpkg --print-architecture)
  cp "$DIR"/build/dnsstop*.deb "$DIR"/build/dnsstop*.changes "$DIR"/build/dnsstop*.buildinfo "$OUT/$RELEASE/"

  log "lintian dnsstop_${version}${suffix}_$arch.changes ($RELEASE's lintian, as user nobody)"
  in_root "$DIR" setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp \
    lintian --fail-on error,warning --info "/build/dnsstop_${version}${suffix}_$arch.changes" \
    | tee "$OUT/$RELEASE/lintian.txt" || die "lintian found problems (build/deb/$RELEASE/lintian.txt)"
}

# For a release without packages: dnsstop's programs and unit tests built with
# the release's compiler and libraries, without the module, and the tests run.
compile_without_module() {
  local logfile=$OUT/$RELEASE/compile.log
  copy_sources "$DIR/build/dnsstop-src"
  log "compiling dnsstop's programs and unit tests without the module, with $RELEASE's $(in_root "$DIR" g++ --version | head -n 1) (log: $logfile)"
  run_logged "$logfile" in_root "$DIR" sh -c "
    cmake -S /build/dnsstop-src -B /build/cmake -G Ninja -DDNSSTOP_WITH_MODULE=OFF -DDNSSTOP_OUTPUT_DIR=/build/out &&
    cmake --build /build/cmake -j $(nproc) --target dnsstop dnsstop-publish dnsstop-sync dnsstop-stoppage core_tests stoppage_tests &&
    /build/out/bin/core_tests --gtest_brief=1 && /build/out/bin/stoppage_tests --gtest_brief=1"
  log "ok: dnsstop's programs compile, and its unit tests pass, on $RELEASE: $(grep -h 'PASSED' "$logfile" | tr -s ' ' | paste -sd ';' -)"
}

# skip_release SRC_VERSION: say loudly why RELEASE has no packages.
skip_release() {
  local src_version=$1 reason
  reason="SKIPPED: $RELEASE: no Debian packages for $RELEASE, because Debian's mirror lists unbound $src_version in $RELEASE's Sources index but does not serve its files (HTTP 404), and Debian's source package is the only Unbound we package. apt-get source said:
$(grep 'Failed to fetch.*404' "$OUT/$RELEASE/unbound-build.log" | sed 's/^/    /')"
  echo "$reason" | tee "$OUT/$RELEASE.skipped"
}

build_release() {
  local start=$SECONDS src_version entry status
  RELEASE=$1
  DIR=$OUT/roots/$RELEASE-build
  rm -rf "${OUT:?}/$RELEASE" "$OUT/$RELEASE.skipped"
  mkdir -p "$OUT/$RELEASE"

  root_tarball "$RELEASE" buildd setup_build_root "$(sed '/^$/q' packaging/dnsstop/debian/control)"
  log "unpacking the build root $ROOT_TARBALL"
  enter_root "$ROOT_TARBALL" "$DIR"
  log "apt-get update and upgrade in the root (log: $OUT/$RELEASE/apt.log)"
  run_logged "$OUT/$RELEASE/apt.log" in_root "$DIR" apt-get update -q
  run_logged "$OUT/$RELEASE/apt.log" in_root "$DIR" apt-get upgrade -y -q

  # The root's apt sources are the release's suites (the release, -updates, -security) only.
  src_version=$(newest_unbound_source in_root "$DIR" apt-cache)
  [[ -n $src_version ]] || die "the $RELEASE root's apt knows no unbound source package"
  entry=$DNSSTOP_CACHE/unbound-deb/$RELEASE-$src_version-$(input_key "$RELEASE" "$src_version" \
    "$(sha256sum <packaging/unbound/build.sh)" "${DEB_BUILD_OPTIONS:-nocheck}")
  status=0
  if [[ -f $entry/.complete ]]; then
    log "unbound $(cat "$entry/version") is built (cached in $entry)"
  else
    log "building unbound $src_version in the root (log: $DIR/build/unbound-out/build.log, then build/deb/$RELEASE/unbound-build.log)"
    # A subshell, so the cache lock is released when it ends; set -e holds in it.
    set +e
    (set -e; build_unbound "$src_version" "$entry")
    status=$?
    set -e
  fi
  case $status in
    0)
      touch "$entry/.complete" # used now: prune_cache keeps it
      ln -sfn "$entry" "$OUT/$RELEASE/unbound"
      ln -sf "$entry"/*.deb "$OUT/$RELEASE/"
      dnsstop_packages "$entry"
      log "done in $((SECONDS - start))s: $(cd "$OUT/$RELEASE" && ls ./*.deb | sed 's|^\./||' | tr '\n' ' ')" ;;
    "$EXIT_SOURCE_NOT_SERVED")
      skip_release "$src_version"
      compile_without_module
      log "done in $((SECONDS - start))s, without packages (see the SKIPPED line above)" ;;
    *) die "building unbound $src_version failed (log: $OUT/$RELEASE/unbound-build.log)" ;;
  esac
  remove_root "$DIR"
}

main() {
  local start=$SECONDS release
  select_releases "$@"
  trap 'unmount_root "$DIR"' EXIT
  for release in "${RELEASES[@]}"; do
    build_release "$release"
  done
  RELEASE=all
  log "done in $((SECONDS - start))s"
  for release in "${RELEASES[@]}"; do
    if [[ -f $OUT/$release.skipped ]]; then
      echo "    $release: SKIPPED (build/deb/$release.skipped says why)"
    else
      echo "    $release: build/deb/$release/"
    fi
  done
}

main "$@"
