#!/usr/bin/env bash
# Time from spawn to the command's first instruction (bounded by its exit) and memory overhead
# of a sandbox, beside a plain spawn of the same command. Needs root. RUNS=20 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node_modules/.bin/bun bench/sandbox-start.ts
