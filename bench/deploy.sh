#!/usr/bin/env bash
# Deploy speed: push-to-first-served-request for a dependency-free Node app, and a cached npm app's
# second push. Goals: <= 2 s and <= 3 s on a 2-core machine. Needs root (dynos run in sandboxes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-deps.sh
npm run build >/dev/null
exec node_modules/.bin/bun run bench/deploy.ts
