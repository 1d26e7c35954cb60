#!/usr/bin/env bash
# dnsstop: a Debian update of Unbound on a resolver never leaves it silently
# unpatched or silently unfiltered; and dnsstop-rebuild publishes tested,
# signed packages (`make test-packages`, after packaging/test-install.sh; run
# `make deb` first).
#
#   packaging/test-upgrade.sh [RELEASE...]   (default: scripts/setup.sh --releases)
#
# Per release, as root, in build/deb/upgrade/RELEASE:
#   1. dnsstop-rebuild (packaging/rebuild/, run from this checkout) with a
#      throwaway signing key: --check says a rebuild is needed (exit 3); a run
#      builds (from the cache `make deb` filled), tests and publishes into an
#      empty reprepro repository, signed; a second run finds it up to date and
#      builds nothing; a run while another holds the lock exits 75; an unknown
#      configuration key exits 2 naming file and line.
#   2. A "newer stock" Unbound: Debian's own unbound binary package of the
#      source the rebuild used (built without dynlib), given a higher version
#      (SOURCE with its last number 99, e.g. 1.17.1-2+deb12u99) and a changelog
#      entry saying so, in a second repository signed as the security suite
#      (Origin Debian, Label Debian-Security, Codename RELEASE-security), so
#      unattended-upgrades' default configuration takes it.
#   3. A clean minimal root of the release (packaging/roots.sh) with
#      dnsstop-unbound-module, dnsstop-sync and unattended-upgrades installed
#      from the published repository. Then, each from that same state, with the
#      pin of docs/operating.md (taken from the page) and without it:
#      `apt upgrade`, `apt full-upgrade` and `unattended-upgrade` after the
#      newer stock Unbound appeared. Each ends in one of the two safe states,
#      asserted, or fails the test:
#        waits:   the rebuilt Unbound and the module stay, Unbound may start,
#                 and dnsstop-unbound-check reports dnsstop_unbound_update_pending 1;
#        refuses: Unbound is Debian's (no dynlib), the module is removed, and the
#                 ExecStartPre of unbound.service (dnsstop-start-check.conf)
#                 refuses to start it, saying why; dnsstop_unbound_start_refused 1.
#      Which one each path takes is asserted too (only full-upgrade without the
#      pin refuses), so a change in apt's behaviour is seen.
# A release that `make deb` skipped gets a "SKIPPED:" line saying why.
# systemd does not run in the root: the start check is run as the drop-in
# names it, and the timer's command as the unit names it.
set -euo pipefail

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=$PWD/build/deb
RELEASE= # the release under test
WORK=    # build/deb/upgrade/RELEASE
ROOT=    # the root being upgraded
# shellcheck source=packaging/roots.sh
. packaging/roots.sh
. packaging/test-root.sh
. packaging/releases.sh

log() { echo "test-upgrade: $RELEASE: $*"; }
die() { echo "test-upgrade: $RELEASE: FAILED: $*" >&2; exit 1; }

# stop_agent: the gpg-agent that signing started for WORK's throwaway key.
stop_agent() {
  [[ -n $WORK && -d $WORK/gnupg ]] && gpgconf --homedir "$WORK/gnupg" --kill gpg-agent
  return 0
}

cleanup() {
  unmount_root "$ROOT"
  stop_agent
}
trap cleanup EXIT

# make_key: a throwaway OpenPGP signing key in WORK/gnupg; prints its fingerprint.
make_key() {
  mkdir -p "$WORK/gnupg"
  chmod 0700 "$WORK/gnupg"
  GNUPGHOME=$WORK/gnupg gpg --batch -q --passphrase '' \
    --quick-gen-key 'dnsstop test repository <test@dnsstop.invalid>' ed25519 sign never 2>/dev/null
  GNUPGHOME=$WORK/gnupg gpg --batch --with-colons --list-keys 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }'
}

# rebuild EXPECTED_STATUS LOG [ARG...]: run dnsstop-rebuild with WORK's
# configuration; fail unless it exits EXPECTED_STATUS.
rebuild() {
  local want=$1 logfile=$2 status=0
  shift 2
  packaging/rebuild/dnsstop-rebuild --config "$WORK/rebuild.conf" "$@" >"$logfile" 2>&1 || status=$?
  ((status == want)) || { tail -n 40 "$logfile" >&2; die "dnsstop-rebuild $* exited $status, want $want (log: $logfile)"; }
}

# repo_has REPO SUITE PACKAGE: the version of PACKAGE in SUITE of REPO.
repo_has() { reprepro -b "$1" --list-format '${version}\n' list "$2" "$3"; }

test_rebuild() {
  local key=$1 rebuilt=$2 module
  cat >"$WORK/rebuild.conf" <<CONF
# dnsstop-rebuild's configuration for packaging/test-upgrade.sh
RELEASES=$RELEASE
APT_SOURCES=$WORK/rebuild.sources
REPOSITORY=$WORK/repo
SIGNING_KEY=$key
GNUPGHOME=$WORK/gnupg
WORK_DIR=$WORK/rebuild
METRICS_TEXTFILE=$WORK/rebuild.prom
CONF
  # The archives this machine uses, as the operator's deb822 file: the same
  # text as make deb's roots, so their cached roots serve here too.
  release_sources "$RELEASE" "deb deb-src" >"$WORK/rebuild.sources"

  rebuild 3 "$WORK/rebuild-check.log" --check
  grep -q 'rebuild needed: the repository has no unbound' "$WORK/rebuild-check.log" \
    || { cat "$WORK/rebuild-check.log" >&2; die "dnsstop-rebuild --check did not say why"; }
  log "ok: dnsstop-rebuild --check on an empty repository: exit 3, $(grep -o 'rebuild needed.*' "$WORK/rebuild-check.log")"

  log "dnsstop-rebuild: build (cached), test and publish (log: $WORK/rebuild.log)"
  rebuild 0 "$WORK/rebuild.log"
  [[ $(repo_has "$WORK/repo" "$RELEASE" unbound) == "$rebuilt" ]] || die "the repository has no unbound $rebuilt"
  module=$(repo_has "$WORK/repo" "$RELEASE" dnsstop-unbound-module)
  [[ -n $module ]] || die "the repository has no dnsstop-unbound-module"
  GNUPGHOME=$WORK/gnupg gpg --batch --verify "$WORK/repo/dists/$RELEASE/InRelease" >/dev/null 2>&1 \
    || die "the repository's InRelease is not signed by the key"
  grep -qx "dnsstop_rebuild_failed{release=\"$RELEASE\"} 0" "$WORK/rebuild.prom" || die "the metrics file does not say the rebuild succeeded"
  grep -q "test-install: $RELEASE: passed" "$WORK/rebuild.log" \
    || die "dnsstop-rebuild published without the package tests passing"
  log "ok: dnsstop-rebuild published unbound $rebuilt and dnsstop-unbound-module $module, signed, after the package tests; $(grep -o 'published in [0-9]*s' "$WORK/rebuild.log")"

  rebuild 0 "$WORK/rebuild-again.log"
  if ! grep -q "up to date: the repository has unbound $rebuilt" "$WORK/rebuild-again.log" \
    || grep -q 'build-debs' "$WORK/rebuild-again.log"; then
    cat "$WORK/rebuild-again.log" >&2
    die "a second dnsstop-rebuild did not find the repository up to date"
  fi
  log "ok: a second run builds nothing: $(grep -o 'up to date.*' "$WORK/rebuild-again.log")"

  (
    exec 9>"$WORK/rebuild/lock"
    flock 9
    rebuild 75 "$WORK/rebuild-locked.log"
  )
  log "ok: while another run holds the lock: exit 75, $(cat "$WORK/rebuild-locked.log")"

  echo "RELEASE=$RELEASE" >>"$WORK/rebuild.conf"
  rebuild 2 "$WORK/rebuild-badconf.log"
  grep -q "rebuild.conf:9: unknown key RELEASE" "$WORK/rebuild-badconf.log" \
    || { cat "$WORK/rebuild-badconf.log" >&2; die "a bad configuration line was not named"; }
  log "ok: an unknown key: exit 2, $(cat "$WORK/rebuild-badconf.log")"
}

# newer_stock SOURCE KEY: Debian's unbound binary of SOURCE re-versioned
# above it, into WORK/stock, a repository that says it is the security suite.
newer_stock() {
  local source=$1 key=$2 version deb dir=$WORK/stock-deb
  [[ $source =~ ^(.*[^0-9])[0-9]+$ ]] || die "cannot make a higher version from $source"
  version=${BASH_REMATCH[1]}99
  dpkg --compare-versions "$version" gt "$source+dnsstop9" || die "$version does not sort above $source's rebuild"
  in_root "$ROOT" sh -c "cd /tmp && apt-get download -q unbound=$source" >"$WORK/stock.log" 2>&1 \
    || { cat "$WORK/stock.log" >&2; die "apt-get download unbound=$source"; }
  rm -rf "$dir"
  dpkg-deb -R "$ROOT"/tmp/unbound_"${source#*:}"_*.deb "$dir"
  sed -i "s/^Version: .*/Version: $version/" "$dir/DEBIAN/control"
  {
    printf 'unbound (%s) %s-security; urgency=medium\n\n' "$version" "$RELEASE"
    printf '  * Test package of dnsstop (packaging/test-upgrade.sh): Debian'"'"'s build of\n'
    printf '    %s, unchanged but for this version.\n\n' "$source"
    printf ' -- dnsstop packaging <packaging@dnsstop.example.org>  %s\n\n' "$(date -R)"
    zcat "$dir/usr/share/doc/unbound/changelog.Debian.gz"
  } | gzip -9n >"$dir/changelog.gz"
  mv "$dir/changelog.gz" "$dir/usr/share/doc/unbound/changelog.Debian.gz"
  sed -i "s|^[0-9a-f]*  usr/share/doc/unbound/changelog.Debian.gz$|$(cd "$dir" && md5sum usr/share/doc/unbound/changelog.Debian.gz)|" "$dir/DEBIAN/md5sums"
  deb=$WORK/unbound_${version}_$(dpkg-deb -f "$ROOT"/tmp/unbound_"${source#*:}"_*.deb Architecture).deb
  dpkg-deb -b --root-owner-group "$dir" "$deb" >/dev/null
  mkdir -p "$WORK/stock/conf"
  printf '%s\n' "Origin: Debian" "Label: Debian-Security" "Suite: $RELEASE-security" "Codename: $RELEASE-security" \
    "Architectures: $(dpkg --print-architecture)" "Components: main" "SignWith: $key" >"$WORK/stock/conf/distributions"
  GNUPGHOME=$WORK/gnupg reprepro -b "$WORK/stock" includedeb "$RELEASE-security" "$deb" >>"$WORK/stock.log" 2>&1 \
    || { cat "$WORK/stock.log" >&2; die "reprepro includedeb $deb"; }
  STOCK_VERSION=$version
}

# installed_root: the root with the published packages, as a resolver has them.
installed_root() {
  mkdir -p "$ROOT/srv"
  cp -a "$WORK/repo" "$ROOT/srv/dnsstop-apt"
  cp -a "$WORK/stock" "$ROOT/srv/stock"
  GNUPGHOME=$WORK/gnupg gpg --batch --export >"$ROOT/usr/share/keyrings/dnsstop-test.gpg"
  echo "deb [signed-by=/usr/share/keyrings/dnsstop-test.gpg] file:/srv/dnsstop-apt $RELEASE main" \
    >"$ROOT/etc/apt/sources.list.d/dnsstop.list"
  log "installing dnsstop-unbound-module, dnsstop-sync and unattended-upgrades from the published repository (log: $WORK/install.log)"
  # Upgraded first, as a resolver kept current is: the upgrades under test
  # then have nothing to do but Unbound.
  {
    in_root "$ROOT" apt-get update -q
    in_root "$ROOT" apt-get upgrade -y -q
    in_root "$ROOT" apt-get install -y -q --no-install-recommends dnsstop-unbound-module dnsstop-sync unattended-upgrades
  } >"$WORK/install.log" 2>&1 || { tail -n 30 "$WORK/install.log" >&2; die "apt-get install"; }
  state_is "before any update" waits 0
  unmount_root "$ROOT"
  tar -C "$ROOT" --numeric-owner -cf "$WORK/installed.tar" .
}

# state_is WHAT WANT PENDING: the root is in safe state WANT (waits,
# refuses), with dnsstop_unbound_update_pending PENDING; fail otherwise.
state_is() {
  local what=$1 want=$2 pending_want=$3 unbound module dynlib=no start=ok message pending refused got
  unbound=$(in_root "$ROOT" dpkg-query -W -f '${Version}' unbound)
  module=$(in_root "$ROOT" dpkg-query -W -f '${db:Status-Abbrev}' dnsstop-unbound-module 2>/dev/null | tr -d ' ' || true)
  in_root "$ROOT" unbound -V | grep -q '^Linked modules:.*dynlib' && dynlib=yes
  # The drop-in's and the unit's command lines, split as systemd does for these plain words.
  # shellcheck disable=SC2046
  message=$(in_root "$ROOT" $(sed -n 's/^ExecStartPre=//p' "$ROOT/lib/systemd/system/unbound.service.d/dnsstop-start-check.conf") 2>&1) || start=refused
  # The timer's command, as its unit names it, as its user.
  # shellcheck disable=SC2046
  in_root "$ROOT" setpriv --reuid=dnsstop --regid=dnsstop --init-groups $(sed -n 's/^ExecStart=//p' "$ROOT/lib/systemd/system/dnsstop-unbound-check.service") /tmp/check.prom \
    >"$WORK/check.log" 2>&1 || { cat "$WORK/check.log" >&2; die "$what: dnsstop-unbound-check metrics failed"; }
  pending=$(awk '$1 == "dnsstop_unbound_update_pending" { print $2 }' "$ROOT/tmp/check.prom")
  refused=$(awk '$1 == "dnsstop_unbound_start_refused" { print $2 }' "$ROOT/tmp/check.prom")
  if [[ $module == ii && $dynlib == yes && $start == ok && $refused == 0 && $unbound == *+dnsstop* ]]; then
    got=waits
  elif [[ $start == refused && $refused == 1 && $message == *"not starting Unbound: "* ]]; then
    got=refuses
  else
    die "$what: UNSAFE: unbound $unbound (dynlib: $dynlib), dnsstop-unbound-module '$module', start check: $start ${message:+($message)}, metrics: pending $pending, start_refused $refused"
  fi
  [[ $got == "$want" && $pending == "$pending_want" ]] \
    || die "$what: want '$want' with update_pending $pending_want, got '$got' with update_pending $pending (unbound $unbound, module '$module')"
  case $got in
    waits) log "ok: $what: waits: unbound $unbound with the module stays; dnsstop_unbound_update_pending $pending$(
      [[ $pending == 1 ]] && echo " ($(grep -o 'Debian has [^,]*' "$WORK/check.log"))")" ;;
    refuses) log "ok: $what: refuses: unbound $unbound (no dynlib), module '$module'; dnsstop_unbound_start_refused 1; unbound.service's start check says: $message" ;;
  esac
}

# scenario PIN HOW WANT PENDING: from the installed root, the newer stock
# Unbound appears; with PIN (with, without) the documented pin, HOW upgrades.
scenario() {
  local pin=$1 how=$2 want=$3 pending=$4 logfile
  logfile=$WORK/$pin-pin-$how.log
  enter_root "$WORK/installed.tar" "$ROOT"
  if [[ $pin == with ]]; then
    sed -n '\|^# /etc/apt/preferences.d/dnsstop-unbound$|,/^```$/p' docs/operating.md | sed '1d;$d' \
      >"$ROOT/etc/apt/preferences.d/dnsstop-unbound"
    grep -q '^Pin: ' "$ROOT/etc/apt/preferences.d/dnsstop-unbound" \
      || die "docs/operating.md has no pin block under '# /etc/apt/preferences.d/dnsstop-unbound'"
  fi
  echo "deb [signed-by=/usr/share/keyrings/dnsstop-test.gpg] file:/srv/stock $RELEASE-security main" \
    >"$ROOT/etc/apt/sources.list.d/stock.list"
  # Only the new source's lists: the others are current.
  in_root "$ROOT" apt-get update -q -o Dir::Etc::SourceList=sources.list.d/stock.list \
    -o Dir::Etc::SourceParts=- -o APT::Get::List-Cleanup=0 >"$logfile" 2>&1 \
    || { cat "$logfile" >&2; die "apt-get update"; }
  case $how in
    unattended-upgrades) in_root "$ROOT" unattended-upgrade -v ;;
    *) in_root "$ROOT" apt "$how" -y -q ;;
  esac >>"$logfile" 2>&1 || { tail -n 30 "$logfile" >&2; die "$how failed (log: $logfile)"; }
  state_is "$pin the pin, $how" "$want" "$pending"
  remove_root "$ROOT"
}

test_release() {
  local start=$SECONDS key rebuilt
  RELEASE=$1
  WORK=$OUT/upgrade/$RELEASE
  ROOT=$OUT/roots/$RELEASE-upgrade
  if [[ -f $OUT/$RELEASE.skipped ]]; then
    log "SKIPPED: the rebuild and upgrade tests, because $RELEASE has no packages:"
    sed 's/^/    /' "$OUT/$RELEASE.skipped"
    return
  fi
  rm -rf "$WORK"
  mkdir -p "$WORK"
  rebuilt=$(cat "$OUT/$RELEASE/unbound/version")
  key=$(make_key)
  test_rebuild "$key" "$rebuilt"

  root_tarball "$RELEASE" minbase setup_test_root
  enter_root "$ROOT_TARBALL" "$ROOT"
  newer_stock "${rebuilt%+dnsstop*}" "$key"
  log "newer stock Unbound: unbound $STOCK_VERSION (Debian's build of ${rebuilt%+dnsstop*}, no dynlib) in a repository signed as $RELEASE-security"
  installed_root
  remove_root "$ROOT"

  scenario with upgrade waits 1
  scenario with full-upgrade waits 1
  scenario with unattended-upgrades waits 1
  scenario without upgrade waits 1
  scenario without full-upgrade refuses 0
  scenario without unattended-upgrades waits 1
  rm -f "$WORK/installed.tar"
  stop_agent
  log "passed in $((SECONDS - start))s"
}

main() {
  local start=$SECONDS release
  select_releases "$@"
  for release in "${RELEASES[@]}"; do
    [[ -f $OUT/$release.skipped || -f $OUT/$release/unbound/version ]] \
      || die "no packages for $release in build/deb/$release: run make deb"
  done
  for release in "${RELEASES[@]}"; do
    test_release "$release"
  done
  RELEASE=all
  log "passed in $((SECONDS - start))s"
}

main "$@"
