#!/usr/bin/env bash
# One command for the coordination benchmark: Cairn's locks, elections and barriers beside etcd's own lock and election
# services, all targets in one run, on this machine.
#
# Targets (each cell on fresh state; every participant runs in the benchmark process with a session — lease — of its own):
#   cairn           `cairn serve` (embedded SQLite, durability full, a fresh temp data dir per cell) over HTTP/1.1 on
#                   loopback TCP, driven through Cairn.Client (AcquireLockAsync, CampaignAsync, EnterBarrierAsync under a
#                   CairnSession per participant; lock and leadership handles watch their key while held)
#   cairn-http      the same server driven through the routes alone (/v1/locks, /v1/elections, /v1/barriers with the
#                   Contracts DTOs, a plain lease per participant): the server's cost, like etcd's services driven directly
#   cairn-lib-etcd  the Cairn.Coordination library in process on Cairn's etcd backend (EtcdKeyspace, gRPC), against the
#                   etcd this script starts
#   etcd            etcd's v3lock and v3election services (its `concurrency` Mutex and Election, run in the server)
#                   driven directly with dotnet-etcd, same etcd; it has no barrier service (that cell is n/a)
# Scenarios, per target: lock acquire/release pairs per second and acquire latency, uncontended (one loop) and with 16
# contenders (16 loops on one name), 10 s each; election failover with a leader and 3 standbys: clean (the leader
# resigns → a standby's campaign returns; p50/p99 over 50) and crash (the leader's 2 s lease is not kept alive → a
# standby's campaign returns; mean over 5); a double barrier of 64 participants: the last arrival (start of the last
# enter) → all 64 released (the last enter returns), p50 over 10 rounds, with all 64 entering at once and with 63
# already entered and waiting before the last enters.
#
#   bench/coord.sh            the full run (about 5-7 minutes on 2 vCPUs, build excluded)
#   bench/coord.sh --quick    a smoke run (2 s lock cells, 10 failovers, 2 crash rounds, 3 barrier rounds)
#   options: --targets LIST, --no-build, --configuration Release|Debug, --results-dir DIR (default bench/results),
#            and any option of cairn-bench-coord (see its --help), e.g. --duration S --contenders 1,16 --participants N
# etcd (Debian's etcd-server) runs on free loopback ports with its data in a temp dir on disk (fsync on, its default;
# the cairn server's durability is full too), and is stopped and removed at the end.
# Prints the per-cell lines and the summary table, and writes bench/results/coord-<UTC time>.{jsonl,md}.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIGURATION=Release
BUILD=1
RESULTS_DIR="$ROOT/bench/results"
TARGETS="cairn,cairn-http,cairn-lib-etcd,etcd"
PASS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0; shift ;;
    --configuration) CONFIGURATION="$2"; shift 2 ;;
    --results-dir) RESULTS_DIR="$2"; shift 2 ;;
    --targets) TARGETS="$2"; shift 2 ;;
    -h|--help) sed -n '2,28p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) PASS+=("$1"); shift ;;
  esac
done
case "$CONFIGURATION" in Release|Debug) ;; *) echo "coord.sh: --configuration is Release or Debug" >&2; exit 2 ;; esac
has() { [[ ",$TARGETS," == *",$1,"* ]]; }
server() { has cairn || has cairn-http; }
for t in ${TARGETS//,/ }; do
  case "$t" in cairn|cairn-http|cairn-lib-etcd|etcd) ;; *) echo "coord.sh: unknown target '$t' (cairn, cairn-http, cairn-lib-etcd, etcd)" >&2; exit 2 ;; esac
done

if [[ $BUILD -eq 1 ]]; then
  echo "== building $CONFIGURATION"
  LOG="$(mktemp)"
  PROJECTS=(bench/Cairn.Bench.Coord)
  if server; then PROJECTS=(src/Cairn.Cli "${PROJECTS[@]}"); fi
  for p in "${PROJECTS[@]}"; do
    dotnet build "$ROOT/$p" -c "$CONFIGURATION" -nologo -v q >"$LOG" 2>&1 || { cat "$LOG" >&2; rm -f "$LOG"; exit 1; }
  done
  rm -f "$LOG"
fi
CLI="$ROOT/src/Cairn.Cli/bin/$CONFIGURATION/net10.0/cairn.dll"
BENCH_DLL="$ROOT/bench/Cairn.Bench.Coord/bin/$CONFIGURATION/net10.0/cairn-bench-coord.dll"
NEED=("$BENCH_DLL")
if server; then NEED+=("$CLI"); fi
for f in "${NEED[@]}"; do [[ -f "$f" ]] || { echo "coord.sh: $f is missing (build first, or drop --no-build)" >&2; exit 1; }; done
# The native apphost keeps this private server out of reach of `pkill -f "cairn.dll serve"` cleanups elsewhere.
if [[ -x "${CLI%.dll}" ]]; then CAIRN="${CLI%.dll}"; else CAIRN="$CLI"; fi
ARGS=(--targets "$TARGETS")
if server; then ARGS+=(--cairn "$CAIRN"); fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cairn-bench-coord.XXXXXX")"
ETCD_PID=""
cleanup() {
  if [[ -n "$ETCD_PID" ]]; then kill "$ETCD_PID" 2>/dev/null || true; wait "$ETCD_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
ETCD_VERSION="not run"
if has cairn-lib-etcd || has etcd; then
  command -v etcd >/dev/null 2>&1 || { echo "coord.sh: etcd is not installed (apt-get install etcd-server)" >&2; exit 1; }
  ETCD_VERSION="$(etcd --version 2>/dev/null | sed -n 's/^etcd Version: //p')"
  CPORT=$(free_port); PPORT=$(free_port)
  ETCD_URL="http://127.0.0.1:$CPORT"
  etcd --name bench --data-dir "$WORK/etcd" --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
    --listen-peer-urls "http://127.0.0.1:$PPORT" --initial-advertise-peer-urls "http://127.0.0.1:$PPORT" \
    --initial-cluster "bench=http://127.0.0.1:$PPORT" --log-level error >"$WORK/etcd.log" 2>&1 &
  ETCD_PID=$!
  for _ in $(seq 1 300); do
    curl -fsS --max-time 2 "$ETCD_URL/health" >/dev/null 2>&1 && break
    kill -0 "$ETCD_PID" 2>/dev/null || { echo "coord.sh: etcd exited while starting:" >&2; cat "$WORK/etcd.log" >&2; exit 1; }
    sleep 0.1
  done
  curl -fsS --max-time 2 "$ETCD_URL/health" >/dev/null 2>&1 || { echo "coord.sh: etcd not ready after 30 s" >&2; cat "$WORK/etcd.log" >&2; exit 1; }
  ARGS+=(--etcd "$ETCD_URL")
fi

mkdir -p "$RESULTS_DIR"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
JSONL="$RESULTS_DIR/coord-$STAMP.jsonl"
MD="$RESULTS_DIR/coord-$STAMP.md"
machine() {
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; memory $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "- Kernel: $(uname -sr); SDK $(dotnet --version); etcd $ETCD_VERSION"
  echo "- Temp dirs (cairn data, etcd data): $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2 " on " $1}')"
  echo "- Cairn commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- Load average (1/5/15 min) before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
}
echo "== machine"
machine | tee "$MD.machine"
echo "== running (results: $JSONL)"
set +e
dotnet "$BENCH_DLL" "${ARGS[@]}" --out "$JSONL" --markdown "$MD.table" "${PASS[@]}"
RC=$?
set -e
{
  echo "## Coordination: Cairn beside etcd ($STAMP)"
  echo
  cat "$MD.table" 2>/dev/null || echo "(no table: the run failed, exit $RC)"
  echo
  cat "$MD.machine"
  echo "- Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$MD"
rm -f "$MD.machine" "$MD.table"
echo "== written $MD"
exit "$RC"
