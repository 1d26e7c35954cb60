#!/usr/bin/env bash
# dnsstop: install each Debian release's packages (build/deb/RELEASE/) into a
# clean root of that same release and check that they work (`make
# test-packages`; run `make deb` first).
#
#   packaging/test-install.sh [RELEASE...]   (default: scripts/setup.sh --releases)
#
# DNSSTOP_DEB_OUT: where `make deb` left the packages, instead of build/deb
# (dnsstop-rebuild's). Only the releases named are tested, and refused in
# each other.
#
# Each root is made with debootstrap (variant minbase) from Debian's archive,
# kept machine-wide and unpacked afresh for every run (packaging/roots.sh),
# and entered with chroot: systemd does not run, so this tests what the
# packages and their maintainer scripts do, and that the packaged Unbound loads
# the module and blocks, not the service manager. Checks, per release:
#   - apt installs the packages, pulling every dependency from Debian;
#   - the files land, postinst created user dnsstop, its directories and
#     permissions, put unbound into group dnsstop and hooked the AppArmor rule;
#   - the shipped example configuration passes `dnsstop config check` (and
#     `dnsstop-sync --check-config`;
#   - `systemd-analyze verify` passes on every installed unit;
#   - the packaged Unbound, with the packaged module and the shipped
#     configuration, answers a listed name with the stop page and resolves an
#     unlisted one (from an Unbound auth-zone, through the module);
#   - every other release's module package refuses to install: it depends on
#     exactly its own release's rebuilt unbound, which this root has not (it
#     has this release's rebuilt one, or Debian's);
#   - dnsstop-build-host installs, and its dnsstop-rebuild reads the shipped
#     configuration (and refuses it: the signing key is the operator's to set);
#   - removing the module unloads it, and Unbound's start check
#     (dnsstop-unbound-check) then refuses to start it unfiltered until the
#     module is purged; purging the tools removes the state.
# A release that `make deb` skipped (build/deb/RELEASE.skipped) gets a
# "SKIPPED:" line saying why; its root is still made, and the other
# releases' module packages are still refused in it.
set -euo pipefail

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=${DNSSTOP_DEB_OUT:-$PWD/build/deb}
PORT=$((20000 + $$ % 10000)) # not 53: other servers may run on this machine
RELEASE= # the release under test
ROOT=    # its unpacked root
LOGS=    # where its logs go: build/deb/RELEASE
UNBOUND_PID=
TEST_NAME=test-install
. packaging/test-root.sh

cleanup() {
  [[ -n $UNBOUND_PID ]] && kill "$UNBOUND_PID" 2>/dev/null && wait "$UNBOUND_PID" 2>/dev/null
  unmount_root "$ROOT"
  return 0
}
trap cleanup EXIT

install_packages() {
  local debs=() deb
  mkdir -p "$ROOT/tmp/debs"
  # Our packages, without debug symbols, and the rebuilt unbound.
  for deb in "$OUT/$RELEASE"/unbound_*.deb "$OUT/$RELEASE"/dnsstop-*.deb; do
    [[ $deb == *-dbgsym_* ]] && continue
    cp "$deb" "$ROOT/tmp/debs/"
    debs+=("/tmp/debs/$(basename "$deb")")
  done
  log "apt-get install ${debs[*]##*/} (log: $LOGS/test-install.log)"
  {
    in_root "$ROOT" apt-get update -q
    # systemd: only for systemd-analyze's view of the units (it does not run);
    # procps: /bin/kill, which Debian's unbound.service uses but does not depend on.
    in_root "$ROOT" apt-get install -y -q --no-install-recommends systemd procps "${debs[@]}"
  } >"$LOGS/test-install.log" 2>&1 || { tail -n 30 "$LOGS/test-install.log" >&2; die "apt-get install"; }
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
    /lib/systemd/system/unbound.service.d/dnsstop-start-check.conf \
    /usr/sbin/dnsstop-unbound-check /var/lib/dnsstop/unbound-module-required \
    /usr/sbin/dnsstop-rebuild /usr/share/dnsstop-build-host/dnsstop-src.tar.xz \
    /etc/apparmor.d/abstractions/dnsstop-module \
    /usr/share/man/man1/dnsstop.1.gz /usr/share/man/man5/dnsstop.yaml.5.gz \
    /usr/share/dnsstop/prometheus/dnsstop.rules.yml /usr/share/dnsstop/grafana/dnsstop.grafana.json; do
    in_root "$ROOT" test -e "$file" || die "missing $file" # in the root: absolute symlinks
  done
  log "ok: files in place"
  # The root has no Prometheus; this machine's promtool reads the installed rules
  # (a build host without Prometheus says so).
  if command -v promtool >/dev/null; then
    expect "the installed Prometheus rules load" promtool check rules "$ROOT/usr/share/dnsstop/prometheus/dnsstop.rules.yml"
  else
    log "SKIPPED: checking the installed Prometheus rules: this machine has no promtool (package prometheus)"
  fi
  expect "user dnsstop exists" in_root "$ROOT" getent passwd dnsstop
  expect "unbound is in group dnsstop" bash -c "chroot '$ROOT' id -nG unbound | grep -qw dnsstop"
  # stat inside the root: its user names are not this machine's.
  local mode
  mode=$(in_root "$ROOT" stat -c '%U:%G %a' /var/lib/dnsstop)
  [[ $mode == "dnsstop:dnsstop 750" ]] || die "/var/lib/dnsstop is $mode, want dnsstop:dnsstop 750"
  mode=$(in_root "$ROOT" stat -c '%U:%G %a' /etc/dnsstop/dnsstop.yaml)
  [[ $mode == "root:dnsstop 640" ]] || die "/etc/dnsstop/dnsstop.yaml is $mode, want root:dnsstop 640"
  log "ok: /var/lib/dnsstop and the configuration have their owners and modes"
  expect "AppArmor local rule includes the module's abstraction" \
    grep -qx 'include if exists <abstractions/dnsstop-module>' "$ROOT/etc/apparmor.d/local/usr.sbin.unbound"
  expect "packaged unbound lists the dynlib module" \
    bash -c "chroot '$ROOT' unbound -V | grep -q 'Linked modules:.*dynlib'"
}

check_config() {
  local status=0
  expect "dnsstop config check accepts the shipped example" \
    in_root "$ROOT" dnsstop config check /etc/dnsstop/dnsstop.yaml
  expect "dnsstop-sync --check-config accepts the shipped example" \
    in_root "$ROOT" dnsstop-sync --check-config --config /etc/dnsstop/dnsstop.yaml
  in_root "$ROOT" dnsstop-rebuild --check >"$LOGS/rebuild-config.log" 2>&1 || status=$?
  [[ $status == 2 ]] && grep -qx 'dnsstop-rebuild: error: /etc/dnsstop/rebuild.conf: SIGNING_KEY is not set' "$LOGS/rebuild-config.log" \
    || { cat "$LOGS/rebuild-config.log" >&2; die "dnsstop-rebuild --check with the shipped configuration exited $status, want 2 for the unset SIGNING_KEY"; }
  log "ok: dnsstop-rebuild reads the shipped configuration: $(cat "$LOGS/rebuild-config.log")"
}

check_units() {
  local unit
  for unit in dnsstop-sync.service dnsstop-stoppage.service unbound.service \
    dnsstop-unbound-check.service dnsstop-unbound-check.timer dnsstop-rebuild.service dnsstop-rebuild.timer; do
    if [[ ! -f $ROOT/lib/systemd/system/$unit ]]; then
      log "SKIPPED: systemd-analyze verify $unit (not installed)"
      continue
    fi
    # --man=no: lintian checks the manual pages, and man-db is not in the root.
    # verify exits 0 on unknown keys and bad values, only printing them: any
    # output fails the test. For unbound.service this includes our drop-in.
    systemd-analyze verify --root="$ROOT" --man=no "$unit" >"$LOGS/verify-$unit.log" 2>&1 \
      && [[ ! -s $LOGS/verify-$unit.log ]] \
      || { cat "$LOGS/verify-$unit.log" >&2; die "systemd-analyze verify $unit"; }
    log "ok: systemd-analyze verify $unit"
    [[ $unit == unbound.service || $unit != *.service ]] \
      || log "    $(systemd-analyze security --offline=yes --root="$ROOT" "$unit" 2>&1 | grep 'Overall exposure')"
  done
  expect "the unbound.service drop-in sets DNSSTOP_CONFIG" \
    grep -qx 'Environment=DNSSTOP_CONFIG=/etc/dnsstop/dnsstop.yaml' \
    "$ROOT/lib/systemd/system/unbound.service.d/dnsstop.conf"
  expect "dnsstop-unbound-check.timer is enabled" \
    test -L "$ROOT/etc/systemd/system/timers.target.wants/dnsstop-unbound-check.timer"
  expect "the start check lets the rebuilt Unbound with the module start" start_check
}

# start_check: run the ExecStartPre that dnsstop-tools adds to unbound.service,
# as the drop-in names it; its message in $LOGS/start-check.log.
start_check() {
  local command
  command=$(sed -n 's/^ExecStartPre=//p' "$ROOT/lib/systemd/system/unbound.service.d/dnsstop-start-check.conf")
  [[ -n $command ]] || die "the start-check drop-in has no ExecStartPre"
  # shellcheck disable=SC2086 # the unit's command line, split as systemd does for these plain words
  in_root "$ROOT" $command >"$LOGS/start-check.log" 2>&1
}

# The shipped configuration as is: its list files, compiled as user dnsstop.
compile_snapshot() {
  echo "listed.test" >"$ROOT/var/lib/dnsstop/lists/police.txt"
  : >"$ROOT/etc/dnsstop/lists/operator.txt"
  : >"$ROOT/etc/dnsstop/lists/exceptions.txt"
  in_root "$ROOT" chown dnsstop:dnsstop /var/lib/dnsstop/lists/police.txt
  expect "dnsstop compile --config (as user dnsstop) writes the snapshot" \
    in_root "$ROOT" setpriv --reuid=dnsstop --regid=dnsstop --init-groups \
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
    unbound -d -c /etc/dnsstop-test/unbound.conf >"$LOGS/test-unbound.log" 2>&1 &
  UNBOUND_PID=$!
  local tries
  for tries in $(seq 50); do
    dig +time=1 +tries=1 @127.0.0.1 -p "$PORT" ns.test A >/dev/null 2>&1 && break
    kill -0 "$UNBOUND_PID" 2>/dev/null || { cat "$LOGS/test-unbound.log" >&2; die "unbound exited"; }
    sleep 0.2
  done
  grep -q 'dnsstop: module started' "$LOGS/test-unbound.log" \
    || { cat "$LOGS/test-unbound.log" >&2; die "the module did not start in the packaged unbound"; }
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
  in_root "$ROOT" apt-get remove -y -q dnsstop-unbound-module >>"$LOGS/test-install.log" 2>&1 || die "apt-get remove dnsstop-unbound-module"
  in_root "$ROOT" test ! -e /etc/unbound/unbound.conf.d/dnsstop.conf || die "the Unbound snippet survived removal"
  ! grep -q dnsstop "$ROOT/etc/apparmor.d/local/usr.sbin.unbound" || die "the AppArmor include survived removal"
  ! start_check || die "with the module removed (not purged), the start check let Unbound start unfiltered"
  grep -q 'not starting Unbound: dnsstop-unbound-module is removed but not purged' "$LOGS/start-check.log" \
    || { cat "$LOGS/start-check.log" >&2; die "the start check refused, but not saying the module was removed"; }
  log "ok: module removed: the start check refuses Unbound: $(cat "$LOGS/start-check.log")"
  in_root "$ROOT" apt-get purge -y -q dnsstop-unbound-module >>"$LOGS/test-install.log" 2>&1 || die "apt-get purge dnsstop-unbound-module"
  start_check || { cat "$LOGS/start-check.log" >&2; die "with the module purged, the start check still refuses Unbound"; }
  log "ok: module purged: Unbound may start without it"
  in_root "$ROOT" apt-get purge -y -q dnsstop-tools >>"$LOGS/test-install.log" 2>&1 || die "apt-get purge dnsstop-tools"
  in_root "$ROOT" test ! -e /var/lib/dnsstop || die "/var/lib/dnsstop survived purge"
  log "ok: remove and purge undo what the packages did"
}

# module_version: the installed version of dnsstop-unbound-module, if any.
module_version() {
  in_root "$ROOT" dpkg-query -W -f '${db:Status-Abbrev} ${Version}\n' dnsstop-unbound-module 2>/dev/null \
    | awk '$1 == "ii" { print $2 }' || true
}

# refuse_module OTHER: OTHER release's module package must not install in
# this root: it depends on exactly OTHER's rebuilt unbound, which is not
# here (apt offers only this release's Unbound, rebuilt or Debian's). apt must
# refuse for that reason, and change nothing.
refuse_module() {
  local other=$1 want logfile line before available
  logfile=$LOGS/refuse-$other-module.log
  want=$(cat "$OUT/$other/unbound/version")
  before=$(module_version)
  mkdir -p "$ROOT/tmp/$other"
  cp "$OUT/$other"/dnsstop-unbound-module_*.deb "$OUT/$other"/dnsstop-tools_*.deb "$ROOT/tmp/$other/"
  if in_root "$ROOT" sh -c "apt-get install -y -q --no-install-recommends /tmp/$other/*.deb" >"$logfile" 2>&1; then
    die "apt installed $other's dnsstop-unbound-module in the $RELEASE root (log: $logfile)"
  fi
  line=$(grep -F "dnsstop-unbound-module : Depends: unbound (= $want)" "$logfile") \
    || { cat "$logfile" >&2; die "apt refused $other's module, but not for its dependency on unbound (= $want)"; }
  [[ $(module_version) == "$before" ]] || die "apt refused $other's module, but the installed module changed"
  # That dependency alone would refuse it, whatever else is unmet (the
  # other release's libraries): no version of unbound this root could have
  # (installed or in its archives) is the one it wants.
  available=$(in_root "$ROOT" apt-cache madison unbound | awk -F' *[|] *' '{ print $2 }' | sort -u)
  ! grep -qxF "$want" <<<"$available" || die "this root can have unbound $want, so the test proves nothing"
  log "ok: $other's dnsstop-unbound-module refused; apt says: $(tr -s ' ' <<<"$line");" \
    "this root's unbound: $(paste -sd ' ' <<<"$available")"
}

# refuse_other_modules: refuse_module for every other release that has packages.
refuse_other_modules() {
  local other
  for other in "${RELEASES[@]}"; do
    [[ $other != "$RELEASE" ]] || continue
    if [[ -f $OUT/$other.skipped ]]; then
      log "SKIPPED: refusing $other's module here, because $other has no packages (build/deb/$other.skipped)"
    else
      refuse_module "$other"
    fi
  done
}

test_release() {
  local start=$SECONDS
  RELEASE=$1
  ROOT=$OUT/roots/$RELEASE-test
  LOGS=$OUT/$RELEASE
  mkdir -p "$LOGS"
  root_tarball "$RELEASE" minbase setup_test_root
  log "unpacking the test root $ROOT_TARBALL"
  enter_root "$ROOT_TARBALL" "$ROOT"
  if [[ -f $OUT/$RELEASE.skipped ]]; then
    log "SKIPPED: installing and checking $RELEASE's packages, because there are none:"
    sed 's/^/    /' "$OUT/$RELEASE.skipped"
    in_root "$ROOT" apt-get update -q >"$LOGS/test-install.log" 2>&1 \
      || { tail -n 30 "$LOGS/test-install.log" >&2; die "apt-get update"; }
    refuse_other_modules
  else
    install_packages
    check_files
    check_config
    check_units
    compile_snapshot
    start_unbound
    check_resolving
    refuse_other_modules
    check_removal
  fi
  remove_root "$ROOT"
  log "passed in $((SECONDS - start))s"
}

test_releases "$@"
