#!/usr/bin/env bash
# Dynos: sandbox start to the command's first instruction, memory per idle dyno beyond the app's own,
# and web 1 -> 10 up for a Node app. Goals: <= 30 ms, <= 2 MB, <= 2 s on a 2-core machine.
# Needs root (dynos run in sandboxes). ROUNDS=10 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-deps.sh
npm run build >/dev/null
exec node_modules/.bin/bun run bench/dynos-bench.ts
