#!/usr/bin/env bash
# dnsstop: install the packages of build/deb/ into a clean Debian bookworm root
# and check that they work (`make test-packages`; run `make deb` first).
#
# The root is made with debootstrap (variant minbase) from Debian's archive and
# entered with chroot: systemd does not run, so this tests what the packages
# and their maintainer scripts do, and that the packaged Unbound loads the
# module and blocks, not the service manager. Checks:
#   - apt installs the packages, pulling every dependency from Debian;
#   - the files land, postinst created user dnsstop, its directories and
#     permissions, put unbound into group dnsstop and hooked the AppArmor rule;
#   - the shipped example configuration passes `dnsstop config check` (and
#     `dnsstop-sync --check-config`;
#   - `systemd-analyze verify` passes on every installed unit;
#   - the packaged Unbound, with the packaged module and the shipped
#     configuration, answers a listed name with the stop page and resolves an
#     unlisted one (from an Unbound auth-zone, through the module);
#   - removing the module unloads it; purging the tools removes the state.
#
# Caches in build/deb/ make later runs quick and nearly offline:
#   bookworm-minbase.tar  the debootstrapped root (delete it to start afresh)
#   apt-cache/            the Debian packages apt downloaded into the root
set -euo pipefail

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive
log() { echo "test-install: $*"; }
die() { echo "test-install: FAILED: $*" >&2; exit 1; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=$PWD/build/deb
ROOT=$OUT/root
BASE=$OUT/bookworm-minbase.tar
APT_CACHE=$OUT/apt-cache
PORT=$((20000 + $$ % 10000)) # not 53: other servers may run on this machine
MIRROR=http://deb.debian.org/debian
UNBOUND_PID=

[[ $EUID -eq 0 ]] || die "needs root (debootstrap, chroot)"
ls "$OUT"/dnsstop-tools_*.deb "$OUT"/unbound_*.deb >/dev/null 2>&1 || die "no packages in $OUT: run make deb"

in_root() { chroot "$ROOT" "$@"; }

cleanup() {
  [[ -n $UNBOUND_PID ]] && kill "$UNBOUND_PID" 2>/dev/null && wait "$UNBOUND_PID" 2>/dev/null
  mountpoint -q "$ROOT/proc" && umount "$ROOT/proc"
  return 0
}
trap cleanup EXIT

make_root() {
  # Never rm -rf a tree that still has /proc mounted in it.
  if mountpoint -q "$ROOT/proc"; then umount "$ROOT/proc"; fi
  rm -rf "$ROOT"
  if [[ ! -f $BASE ]]; then
    log "debootstrap bookworm (minbase) into $BASE (once; a few minutes)"
    debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >"$OUT/debootstrap.log" 2>&1 \
      || die "debootstrap failed (log: $OUT/debootstrap.log)"
    tar -C "$ROOT" -cf "$BASE.tmp" . && mv "$BASE.tmp" "$BASE"
  else
    mkdir -p "$ROOT"
    tar -C "$ROOT" -xf "$BASE"
  fi
  mount -t proc proc "$ROOT/proc"
  # The same archives as this machine (bookworm, -updates, -security), instead
  # of debootstrap's bookworm-only sources.list.
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    rm -f "$ROOT/etc/apt/sources.list"
    cp /etc/apt/sources.list.d/debian.sources "$ROOT/etc/apt/sources.list.d/"
  else
    cp /etc/apt/sources.list "$ROOT/etc/apt/sources.list"
  fi
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  # No daemon may start inside the chroot (Unbound's postinst would try).
  printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
  chmod +x "$ROOT/usr/sbin/policy-rc.d"
}

install_packages() {
  local debs=()
  mkdir -p "$ROOT/tmp/debs" "$APT_CACHE"
  # Our packages, without debug symbols, and the rebuilt unbound.
  cp "$OUT"/unbound_*.deb "$ROOT/tmp/debs/"
  for deb in "$OUT"/dnsstop-*.deb; do
    [[ $deb == *-dbgsym_* ]] || cp "$deb" "$ROOT/tmp/debs/"
  done
  for deb in "$ROOT"/tmp/debs/*.deb; do debs+=("/tmp/debs/$(basename "$deb")"); done
  cp "$APT_CACHE"/*.deb "$ROOT/var/cache/apt/archives/" 2>/dev/null || true
  log "apt-get install ${debs[*]##*/} (log: $OUT/test-install.log)"
  {
    in_root apt-get update -q
    # systemd: only for systemd-analyze's view of the units (it does not run);
    # procps: /bin/kill, which Debian's unbound.service uses but does not depend on.
    in_root apt-get install -y -q --no-install-recommends systemd procps "${debs[@]}"
  } >"$OUT/test-install.log" 2>&1 || { tail -n 30 "$OUT/test-install.log" >&2; die "apt-get install"; }
  cp "$ROOT"/var/cache/apt/archives/*.deb "$APT_CACHE/" 2>/dev/null || true
}

# expect DESCRIPTION COMMAND...: run COMMAND, fail the test with DESCRIPTION if it fails.
expect() {
  local what=$1
  shift
  "$@" >/dev/null 2>&1 || die "$what"
  log "ok: $what"
}

check_files() {
  local file
  for file in /usr/bin/dnsstop /usr/lib/dnsstop/libdnsstop-unbound.so \
    /etc/dnsstop/dnsstop.yaml /etc/unbound/unbound.conf.d/dnsstop.conf \
    /lib/systemd/system/unbound.service.d/dnsstop.conf \
    /etc/apparmor.d/abstractions/dnsstop-module \
    /usr/share/man/man1/dnsstop.1.gz /usr/share/man/man5/dnsstop.yaml.5.gz \
    /usr/share/dnsstop/prometheus/dnsstop.rules.yml /usr/share/dnsstop/grafana/dnsstop.grafana.json; do
    in_root test -e "$file" || die "missing $file" # in the root: absolute symlinks
  done
  log "ok: files in place"
  # The root has no Prometheus; this machine's promtool reads the installed rules.
  expect "the installed Prometheus rules load" promtool check rules "$ROOT/usr/share/dnsstop/prometheus/dnsstop.rules.yml"
  expect "user dnsstop exists" in_root getent passwd dnsstop
  expect "unbound is in group dnsstop" bash -c "chroot '$ROOT' id -nG unbound | grep -qw dnsstop"
  # stat inside the root: its user names are not this machine's.
  local mode
  mode=$(in_root stat -c '%U:%G %a' /var/lib/dnsstop)
  [[ $mode == "dnsstop:dnsstop 750" ]] || die "/var/lib/dnsstop is $mode, want dnsstop:dnsstop 750"
  mode=$(in_root stat -c '%U:%G %a' /etc/dnsstop/dnsstop.yaml)
  [[ $mode == "root:dnsstop 640" ]] || die "/etc/dnsstop/dnsstop.yaml is $mode, want root:dnsstop 640"
  log "ok: /var/lib/dnsstop and the configuration have their owners and modes"
  expect "AppArmor local rule includes the module's abstraction" \
    grep -qx 'include if exists <abstractions/dnsstop-module>' "$ROOT/etc/apparmor.d/local/usr.sbin.unbound"
  expect "packaged unbound lists the dynlib module" \
    bash -c "chroot '$ROOT' unbound -V | grep -q 'Linked modules:.*dynlib'"
}

check_config() {
  expect "dnsstop config check accepts the shipped example" \
    in_root dnsstop config check /etc/dnsstop/dnsstop.yaml
  expect "dnsstop-sync --check-config accepts the shipped example" \
    in_root dnsstop-sync --check-config --config /etc/dnsstop/dnsstop.yaml
}

check_units() {
  local unit
  for unit in dnsstop-sync.service dnsstop-stoppage.service unbound.service; do
    if [[ ! -f $ROOT/lib/systemd/system/$unit ]]; then
      log "SKIPPED: systemd-analyze verify $unit (not installed)"
      continue
    fi
    # --man=no: lintian checks the manual pages, and man-db is not in the root.
    # verify exits 0 on unknown keys and bad values, only printing them: any
    # output fails the test. For unbound.service this includes our drop-in.
    systemd-analyze verify --root="$ROOT" --man=no "$unit" >"$OUT/verify-$unit.log" 2>&1 \
      && [[ ! -s $OUT/verify-$unit.log ]] \
      || { cat "$OUT/verify-$unit.log" >&2; die "systemd-analyze verify $unit"; }
    log "ok: systemd-analyze verify $unit"
    [[ $unit == unbound.service ]] \
      || log "    $(systemd-analyze security --offline=yes --root="$ROOT" "$unit" 2>&1 | grep 'Overall exposure')"
  done
  expect "the unbound.service drop-in sets DNSSTOP_CONFIG" \
    grep -qx 'Environment=DNSSTOP_CONFIG=/etc/dnsstop/dnsstop.yaml' \
    "$ROOT/lib/systemd/system/unbound.service.d/dnsstop.conf"
}

# The shipped configuration as is: its list files, compiled as user dnsstop.
compile_snapshot() {
  echo "listed.test" >"$ROOT/var/lib/dnsstop/lists/police.txt"
  : >"$ROOT/etc/dnsstop/lists/operator.txt"
  : >"$ROOT/etc/dnsstop/lists/exceptions.txt"
  in_root chown dnsstop:dnsstop /var/lib/dnsstop/lists/police.txt
  expect "dnsstop compile --config (as user dnsstop) writes the snapshot" \
    in_root setpriv --reuid=dnsstop --regid=dnsstop --init-groups \
    dnsstop compile --config /etc/dnsstop/dnsstop.yaml
}

# Unbound as packaged, loading the module through the shipped snippet. Names
# under test. come from an auth-zone that the iterator uses (for-upstream), so
# they take the normal resolving path through the module; listed.test is in
# the zone too, so only the module can make its answer the stop page.
start_unbound() {
  mkdir -p "$ROOT/etc/dnsstop-test"
  cat >"$ROOT/etc/dnsstop-test/test.zone" <<ZONE
test. 3600 IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300
test. 3600 IN NS ns.test.
ns.test. 3600 IN A 127.0.0.1
listed.test. 300 IN A 192.0.2.66
www.unlisted.test. 300 IN A 192.0.2.1
ZONE
  cat >"$ROOT/etc/dnsstop-test/unbound.conf" <<CONF
server:
    interface: 127.0.0.1
    port: $PORT
    do-daemonize: no
    use-syslog: no
    logfile: ""
    verbosity: 1
    chroot: ""
    username: "unbound"
    directory: "/etc/unbound"
    pidfile: ""
    do-not-query-localhost: no
    # test. is one of Unbound's built-in local zones (RFC 6761), answered
    # before any module runs: switch that off so the names reach the module.
    local-zone: "test." nodefault
include: "/etc/unbound/unbound.conf.d/dnsstop.conf"
auth-zone:
    name: "test."
    zonefile: "/etc/dnsstop-test/test.zone"
    for-downstream: no
    for-upstream: yes
CONF
  chroot "$ROOT" env DNSSTOP_CONFIG=/etc/dnsstop/dnsstop.yaml \
    unbound -d -c /etc/dnsstop-test/unbound.conf >"$OUT/test-unbound.log" 2>&1 &
  UNBOUND_PID=$!
  local tries
  for tries in $(seq 50); do
    dig +time=1 +tries=1 @127.0.0.1 -p "$PORT" ns.test A >/dev/null 2>&1 && break
    kill -0 "$UNBOUND_PID" 2>/dev/null || { cat "$OUT/test-unbound.log" >&2; die "unbound exited"; }
    sleep 0.2
  done
  grep -q 'dnsstop: module started' "$OUT/test-unbound.log" \
    || { cat "$OUT/test-unbound.log" >&2; die "the module did not start in the packaged unbound"; }
  log "ok: the packaged unbound started with the module (port $PORT)"
}

# answer NAME: the A records Unbound gives for NAME.
answer() { dig +short +time=2 +tries=2 @127.0.0.1 -p "$PORT" "$1" A; }

check_resolving() {
  local got
  got=$(answer listed.test)
  [[ $got == 192.0.2.80 ]] || die "listed.test answered '$got', want the stop page 192.0.2.80"
  log "ok: listed.test -> 192.0.2.80 (the stop page)"
  got=$(answer www.unlisted.test)
  [[ $got == 192.0.2.1 ]] || die "www.unlisted.test answered '$got', want 192.0.2.1"
  log "ok: www.unlisted.test -> 192.0.2.1 (resolved)"
}

# Removing the module must unload it (the snippet is a symlink, not a
# conffile) and undo the AppArmor include; purging the tools removes the state.
check_removal() {
  kill "$UNBOUND_PID" && wait "$UNBOUND_PID" || true
  UNBOUND_PID=
  in_root apt-get remove -y -q dnsstop-unbound-module >>"$OUT/test-install.log" 2>&1 || die "apt-get remove dnsstop-unbound-module"
  in_root test ! -e /etc/unbound/unbound.conf.d/dnsstop.conf || die "the Unbound snippet survived removal"
  ! grep -q dnsstop "$ROOT/etc/apparmor.d/local/usr.sbin.unbound" || die "the AppArmor include survived removal"
  in_root apt-get purge -y -q dnsstop-tools >>"$OUT/test-install.log" 2>&1 || die "apt-get purge dnsstop-tools"
  in_root test ! -e /var/lib/dnsstop || die "/var/lib/dnsstop survived purge"
  log "ok: remove and purge undo what the packages did"
}

main() {
  local start=$SECONDS
  make_root
  install_packages
  check_files
  check_config
  check_units
  compile_snapshot
  start_unbound
  check_resolving
  check_removal
  log "passed in $((SECONDS - start))s"
}

main "$@"
