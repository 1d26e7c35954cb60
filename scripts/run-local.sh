#!/usr/bin/env bash
# dnsstop: run the whole system locally with sample data. `make run` calls this
# after `make build`.
#
#   scripts/run-local.sh               start, show the demo, run until Ctrl-C
#   scripts/run-local.sh --check       start, ask the demo queries (DNS and the
#                                      stop page), publish a new list serial and
#                                      wait for Unbound to block it, stop; exit 0
#                                      only if all are right (the default when
#                                      stdin is not a terminal, e.g. in CI)
#   scripts/run-local.sh --foreground  run until Ctrl-C or SIGTERM even when stdin
#                                      is not a terminal
#
# What runs, the whole system on 127.0.0.1 only:
#   - a list server: the sample police list (etc/sample/police.list), signed with
#     dnsstop-publish and a publisher key made here, served over HTTPS by nginx
#     with a certificate from a test CA made here;
#   - dnsstop-sync: fetches that list, verifies it and compiles the snapshot;
#   - NSD serving the sample root zone (etc/sample/root.zone), and Unbound with the
#     dnsstop module, which uses that NSD as its only name server and answers from
#     the snapshot;
#   - dnsstop-stoppage: the stop page (HTTP 451) and the check host's page.
# Unbound sends only from 127.0.0.1, so no query leaves the machine. Every file of
# a run (keys, certificates, configurations, lists, snapshot, logs, metrics) is in
# build/run/, which each start wipes and the end leaves for inspection.
#
# Needs only what scripts/setup.sh installs (nsd, dig, nginx-light, openssl, curl,
# python3) and what `make build` builds (the dynlib Unbound, the module, the
# dnsstop tools).
set -euo pipefail

# Paths are shown relative to the caller's directory when that is the repository
# root, so remember it before moving there.
CALLER_DIR=$(pwd -P)
readonly CALLER_DIR
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd -P)
readonly REPO
readonly SAMPLE_DIR=$REPO/etc/sample
readonly RUN_DIR=$REPO/build/run
# The Unbound built from this machine's own Debian release, and the module built for
# its version (scripts/setup.sh, plugin/CMakeLists.txt).
UNBOUND=$REPO/build/unbound/$(. /etc/os-release && echo "$VERSION_CODENAME")/sbin/unbound
readonly UNBOUND
MODULE=$REPO/build/lib/unbound-$("$UNBOUND" -V 2>/dev/null | sed -n 's/^Version \([0-9]*\.[0-9]*\).*/\1/p')/libdnsstop-unbound.so
readonly MODULE
readonly DNSSTOP=$REPO/build/bin/dnsstop
readonly PUBLISH=$REPO/build/bin/dnsstop-publish
readonly SYNC=$REPO/build/bin/dnsstop-sync
readonly STOPPAGE=$REPO/build/bin/dnsstop-stoppage
readonly NGINX=/usr/sbin/nginx
# The published directory nginx serves, and the list's manifest in it.
readonly WWW_DIR=$RUN_DIR/www

# The stop page's IPv4 address in etc/sample/dnsstop.yaml; --check expects it.
readonly STOP_PAGE_V4=192.0.2.80
# Unbound's port: 5353 unless taken (then the next free one up to 5399).
readonly UNBOUND_FIRST_PORT=5353
# How long each server may take to answer its first query.
readonly START_TIMEOUT_SECONDS=20
# How long --check waits for a re-published list to reach Unbound: dnsstop-sync
# polls every 2 s (etc/sample/dnsstop.yaml), the module looks every 500 ms.
readonly HOT_SWAP_TIMEOUT_SECONDS=20
# The name the hot-swap demo adds to the police list, and the check host (on the
# sample police list; stoppage.check_host in etc/sample/dnsstop.yaml).
readonly HOT_SWAP_NAME=welcome.example
readonly CHECK_HOST=check.dnsstop.example
# blocked_by_url in etc/sample/dnsstop.yaml: every 451 must name it (RFC 7725).
readonly BLOCKED_BY_LINK='Link: <https://operator.example/blocking>; rel="blocked-by"'

# The servers started, in start order, as "NAME PID LOG" lines; stopped in reverse.
SERVERS=()
NSD_PID=""
UNBOUND_PID=""
NSD_PORT=""
UNBOUND_PORT=""
NGINX_PORT=""
STOPPAGE_PORT=""
LIST_URL=""
DEMO_FAILURES=0

log() { echo "run-local: $*"; }

die() {
  echo "run-local: error: $*" >&2
  exit 1
}

# die_with_log MESSAGE LOG: stop with MESSAGE and the end of a server's LOG, which
# usually says why (a port in use, a configuration error).
die_with_log() {
  echo "run-local: error: $1" >&2
  echo "--- last lines of $(show "$2") ---" >&2
  tail -n 25 "$2" >&2 || true
  echo "---" >&2
  exit 1
}

# show PATH: PATH as the user can type it: relative when they started us from the
# repository root (as `make run` does), absolute otherwise.
show() {
  if [[ $CALLER_DIR == "$REPO" ]]; then
    echo "${1#"$REPO"/}"
  else
    echo "$1"
  fi
}

# indent N: copies stdin to stdout with N spaces before each line.
indent() {
  local pad
  printf -v pad '%*s' "$1" ''
  sed "s/^/$pad/"
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

# Sets MODE to "check" or "serve".
parse_args() {
  MODE=""
  while (($#)); do
    case $1 in
      --check) MODE=check ;;
      --foreground) MODE=serve ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown argument $1 (try --help)" ;;
    esac
    shift
  done
  # Nobody can press Ctrl-C without a terminal: run the check and stop instead of
  # hanging a CI job forever.
  if [[ -z $MODE ]]; then
    if [[ -t 0 ]]; then
      MODE=serve
    else
      MODE=check
      log "stdin is not a terminal: checking and stopping (--foreground keeps it running)"
    fi
  fi
}

check_prerequisites() {
  local tool
  for tool in nsd dig python3 setsid flock openssl curl "$NGINX"; do
    command -v "$tool" >/dev/null || die "$tool is missing; run scripts/setup.sh (or make run)"
  done
  local file
  for file in "$UNBOUND" "$MODULE" "$DNSSTOP" "$PUBLISH" "$SYNC" "$STOPPAGE"; do
    [[ -x $file || -f $file ]] || die "$(show "$file") is missing; run make build (or make run)"
  done
}

# One run at a time: a second one would wipe build/run under the first. The lock
# lives as long as this script; the servers do not inherit it (see start_server).
take_lock() {
  mkdir -p "$REPO/build"
  exec 8>"$REPO/build/.run-local.lock"
  flock -n 8 || die "another scripts/run-local.sh is already running; stop it (Ctrl-C in its terminal) first"
}

# alive PID: whether PID runs. A child that has exited but is not yet reaped is a
# zombie, which kill -0 still reports, hence the look at its state.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ $state != Z ]]
}

# stop_pid NAME PID: SIGTERM, up to 10 s for a clean exit, then SIGKILL.
stop_pid() {
  local name=$1 pid=$2 tries
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((tries = 0; tries < 100; tries++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  log "$name (pid $pid) did not stop within 10 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

# A run killed without its cleanup (kill -9, a closed terminal) leaves its servers
# running, holding their ports. Stop those, but only processes that are really
# ours: their command line names this run directory.
stop_leftovers() {
  local pids_file=$RUN_DIR/pids name pid
  [[ -f $pids_file ]] || return 0
  while read -r name pid; do
    if ! [[ $pid =~ ^[0-9]+$ ]] || ! alive "$pid"; then continue; fi
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$RUN_DIR/" || continue
    log "stopping $name (pid $pid), left running by an earlier run"
    stop_pid "$name" "$pid"
  done < <(tac "$pids_file")  # the latest first: Unbound before the NSD it queries
}

# Stops the servers in reverse start order (a client before the server it uses:
# Unbound before NSD, dnsstop-sync before nginx). Runs on every exit.
stop_servers() {
  local stopped=() i name pid
  for ((i = ${#SERVERS[@]} - 1; i >= 0; i--)); do
    read -r name pid _ <<<"${SERVERS[i]}"
    alive "$pid" || continue
    stop_pid "$name" "$pid"
    stopped+=("$name")
  done
  SERVERS=()
  if ((${#stopped[@]})); then
    local names
    printf -v names '%s, ' "${stopped[@]}"
    log "stopped ${names%, }; the run's files and logs stay in $(show "$RUN_DIR")/"
  fi
}

# Fresh run directory with the sample data. The lists are copied so that the
# hot-swap demo edits a copy, never the checked-in samples.
prepare_run_dir() {
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR" "$WWW_DIR"
  echo "run-local $$" >"$RUN_DIR/pids"
  cp "$SAMPLE_DIR/root.zone" "$SAMPLE_DIR/police.list" "$SAMPLE_DIR/exceptions.list" "$RUN_DIR/"
  log "sample data from $(show "$SAMPLE_DIR")/ copied to $(show "$RUN_DIR")/"
}

# The publisher's Ed25519 key pair (the police's, in production). Resolvers trust
# the public key; the secret key signs every publication.
make_publisher_key() {
  "$PUBLISH" keygen -p "$RUN_DIR/publisher.pub" -s "$RUN_DIR/publisher.key" >"$RUN_DIR/keygen.log" 2>&1 ||
    die_with_log "dnsstop-publish keygen failed" "$RUN_DIR/keygen.log"
}

# A test CA and a certificate it issued for the list server, 127.0.0.1 (also named
# localhost), as tests/integration/sync_test.py makes them: dnsstop-sync accepts
# HTTPS only, and trusts this CA through the list's ca_file.
make_test_ca() {
  local logfile=$RUN_DIR/openssl.log
  local new_key=(openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
  {
    "${new_key[@]}" -x509 -days 2 -subj "/CN=dnsstop run-local test CA" \
      -keyout "$RUN_DIR/ca.key" -out "$RUN_DIR/ca.pem" &&
      "${new_key[@]}" -subj "/CN=localhost" -keyout "$RUN_DIR/list-server.key" -out "$RUN_DIR/list-server.csr" &&
      echo "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$RUN_DIR/list-server.ext" &&
      openssl x509 -req -in "$RUN_DIR/list-server.csr" -CA "$RUN_DIR/ca.pem" -CAkey "$RUN_DIR/ca.key" \
        -CAcreateserial -days 2 -extfile "$RUN_DIR/list-server.ext" -out "$RUN_DIR/list-server.pem"
  } >"$logfile" 2>&1 || die_with_log "openssl could not make the test CA and certificate" "$logfile"
  log "made a publisher key and a test CA with a certificate for the list server 127.0.0.1"
}

# The publish command, as words: run here and printed for the hot-swap demo. The
# serial is one more than the one already published in WWW_DIR.
publish_command() {
  PUBLISH_COMMAND=("$(show "$PUBLISH")" publish -s "$(show "$RUN_DIR/publisher.key")" -n police
    "$(show "$RUN_DIR/police.list")" "$(show "$WWW_DIR")")
}

# publish_list: signs build/run/police.list into WWW_DIR, where nginx serves it.
publish_list() {
  publish_command
  log "publishing the police list: ${PUBLISH_COMMAND[*]}"
  # From the caller's directory, where the printed (possibly relative) paths hold.
  (cd "$CALLER_DIR" && "${PUBLISH_COMMAND[@]}") 2>&1 | indent 4 ||
    die "dnsstop-publish failed (its message is above)"
}

# free_port FIRST LAST: prints the first port in FIRST..LAST that is free on
# 127.0.0.1 for both UDP and TCP (DNS uses both). Another program could still take
# it before the server starts; the server then fails and its log says so.
free_port() {
  python3 - "$1" "$2" <<'EOF'
import socket, sys
for port in range(int(sys.argv[1]), int(sys.argv[2]) + 1):
    try:
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            with socket.socket(socket.AF_INET, kind) as probe:
                probe.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(port)
    sys.exit(0)
sys.exit(1)
EOF
}

# start_server NAME LOG COMMAND...: runs COMMAND in the background with its output
# in LOG and sets STARTED_PID. setsid gives it a session of its own, so Ctrl-C in
# this terminal reaches only this script, which then stops the servers in order;
# 8>&- keeps the run lock from outliving the script.
start_server() {
  local name=$1 logfile=$2
  shift 2
  setsid "$@" >"$logfile" 2>&1 </dev/null 8>&- &
  STARTED_PID=$!
  echo "$name $STARTED_PID" >>"$RUN_DIR/pids"
  SERVERS+=("$name $STARTED_PID $logfile")
}

# wait_for_port WHAT PID LOG PORT: waits until something accepts TCP connections on
# 127.0.0.1 PORT; stops with the log of WHAT if it exits or does not listen in time.
wait_for_port() {
  local what=$1 pid=$2 logfile=$3 port=$4
  local deadline=$((SECONDS + START_TIMEOUT_SECONDS))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    alive "$pid" || die_with_log "$what exited while starting" "$logfile"
    ((SECONDS < deadline)) ||
      die_with_log "$what did not listen on 127.0.0.1 port $port within $START_TIMEOUT_SECONDS s" "$logfile"
    sleep 0.1
  done
  # Listening is not enough for a server that fails just after (as nginx does when
  # one of its sockets cannot be bound): look once more.
  sleep 0.2
  alive "$pid" || die_with_log "$what exited just after starting" "$logfile"
}

# nginx as the list server, as in tests/integration/sync_test.py: HTTPS on
# 127.0.0.1 only, serving WWW_DIR, in the foreground (so that it is stopped like
# the others), no access log, every file in RUN_DIR. Any static server would do:
# the signature, not the server, makes a list trusted.
start_nginx() {
  NGINX_PORT=$(free_port $((20000 + RANDOM % 20000)) 60000) || die "no free port for nginx on 127.0.0.1"
  mkdir -p "$RUN_DIR/nginx-temp"
  local user=""
  # As root, nginx's workers would run as nobody; keep them as the files' owner.
  ((EUID == 0)) && user="user root;"
  cat >"$RUN_DIR/nginx.conf" <<EOF
# Written by scripts/run-local.sh: the local list server.
$user
daemon off;
worker_processes 1;
pid $RUN_DIR/nginx.pid;
error_log $RUN_DIR/nginx-error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $RUN_DIR/nginx-temp;
    proxy_temp_path $RUN_DIR/nginx-temp;
    fastcgi_temp_path $RUN_DIR/nginx-temp;
    uwsgi_temp_path $RUN_DIR/nginx-temp;
    scgi_temp_path $RUN_DIR/nginx-temp;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$NGINX_PORT ssl;
        ssl_certificate $RUN_DIR/list-server.pem;
        ssl_certificate_key $RUN_DIR/list-server.key;
        root $WWW_DIR;
    }
}
EOF
  # -e: the error log from the very start (nginx's default is /var/log/nginx).
  start_server nginx "$RUN_DIR/nginx.log" "$NGINX" -c "$RUN_DIR/nginx.conf" -e "$RUN_DIR/nginx-error.log"
  wait_for_port nginx "$STARTED_PID" "$RUN_DIR/nginx-error.log" "$NGINX_PORT"
  LIST_URL=https://127.0.0.1:$NGINX_PORT/police.manifest
  log "nginx (pid $STARTED_PID) serves $(show "$WWW_DIR")/ at https://127.0.0.1:$NGINX_PORT/"
}

# The one configuration the module, dnsstop-sync and dnsstop-stoppage read:
# etc/sample/dnsstop.yaml with its @...@ placeholders filled in. Paths must be
# absolute (Unbound's working directory is not ours). The stop page's port is
# picked here because the configuration names it.
write_config() {
  STOPPAGE_PORT=$(free_port $((20000 + RANDOM % 20000)) 60000) || die "no free port for the stop page on 127.0.0.1"
  local config public_key
  public_key=$(sed -n 2p "$RUN_DIR/publisher.pub")
  config=$(<"$SAMPLE_DIR/dnsstop.yaml")
  # Quoted replacements: bash 5.2 would otherwise treat & in them specially.
  config=${config//@RUN_DIR@/"$RUN_DIR"}
  config=${config//@REPO@/"$REPO"}
  config=${config//@LIST_URL@/"$LIST_URL"}
  config=${config//@PUBLIC_KEY@/"$public_key"}
  config=${config//@STOPPAGE_PORT@/"$STOPPAGE_PORT"}
  printf '%s\n' "$config" >"$RUN_DIR/dnsstop.yaml"
  "$SYNC" --config "$RUN_DIR/dnsstop.yaml" --check-config >"$RUN_DIR/check-config.log" 2>&1 ||
    die_with_log "the generated $(show "$RUN_DIR/dnsstop.yaml") is not valid" "$RUN_DIR/check-config.log"
}

# One round of dnsstop-sync before Unbound starts, so that Unbound blocks from its
# first query (without a snapshot the sample's when_missing: resolve would let
# everything through).
first_sync() {
  log "first sync: $(show "$SYNC") --config $(show "$RUN_DIR/dnsstop.yaml") --once"
  "$SYNC" --config "$RUN_DIR/dnsstop.yaml" --once >"$RUN_DIR/sync-once.log" 2>&1 ||
    die_with_log "dnsstop-sync --once could not fetch and accept the police list" "$RUN_DIR/sync-once.log"
  indent 4 <"$RUN_DIR/sync-once.log"
  [[ -f $RUN_DIR/current.snap ]] ||
    die_with_log "dnsstop-sync --once wrote no snapshot $(show "$RUN_DIR/current.snap")" "$RUN_DIR/sync-once.log"
}

# The sync daemon: polls the list server every 2 s and republishes the snapshot
# when a new serial is accepted (or the local exceptions file changes).
start_sync_daemon() {
  start_server dnsstop-sync "$RUN_DIR/sync.log" "$SYNC" --config "$RUN_DIR/dnsstop.yaml"
  # It opens no port to wait for; a bad start (configuration, state) shows at once.
  sleep 0.3
  alive "$STARTED_PID" || die_with_log "dnsstop-sync exited while starting" "$RUN_DIR/sync.log"
  log "dnsstop-sync (pid $STARTED_PID) polls $LIST_URL every 2 s"
}

start_stoppage() {
  start_server dnsstop-stoppage "$RUN_DIR/stoppage.log" "$STOPPAGE" --config "$RUN_DIR/dnsstop.yaml"
  wait_for_port dnsstop-stoppage "$STARTED_PID" "$RUN_DIR/stoppage.log" "$STOPPAGE_PORT"
  log "dnsstop-stoppage (pid $STARTED_PID) serves the stop page on http://127.0.0.1:$STOPPAGE_PORT/"
}

# ask PORT NAME [TYPE]: dig's full answer; empty when nothing answered. Short
# timeouts: everything is local, a slow answer is a broken one.
ask() {
  dig @127.0.0.1 -p "$1" "$2" "${3:-A}" +time=2 +tries=1 2>&1 || true
}

# wait_for_answers WHAT PID LOG PORT NAME [DIG OPTION]: waits until the server on
# PORT answers at all (any status); stops with its log if it exits or stays silent.
wait_for_answers() {
  local what=$1 pid=$2 logfile=$3 port=$4 name=$5 option=${6:-+recurse}
  local deadline=$((SECONDS + START_TIMEOUT_SECONDS)) output
  while :; do
    output=$(dig @127.0.0.1 -p "$port" "$name" A "$option" +time=1 +tries=1 2>&1 || true)
    [[ $output == *"status: "* ]] && return 0
    alive "$pid" || die_with_log "$what exited while starting" "$logfile"
    ((SECONDS < deadline)) ||
      die_with_log "$what did not answer on 127.0.0.1 port $port within $START_TIMEOUT_SECONDS s" "$logfile"
    sleep 0.2
  done
}

# NSD as in tests/integration/harness.py: no chroot, no user switch, no database
# file, no rate limit (the demo and --check ask in bursts), everything in RUN_DIR.
start_nsd() {
  NSD_PORT=$(free_port $((20000 + RANDOM % 20000)) 60000) || die "no free port for NSD on 127.0.0.1"
  cat >"$RUN_DIR/nsd.conf" <<EOF
# Written by scripts/run-local.sh: NSD serving the sample root zone on loopback.
server:
    ip-address: 127.0.0.1@$NSD_PORT
    port: $NSD_PORT
    username: ""
    chroot: ""
    zonesdir: "$RUN_DIR"
    database: ""
    pidfile: "$RUN_DIR/nsd.pid"
    xfrdfile: "$RUN_DIR/xfrd.state"
    zonelistfile: "$RUN_DIR/zone.list"
    verbosity: 1
    rrl-ratelimit: 0
    server-count: 1
remote-control:
    control-enable: no
zone:
    name: "."
    zonefile: "$RUN_DIR/root.zone"
EOF
  start_server NSD "$RUN_DIR/nsd.log" nsd -d -c "$RUN_DIR/nsd.conf"
  NSD_PID=$STARTED_PID
  wait_for_answers NSD "$NSD_PID" "$RUN_DIR/nsd.log" "$NSD_PORT" ns. +norecurse
  log "NSD (pid $NSD_PID) serves the sample root zone on 127.0.0.1 port $NSD_PORT"
}

# Unbound as in tests/integration/harness.py: the module first in module-config,
# NSD as the only root server (stub-zone "."), sending only from 127.0.0.1, and no
# features that would make it ask for names the sample root zone does not have.
start_unbound() {
  UNBOUND_PORT=$(free_port "$UNBOUND_FIRST_PORT" 5399) ||
    die "ports $UNBOUND_FIRST_PORT-5399 on 127.0.0.1 are all in use"
  cat >"$RUN_DIR/unbound.conf" <<EOF
# Written by scripts/run-local.sh: Unbound with the dnsstop module on loopback.
# The module reads its own configuration from the file named by DNSSTOP_CONFIG
# ($RUN_DIR/dnsstop.yaml).
server:
    interface: 127.0.0.1@$UNBOUND_PORT
    port: $UNBOUND_PORT
    outgoing-interface: 127.0.0.1
    do-not-query-localhost: no
    do-ip6: no
    username: ""
    chroot: ""
    directory: "$RUN_DIR"
    pidfile: ""
    do-daemonize: no
    use-syslog: no
    logfile: ""
    log-time-ascii: yes
    verbosity: 1
    num-threads: 1
    access-control: 127.0.0.0/8 allow
    module-config: "dynlib validator iterator"
    qname-minimisation: no
    harden-referral-path: no
    trust-anchor-signaling: no
    root-key-sentinel: no
    ede: yes
dynlib:
    dynlib-file: "$MODULE"
stub-zone:
    name: "."
    stub-addr: 127.0.0.1@$NSD_PORT
    stub-prime: no
remote-control:
    control-enable: no
EOF
  start_server Unbound "$RUN_DIR/unbound.log" \
    env DNSSTOP_CONFIG="$RUN_DIR/dnsstop.yaml" "$UNBOUND" -d -c "$RUN_DIR/unbound.conf"
  UNBOUND_PID=$STARTED_PID
  wait_for_answers Unbound "$UNBOUND_PID" "$RUN_DIR/unbound.log" "$UNBOUND_PORT" welcome.example
  log "Unbound (pid $UNBOUND_PID) with the dnsstop module answers on 127.0.0.1 port $UNBOUND_PORT"
}

# key_lines: from dig's output on stdin, the lines a newcomer needs: the status,
# the answer records (or a note that there are none) and the EDE line.
key_lines() {
  awk '
    /status: / {
      match($0, /status: [A-Z]+/)
      status = substr($0, RSTART + 8, RLENGTH - 8)
      print "status: " status
    }
    /^; EDE: / { ede = $0; sub(/^; /, "", ede) }
    /^;; ANSWER SECTION:/ { in_answer = 1; next }
    in_answer && /^$/ { in_answer = 0 }
    in_answer { $1 = $1; print; answers++ }
    END {
      if (status == "") print "(no reply: " $0 ")"
      else if (!answers && status == "NOERROR") print "(no answer records: NODATA)"
      else if (!answers) print "(no answer records)"
      if (ede != "") print ede
    }'
}

# demo DESCRIPTION EXPECT NAME [TYPE]: asks Unbound, prints the command to paste
# and the key lines of its answer, and checks the answer. EXPECT is
#   stop-page  the stop page's address, with EDE 16
#   nodata     NOERROR, no records, with EDE 16
#   real       NOERROR, records, no stop page, no EDE
demo() {
  local description=$1 expect=$2 name=$3 type=${4:-A}
  local command="dig @127.0.0.1 -p $UNBOUND_PORT $name" output summary problem=""
  [[ $type == A ]] || command+=" $type"
  output=$(ask "$UNBOUND_PORT" "$name" "$type")
  summary=$(key_lines <<<"$output")
  echo "  # $description"
  echo "  $command"
  indent 6 <<<"$summary"
  case $expect in
    stop-page)
      grep -qE "IN A $STOP_PAGE_V4\$" <<<"$summary" || problem="no stop page address $STOP_PAGE_V4"
      grep -q "^EDE: 16 " <<<"$summary" || problem+="${problem:+, }no EDE 16"
      ;;
    nodata)
      grep -q "^status: NOERROR" <<<"$summary" || problem="status is not NOERROR"
      grep -q "^(no answer records" <<<"$summary" || problem+="${problem:+, }has answer records"
      grep -q "^EDE: 16 " <<<"$summary" || problem+="${problem:+, }no EDE 16"
      ;;
    real)
      grep -q "^status: NOERROR" <<<"$summary" || problem="status is not NOERROR"
      grep -q "^(no answer records" <<<"$summary" && problem+="${problem:+, }no answer records"
      grep -qF "$STOP_PAGE_V4" <<<"$summary" && problem+="${problem:+, }the stop page, but it is not blocked"
      grep -q "^EDE: " <<<"$summary" && problem+="${problem:+, }an EDE, but it is not blocked"
      ;;
  esac
  if [[ -n $problem ]]; then
    echo "      !!! unexpected: $problem"
    DEMO_FAILURES=$((DEMO_FAILURES + 1))
  fi
}

run_demo() {
  echo
  echo "Try it: paste these into another terminal. Each was asked once already; its key lines follow it."
  demo "listed (bad.example covers www.bad.example): the stop page, and EDE 16 says why" \
    stop-page www.bad.example
  demo "not listed: the real address" real welcome.example
  demo "below a listed name but allowlisted: the real address" real ok.bad.example
  demo "a CNAME into a listed name: blocked too" stop-page alias.example
  demo "the check domain, always listed: the stop page here means \"your operator blocks\"" \
    stop-page check.dnsstop.example
  demo "other types of a listed name: NODATA, with EDE 16" nodata bad.example MX
  echo "  # what the snapshot (made by dnsstop-sync) decides, without DNS:"
  echo "  $(show "$DNSSTOP") lookup $(show "$RUN_DIR/current.snap") www.bad.example welcome.example"
  "$DNSSTOP" lookup "$RUN_DIR/current.snap" www.bad.example welcome.example 2>&1 | indent 6 ||
    DEMO_FAILURES=$((DEMO_FAILURES + 1))
  echo
  echo "The stop page, as a browser sent to $STOP_PAGE_V4 would get it (here on 127.0.0.1, with a Host header):"
  page_demo "a blocked name: HTTP 451, naming who blocks" 451 www.bad.example
  page_demo "the check host: \"your operator blocks\", with the list's serial (here in English)" 200 \
    "$CHECK_HOST" en
}

# page_demo DESCRIPTION STATUS HOST [LANGUAGE]: asks the stop page for HOST (in
# LANGUAGE; else the default, Swedish), prints the command to paste, the status
# line and the page's title, and checks the status (and for a 451, the Link header
# naming the operator).
page_demo() {
  local description=$1 expect=$2 host=$3 language=${4:-}
  local url=http://127.0.0.1:$STOPPAGE_PORT/ response status_line title problem=""
  local options=(-H "Host: $host") shown="curl -H 'Host: $host'"
  if [[ -n $language ]]; then
    options+=(-H "Accept-Language: $language")
    shown+=" -H 'Accept-Language: $language'"
  fi
  echo "  # $description"
  echo "  $shown $url"
  response=$(curl -s -D - --max-time 5 "${options[@]}" "$url" 2>&1 | tr -d '\r') || true
  status_line=$(head -n 1 <<<"$response")
  title=$(grep -o '<title>[^<]*</title>' <<<"$response" | sed 's/<[^>]*>//g' | head -n 1)
  echo "      ${status_line:-(no answer)}"
  [[ -n $title ]] && echo "      title: $title"
  [[ $status_line =~ ^HTTP/[0-9.]+\ $expect\  ]] || problem="status is not $expect"
  if [[ $expect == 451 ]]; then
    grep -qixF "$BLOCKED_BY_LINK" <<<"$response" || problem+="${problem:+, }no header $BLOCKED_BY_LINK"
    grep -qiF "$BLOCKED_BY_LINK" <<<"$response" && echo "      $BLOCKED_BY_LINK"
  fi
  if [[ -n $problem ]]; then
    echo "      !!! unexpected: $problem"
    DEMO_FAILURES=$((DEMO_FAILURES + 1))
  fi
}

print_banner() {
  local run
  run=$(show "$RUN_DIR")
  echo
  echo "=============================================================================="
  echo " dnsstop runs locally with sample data (all on 127.0.0.1, nothing leaves it)"
  echo "=============================================================================="
  printf ' %-10s %-30s 127.0.0.1 port %s   (ask this one)\n' Resolver "Unbound + dnsstop module" "$UNBOUND_PORT"
  printf ' %-10s %s\n' "" "config $run/unbound.conf, log $run/unbound.log"
  printf ' %-10s %s\n' Module "config $run/dnsstop.yaml, snapshot $run/current.snap,"
  printf ' %-10s %s\n' "" "metrics $run/dnsstop.prom (rewritten every second)"
  printf ' %-10s %-30s 127.0.0.1 port %s\n' Upstream "NSD with the sample root zone" "$NSD_PORT"
  printf ' %-10s %s\n' "" "zone $run/root.zone, log $run/nsd.log"
  printf ' %-10s %-30s 127.0.0.1 port %s\n' Lists "nginx, HTTPS (test CA)" "$NGINX_PORT"
  printf ' %-10s %s\n' "" "serves $run/www/: police list signed with $run/publisher.key"
  printf ' %-10s %s\n' "" "CA $run/ca.pem, log $run/nginx-error.log"
  printf ' %-10s %s\n' Sync "dnsstop-sync, polls $LIST_URL every 2 s"
  printf ' %-10s %s\n' "" "state $run/state/, metrics $run/sync.prom, log $run/sync.log"
  printf ' %-10s %-30s 127.0.0.1 port %s\n' "Stop page" "dnsstop-stoppage, HTTP" "$STOPPAGE_PORT"
  printf ' %-10s %s\n' "" "DNS answers name $STOP_PAGE_V4 and 2001:db8::80 (documentation addresses,"
  printf ' %-10s %s\n' "" "unreachable): in this local demo the stop page is reached at"
  printf ' %-10s %s\n' "" "http://127.0.0.1:$STOPPAGE_PORT/ with a Host header; log $run/stoppage.log"
}

print_hot_swap() {
  cat <<EOF

Hot swap through the real channel, no restart: publish a new serial, dnsstop-sync
fetches and verifies it within 2 s, the module loads the new snapshot within 500 ms.
  1. echo $HOT_SWAP_NAME >> $(show "$RUN_DIR/police.list")
  2. ${PUBLISH_COMMAND[*]}
     (the serial goes up by one; resolvers take only a higher serial)
  3. dig @127.0.0.1 -p $UNBOUND_PORT $HOT_SWAP_NAME      (within a few seconds: the stop page)
     grep accepted $(show "$RUN_DIR/sync.log")      (dnsstop-sync: "accepted serial 2 by delta from 1")
Each start rewrites $(show "$RUN_DIR")/ from $(show "$SAMPLE_DIR")/: change the samples there for good.
EOF
}

# --check: the hot swap above, done once: a new serial adding HOT_SWAP_NAME must
# reach Unbound through nginx and dnsstop-sync within HOT_SWAP_TIMEOUT_SECONDS.
check_hot_swap() {
  echo
  log "hot swap: adding $HOT_SWAP_NAME to the police list and publishing serial 2"
  echo "$HOT_SWAP_NAME" >>"$RUN_DIR/police.list"
  publish_list
  local start=$SECONDS deadline=$((SECONDS + HOT_SWAP_TIMEOUT_SECONDS))
  until ask "$UNBOUND_PORT" "$HOT_SWAP_NAME" | grep -qE "IN[[:space:]]+A[[:space:]]+$STOP_PAGE_V4\$"; do
    ((SECONDS < deadline)) ||
      die_with_log "Unbound did not block $HOT_SWAP_NAME within $HOT_SWAP_TIMEOUT_SECONDS s of serial 2's publication" \
        "$RUN_DIR/sync.log"
    sleep 0.25
  done
  grep -F "accepted serial" "$RUN_DIR/sync.log" | indent 4 || true
  log "hot swap: Unbound answers $STOP_PAGE_V4 for $HOT_SWAP_NAME after about $((SECONDS - start)) s"
}

# Waits until Ctrl-C/SIGTERM (the traps end the script) or until a server dies.
serve() {
  echo
  log "running until Ctrl-C (logs in $(show "$RUN_DIR")/: unbound.log, sync.log, stoppage.log, nginx-error.log, nsd.log)"
  local exited=0 entry name pid logfile
  local pids=()
  for entry in "${SERVERS[@]}"; do
    read -r _ pid _ <<<"$entry"
    pids+=("$pid")
  done
  wait -n "${pids[@]}" || exited=$?
  for entry in "${SERVERS[@]}"; do
    read -r name pid logfile <<<"$entry"
    alive "$pid" || die_with_log "$name exited unexpectedly (status $exited)" "$logfile"
  done
  die "a server exited unexpectedly (status $exited)"
}

main() {
  parse_args "$@"
  check_prerequisites
  take_lock
  trap stop_servers EXIT
  # exit runs the EXIT trap, which stops the servers.
  trap 'echo; exit 130' INT
  trap 'exit 143' TERM
  stop_leftovers
  prepare_run_dir
  # The list server first, then the first sync, so that the snapshot exists
  # before Unbound and the stop page start.
  make_publisher_key
  make_test_ca
  publish_list
  start_nginx
  write_config
  first_sync
  start_stoppage
  start_nsd
  start_unbound
  start_sync_daemon
  print_banner
  run_demo
  print_hot_swap
  [[ $MODE == check ]] && check_hot_swap
  echo
  if ((DEMO_FAILURES)); then
    local problem
    problem="$DEMO_FAILURES demo answer(s) not as expected (marked !!! above); see the logs in $(show "$RUN_DIR")/"
    [[ $MODE == check ]] && die "check failed: $problem"
    log "warning: $problem"
  else
    log "all demo answers are as expected"
  fi
  if [[ $MODE == check ]]; then
    stop_servers
    exit 0
  fi
  serve
}

main "$@"
