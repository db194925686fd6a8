#!/usr/bin/env bash
# Installs Slipway as a service on a VPS: the binary to /usr/local/bin, state in /var/lib/slipway,
# and the systemd unit, enabled and started. Run as root: sudo scripts/install.sh [path/to/slipway]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
binary=${1:-$here/dist/slipway}
unit_source=$here/systemd/slipway.service
prefix=${SLIPWAY_INSTALL_ROOT:-}

if [ "$(id -u)" != 0 ] && [ -z "$prefix" ]; then echo "install.sh: run as root (sudo $0)" >&2; exit 1; fi
[ -x "$binary" ] || { echo "install.sh: no binary at $binary (run npm run build first)" >&2; exit 1; }

install -D -m 0755 "$binary" "$prefix/usr/local/bin/slipway"
install -d -m 0700 "$prefix/var/lib/slipway"
install -D -m 0644 "$unit_source" "$prefix/etc/systemd/system/slipway.service"

if [ -z "$prefix" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --now slipway.service
  echo "Slipway is running. Admin token: $(cat /var/lib/slipway/admin-token 2>/dev/null || echo 'see journalctl -u slipway')"
else
  echo "Installed under ${prefix:-/}; start it with: slipway server --home /var/lib/slipway"
fi
