# dnsstop: run_logged for the setup and packaging scripts (sourced). The caller
# defines die, which says whose failure it is.

# run_logged LOG CMD...: run CMD with its output appended to LOG; on failure
# show the end of the log and stop.
run_logged() {
  local logfile=$1
  shift
  if ! "$@" >>"$logfile" 2>&1 </dev/null; then
    tail -n 40 "$logfile" >&2
    die "failed: $* (full output: $logfile)"
  fi
}
