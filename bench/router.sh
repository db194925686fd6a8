#!/usr/bin/env bash
# Router throughput: wrk -t1 -c32 against a small Node app directly, through nginx (upstream keepalive),
# through the Slipway router, and through bench/tcp-pipe.c — a bare C relay with no HTTP, the most any
# proxy could do on this machine, since two extra loopback TCP hops cost the same whoever makes them.
# The app is deployed by git push to the real daemon (dist/slipway server) and runs as its web dyno;
# all four runs hit that one dyno. Prints req/s, p99 latency and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bench-deps.sh

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
BUN=node_modules/.bin/bun

for tool in wrk nginx node cc ss; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench/router.sh: '$tool' is missing (apt-get install wrk nginx-light nodejs gcc iproute2)" >&2
    exit 1
  fi
done

work=$(mktemp -d /tmp/slipway-router-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_port() {
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "bench/router.sh: nothing listening on port $1" >&2
  exit 1
}

npm run build >/dev/null
"$BUN" bench/router-server.ts >"$work/slipway.out" &
pids+=($!)
for _ in $(seq 600); do grep -q '^ready ' "$work/slipway.out" && break; sleep 0.1; done
if ! read -r _ router_port app_port router_pid < <(grep '^ready ' "$work/slipway.out"); then
  echo "bench/router.sh: the Slipway server did not come up" >&2
  exit 1
fi
app_pid=$(ss -Hltnp "sport = :$app_port" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)

nginx_port=$(free_port)
mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
error_log $work/nginx/logs/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  upstream app { server 127.0.0.1:$app_port; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)
nginx_pid=$!

pipe_port=$(free_port)
cc -O2 -o "$work/tcp-pipe" bench/tcp-pipe.c
"$work/tcp-pipe" "$pipe_port" "$app_port" &
pids+=($!)
pipe_pid=$!

wait_port "$app_port"; wait_port "$nginx_port"; wait_port "$pipe_port"; wait_port "$router_port"

# CPU time (user+sys, in clock ticks) a process has used: /proc/PID/stat fields 14 and 15.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tick_us=$((1000000 / $(getconf CLK_TCK)))

# wrk prints e.g. "Requests/sec:  41234.56", "190000 requests in 5.00s" and, with --latency, "99%    1.23ms".
# Besides req/s and p99, report the proxy's own CPU per request: on a shared machine it is the steadier number.
measure() { # name port pid → "req/s p99ms cpu-us-per-request"
  local out before after
  before=$(cpu_ticks "$3")
  out=$(wrk -t1 -c32 -d"$DURATION" --latency -H "Host: app.localhost" "http://127.0.0.1:$2/")
  after=$(cpu_ticks "$3")
  if grep -q "Non-2xx" <<<"$out"; then echo "bench/router.sh: $1 answered non-2xx" >&2; echo "$out" >&2; exit 1; fi
  awk -v cpu_us=$(( (after - before) * tick_us )) '
       /^Requests\/sec:/ {rps = $2}
       / requests in / {requests = $1}
       $1 == "99%" {v = $2; if (v ~ /us$/) {sub(/us$/, "", v); v /= 1000} else if (v ~ /ms$/) {sub(/ms$/, "", v)} else {sub(/s$/, "", v); v *= 1000}; p99 = v}
       END {print rps, p99, cpu_us / requests}' <<<"$out"
}

# Rounds interleave the three targets, so load from elsewhere on the machine hits all of them alike;
# each target keeps its best round (noise only ever slows a round down).
declare -A best_rps=([direct]=0 [nginx]=0 [pipe]=0 [router]=0) best_p99=() best_cpu=()
declare -A port_of=([direct]=$app_port [nginx]=$nginx_port [pipe]=$pipe_port [router]=$router_port)
declare -A pid_of=([direct]=$app_pid [nginx]=$nginx_pid [pipe]=$pipe_pid [router]=$router_pid)
for round in $(seq "$ROUNDS"); do
  for name in direct nginx pipe router; do
    read -r rps p99 cpu < <(measure "$name" "${port_of[$name]}" "${pid_of[$name]}")
    printf '  round %d  %-7s %10.0f req/s  p99 %7.2f ms  %5.1f us CPU/request (%s)\n' "$round" "$name" "$rps" "$p99" "$cpu" \
      "$([[ $name == direct ]] && echo app || echo proxy)"
    if awk -v a="$rps" -v b="${best_rps[$name]}" 'BEGIN {exit !(a > b)}'; then best_rps[$name]=$rps; best_p99[$name]=$p99; fi
    if [[ -z ${best_cpu[$name]:-} ]] || awk -v a="$cpu" -v b="${best_cpu[$name]}" 'BEGIN {exit !(a < b)}'; then best_cpu[$name]=$cpu; fi
  done
done
direct_rps=${best_rps[direct]} direct_p99=${best_p99[direct]}
nginx_rps=${best_rps[nginx]} nginx_p99=${best_p99[nginx]}
router_rps=${best_rps[router]} router_p99=${best_p99[router]}
pipe_rps=${best_rps[pipe]}

awk -v pc="${best_cpu[pipe]}" -v pr="$pipe_rps" -v nc="${best_cpu[nginx]}" -v rc="${best_cpu[router]}" -v d="$direct_rps" -v dp="$direct_p99" -v n="$nginx_rps" -v np="$nginx_p99" -v r="$router_rps" -v rp="$router_p99" 'BEGIN {
  printf "\n%-8s %12s %10s\n", "", "req/s", "p99 ms"
  printf "%-8s %12.0f %10.2f\n", "direct", d, dp
  printf "%-8s %12.0f %10.2f\n", "nginx", n, np
  printf "%-8s %12.0f %10.2f\n", "router", r, rp
  printf "%-8s %12.0f %10s   (bench/tcp-pipe.c: no HTTP at all, the ceiling for a proxy)\n", "pipe", pr, "-"
  printf "\nrouter/nginx  %.2fx   (goal >= 1.0)\n", r / n
  printf "router/direct %.2fx   (goal >= 0.8; a bare C pipe reaches %.2fx)\n", r / d, pr / d
  printf "router/pipe   %.2fx   (share of the ceiling)\n", r / pr
  printf "p99 added vs direct: router %+.2f ms, nginx %+.2f ms\n", rp - dp, np - dp
  printf "proxy CPU per request: router %.1f us, nginx %.1f us (router/nginx %.2fx), pipe %.1f us\n", rc, nc, rc / nc, pc
}'
