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
#      (SOURCE with 99 appended, e.g. 1.17.1-2+deb12u499: each Debian version
#      makes its own) and a changelog entry saying so, in a second repository
#      signed as the security suite (Origin Debian, Label Debian-Security,
#      Codename RELEASE-security), so unattended-upgrades' default
#      configuration takes it.
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
#   4. The security update rebuilt: the same newer version as a SOURCE package
#      (Debian's source of SOURCE, its changelog saying so; dpkg-source -b),
#      served on loopback (SOURCE_SERVER) as a signed deb-src repository that
#      dnsstop-rebuild's APT_SOURCES names beside Debian's. --check says why a
#      rebuild is needed; a run builds unbound NEWER+dnsstop1 and dnsstop's
#      packages +b1 (the same dnsstop against a newer Unbound), tests and
#      publishes them, signed. A resolver root in the "waits" state of step 3
#      (with the pin) then takes both together with `apt upgrade`: waits, with
#      dnsstop_unbound_update_pending back at 0.
#      Every part is cached machine-wide (scripts/cache.sh): the source package,
#      its repository's signing key, the build root (keyed by its apt sources,
#      so SOURCE_SERVER and that key are constants), the Unbound build and
#      dnsstop's +b1 packages; a warm run builds nothing new.
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
# Where step 4's deb-src repository is served. A constant: the build root's
# cache key holds its apt sources (packaging/roots.sh). Another run serving it
# at the same time is waited for.
SOURCE_SERVER=127.0.16.16:1616
SOURCE_SERVER_PID=
SOURCE_GNUPGHOME= # the cached signing key of that repository
TEST_NAME=test-upgrade
. packaging/test-root.sh

# stop_agent: the gpg-agents that signing started for the throwaway keys.
stop_agent() {
  [[ -n $WORK && -d $WORK/gnupg ]] && gpgconf --homedir "$WORK/gnupg" --kill gpg-agent
  [[ -n $SOURCE_GNUPGHOME ]] && gpgconf --homedir "$SOURCE_GNUPGHOME" --kill gpg-agent
  return 0
}

cleanup() {
  unmount_root "$ROOT"
  stop_agent
  stop_source_server
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

# rebuild_needed LOG WANT: dnsstop-rebuild --check exits 3 (a rebuild is needed)
# and its log LOG says why with the text WANT.
rebuild_needed() {
  local logfile=$1 want=$2
  rebuild 3 "$logfile" --check
  grep -qF "$want" "$logfile" || { cat "$logfile" >&2; die "dnsstop-rebuild --check did not say: $want"; }
  log "ok: dnsstop-rebuild --check: exit 3, $(grep -o 'rebuild needed.*' "$logfile")"
}

# repo_has REPO SUITE PACKAGE: the version of PACKAGE in SUITE of REPO.
repo_has() { reprepro -b "$1" --list-format '${version}\n' list "$2" "$3"; }

# write_rebuild_conf KEY SOURCES: dnsstop-rebuild's configuration in WORK,
# with APT_SOURCES SOURCES.
write_rebuild_conf() {
  cat >"$WORK/rebuild.conf" <<CONF
# dnsstop-rebuild's configuration for packaging/test-upgrade.sh
RELEASES=$RELEASE
APT_SOURCES=$2
REPOSITORY=$WORK/repo
SIGNING_KEY=$1
GNUPGHOME=$WORK/gnupg
WORK_DIR=$WORK/rebuild
METRICS_TEXTFILE=$WORK/rebuild.prom
CONF
}

test_rebuild() {
  local key=$1 rebuilt=$2 module
  write_rebuild_conf "$key" "$WORK/rebuild.sources"
  # The archives this machine uses, as the operator's deb822 file: the same
  # text as make deb's roots, so their cached roots serve here too.
  release_sources "$RELEASE" "deb deb-src" >"$WORK/rebuild.sources"

  rebuild_needed "$WORK/rebuild-check.log" 'rebuild needed: the repository has no unbound'

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

# newer_version SOURCE: the version of the test's Debian update of unbound
# SOURCE: 99 appended (1.17.1-2+deb12u4 -> 1.17.1-2+deb12u499), above SOURCE's
# rebuilds and its own for each SOURCE, so no cached build of another SOURCE
# has it.
newer_version() {
  local version=${1}99
  [[ $1 =~ [0-9]$ ]] || die "cannot make a higher version from $1"
  dpkg --compare-versions "$version" gt "$1+dnsstop9" || die "$version does not sort above $1's rebuild"
  echo "$version"
}

# test_changelog_entry VERSION WHAT: the changelog entry of the test's
# unbound VERSION, which is WHAT, unchanged but for this version.
test_changelog_entry() {
  printf 'unbound (%s) %s-security; urgency=medium\n\n' "$1" "$RELEASE"
  printf '  * Test package of dnsstop (packaging/test-upgrade.sh): %s,\n' "$2"
  printf '    unchanged but for this version.\n\n'
  printf ' -- dnsstop packaging <packaging@dnsstop.example.org>  %s\n\n' "$(date -R)"
}

# newer_stock SOURCE KEY: Debian's unbound binary of SOURCE re-versioned
# above it, into WORK/stock, a repository that says it is the security suite.
newer_stock() {
  local source=$1 key=$2 version deb dir=$WORK/stock-deb
  version=$(newer_version "$source")
  in_root "$ROOT" sh -c "cd /tmp && apt-get download -q unbound=$source" >"$WORK/stock.log" 2>&1 \
    || { cat "$WORK/stock.log" >&2; die "apt-get download unbound=$source"; }
  rm -rf "$dir"
  dpkg-deb -R "$ROOT"/tmp/unbound_"${source#*:}"_*.deb "$dir"
  sed -i "s/^Version: .*/Version: $version/" "$dir/DEBIAN/control"
  {
    test_changelog_entry "$version" "Debian's build of $source"
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

# source_signing_key: SOURCE_GNUPGHOME, a throwaway key that signs step 4's
# deb-src repository. Made once per machine and kept in the cache: its public
# half is in the repository's apt sources, so in the build root's cache key.
source_signing_key() {
  local entry
  entry=$DNSSTOP_CACHE/test-keys/source-repository-$(input_key "$(declare -f source_signing_key)")
  if [[ ! -f $entry/.complete ]]; then
    (
      set -e
      lock_cache test-keys
      prune_cache test-keys
      if [[ ! -f $entry/.complete ]]; then
        rm -rf "$entry"
        mkdir -p "$entry"
        chmod 0700 "$entry"
        GNUPGHOME=$entry gpg --batch -q --passphrase '' \
          --quick-gen-key 'dnsstop test source repository <test@dnsstop.invalid>' ed25519 sign never 2>/dev/null
        touch "$entry/.complete"
      fi
    )
  fi
  touch "$entry/.complete" # used now: prune_cache keeps it
  SOURCE_GNUPGHOME=$entry
}

# newer_source SOURCE VERSION: prints the cache entry holding Debian's unbound
# source package SOURCE made into VERSION (a changelog entry; dpkg-source -b),
# made once per machine from this machine's deb-src entries (scripts/setup.sh
# adds them for every release it builds Unbound of).
newer_source() {
  local source=$1 version=$2 entry
  entry=$DNSSTOP_CACHE/unbound-src/$RELEASE-$version-$(input_key "$RELEASE" "$source" "$version" \
    "$(declare -f newer_source test_changelog_entry)")
  if [[ ! -f $entry/.complete ]]; then
    (
      set -e
      lock_cache unbound-src
      prune_cache unbound-src
      [[ ! -f $entry/.complete ]] || exit 0
      rm -rf "$entry.tmp"
      mkdir -p "$entry.tmp/debian-source"
      cd "$entry.tmp/debian-source"
      apt-get source -q --download-only -o APT::Sandbox::User=root "unbound=$source" >"$entry.tmp/source.log" 2>&1 \
        || { tail -n 20 "$entry.tmp/source.log" >&2; die "apt-get source unbound=$source"; }
      dpkg-source -x ./*.dsc ../tree >>"$entry.tmp/source.log" 2>&1
      cd ..
      { test_changelog_entry "$version" "Debian's source of $source"; cat tree/debian/changelog; } >changelog
      mv changelog tree/debian/changelog
      cp debian-source/*.orig.tar.* .
      dpkg-source -b tree >>"$entry.tmp/source.log" 2>&1
      rm -rf tree debian-source
      rm -rf "$entry"
      mv "$entry.tmp" "$entry"
    ) || die "making the unbound source $version failed (log: $entry.tmp/source.log)"
  fi
  touch "$entry/.complete" # used now: prune_cache keeps it
  echo "$entry"
}

# serve_sources DIR: SOURCE_SERVER serves DIR (python3's http.server) until
# stop_source_server. Waits, up to 20 minutes, while another run serves there.
serve_sources() {
  local dir=$1 tries
  for tries in $(seq 240); do
    python3 -m http.server --bind "${SOURCE_SERVER%:*}" --directory "$dir" "${SOURCE_SERVER#*:}" \
      >"$WORK/source-server.log" 2>&1 &
    SOURCE_SERVER_PID=$!
    for _ in $(seq 50); do
      curl -fsS -o /dev/null "http://$SOURCE_SERVER/dists/$RELEASE-security/InRelease" 2>/dev/null \
        && kill -0 "$SOURCE_SERVER_PID" 2>/dev/null && return 0
      kill -0 "$SOURCE_SERVER_PID" 2>/dev/null || break
      sleep 0.2
    done
    stop_source_server
    grep -q 'Address already in use' "$WORK/source-server.log" \
      || { cat "$WORK/source-server.log" >&2; die "serving $dir on $SOURCE_SERVER failed"; }
    ((tries % 12 == 1)) && log "$SOURCE_SERVER is in use (another test run?): waiting for it"
    sleep 5
  done
  die "$SOURCE_SERVER stayed in use for 20 minutes"
}

stop_source_server() {
  [[ -n $SOURCE_SERVER_PID ]] || return 0
  # wait returns the server's status, 143 after the kill: not a failure here.
  kill "$SOURCE_SERVER_PID" 2>/dev/null && wait "$SOURCE_SERVER_PID" 2>/dev/null || true
  SOURCE_SERVER_PID=
}

# source_repository SOURCE_ENTRY: WORK/source-repo, a deb-src repository of
# the source package in SOURCE_ENTRY as suite RELEASE-security, signed with
# SOURCE_GNUPGHOME's key; and WORK/update.sources, dnsstop-rebuild's
# APT_SOURCES: Debian's archives and it, its key inline.
source_repository() {
  local entry=$1
  mkdir -p "$WORK/source-repo/conf"
  printf '%s\n' "Origin: Debian" "Label: Debian-Security" "Suite: $RELEASE-security" "Codename: $RELEASE-security" \
    "Architectures: $(dpkg --print-architecture) source" "Components: main" "SignWith: default" \
    >"$WORK/source-repo/conf/distributions"
  GNUPGHOME=$SOURCE_GNUPGHOME reprepro -b "$WORK/source-repo" includedsc "$RELEASE-security" "$entry"/*.dsc \
    >"$WORK/source-repo.log" 2>&1 || { cat "$WORK/source-repo.log" >&2; die "reprepro includedsc"; }
  {
    release_sources "$RELEASE" "deb deb-src"
    printf 'Types: deb deb-src\nURIs: http://%s/\nSuites: %s-security\nComponents: main\nSigned-By:\n' \
      "$SOURCE_SERVER" "$RELEASE"
    GNUPGHOME=$SOURCE_GNUPGHOME gpg --batch --armor --export 2>/dev/null | sed 's/^$/./; s/^/ /'
  } >"$WORK/update.sources"
}

# test_security_rebuild KEY REBUILT NEWER: step 4, up to the published packages.
test_security_rebuild() {
  local key=$1 rebuilt=$2 newer=$3 module entry
  module=$(repo_has "$WORK/repo" "$RELEASE" dnsstop-unbound-module)
  source_signing_key
  entry=$(newer_source "${rebuilt%+dnsstop*}" "$newer")
  source_repository "$entry"
  serve_sources "$WORK/source-repo"
  log "the security update as a source: unbound $newer (Debian's source of ${rebuilt%+dnsstop*}) served on $SOURCE_SERVER, signed as $RELEASE-security"
  write_rebuild_conf "$key" "$WORK/update.sources"

  rebuild_needed "$WORK/update-check.log" "rebuild needed: Debian's unbound $newer is newer than $rebuilt's source"

  log "dnsstop-rebuild: build unbound $newer and dnsstop +b1 (cached once built), test and publish (log: $WORK/update.log)"
  rebuild 0 "$WORK/update.log"
  stop_source_server
  [[ $(repo_has "$WORK/repo" "$RELEASE" unbound) == "$newer+dnsstop1" ]] \
    || die "the repository has unbound $(repo_has "$WORK/repo" "$RELEASE" unbound), not $newer+dnsstop1"
  [[ $(repo_has "$WORK/repo" "$RELEASE" dnsstop-unbound-module) == "$module+b1" ]] \
    || die "the repository has dnsstop-unbound-module $(repo_has "$WORK/repo" "$RELEASE" dnsstop-unbound-module), not $module+b1"
  GNUPGHOME=$WORK/gnupg gpg --batch --verify "$WORK/repo/dists/$RELEASE/InRelease" >/dev/null 2>&1 \
    || die "the republished repository's InRelease is not signed by the key"
  grep -q "test-install: $RELEASE: passed" "$WORK/update.log" || die "dnsstop-rebuild published without the package tests passing"
  log "ok: dnsstop-rebuild published unbound $newer+dnsstop1 and dnsstop-unbound-module $module+b1, signed, after the package tests; $(grep -o 'published in [0-9]*s' "$WORK/update.log")"
  REBUILT_MODULE=$module+b1
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

# scenario PIN HOW WANT PENDING [UNBOUND MODULE]: from the installed root, the
# newer stock Unbound appears; with PIN (with, without) the documented pin,
# HOW upgrades. With UNBOUND and MODULE, the repository has the rebuild of step
# 4 too, and HOW must install exactly those.
scenario() {
  local pin=$1 how=$2 want=$3 pending=$4 unbound=${5:-} module=${6:-} logfile list lists=(stock.list) got
  logfile=$WORK/$pin-pin-$how${unbound:+-rebuilt}.log
  enter_root "$WORK/installed.tar" "$ROOT"
  if [[ -n $unbound ]]; then
    rm -rf "$ROOT/srv/dnsstop-apt"
    cp -a "$WORK/repo" "$ROOT/srv/dnsstop-apt"
    lists+=(dnsstop.list)
  fi
  if [[ $pin == with ]]; then
    sed -n '\|^# /etc/apt/preferences.d/dnsstop-unbound$|,/^```$/p' docs/operating.md | sed '1d;$d' \
      >"$ROOT/etc/apt/preferences.d/dnsstop-unbound"
    grep -q '^Pin: ' "$ROOT/etc/apt/preferences.d/dnsstop-unbound" \
      || die "docs/operating.md has no pin block under '# /etc/apt/preferences.d/dnsstop-unbound'"
  fi
  echo "deb [signed-by=/usr/share/keyrings/dnsstop-test.gpg] file:/srv/stock $RELEASE-security main" \
    >"$ROOT/etc/apt/sources.list.d/stock.list"
  # Only the changed sources' lists: the others are current.
  for list in "${lists[@]}"; do
    in_root "$ROOT" apt-get update -q -o Dir::Etc::SourceList="sources.list.d/$list" \
      -o Dir::Etc::SourceParts=- -o APT::Get::List-Cleanup=0 >>"$logfile" 2>&1 \
      || { cat "$logfile" >&2; die "apt-get update of $list"; }
  done
  case $how in
    unattended-upgrades) in_root "$ROOT" unattended-upgrade -v ;;
    *) in_root "$ROOT" apt "$how" -y -q ;;
  esac >>"$logfile" 2>&1 || { tail -n 30 "$logfile" >&2; die "$how failed (log: $logfile)"; }
  state_is "$pin the pin, $how${unbound:+, the rebuild published}" "$want" "$pending"
  if [[ -n $unbound ]]; then
    got="$(in_root "$ROOT" dpkg-query -W -f '${Version}' unbound) $(in_root "$ROOT" dpkg-query -W -f '${Version}' dnsstop-unbound-module)"
    [[ $got == "$unbound $module" ]] || die "$how installed unbound and dnsstop-unbound-module $got, want $unbound $module"
    log "ok: $how took unbound $unbound and dnsstop-unbound-module $module together"
  fi
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

  test_security_rebuild "$key" "$rebuilt" "$STOCK_VERSION"
  scenario with upgrade waits 0 "$STOCK_VERSION+dnsstop1" "$REBUILT_MODULE"
  rm -f "$WORK/installed.tar"
  stop_agent
  log "passed in $((SECONDS - start))s"
}

[[ -x build/bin/dnsstop ]] || die "build/bin/dnsstop, which dnsstop-rebuild decides with, is not built: run make build"
test_releases "$@"
