#!/usr/bin/env bash
# dnsstop: build Unbound from the source package of one Debian release.
#
#   scripts/build-unbound.sh RELEASE [VARIANT]   (bookworm, trixie; plain, asan, tsan)
#
# VARIANT (default plain) adds a sanitizer to Debian's flags, for `make test
# SANITIZE=address|thread` (the module built with the same sanitizer must run
# inside a binary built with it; a sanitizer runtime cannot be loaded into an
# uninstrumented one): asan is AddressSanitizer + UndefinedBehaviorSanitizer,
# tsan ThreadSanitizer. Everything else (source, patches, Debian's flags) is the
# plain build's.
#
# Called by scripts/setup.sh for every release the project supports; safe to
# run on its own once setup.sh has installed the Debian packages.
#
# Why rebuild Unbound at all: Debian's binary package is built without the
# dynlib module and exports no symbols, so it cannot load our module. And a
# module must be compiled against the exact configured tree of the binary that
# loads it: Debian's patches and its configure flags (--enable-subnet,
# --with-pythonmodule, ...) change the layout of the structs a module touches.
# So we take the newest `unbound` source package of RELEASE (its security
# suite included), with Debian's patches and Debian's configure flags for the
# daemon, and add only --with-dynlibmodule and paths of its own. It is
# compiled with this machine's compiler and libraries: it is the Unbound the
# tests run, not the one packaged for RELEASE (packaging/ builds that in a
# root of RELEASE). The source comes through apt's deb-src entries only
# (added for RELEASE here), so no binary package of another release can ever
# be installed on this machine.
#
# The build is kept in the machine-wide cache (scripts/cache.sh), keyed by
# release, variant, source version, this machine's release and this script, and
# linked into the clone as build/unbound/RELEASE, or RELEASE-VARIANT for a
# sanitizer variant (the module compiles with -Ibuild/unbound/RELEASE/src/unbound):
#   sbin/unbound     the daemon, plus unbound-control etc.
#   src/unbound      symlink to the configured source tree (config.h)
#   configure-flags  the configure arguments used, one per line
#   build.log        output of the build
#   .complete        written last, so a failed build has none
#
# Exit status 3: Debian's mirror lists RELEASE's source but does not serve its
# files (HTTP 404). setup.sh reports that release as unavailable and goes on.
set -euo pipefail

# Build with Debian's own tools only: this machine's PATH may put another
# python3 (pyenv) first, which Unbound's python module must not link against.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive

SELF=$(realpath "${BASH_SOURCE[0]}")
DEB_SRC_LIST=/etc/apt/sources.list.d/dnsstop-deb-src
EXIT_SOURCE_NOT_SERVED=3
RELEASE=
VARIANT=plain
SUFFIX= # "" for plain, "-asan" or "-tsan": names the link and the cache entry
PREFIX= # the cache entry, set in main
LOG=
# shellcheck source=scripts/cache.sh
. "$(dirname "$SELF")/cache.sh"
# shellcheck source=scripts/debian-sources.sh
. "$(dirname "$SELF")/debian-sources.sh"

log() { echo "setup: unbound $RELEASE$SUFFIX: $*"; }
die() { echo "setup: unbound $RELEASE$SUFFIX: error: $*" >&2; exit 1; }

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

# The newest source version of `unbound` in RELEASE's suites (RELEASE,
# RELEASE-updates, RELEASE-security), from apt's source lists.
newest_source_version() {
  apt-cache madison unbound 2>/dev/null | awk -F' *[|] *' -v release="$RELEASE" '
    $3 ~ / Sources$/ {
      split($3, where, " "); split(where[2], suite, "/")
      if (suite[1] == release || suite[1] == release "-updates" || suite[1] == release "-security") print $2
    }' | sort -V | tail -n 1
}

source_version() {
  local version
  version=$(newest_source_version)
  if [[ -z $version ]]; then
    require_root "reading the source lists (apt-get update)"
    log "apt-get update (source lists)"
    apt-get update -qq || die "apt-get update failed"
    version=$(newest_source_version)
  fi
  [[ -n $version ]] || die "apt knows no unbound source package in $RELEASE's suites"
  echo "$version"
}

# Makes `apt-get source` possible for RELEASE: mirrors the configured Debian
# archives (deb822 debian.sources, or a classic sources.list) as deb-src
# entries of RELEASE, in a file of their own. Source entries only: apt can
# never install a binary package from them.
ensure_deb_src() {
  local file=$DEB_SRC_LIST-$RELEASE.list wanted
  [[ -f /etc/apt/sources.list.d/debian.sources ]] && file=$DEB_SRC_LIST-$RELEASE.sources
  wanted=$(release_sources "$RELEASE" deb-src)
  # Earlier versions of this script kept the host's entries in one file.
  [[ -f $DEB_SRC_LIST.sources || -f $DEB_SRC_LIST.list ]] && rm -f "$DEB_SRC_LIST.sources" "$DEB_SRC_LIST.list"
  [[ -n $wanted ]] || die "found no 'deb' entries in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list to mirror as deb-src"
  [[ -f $file ]] && cmp -s <(echo "$wanted") "$file" && return
  require_root "adding deb-src entries for $RELEASE to apt's sources"
  echo "$wanted" >"$file"
  log "deb-src entries for $RELEASE are in $file; apt-get update"
  apt-get update -qq || die "apt-get update failed"
}

# Downloads and unpacks (with Debian's patches applied) the source into
# $PREFIX/src and points the stable symlink $PREFIX/src/unbound at it. Exits
# with EXIT_SOURCE_NOT_SERVED when the mirror answers 404 for its files.
fetch_source() {
  local src_version=$1
  mkdir -p "$PREFIX/src"
  if ! (cd "$PREFIX/src" && apt-get source -q -o APT::Sandbox::User=root "unbound=$src_version" \
    >>"$LOG" 2>&1 </dev/null); then
    if grep -q '404 *Not Found' "$LOG"; then
      log "UNAVAILABLE: apt's source lists name unbound $src_version, but Debian's mirror does not serve its files:"
      grep 'Failed to fetch.*404' "$LOG" | sed 's/^/    /' >&2
      rm -rf "$PREFIX"
      exit "$EXIT_SOURCE_NOT_SERVED"
    fi
    tail -n 40 "$LOG" >&2
    die "apt-get source unbound=$src_version failed (full output: $LOG)"
  fi
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

# The sanitizer of VARIANT, as compiler and linker flags. -O2 and the rest of
# Debian's flags stay: the instrumented binary is the tested one, recompiled.
# UBSan reports and goes on (the test harness fails a test on any report file),
# so one report in Unbound's own code does not hide the next.
sanitizer_flags() {
  case $VARIANT in
    plain) ;;
    asan) echo "-fsanitize=address,undefined -fno-omit-frame-pointer" ;;
    tsan) echo "-fsanitize=thread -fno-omit-frame-pointer" ;;
  esac
}

# Debian's flags, then ours: later arguments win in an autoconf configure.
configure_args() {
  local sanitize
  sanitize=$(sanitizer_flags)
  debian_configure_args | if [[ -n $sanitize ]]; then
    sed -e "s/^\(CFLAGS\|LDFLAGS\)=.*/& $sanitize/"
  else
    cat
  fi
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

compile_and_install() {
  local args=$1 tree=$PREFIX/src/unbound
  local -a argv
  echo "$args" >"$PREFIX/configure-flags"
  mapfile -t argv <<<"$args"
  log "configure"
  # PYTHON_VERSION and PYTHON_SITE_PKG: set by debian/rules for this build
  # too; the site-packages dir is moved into the build's own prefix.
  # configure's test programs run instrumented: a leak report at their exit
  # would read as a failed check.
  (cd "$tree" && run_logged env ASAN_OPTIONS=detect_leaks=0 PYTHON_VERSION="$(py3versions -vd)" \
    PYTHON_SITE_PKG="$PREFIX/lib/python3/dist-packages" ./configure "${argv[@]}")
  log "make -j$(nproc) (a few minutes)"
  (cd "$tree" && run_logged env ASAN_OPTIONS=detect_leaks=0 make -j"$(nproc)")
  (cd "$tree" && run_logged make install)
}

# The reasons we build at all: dynlib support and exported symbols.
verify_build() {
  local unbound=$PREFIX/sbin/unbound info exported
  info=$("$unbound" -V)
  grep -q 'Linked modules:.*dynlib' <<<"$info" || die "$unbound -V does not list the dynlib module"
  exported=$(nm -D --defined-only "$unbound" | grep -c ' T ' || true)
  ((exported > 500)) || die "$unbound exports only $exported functions (expected -export-dynamic)"
  local undefined
  undefined=$(nm -D --undefined-only "$unbound")
  case $VARIANT in
    asan) grep -q ' __asan_init$' <<<"$undefined" || die "$unbound is not built with AddressSanitizer" ;;
    tsan) grep -q ' __tsan_init$' <<<"$undefined" || die "$unbound is not built with ThreadSanitizer" ;;
  esac
  log "built: $(head -n 1 <<<"$info"), exports $exported functions"
}

build() {
  local src_version=$1 args
  rm -rf "$PREFIX"
  mkdir -p "$PREFIX"
  LOG=$PREFIX/build.log
  log "building Unbound $src_version from Debian's source package into $PREFIX (log: $LOG)"
  fetch_source "$src_version"
  install_build_deps
  args=$(configure_args)
  compile_and_install "$args"
  verify_build
  touch "$PREFIX/.complete"
}

main() {
  RELEASE=${1:?usage: scripts/build-unbound.sh RELEASE [plain|asan|tsan] (RELEASE: a Debian code name: bookworm, trixie)}
  VARIANT=${2:-plain}
  [[ $VARIANT =~ ^(plain|asan|tsan)$ ]] || die "unknown variant '$VARIANT' (plain, asan or tsan)"
  cd "$(dirname "$SELF")/.."
  [[ $VARIANT == plain ]] || SUFFIX=-$VARIANT
  local link=$PWD/build/unbound/$RELEASE$SUFFIX src_version
  ensure_deb_src
  src_version=$(source_version)
  PREFIX=$DNSSTOP_CACHE/unbound/$RELEASE$SUFFIX-$src_version-$(input_key "$src_version" "$(host_release)" "$(sha256sum <"$SELF")" "$VARIANT")
  if [[ ! -f $PREFIX/.complete ]]; then
    lock_cache unbound
    prune_cache unbound
    [[ -f $PREFIX/.complete ]] || build "$src_version"
  fi
  link_result "$link" "$PREFIX"
  log "Unbound $src_version is built: $link -> $PREFIX"
}

main "$@"
