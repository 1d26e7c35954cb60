#!/usr/bin/env bash
# dnsstop: run the whole system locally with sample data. `make run` calls this
# after `make build`.
#
#   scripts/run-local.sh               start, show the demo, run until Ctrl-C
#   scripts/run-local.sh --check       start, ask the demo queries, verify the
#                                      answers, stop; exit 0 only if all are right
#                                      (the default when stdin is not a terminal,
#                                      e.g. in CI)
#   scripts/run-local.sh --foreground  run until Ctrl-C or SIGTERM even when stdin
#                                      is not a terminal
#
# What runs: NSD serves the sample root zone (etc/sample/root.zone), and Unbound
# with the dnsstop module uses that NSD as its only name server. Both listen on
# 127.0.0.1 only and Unbound sends only from 127.0.0.1, so no query leaves the
# machine. Every file of a run (configurations, lists, snapshot, logs, metrics) is
# in build/run/, which each start wipes and the end leaves for inspection.
#
# Needs only what scripts/setup.sh installs (nsd, dig, python3) and what
# `make build` builds (the dynlib Unbound, the module, the dnsstop CLI).
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
readonly UNBOUND=$REPO/build/unbound/sbin/unbound
readonly MODULE=$REPO/build/lib/libdnsstop-unbound.so
readonly DNSSTOP=$REPO/build/bin/dnsstop

# The stop page's IPv4 address in etc/sample/dnsstop.yaml; --check expects it.
readonly STOP_PAGE_V4=192.0.2.80
# Unbound's port: 5353 unless taken (then the next free one up to 5399).
readonly UNBOUND_FIRST_PORT=5353
# How long each server may take to answer its first query.
readonly START_TIMEOUT_SECONDS=20

NSD_PID=""
UNBOUND_PID=""
NSD_PORT=""
UNBOUND_PORT=""
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
  for tool in nsd dig python3 setsid flock; do
    command -v "$tool" >/dev/null || die "$tool is missing; run scripts/setup.sh (or make run)"
  done
  local file
  for file in "$UNBOUND" "$MODULE" "$DNSSTOP"; do
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

# Stops Unbound first (it queries NSD), then NSD. Runs on every exit.
stop_servers() {
  local stopped=()
  if [[ -n $UNBOUND_PID ]] && alive "$UNBOUND_PID"; then
    stop_pid Unbound "$UNBOUND_PID"
    stopped+=(Unbound)
  fi
  if [[ -n $NSD_PID ]] && alive "$NSD_PID"; then
    stop_pid NSD "$NSD_PID"
    stopped+=(NSD)
  fi
  if ((${#stopped[@]})); then
    local names=${stopped[*]}
    log "stopped ${names// / and }; the run's files and logs stay in $(show "$RUN_DIR")/"
  fi
  UNBOUND_PID=""
  NSD_PID=""
}

# Fresh run directory with the sample data. The lists are copied so that the
# hot-swap demo edits a copy, never the checked-in samples. The module's
# configuration needs absolute paths (Unbound's working directory is not ours),
# so @RUN_DIR@ in the sample is replaced by this run directory.
prepare_run_dir() {
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR"
  echo "run-local $$" >"$RUN_DIR/pids"
  cp "$SAMPLE_DIR/root.zone" "$SAMPLE_DIR/police.list" "$SAMPLE_DIR/exceptions.list" "$RUN_DIR/"
  local config
  config=$(<"$SAMPLE_DIR/dnsstop.yaml")
  # Quoted replacement: bash 5.2 would otherwise treat & in the path specially.
  printf '%s\n' "${config//@RUN_DIR@/"$RUN_DIR"}" >"$RUN_DIR/dnsstop.yaml"
  log "sample data from $(show "$SAMPLE_DIR")/ copied to $(show "$RUN_DIR")/"
}

# The compile command, as words: run here and printed for the hot-swap demo. The
# list names (police, exceptions: the allowlist's file name) are the ones
# etc/sample/dnsstop.yaml configures.
compile_command() {
  COMPILE=("$(show "$DNSSTOP")" compile -o "$(show "$RUN_DIR/current.snap")"
    "police:stoppage=$(show "$RUN_DIR/police.list")" --allow "$(show "$RUN_DIR/exceptions.list")")
}

compile_snapshot() {
  compile_command
  log "compiling the lists: ${COMPILE[*]}"
  # From the caller's directory, where the printed (possibly relative) paths hold.
  (cd "$CALLER_DIR" && "${COMPILE[@]}") 2>&1 | indent 4 ||
    die "dnsstop compile failed (its message is above)"
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
  start_server nsd "$RUN_DIR/nsd.log" nsd -d -c "$RUN_DIR/nsd.conf"
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
  start_server unbound "$RUN_DIR/unbound.log" \
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
  echo "  # what the snapshot decides, without DNS:"
  echo "  $(show "$DNSSTOP") lookup $(show "$RUN_DIR/current.snap") www.bad.example welcome.example"
  "$DNSSTOP" lookup "$RUN_DIR/current.snap" www.bad.example welcome.example 2>&1 | indent 6 ||
    DEMO_FAILURES=$((DEMO_FAILURES + 1))
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
  cat <<EOF
 Not yet    the stop-page web server (nothing answers on $STOP_PAGE_V4) and the
            sync daemon that fetches the police list come in later versions;
            for now the lists are compiled by hand, as below.
EOF
}

print_hot_swap() {
  cat <<EOF

Hot swap, no restart: the module looks for a new snapshot every 500 ms.
  1. edit $(show "$RUN_DIR/police.list")      (for example add the line: welcome.example)
  2. ${COMPILE[*]}
  3. dig @127.0.0.1 -p $UNBOUND_PORT welcome.example      (now the stop page)
Each start rewrites $(show "$RUN_DIR")/ from $(show "$SAMPLE_DIR")/: change the samples there for good.
EOF
}

# Waits until Ctrl-C/SIGTERM (the traps end the script) or until a server dies.
serve() {
  echo
  log "running until Ctrl-C (logs: $(show "$RUN_DIR")/unbound.log, nsd.log)"
  local exited=0
  wait -n "$NSD_PID" "$UNBOUND_PID" || exited=$?
  local which=Unbound logfile=$RUN_DIR/unbound.log
  if ! alive "$NSD_PID"; then
    which=NSD
    logfile=$RUN_DIR/nsd.log
  fi
  die_with_log "$which exited unexpectedly (status $exited)" "$logfile"
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
  compile_snapshot
  start_nsd
  start_unbound
  print_banner
  run_demo
  print_hot_swap
  echo
  if ((DEMO_FAILURES)); then
    local problem
    problem="$DEMO_FAILURES demo answer(s) not as expected (marked !!! above); see $(show "$RUN_DIR")/unbound.log"
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
