#!/usr/bin/env bash
# The stop-page server under load: wrk with 1,000 concurrent connections against
# dnsstop-stoppage and against nginx serving the same rendered page, in the same
# run, then against dnsstop-stoppage again while a slowloris of twice its
# max_connections (tests/integration/slowloris.py) holds connections open, all on
# 127.0.0.1 only. Each run also reads the server's CPU time from /proc, so that
# requests per second per core are printed beside requests per second (wrk and the
# servers share the machine's cores). Requirements: dnsstop's requests per second
# >= 0.8 x nginx's, and no failed request (socket error, or any status but 451)
# with or without the attack. Prints the figures, writes
# OUTPUT_DIR/bench/stoppage.json, exits 1 when a requirement is missed. About 45 s
# (DURATION per run, default 10 s).
set -euo pipefail
out_dir=$(realpath "${1:?usage: tests/bench/stoppage_bench.sh OUTPUT_DIR}")
source_dir=$(realpath "$(dirname "$0")/../..")
duration=${DURATION:-10}
connections=1000
threads=2
max_connections=2000  # above wrk's 1,000; the attack opens twice this
mkdir -p "$out_dir/bench"
work=$(mktemp -d /tmp/dnsstop-stoppage-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# wrk and the servers each hold 1,000+ sockets; raise the soft limit as far as allowed.
ulimit -n "$(ulimit -Hn)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 2; }

stoppage_port=$(free_port)
nginx_port=$(free_port)
cat >"$work/dnsstop.yaml" <<YAML
snapshot:
  path: $work/none.snap
stoppage:
  http_listen: ["127.0.0.1:$stoppage_port"]
  operator_name: "Benchmark Operator AB"
  blocked_by_url: "https://operator.example/blocking"
  hotline_url: "https://hotline.example/report"
  help_url: "https://help.example/"
  template_dir: $source_dir/etc/stoppage
  max_connections: $max_connections
  threads: $threads
YAML
"$out_dir/bin/dnsstop-stoppage" --config "$work/dnsstop.yaml" 2>"$work/stoppage.log" &
stoppage_pid=$!
pids+=($stoppage_pid)
wait_for "http://127.0.0.1:$stoppage_port/"

# nginx serves the page dnsstop renders for the same Host, with the same worker count.
mkdir -p "$work/www"
curl -s -H "Host: blocked.example" -o "$work/www/index.html" "http://127.0.0.1:$stoppage_port/"
grep -q "blocked.example" "$work/www/index.html"
# nginx's workers run as an unprivileged user; mktemp made the directory private.
chmod -R a+rX "$work"
cat >"$work/nginx.conf" <<NGINX
daemon off;
worker_processes $threads;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/tmp;
  proxy_temp_path $work/tmp;
  fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp;
  scgi_temp_path $work/tmp;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
    location / { try_files /index.html =404; add_header Cache-Control no-store; }
  }
}
NGINX
mkdir -p "$work/tmp"
nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
pids+=($nginx_pid)
wait_for "http://127.0.0.1:$nginx_port/"

# cpu_ticks PID...: user + system CPU time of those processes and their children
# (nginx's workers), in clock ticks.
cpu_ticks() {
  local total=0 pid
  for pid in "$@" $(pgrep -P "$(IFS=,; echo "$*")" || true); do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
  done
  echo "$total"
}
ticks_per_second=$(getconf CLK_TCK)

# run_wrk URL PID: prints "requests rps socket_errors non_2xx_3xx rps_per_core",
# the last from the CPU time the server (PID and its children) used meanwhile.
run_wrk() {
  local output before after
  before=$(cpu_ticks "$2")
  output=$(wrk -t "$threads" -c "$connections" -d "${duration}s" --timeout 5s -H "Host: blocked.example" "$1")
  after=$(cpu_ticks "$2")
  echo "$output" >&2
  awk -v ticks=$((after - before)) -v hz="$ticks_per_second" '
    /requests in/ { requests = $1 }
    /Requests\/sec:/ { rps = $2 }
    /Socket errors:/ { gsub(",", ""); errors = $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { non2xx = $5 }
    END { printf "%d %.0f %d %d %.0f\n", requests, rps, errors, non2xx, (ticks > 0 ? requests * hz / ticks : 0) }' <<<"$output"
}

echo "== nginx, same page, $connections connections, ${duration} s" >&2
read -r nginx_requests nginx_rps nginx_errors nginx_non2xx nginx_per_core < <(run_wrk "http://127.0.0.1:$nginx_port/" "$nginx_pid")
echo "== dnsstop-stoppage, $connections connections, ${duration} s" >&2
read -r stop_requests stop_rps stop_errors stop_non2xx stop_per_core < <(run_wrk "http://127.0.0.1:$stoppage_port/" "$stoppage_pid")

# The same under a slowloris of twice max_connections from the same address. The
# attack starts first and gets 3 s to open its connections; it stops by itself.
attackers=$((2 * max_connections))
attack_seconds=$((duration + 5))
echo "== dnsstop-stoppage, $connections connections, ${duration} s, slowloris of $attackers" >&2
python3 "$source_dir/tests/integration/slowloris.py" 127.0.0.1 "$stoppage_port" "$attackers" "$attack_seconds" \
  >"$work/slowloris.json" &
attack_pid=$!
pids+=($attack_pid)
sleep 3
read -r attacked_requests attacked_rps attacked_errors attacked_non2xx attacked_per_core < <(run_wrk "http://127.0.0.1:$stoppage_port/" "$stoppage_pid")
wait "$attack_pid"
attack_stats=$(cat "$work/slowloris.json")

[[ $nginx_non2xx -eq 0 ]] || { echo "nginx did not serve the page; see $work/nginx-error.log" >&2; exit 2; }
# Every dnsstop answer must be the 451 stop page: wrk counts them as non-2xx, so any
# request not counted there got a wrong status.
stop_failed=$((stop_errors + stop_requests - stop_non2xx))
attacked_failed=$((attacked_errors + attacked_requests - attacked_non2xx))
ratio=$(awk -v a="$stop_rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
verdict=pass
awk -v r="$ratio" 'BEGIN { exit !(r >= 0.8) }' || verdict=fail
[[ $stop_failed -eq 0 && $attacked_failed -eq 0 ]] || verdict=fail

printf '\nstop page under wrk, %d connections, %d threads, %d s each, 127.0.0.1, %d cores shared with wrk:\n' \
  "$connections" "$threads" "$duration" "$(nproc)"
printf '  %-30s %10s %14s %12s %8s\n' server "req/s" "req/s per core" requests failed
printf '  %-30s %10s %14s %12s %8s\n' nginx "$nginx_rps" "$nginx_per_core" "$nginx_requests" "$((nginx_errors + nginx_non2xx))"
printf '  %-30s %10s %14s %12s %8s\n' dnsstop-stoppage "$stop_rps" "$stop_per_core" "$stop_requests" "$stop_failed"
printf '  %-30s %10s %14s %12s %8s\n' "dnsstop-stoppage, slowloris" "$attacked_rps" "$attacked_per_core" "$attacked_requests" "$attacked_failed"
printf '  slowloris of %d (max_connections %d): %s\n' "$attackers" "$max_connections" "$attack_stats"
printf '  ratio dnsstop/nginx: %s (required >= 0.80); failed: %d, under attack %d (required 0): %s\n' \
  "$ratio" "$stop_failed" "$attacked_failed" "$verdict"
cat >"$out_dir/bench/stoppage.json" <<JSON
{"connections": $connections, "threads": $threads, "duration_seconds": $duration, "cores": $(nproc),
 "nginx": {"requests_per_second": $nginx_rps, "requests_per_second_per_core": $nginx_per_core, "requests": $nginx_requests, "socket_errors": $nginx_errors, "non_2xx": $nginx_non2xx},
 "dnsstop_stoppage": {"requests_per_second": $stop_rps, "requests_per_second_per_core": $stop_per_core, "requests": $stop_requests, "failed": $stop_failed},
 "dnsstop_stoppage_under_slowloris": {"requests_per_second": $attacked_rps, "requests_per_second_per_core": $attacked_per_core, "requests": $attacked_requests, "failed": $attacked_failed, "max_connections": $max_connections, "attack": $attack_stats},
 "ratio": $ratio, "verdict": "$verdict"}
JSON
echo "figures written to $out_dir/bench/stoppage.json"
[[ $verdict == pass ]]
