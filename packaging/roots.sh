# dnsstop: clean Debian roots of one release, to build the packages in and to
# test them installed (sourced by packaging/build-debs.sh and
# packaging/test-install.sh, which run as root).
#
# A root is made once per machine with debootstrap from Debian's archive, then
# configured by a setup function of the caller (apt sources, packages), and
# kept as a tarball in the machine-wide cache (scripts/cache.sh):
#   roots/RELEASE-VARIANT-KEY/root.tar       the root, numeric owners
#   roots/RELEASE-VARIANT-KEY/packages.txt   what is installed in it, with versions
#   roots/RELEASE-VARIANT-KEY/*.log          debootstrap's and the setup's output
# KEY hashes every input that decides its content: release, debootstrap
# variant, the setup function's text and arguments (the packages it installs),
# the apt sources it gets and this file. Making one takes a few minutes;
# each use unpacks a fresh copy (seconds) into the clone's build/deb/roots/, so
# no build and no test sees what an earlier one left there.
#
# One caller per unpacked root directory; different directories may be used at
# the same time by different clones.

ROOTS_SELF=$(realpath "${BASH_SOURCE[0]}")
DEBIAN_MIRROR=http://deb.debian.org/debian
# shellcheck source=scripts/cache.sh
. "$(dirname "$ROOTS_SELF")/../scripts/cache.sh"
# shellcheck source=scripts/debian-sources.sh
. "$(dirname "$ROOTS_SELF")/../scripts/debian-sources.sh"

# in_root DIR CMD...: run CMD inside root DIR with a clean environment (this
# machine's variables, a pyenv PATH say, have no business in there).
in_root() {
  local dir=$1
  shift
  chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

# write_release_sources DIR RELEASE TYPES: apt in root DIR uses the archives
# this machine uses, named for RELEASE (scripts/debian-sources.sh), with apt
# types TYPES, instead of debootstrap's single-suite sources.list.
write_release_sources() {
  local dir=$1 release=$2 types=$3 sources
  sources=$(release_sources "$release" "$types")
  [[ -n $sources ]] || { echo "roots: this machine has no 'deb' entry in its apt sources to copy" >&2; return 1; }
  rm -f "$dir/etc/apt/sources.list"
  if [[ -n $(release_sources_deb822_file) ]]; then
    echo "$sources" >"$dir/etc/apt/sources.list.d/debian.sources"
  else
    echo "$sources" >"$dir/etc/apt/sources.list"
  fi
}

# unmount_root DIR: undo enter_root's mount; true if nothing was mounted.
unmount_root() {
  [[ -n $1 && $(realpath -m "$1") != / ]] || return 0 # never this machine's own /proc
  if mountpoint -q "$1/proc"; then umount "$1/proc"; fi
}

# remove_root DIR: delete an unpacked root, never while anything is mounted in
# it (rm -rf would walk into the mount).
remove_root() {
  local dir=$1
  [[ -n $dir && -e $dir ]] || return 0
  [[ $(realpath "$dir") != / ]] || return 1
  unmount_root "$dir"
  if awk -v dir="$(realpath "$dir")/" 'index($2 "/", dir) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
    echo "roots: $dir still has something mounted in it; not removing it" >&2
    return 1
  fi
  rm -rf "$dir"
}

# prepare_root DIR: what a root needs to be used: /proc, this machine's
# resolver, and no daemon may start in it (maintainer scripts would try).
prepare_root() {
  local dir=$1
  mount -t proc proc "$dir/proc"
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
  chmod +x "$dir/usr/sbin/policy-rc.d"
}

# make_root ENTRY RELEASE VARIANT SETUP [ARG...]: debootstrap, SETUP DIR
# RELEASE ARG..., then pack the root into ENTRY/root.tar. Call it as a plain
# statement under set -e (not in an if or || list, where bash ignores
# set -e in SETUP): any failing step stops it.
make_root() {
  local entry=$1 release=$2 variant=$3 setup=$4
  shift 4
  local dir=$entry/root
  rm -rf "$entry"
  mkdir -p "$entry"
  echo "roots: debootstrap --variant=$variant $release into $entry (once per machine: a few minutes)" >&2
  debootstrap --variant="$variant" "$release" "$dir" "$DEBIAN_MIRROR" >"$entry/debootstrap.log" 2>&1
  prepare_root "$dir"
  echo "roots: $setup $release (log: $entry/setup.log)" >&2
  "$setup" "$dir" "$release" "$@" >"$entry/setup.log" 2>&1 </dev/null
  in_root "$dir" apt-get clean
  in_root "$dir" dpkg-query -W >"$entry/packages.txt"
  unmount_root "$dir"
  rm -f "$dir/etc/resolv.conf"
  tar -C "$dir" --numeric-owner -cf "$entry/root.tar" .
  rm -rf "$dir"
}

# make_root_failed ENTRY STATUS: the EXIT trap of make_root's subshell.
make_root_failed() {
  local entry=$1 status=$2 last_log
  unmount_root "$entry/root"
  ((status == 0)) && return
  last_log=$(ls -t "$entry"/*.log 2>/dev/null | head -n 1)
  [[ -n $last_log ]] && tail -n 30 "$last_log" >&2
  echo "roots: making the root in $entry failed (log: ${last_log:-none})" >&2
}

# root_tarball RELEASE VARIANT SETUP [ARG...]: sets ROOT_TARBALL to the cached
# tarball of a RELEASE root made with debootstrap --variant=VARIANT, then
# `SETUP DIR RELEASE ARG...` run with /proc mounted and set -e (SETUP writes
# the apt sources with write_release_sources and installs packages). Makes it
# first if the cache has none with these inputs. ARG... is part of the key:
# pass there whatever SETUP installs that its own text does not name.
root_tarball() {
  local release=$1 variant=$2 setup=$3
  shift 3
  local entry
  entry=$DNSSTOP_CACHE/roots/$release-$variant-$(input_key "$release" "$variant" "$(declare -f "$setup")" \
    "$@" "$(release_sources "$release" "deb deb-src")" "$(sha256sum <"$ROOTS_SELF")")
  if [[ ! -f $entry/.complete ]]; then
    (
      set -e
      lock_cache roots
      prune_cache roots
      if [[ ! -f $entry/.complete ]]; then
        trap 'make_root_failed "$entry" $?' EXIT
        make_root "$entry" "$release" "$variant" "$setup" "$@"
        touch "$entry/.complete"
      fi
    )
  fi
  touch "$entry/.complete" # used now: prune_cache keeps it
  ROOT_TARBALL=$entry/root.tar
}

# enter_root TARBALL DIR: a fresh copy of the root in TARBALL at DIR, ready
# for in_root. Undo with remove_root DIR.
enter_root() {
  local tarball=$1 dir=$2
  remove_root "$dir"
  mkdir -p "$dir"
  tar -C "$dir" --numeric-owner -xf "$tarball"
  prepare_root "$dir"
}
