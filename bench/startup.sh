#!/usr/bin/env bash
# Start-up time of the binary (`slipway --version`, median of 30 runs) and the idle server's RSS.
# Goals: start-up <= 50 ms, idle RSS <= 50 MB. Builds dist/slipway first if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x dist/slipway ] || npm run build >/dev/null
bin=$PWD/dist/slipway
runs=30
times=()
for _ in $(seq $runs); do
  start=$(date +%s%N); "$bin" --version >/dev/null; end=$(date +%s%N)
  times+=($(( (end - start) / 1000 )))
done
median_us=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$((runs / 2 + 1))p")
baseline=()
for _ in $(seq $runs); do
  start=$(date +%s%N); /bin/true; end=$(date +%s%N)
  baseline+=($(( (end - start) / 1000 )))
done
base_us=$(printf '%s\n' "${baseline[@]}" | sort -n | sed -n "$((runs / 2 + 1))p")

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
# The idle server's RSS, on its first start (which also makes the home's CA) and on a restart.
idle_rss_kb() {
  local port=$(( 20000 + RANDOM % 20000 ))
  "$bin" server --home "$home" --api-port "$port" --router-port 0 --https-port 0 --api-tls-port 0 --rendezvous-port 0 \
    --bind 127.0.0.1 >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.05; done
  sleep 2
  awk '/^VmRSS/ {print $2}' "/proc/$pid/status"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
first_kb=$(idle_rss_kb)
rss_kb=$(idle_rss_kb)

printf 'startup (slipway --version, median of %d): %d.%03d ms   (/bin/true: %d.%03d ms)   goal <= 50 ms: %s\n' \
  $runs $((median_us / 1000)) $((median_us % 1000)) $((base_us / 1000)) $((base_us % 1000)) \
  "$([ "$median_us" -le 50000 ] && echo met || echo MISSED)"
printf 'idle server RSS: %d.%d MB after a restart (%d.%d MB on the very first start)   goal <= 50 MB: %s\n' \
  $((rss_kb / 1024)) $(( (rss_kb % 1024) * 10 / 1024 )) $((first_kb / 1024)) $(( (first_kb % 1024) * 10 / 1024 )) \
  "$([ "$rss_kb" -le 51200 ] && echo met || echo MISSED)"
