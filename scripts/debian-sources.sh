# dnsstop: apt source entries for another Debian release, made from this
# machine's, and the newest unbound source they hold (sourced by
# scripts/build-unbound.sh, packaging/roots.sh and dnsstop-rebuild).
#
# Every Debian archive this machine uses (the release, -updates, -security, in
# /etc/apt/sources.list.d/debian.sources or a classic /etc/apt/sources.list)
# is named again for RELEASE, by swapping the code name in each suite
# (bookworm-security -> trixie-security). So every release comes from the same
# mirrors and the same suites as the host's own packages.
#
# DNSSTOP_APT_SOURCES, if set, names a deb822 sources file to read instead of
# this machine's (dnsstop-rebuild: the archives its operator configured).

# host_codename: the Debian release this machine runs, by its code name (bookworm).
host_codename() { (. /etc/os-release && echo "$VERSION_CODENAME"); }

# release_sources_deb822_file: the deb822 file release_sources reads, if any.
release_sources_deb822_file() {
  if [[ -n ${DNSSTOP_APT_SOURCES:-} ]]; then
    echo "$DNSSTOP_APT_SOURCES"
  elif [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    echo /etc/apt/sources.list.d/debian.sources
  fi
}

# release_sources RELEASE TYPES: prints the entries for RELEASE, each with apt
# types TYPES ("deb", "deb-src" or "deb deb-src"), in the format of the file
# it reads: deb822 stanzas from debian.sources, one-line entries from
# sources.list. Prints nothing when the machine has no "deb" entry.
release_sources() {
  local release=$1 types=$2 deb822
  deb822=$(release_sources_deb822_file)
  if [[ -n $deb822 ]]; then
    awk -v host="$(host_codename)" -v release="$release" -v types="$types" '
      BEGIN { RS = ""; FS = "\n" }
      {
        binary = 0; fields = ""; keep = 0
        for (i = 1; i <= NF; i++) {
          line = $i
          if (line ~ /^[ \t]/) { if (keep) fields = fields line "\n"; continue }  # continuation
          keep = line ~ /^(URIs|Suites|Components|Signed-By|Enabled):/
          if (line ~ /^Suites:/) gsub(host, release, line)
          if (keep) fields = fields line "\n"
          if (line ~ /^Types:/ && (" " substr(line, 7) " ") ~ /[ \t]deb[ \t]/) binary = 1
        }
        if (binary) printf "Types: %s\n%s\n", types, fields
      }' "$deb822"
  elif [[ -f /etc/apt/sources.list ]]; then
    local type
    for type in $types; do
      sed -n "s/^deb /$type /; T; s/\b$(host_codename)\b/$release/g; p" /etc/apt/sources.list
    done
  fi
}

# newest_version: the highest of the Debian versions on stdin, in dpkg's order.
# For `make deb` (packaging/build-debs.sh), which runs where no dnsstop tool is
# built; the decisions about Unbound's updates are `dnsstop unbound-update`'s
# (core/unbound_updates.h), in the same order.
newest_version() {
  local newest='' version
  while read -r version; do
    if [[ -z $newest ]] || dpkg --compare-versions "$version" gt "$newest"; then newest=$version; fi
  done
  echo "$newest"
}

# newest_unbound_source APT_CACHE...: the newest version of the unbound source
# package that the apt-cache command APT_CACHE... (in a root, or with its own
# lists) knows; nothing if none.
newest_unbound_source() {
  "$@" showsrc --only-source unbound | sed -n 's/^Version: //p' | newest_version
}
