#!/usr/bin/env bash
# dnsstop: build Unbound from Debian's own source package into build/unbound.
# Called by scripts/setup.sh; safe to run on its own once setup.sh has
# installed the Debian packages.
#
# Why rebuild Unbound at all: Debian's binary package is built without the
# dynlib module and exports no symbols, so it cannot load our module. And a
# module must be compiled against the exact configured tree of the binary that
# loads it: Debian's patches and its configure flags (--enable-subnet,
# --with-pythonmodule, ...) change the layout of the structs a module touches.
# So we take the very version of bookworm's `unbound` package, with Debian's
# patches and Debian's configure flags for the daemon, and add only
# --with-dynlibmodule and paths under build/unbound.
#
# Result (the module compiles with -Ibuild/unbound/src/unbound):
#   build/unbound/sbin/unbound     the daemon, plus unbound-control etc.
#   build/unbound/src/unbound      symlink to the configured source tree (config.h)
#   build/unbound/configure-flags  the configure arguments used, one per line
#   build/unbound/build.log        output of the last build
#   build/unbound/.stamp           version + hashes of flags and this script;
#                                  written last, so a failed build has none
set -euo pipefail

# Build with Debian's own tools only: this machine's PATH may put another
# python3 (pyenv) first, which Unbound's python module must not link against.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive

SELF=$(realpath "${BASH_SOURCE[0]}")
DEB_SRC_LIST=/etc/apt/sources.list.d/dnsstop-deb-src
PREFIX= # build/unbound, set in main once we are at the repo root
LOG=

log() { echo "setup: unbound: $*"; }
die() { echo "setup: unbound: error: $*" >&2; exit 1; }

require_root() {
  [[ $EUID -eq 0 ]] || die "$1 needs root; run scripts/setup.sh as root"
}

# run_logged CMD...: run CMD with its output appended to $LOG; on failure
# show the end of the log and stop.
run_logged() {
  if ! "$@" >>"$LOG" 2>&1 </dev/null; then
    tail -n 40 "$LOG" >&2
    die "failed: $* (full output: $LOG)"
  fi
}

# The version apt would install for bookworm's `unbound` binary package.
candidate_version() {
  apt-cache policy unbound 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

unbound_version() {
  local version
  version=$(candidate_version)
  if [[ -z $version ]]; then
    require_root "reading the package lists (apt-get update)"
    apt-get update -qq || die "apt-get update failed"
    version=$(candidate_version)
  fi
  [[ -n $version ]] || die "apt knows no candidate for package unbound"
  echo "$version"
}

deb_src_configured() {
  [[ -n $(apt-get indextargets --no-release-info 'Created-By: Sources' 2>/dev/null) ]]
}

# deb822 stanzas of debian.sources with Types: deb, copied as Types: deb-src.
deb_src_stanzas() {
  awk '
    BEGIN { RS = ""; FS = "\n" }
    {
      binary = 0; fields = ""; keep = 0
      for (i = 1; i <= NF; i++) {
        line = $i
        if (line ~ /^[ \t]/) { if (keep) fields = fields line "\n"; continue }  # continuation
        keep = line ~ /^(URIs|Suites|Components|Signed-By|Enabled):/
        if (keep) fields = fields line "\n"
        if (line ~ /^Types:/ && (" " substr(line, 7) " ") ~ /[ \t]deb[ \t]/) binary = 1
      }
      if (binary) printf "Types: deb-src\n%s\n", fields
    }' /etc/apt/sources.list.d/debian.sources
}

# Makes `apt-get source` possible: mirrors the configured Debian archives
# (deb822 debian.sources, or a classic sources.list) as deb-src entries.
add_deb_src() {
  require_root "adding a deb-src entry to apt's sources"
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    deb_src_stanzas >"$DEB_SRC_LIST.sources"
    [[ -s $DEB_SRC_LIST.sources ]] || rm "$DEB_SRC_LIST.sources"
  fi
  if [[ -f /etc/apt/sources.list ]] && grep -q '^deb ' /etc/apt/sources.list; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >"$DEB_SRC_LIST.list"
  fi
  deb_src_configured || die "found no 'deb' entries in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list to mirror as deb-src"
  log "added deb-src entries: $(ls "$DEB_SRC_LIST".*)"
}

source_index_has() {
  local records
  records=$(apt-cache showsrc unbound 2>/dev/null || true)
  grep -qxF "Version: $1" <<<"$records"
}

ensure_source_index() {
  local src_version=$1
  deb_src_configured || add_deb_src
  if ! source_index_has "$src_version"; then
    require_root "reading the deb-src lists (apt-get update)"
    log "apt-get update (source lists)"
    apt-get update -qq || die "apt-get update failed"
    source_index_has "$src_version" || die "apt has no source package unbound $src_version"
  fi
}

# Downloads and unpacks (with Debian's patches applied) the source into
# $PREFIX/src and points the stable symlink $PREFIX/src/unbound at it.
fetch_source() {
  local src_version=$1
  mkdir -p "$PREFIX/src"
  (cd "$PREFIX/src" && run_logged apt-get source -q -o APT::Sandbox::User=root "unbound=$src_version")
  local trees=("$PREFIX/src"/unbound-*/)
  [[ ${#trees[@]} -eq 1 && -f ${trees[0]}debian/rules ]] \
    || die "apt-get source left no single unpacked tree in $PREFIX/src"
  ln -sfn "$(basename "${trees[0]}")" "$PREFIX/src/unbound"
}

install_build_deps() {
  local tree=$PREFIX/src/unbound
  if (cd "$tree" && dpkg-checkbuilddeps >/dev/null 2>&1); then
    return
  fi
  require_root "installing Unbound's build dependencies"
  log "installing Unbound's build dependencies (apt-get build-dep)"
  run_logged apt-get build-dep -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "$(realpath "$tree")"
}

# Prints Debian's configure arguments for the daemon build, one per line:
# runs debian/rules' own recipe for that build (b/unbound/config.h) with a
# stand-in dh_auto_configure that prints what it was given after "--", then
# the CFLAGS/CPPFLAGS/LDFLAGS that dh_auto_configure would set (from
# dpkg-buildflags, under the DEB_BUILD_MAINT_OPTIONS that debian/rules exports).
debian_configure_args() {
  local tree=$PREFIX/src/unbound shim
  shim=$(mktemp -d)
  cat >"$shim/dh_auto_configure" <<'EOF'
#!/bin/sh
while [ $# -gt 0 ] && [ "$1" != "--" ]; do shift; done
shift
printf '%s\n' "$@"
for var in CFLAGS CPPFLAGS LDFLAGS; do
  printf '%s=%s\n' "$var" "$(dpkg-buildflags --get "$var")"
done
EOF
  chmod +x "$shim/dh_auto_configure"
  (cd "$tree" && PATH="$shim:$PATH" make -s -f debian/rules b/unbound/config.h) \
    || { rm -rf "$shim"; die "could not read the configure flags from $tree/debian/rules"; }
  rm -rf "$shim"
}

# Debian's flags, then ours: later arguments win in an autoconf configure.
configure_args() {
  debian_configure_args
  printf '%s\n' \
    --with-dynlibmodule \
    --prefix="$PREFIX" \
    --sysconfdir="$PREFIX/etc" \
    --localstatedir="$PREFIX/var" \
    --runstatedir="$PREFIX/run" \
    --with-pidfile="$PREFIX/run/unbound.pid" \
    --with-rootkey-file="$PREFIX/etc/unbound/root.key" \
    --with-dnstap-socket-path="$PREFIX/run/dnstap.sock" \
    --disable-dependency-tracking
}

# What the stamp must say for the current build to be reused.
expected_stamp() {
  local version=$1 args=$2
  echo "version=$version"
  echo "configure-flags-sha256=$(sha256sum <<<"$args" | cut -d' ' -f1)"
  echo "build-script-sha256=$(sha256sum "$SELF" | cut -d' ' -f1)"
}

is_cached() {
  local version=$1 args
  [[ -x $PREFIX/sbin/unbound && -f $PREFIX/.stamp && -f $PREFIX/src/unbound/debian/rules ]] || return 1
  args=$(configure_args) || return 1
  [[ $(cat "$PREFIX/.stamp") == "$(expected_stamp "$version" "$args")" ]]
}

compile_and_install() {
  local args=$1 tree=$PREFIX/src/unbound
  local -a argv
  echo "$args" >"$PREFIX/configure-flags"
  mapfile -t argv <<<"$args"
  log "configure"
  # PYTHON_VERSION and PYTHON_SITE_PKG: set by debian/rules for this build
  # too; the site-packages dir is moved under build/unbound.
  (cd "$tree" && run_logged env PYTHON_VERSION="$(py3versions -vd)" \
    PYTHON_SITE_PKG="$PREFIX/lib/python3/dist-packages" ./configure "${argv[@]}")
  log "make -j$(nproc) (a few minutes)"
  (cd "$tree" && run_logged make -j"$(nproc)")
  (cd "$tree" && run_logged make install)
}

# The reasons we build at all: dynlib support and exported symbols.
verify_build() {
  local unbound=$PREFIX/sbin/unbound info exported
  info=$("$unbound" -V)
  grep -q 'Linked modules:.*dynlib' <<<"$info" || die "$unbound -V does not list the dynlib module"
  exported=$(nm -D --defined-only "$unbound" | grep -c ' T ' || true)
  ((exported > 500)) || die "$unbound exports only $exported functions (expected -export-dynamic)"
  log "built: $(head -n 1 <<<"$info"), exports $exported functions"
}

build() {
  local version=$1 src_version=$2 args
  rm -rf "$PREFIX"
  mkdir -p "$PREFIX"
  LOG=$PREFIX/build.log
  log "building Unbound $version from Debian's source package (log: $LOG)"
  ensure_source_index "$src_version"
  fetch_source "$src_version"
  install_build_deps
  args=$(configure_args)
  compile_and_install "$args"
  verify_build
  expected_stamp "$version" "$args" >"$PREFIX/.stamp.tmp"
  mv "$PREFIX/.stamp.tmp" "$PREFIX/.stamp"
}

main() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  PREFIX=$PWD/build/unbound
  local version src_version
  version=$(unbound_version)
  src_version=${version%+b[0-9]*} # a binNMU (+bN) has no source of its own
  if is_cached "$version"; then
    log "Unbound $version is built and up to date (cached in $PREFIX)"
    return
  fi
  build "$version" "$src_version"
}

main "$@"
