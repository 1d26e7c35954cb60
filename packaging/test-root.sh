# What packaging/test-install.sh and packaging/test-upgrade.sh share (sourced
# from the checkout's top directory, with TEST_NAME set to the script's name):
# roots (packaging/roots.sh), the release selection (packaging/releases.sh),
# their log lines, and the test root of a release.
# shellcheck source=packaging/roots.sh
. packaging/roots.sh
. packaging/releases.sh

log() { echo "$TEST_NAME: $RELEASE: $*"; }
die() { echo "$TEST_NAME: $RELEASE: FAILED: $*" >&2; exit 1; }

# The test root: a minimal system with the release's Debian archives, as a fresh
# server would have; the packages under test bring everything else. Both scripts
# use the same cache entry, whose key holds this function's text (root_tarball).
setup_test_root() {
  local dir=$1 release=$2
  write_release_sources "$dir" "$release" deb
  in_root "$dir" apt-get update -q
}

# test_releases [RELEASE...]: the script's test_release RELEASE for each selected
# release (select_releases), once make deb has built or skipped every one of them.
test_releases() {
  local start=$SECONDS release
  select_releases "$@"
  for release in "${RELEASES[@]}"; do
    [[ -f $OUT/$release.skipped ]] \
      || { [[ -f $OUT/$release/unbound/version ]] && ls "$OUT/$release"/dnsstop-tools_*.deb >/dev/null 2>&1; } \
      || die "no packages for $release in build/deb/$release: run make deb"
  done
  for release in "${RELEASES[@]}"; do
    test_release "$release"
  done
  RELEASE=all
  log "passed in $((SECONDS - start))s"
}
