#!/usr/bin/env bash
# Installs the Debian packages the tests drive for real (git client, util-linux sandbox tools,
# nginx and wrk for the router bench). Idempotent: does nothing when all are present.
set -euo pipefail
need=()
command -v git >/dev/null || need+=(git)
command -v unshare >/dev/null || need+=(util-linux)
command -v script >/dev/null || need+=(bsdutils)
command -v ip >/dev/null || need+=(iproute2)
command -v ps >/dev/null || need+=(procps)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
/usr/bin/python3 -c 'import ensurepip' 2>/dev/null || need+=(python3 python3-venv)
command -v npm >/dev/null || need+=(npm)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v useradd >/dev/null || need+=(passwd)
command -v hostname >/dev/null || need+=(hostname)
command -v pebble >/dev/null || need+=(pebble)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then echo "test-deps: missing ${need[*]}; install them (apt-get install ${need[*]})" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
