#!/usr/bin/env bash
# The stop-page server under load: wrk with 1,000 concurrent connections against
# dnsstop-stoppage and against nginx serving the same rendered page, in the same
# run, on 127.0.0.1 only. Requirement: dnsstop's requests per second >= 0.8 x
# nginx's, and no failed request (socket error, or any status but 451) at 1,000
# connections. Prints the figures, writes OUTPUT_DIR/bench/stoppage.json, exits 1
# when a requirement is missed. About 30 s (DURATION per server, default 10 s).
set -euo pipefail
out_dir=$(realpath "${1:?usage: tests/bench/stoppage_bench.sh OUTPUT_DIR}")
source_dir=$(realpath "$(dirname "$0")/../..")
duration=${DURATION:-10}
connections=1000
threads=2
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
  max_connections: 4096
  threads: $threads
YAML
"$out_dir/bin/dnsstop-stoppage" --config "$work/dnsstop.yaml" 2>"$work/stoppage.log" &
pids+=($!)
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
pids+=($!)
wait_for "http://127.0.0.1:$nginx_port/"

# run_wrk URL: prints "requests rps socket_errors non_2xx_3xx".
run_wrk() {
  local output
  output=$(wrk -t "$threads" -c "$connections" -d "${duration}s" --timeout 5s -H "Host: blocked.example" "$1")
  echo "$output" >&2
  awk '
    /requests in/ { requests = $1 }
    /Requests\/sec:/ { rps = $2 }
    /Socket errors:/ { gsub(",", ""); errors = $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { non2xx = $5 }
    END { printf "%d %.0f %d %d\n", requests, rps, errors, non2xx }' <<<"$output"
}

echo "== nginx, same page, $connections connections, ${duration} s" >&2
read -r nginx_requests nginx_rps nginx_errors nginx_non2xx < <(run_wrk "http://127.0.0.1:$nginx_port/")
echo "== dnsstop-stoppage, $connections connections, ${duration} s" >&2
read -r stop_requests stop_rps stop_errors stop_non2xx < <(run_wrk "http://127.0.0.1:$stoppage_port/")

[[ $nginx_non2xx -eq 0 ]] || { echo "nginx did not serve the page; see $work/nginx-error.log" >&2; exit 2; }
# Every dnsstop answer must be the 451 stop page: wrk counts them as non-2xx, so any
# request not counted there got a wrong status.
stop_failed=$((stop_errors + stop_requests - stop_non2xx))
ratio=$(awk -v a="$stop_rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
verdict=pass
awk -v r="$ratio" 'BEGIN { exit !(r >= 0.8) }' || verdict=fail
[[ $stop_failed -eq 0 ]] || verdict=fail

printf '\nstop page under wrk, %d connections, %d threads, %d s each, 127.0.0.1:\n' "$connections" "$threads" "$duration"
printf '  %-18s %10s %12s %8s\n' server "req/s" requests failed
printf '  %-18s %10s %12s %8s\n' nginx "$nginx_rps" "$nginx_requests" "$((nginx_errors + nginx_non2xx))"
printf '  %-18s %10s %12s %8s\n' dnsstop-stoppage "$stop_rps" "$stop_requests" "$stop_failed"
printf '  ratio dnsstop/nginx: %s (required >= 0.80); failed: %d (required 0): %s\n' "$ratio" "$stop_failed" "$verdict"
cat >"$out_dir/bench/stoppage.json" <<JSON
{"connections": $connections, "threads": $threads, "duration_seconds": $duration,
 "nginx": {"requests_per_second": $nginx_rps, "requests": $nginx_requests, "socket_errors": $nginx_errors, "non_2xx": $nginx_non2xx},
 "dnsstop_stoppage": {"requests_per_second": $stop_rps, "requests": $stop_requests, "failed": $stop_failed},
 "ratio": $ratio, "verdict": "$verdict"}
JSON
echo "figures written to $out_dir/bench/stoppage.json"
[[ $verdict == pass ]]
