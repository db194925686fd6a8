#!/usr/bin/env bash
# The scheduler with 1,000 jobs across 100 apps: idle CPU (goal <= 1 % of a core, against an empty process
# and against one croner timer per job) and lateness of 1,000 jobs due at the same second (goal <= 1 s).
# Usage: bench/scheduler.sh [IDLE_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUN=node_modules/.bin/bun
export IDLE_SECONDS="${1:-10}" CLK_TCK="$(getconf CLK_TCK)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# The three idle measurements only wait, so they run side by side.
for mode in empty idle per-job; do "$BUN" bench/scheduler-bench.ts "$mode" >"$out/$mode" & done
wait
"$BUN" bench/scheduler-bench.ts late >"$out/late"
"$BUN" -e '
  const read = (m) => JSON.parse(require("fs").readFileSync(`${process.argv[1]}/${m}`, "utf8"));
  const [empty, idle, perJob, late] = ["empty", "idle", "per-job", "late"].map(read);
  const pct = (n) => `${n.toFixed(2)} %`;
  const signed = (n) => { const r = Math.round(n * 100) / 100; return `${r >= 0 ? "+" : ""}${r.toFixed(2)}`; };
  console.log(`idle CPU over ${process.env.IDLE_SECONDS} s, ${idle.jobs} jobs / 100 apps (% of one core):`);
  console.log(`  empty process          ${pct(empty.cpuPercent)}`);
  console.log(`  scheduler (one timer)  ${pct(idle.cpuPercent)}   (${signed(idle.cpuPercent - empty.cpuPercent)} points over empty; goal <= 1)`);
  console.log(`  one croner timer/job   ${pct(perJob.cpuPercent)}`);
  console.log(`lateness, ${late.jobs} jobs due at the same second: fired ${late.fired}, max ${late.lateMsMax} ms, p99 ${late.lateMsP99} ms, p50 ${late.lateMsP50} ms (goal <= 1000 ms)`);
  const ok = idle.cpuPercent - empty.cpuPercent <= 1 && late.fired === late.jobs && late.lateMsMax <= 1000;
  console.log(ok ? "goals met" : "GOALS NOT MET");
  process.exit(ok ? 0 : 1);
' "$out"
