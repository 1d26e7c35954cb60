# dnsstop: the machine-wide cache of expensive build results (sourced by the
# scripts that make them). Unbound builds, rebuilt Unbound packages and
# debootstrapped roots take minutes each; a fresh clone (as CI makes) finds them
# here and only links to them from its build/.
#
# Each result is a directory $DNSSTOP_CACHE/KIND/NAME-KEY, where KEY hashes
# every input that decides its content (source version, host release, the
# script that makes it), so a changed input makes a new entry and never reuses
# a stale one. A result is complete once its file .complete exists; makers
# write it last and hold the lock of their KIND while they work.

DNSSTOP_CACHE=${DNSSTOP_CACHE:-/var/cache/dnsstop}

# input_key TEXT...: 16 hex digits that name a result by its inputs.
input_key() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }

# host_release: the Debian release this machine runs, e.g. "debian 12".
host_release() { (. /etc/os-release && echo "$ID $VERSION_ID"); }

# lock_cache KIND: hold KIND's lock (on file descriptor 8) until the caller exits.
lock_cache() {
  mkdir -p "$DNSSTOP_CACHE/$1"
  exec 8>"$DNSSTOP_CACHE/$1/.lock"
  flock 8
}

# link_result LINK DIR: point build/'s LINK at cached result DIR, and mark DIR as
# used now.
link_result() {
  mkdir -p "$(dirname "$1")"
  ln -sfn "$2" "$1"
  touch "$2/.complete"
}

# prune_cache KIND: remove KIND's results unused for 30 days (and unfinished
# ones as old), so changed inputs do not fill the disk. Call with KIND's lock held.
prune_cache() {
  local entry
  for entry in "$DNSSTOP_CACHE/$1"/*/; do
    [[ -d $entry ]] || continue
    if [[ -z $(find "$entry" -maxdepth 1 -name .complete -mtime -30) && -n $(find "$entry" -maxdepth 0 -mtime +30) ]]; then
      rm -rf "$entry"
    fi
  done
}
