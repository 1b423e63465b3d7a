#!/usr/bin/env bash
# One command for the job-system benchmark: Cairn's jobs beside Hangfire 1.8, all targets in one run, on this machine.
#
# Targets (each cell on fresh storage; the workers of every target run in the benchmark process unless said):
#   cairn               `cairn serve` (embedded SQLite, durability full) with Jobs:Workers=0; the benchmark hosts the
#                       workers through Cairn.Client CreateJobWorker (a no-op IJobHandler): the .NET application pattern
#   cairn-server        the same server running its own workers (Jobs:Workers=N) on the built-in cairn.noop type
#   hangfire-sqlite     Hangfire.Core 1.8.25 + Hangfire.Storage.SQLite 0.4.3 with its defaults (journal DELETE),
#                       QueuePollInterval 50 ms (its default, 15 s, would make every start wait for a poll)
#   hangfire-sqlite-wal the same with journal_mode WAL (the faster durable SQLite setting)
#   hangfire-inmemory   Hangfire.Core 1.8.25 + Hangfire.InMemory 1.0.0 (NOT durable)
# Scenarios, per target: throughput with 1 and 8 workers (no-op jobs enqueued by 4 concurrent enqueuers while the
# workers run), start latency with 1 and 8 workers (5 jobs/s for 20 s, one at a time, enqueue call start → job start,
# p50/p99: a rate below every target's throughput, so it measures starts rather than a growing queue), and a backlog
# (100,000 jobs enqueued with no worker running, then 8 workers started and the drain timed). Slow targets are bounded
# by time limits (the enqueuers stop at 20 s / 90 s, a drain is measured over at most 90 s); the table says so.
#
#   bench/jobs.sh            the full run (15-20 minutes, most of it Hangfire on SQLite, which runs ~10 jobs/s here)
#   bench/jobs.sh --quick    a smoke run with small counts (a minute or two per target)
#   options: --targets LIST, --no-build, --configuration Release|Debug, --results-dir DIR (default bench/results),
#            and any option of cairn-bench-jobs (see its --help), e.g. --jobs N --backlog N --hangfire-poll-ms MS
# Prints the per-cell lines and the summary table, and writes bench/results/jobs-<UTC time>.{jsonl,md}.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIGURATION=Release
BUILD=1
RESULTS_DIR="$ROOT/bench/results"
PASS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0; shift ;;
    --configuration) CONFIGURATION="$2"; shift 2 ;;
    --results-dir) RESULTS_DIR="$2"; shift 2 ;;
    -h|--help) sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) PASS+=("$1"); shift ;;
  esac
done
case "$CONFIGURATION" in Release|Debug) ;; *) echo "jobs.sh: --configuration is Release or Debug" >&2; exit 2 ;; esac

if [[ $BUILD -eq 1 ]]; then
  echo "== building $CONFIGURATION"
  LOG="$(mktemp)"
  for p in src/Cairn.Cli bench/Cairn.Bench.Jobs; do
    dotnet build "$ROOT/$p" -c "$CONFIGURATION" -nologo -v q >"$LOG" 2>&1 || { cat "$LOG" >&2; rm -f "$LOG"; exit 1; }
  done
  rm -f "$LOG"
fi
CLI="$ROOT/src/Cairn.Cli/bin/$CONFIGURATION/net10.0/cairn.dll"
BENCH_DLL="$ROOT/bench/Cairn.Bench.Jobs/bin/$CONFIGURATION/net10.0/cairn-bench-jobs.dll"
for f in "$CLI" "$BENCH_DLL"; do [[ -f "$f" ]] || { echo "jobs.sh: $f is missing (build first, or drop --no-build)" >&2; exit 1; }; done
# The native apphost keeps this private server out of reach of `pkill -f "cairn.dll serve"` cleanups elsewhere.
if [[ -x "${CLI%.dll}" ]]; then CAIRN="${CLI%.dll}"; else CAIRN="$CLI"; fi

mkdir -p "$RESULTS_DIR"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
JSONL="$RESULTS_DIR/jobs-$STAMP.jsonl"
MD="$RESULTS_DIR/jobs-$STAMP.md"
machine() {
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; memory $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "- Kernel: $(uname -sr); SDK $(dotnet --version)"
  echo "- Temp dirs (all stores): $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2 " on " $1}')"
  echo "- Cairn commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- Load average (1/5/15 min) before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
}
echo "== machine"
machine | tee "$MD.machine"
echo "== running (results: $JSONL)"
set +e
dotnet "$BENCH_DLL" --cairn "$CAIRN" --out "$JSONL" --markdown "$MD.table" "${PASS[@]}"
RC=$?
set -e
{
  echo "## Jobs: Cairn beside Hangfire ($STAMP)"
  echo
  cat "$MD.table" 2>/dev/null || echo "(no table: the run failed, exit $RC)"
  echo
  cat "$MD.machine"
  echo "- Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$MD"
rm -f "$MD.machine" "$MD.table"
echo "== written $MD"
exit "$RC"
