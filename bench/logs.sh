#!/usr/bin/env bash
# The log stream's write path (lines/s one dyno can append) and tail latency. Usage: bench/logs.sh [LINES]
set -euo pipefail
cd "$(dirname "$0")/.."
LINES="${1:-500000}" exec node_modules/.bin/bun bench/logs-bench.ts
