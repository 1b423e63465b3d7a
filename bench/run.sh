#!/usr/bin/env bash
# One command: build Release, start a fresh `cairn serve` (temp data dir, free loopback port, Unix socket,
# durability full), run the benchmark matrix against it over TCP and the Unix socket, stop the server, and
# regenerate docs/benchmarks.md from the results.
#
#   bench/run.sh                 full matrix: clients 1,16,64,256 x put,get x tcp,unix; 3 s warm-up + 10 s per cell
#   bench/run.sh --quick         ~1 s cells, clients 1 and 64 only (smoke test; writes bench/results/benchmarks-quick.md,
#                                not docs/benchmarks.md, unless --doc is given)
#   bench/run.sh --duration 20 --warmup 5
#   bench/run.sh --doc PATH      write the markdown somewhere else
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION=10
WARMUP=3
CLIENTS="1,16,64,256"
QUICK=0
DOC=""
HEALTH_TIMEOUT=60

usage() { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1; DURATION=1; WARMUP=0.5; CLIENTS="1,64"; shift ;;
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --doc) DOC="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
if [[ -z "$DOC" ]]; then
  # A quick run is a smoke test: its report goes next to the raw results, not over the committed one.
  if [[ $QUICK -eq 1 ]]; then DOC="$ROOT/bench/results/benchmarks-quick.md"; else DOC="$ROOT/docs/benchmarks.md"; fi
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cairn-bench.XXXXXX")"
SERVER_PID=""
cleanup() {
  local rc=$?
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -f "$WORK/server.log" ]]; then
    echo "run.sh: failed (exit $rc); last lines of the server log:" >&2
    tail -n 20 "$WORK/server.log" >&2 || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== building Release"
dotnet build "$ROOT/Cairn.sln" -c Release -nologo -v q >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }

CLI="$ROOT/src/Cairn.Cli/bin/Release/net10.0/cairn.dll"
# Prefer the native apphost (`cairn serve`, same code as `dotnet cairn.dll serve`); it also keeps this private
# server out of reach of `pkill -f "cairn.dll serve"` cleanups that other scripts on a shared machine may run.
if [[ -x "${CLI%.dll}" ]]; then SERVER=("${CLI%.dll}"); else SERVER=(dotnet "$CLI"); fi
BENCH="$ROOT/bench/Cairn.Bench/bin/Release/net10.0/cairn-bench.dll"
PORT="$(dotnet "$BENCH" free-port)"
SOCK="$WORK/cairn.sock"
URL="http://127.0.0.1:$PORT"

echo "== starting cairn serve on $URL and unix:$SOCK (durability full, data in $WORK/data)"
"${SERVER[@]}" serve --data-dir "$WORK/data" --listen "$URL" --listen "unix:$SOCK" --durability full \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

deadline=$((SECONDS + HEALTH_TIMEOUT))
until curl -fsS -o /dev/null --max-time 2 "$URL/healthz" 2>/dev/null \
   && curl -fsS -o /dev/null --max-time 2 --unix-socket "$SOCK" http://localhost/healthz 2>/dev/null; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "run.sh: cairn serve exited before it became healthy" >&2
    exit 1
  fi
  if (( SECONDS >= deadline )); then
    echo "run.sh: cairn serve not healthy after ${HEALTH_TIMEOUT} s" >&2
    exit 1
  fi
  sleep 0.1
done
echo "== healthy (pid $SERVER_PID)"
FSINFO="$(df -T "$WORK/data" | awk 'NR==2 {print $2 " on " $1}')"

mkdir -p "$ROOT/bench/results"
RESULTS="$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ).jsonl"
bench_rc=0
dotnet "$BENCH" run --target cairn --tcp "$URL" --unix "$SOCK" \
  --clients "$CLIENTS" --workloads put,get --transports tcp,unix \
  --duration "$DURATION" --warmup "$WARMUP" --keys 10000 --value-size 256 --out "$RESULTS" || bench_rc=$?
echo "== results in $RESULTS"
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  server_rc=0; wait "$SERVER_PID" || server_rc=$?
  SERVER_PID=""
  echo "run.sh: cairn serve exited during the run (exit status $server_rc; 143 = SIGTERM from outside)" >&2
  exit 1
fi
if [[ $bench_rc -ne 0 ]]; then
  echo "run.sh: the benchmark failed (exit $bench_rc); docs not written" >&2
  exit "$bench_rc"
fi

COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dotnet "$BENCH" report --results "$RESULTS" --out "$DOC" \
  --method "Server: \`cairn serve --durability full\` on the embedded SQLite store (WAL), fresh temp data dir, started by \`bench/run.sh\`; 10,000 keys preloaded before the first cell." \
  --method "Cells run in order put then get, tcp then unix, clients ascending, each with a new connection pool." \
  --note "SDK: $(dotnet --version)" \
  --note "Data dir filesystem: $FSINFO" \
  --note "Cairn commit: $COMMIT"
