#!/usr/bin/env bash
# Installs what the benches drive besides the tests' own needs: wrk (load), nginx (the router's yardstick)
# and a C compiler (for bench/tcp-pipe.c, the ceiling any proxy can reach).
set -euo pipefail
bash "$(dirname "$0")/test-deps.sh"
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
command -v cc >/dev/null || need+=(gcc libc6-dev)
command -v ss >/dev/null || need+=(iproute2)
[ ${#need[@]} -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
