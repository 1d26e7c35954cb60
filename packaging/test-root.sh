# The test root of a release, for packaging/test-install.sh and
# packaging/test-upgrade.sh (sourced after packaging/roots.sh): a minimal system
# with the release's Debian archives, as a fresh server would have; the packages
# under test bring everything else. Both use the same cache entry, whose key holds
# this function's text (root_tarball).
setup_test_root() {
  local dir=$1 release=$2
  write_release_sources "$dir" "$release" deb
  in_root "$dir" apt-get update -q
}
