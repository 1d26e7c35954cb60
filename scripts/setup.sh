#!/usr/bin/env bash
# dnsstop: install everything the project needs on a Debian bookworm machine.
# Run by `make deps` (and so by build/test/run). Idempotent: once done, a run
# takes a few seconds and runs no apt-get at all.
#
#   1. the Debian packages listed in PACKAGES below;
#   2. Unbound, rebuilt with module support from the source package of each
#      Debian release in UNBOUND_RELEASES (scripts/build-unbound.sh explains
#      why), cached machine-wide and linked as build/unbound/RELEASE; with
#      `--sanitize address|thread` (make SANITIZE=...) also built with that
#      sanitizer, as build/unbound/RELEASE-asan or RELEASE-tsan.
#
# Needs root only when something has to be installed.
# `scripts/setup.sh --releases` only prints UNBOUND_RELEASES (for packaging/).
# `scripts/setup.sh --sanitize address|thread` builds the sanitizer's Unbound too.
set -euo pipefail

# Debian packages the project needs. Add new ones here, to the group they belong to.
PACKAGES=(
  # toolchain
  build-essential g++ cmake ninja-build pkg-config git ca-certificates clang libclang-rt-14-dev
  # libraries the code links against
  libidn2-dev libxxhash-dev libyaml-cpp-dev libssl-dev libcurl4-openssl-dev libldns-dev
  # the module's cache purge runs in Unbound's libevent loops
  libevent-dev
  # header-only: the programs' command lines (CLI11), check.json in `dnsstop check` (nlohmann-json)
  libcli11-dev nlohmann-json3-dev
  # minisign's secret-key format: scrypt and BLAKE2b-256 (core/minisign.h)
  libsodium-dev
  # the stop-page server: HTTP(S) with libmicrohttpd, which uses GnuTLS
  libmicrohttpd-dev libgnutls28-dev
  # guard rails of list updates: the Public Suffix List Debian ships, read through libpsl
  libpsl-dev publicsuffix
  # test and benchmark frameworks
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  # DNS tools used by tests and benchmarks (dnsutils: dig; knot-dnsutils: kdig; nsd: authoritative server)
  ldnsutils dnsutils knot-dnsutils nsd dnsperf
  # stop-page tests and benchmark: a headless browser, an HTTP load generator
  chromium wrk
  # blocklist signing and serving
  openssl curl minisign nginx-light
  # Debian's version order (dpkg's) for the Unbound update decisions of `dnsstop unbound-update`
  # (core/unbound_updates/; never linked into the module)
  libapt-pkg-dev
  # fetching and building Unbound from Debian's source package
  dpkg-dev
  # Debian packages (make deb builds them in roots of each release, with that
  # release's tools) and the install test (systemd: systemd-analyze)
  debootstrap systemd
  # the signed local APT repository that dnsstop-rebuild publishes into, and its
  # throwaway signing key in the upgrade tests (packaging/test-upgrade.sh)
  reprepro gnupg
  # process and network tools used by scripts and tests
  procps iproute2 python3
  # the Python tests' DNS messages (harness.query) and the YAML of their configurations
  python3-dnspython python3-yaml
  # the alert rules' tests (promtool) and the monitoring test's Prometheus and node_exporter;
  # installed with their services kept off (keep_services_off)
  prometheus prometheus-node-exporter
  # the stock resolvers that load dnsstop-sync's RPZ output (tests/integration/rpz_test.py,
  # tests/bench/rpz_bench.py): Debian's Unbound, BIND 9, PowerDNS Recursor, Knot Resolver;
  # installed with their services kept off (keep_services_off)
  unbound bind9 bind9-utils pdns-recursor knot-resolver
  # Knot Resolver watches its RPZ file with lua-cqueues (a Recommends, which setup does not install)
  lua-cqueues
)

# The Debian releases whose Unbound the module is built for and tested in.
UNBOUND_RELEASES=(bookworm trixie)

log() { echo "setup: $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }

# shellcheck source=scripts/run-logged.sh
. "$(dirname "${BASH_SOURCE[0]}")/run-logged.sh"

require_root() {
  [[ $EUID -eq 0 ]] || die "$1 needs root; run this script as root (e.g. sudo $0)"
}

# Prints the packages of PACKAGES that are not fully installed.
missing_packages() {
  local installed
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null \
    | awk '$2 == "ii" { print $1 }' || true)
  local pkg
  for pkg in "${PACKAGES[@]}"; do
    grep -qxF "$pkg" <<<"$installed" || echo "$pkg"
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    log "Debian packages: all ${#PACKAGES[@]} installed"
    return
  fi
  require_root "installing ${missing[*]}"
  local logfile=build/apt.log
  log "installing ${#missing[@]} Debian packages (log: $logfile): ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  run_logged "$logfile" apt-get update -q
  forbid_service_starts
  run_logged "$logfile" apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 \
    "${missing[@]}"
  allow_service_starts
  keep_services_off
}

# Packages installed here for the tests (prometheus on port 9090 and node_exporter on 9100,
# both on every address) would start their services; the tests start their own on
# loopback. A policy-rc.d that forbids starts is put in place for the install, unless the
# machine has one already (then it is the machine's and stays).
POLICY_RC_D=/usr/sbin/policy-rc.d
forbid_service_starts() {
  [[ -e $POLICY_RC_D ]] && return
  printf '#!/bin/sh\n# dnsstop setup.sh: no service starts while it installs packages\nexit 101\n' >"$POLICY_RC_D"
  chmod 755 "$POLICY_RC_D"
  trap allow_service_starts EXIT
}
allow_service_starts() {
  if grep -qs '^# dnsstop setup.sh:' "$POLICY_RC_D"; then rm -f "$POLICY_RC_D"; fi
  trap - EXIT
}

# ...and they are disabled for the next boot (their packages enable them), and stopped
# should one run all the same.
TEST_ONLY_SERVICES=(prometheus.service prometheus-node-exporter.service
  unbound.service unbound-resolvconf.service named.service named-resolvconf.service
  pdns-recursor.service kresd.target kresd@1.service kres-cache-gc.service)
keep_services_off() {
  command -v systemctl >/dev/null || return 0
  local service
  for service in "${TEST_ONLY_SERVICES[@]}"; do
    if systemctl is-enabled --quiet "$service" 2>/dev/null; then
      log "disabling $service (installed for the tests only)"
      systemctl disable --quiet "$service" 2>/dev/null || true
    fi
    if systemctl is-active --quiet "$service" 2>/dev/null; then
      log "stopping $service (installed for the tests only)"
      systemctl stop "$service" || true
    fi
  done
}

# One run at a time: parallel `make` invocations would race on apt and on
# build/unbound.
take_lock() {
  mkdir -p build
  exec 9>build/.setup.lock
  if ! flock -n 9; then
    log "waiting for another setup.sh run to finish"
    flock 9
  fi
}

# Builds each release's Unbound. A release whose source Debian's mirror lists
# but does not serve is left out, loudly: build/unbound/RELEASE.unavailable
# says why, and CMake and CTest report that release's module and tests as not
# built (tests/CMakeLists.txt).
# VARIANT (plain, asan, tsan) names build/unbound/RELEASE[-VARIANT].
build_unbounds() {
  local variant=$1 release name status
  for release in "${UNBOUND_RELEASES[@]}"; do
    name=$release
    [[ $variant == plain ]] || name=$release-$variant
    rm -f "build/unbound/$name.unavailable"
    status=0
    scripts/build-unbound.sh "$release" "$variant" 2>"build/unbound-$name.err" || status=$?
    cat "build/unbound-$name.err" >&2
    case $status in
      0) ;;
      3)
        rm -f "build/unbound/$name"
        { echo "Debian's mirror does not serve the source of $release's unbound package:"; cat "build/unbound-$name.err"; } \
          >"build/unbound/$name.unavailable"
        log "WARNING: no Unbound for $name: its module is not built and its tests do not run" ;;
      *) die "building $name's Unbound failed" ;;
    esac
    rm -f "build/unbound-$name.err"
  done
}

main() {
  if [[ ${1:-} == --releases ]]; then
    echo "${UNBOUND_RELEASES[*]}"
    return
  fi
  local sanitize=
  if [[ ${1:-} == --sanitize ]]; then
    case ${2:-} in
      address) sanitize=asan ;;
      thread) sanitize=tsan ;;
      *) die "--sanitize takes address or thread, not '${2:-}'" ;;
    esac
  fi
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  local start=$SECONDS
  take_lock
  install_packages
  build_unbounds plain
  [[ -z $sanitize ]] || build_unbounds "$sanitize"
  log "done in $((SECONDS - start))s"
}

main "$@"
