# The Debian releases a packaging script works on (sourced by
# packaging/build-debs.sh, test-install.sh and test-upgrade.sh, from the
# checkout's top directory, after they define die).

# select_releases [RELEASE...]: RELEASES=(RELEASE...), or every release the
# project supports (scripts/setup.sh --releases). They all need root
# (debootstrap, chroot), so that is checked first.
select_releases() {
  [[ $EUID -eq 0 ]] || die "needs root (debootstrap, chroot)"
  if (($# > 0)); then RELEASES=("$@"); else read -ra RELEASES <<<"$(scripts/setup.sh --releases)"; fi
}
