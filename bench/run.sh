#!/usr/bin/env bash
# One command: build Release, start a fresh `cairn serve` (temp data dir, free loopback port, Unix socket,
# durability full), run the benchmark matrix against it over TCP and the Unix socket, stop the server, and
# regenerate docs/benchmarks.md from the results. After the matrix, the same server runs the watch benchmark
# (`cairn-bench watch`): a WebSocket fan-out (key and prefix mode) and a single-watcher SSE put->event loop.
#
#   bench/run.sh                 full matrix: clients 1,16,64,256 x put,get x tcp,unix; 3 s warm-up + 10 s per cell;
#                                journal appends (seed-compatible API, Unix socket) at 1, 16, 64 clients;
#                                1 MiB blob puts and gets (/v1/blobs, Unix socket) at 1 and 16 clients;
#                                fan-out 10,000 watchers over 100 sockets, 20 rounds; SSE 1,000 puts
#   bench/run.sh --quick         ~1 s cells, clients 1 and 64 only; fan-out 1,000 watchers over 10 sockets, 5 rounds;
#                                SSE 200 puts (smoke test; writes bench/results/benchmarks-quick.md,
#                                not docs/benchmarks.md, unless --doc is given)
#   bench/run.sh --duration 20 --warmup 5
#   bench/run.sh --doc PATH      write the markdown somewhere else
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION=10
WARMUP=3
CLIENTS="1,16,64,256"
JOURNAL_CLIENTS="1,16,64"
BLOB_CLIENTS="1,16"
QUICK=0
DOC=""
HEALTH_TIMEOUT=60
WATCHERS=10000
SOCKETS=100
ROUNDS=20
SSE_ITERATIONS=1000

usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1; DURATION=1; WARMUP=0.5; CLIENTS="1,64"; JOURNAL_CLIENTS="64"; BLOB_CLIENTS="16"; WATCHERS=1000; SOCKETS=10; ROUNDS=5; SSE_ITERATIONS=200; shift ;;
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

# The fan-out holds one connection per socket on both ends (client and server are both children of this shell);
# make sure the descriptor limit is well above that.
NOFILE_NEEDED=$((SOCKETS + 4096))
if [[ "$(ulimit -n)" != unlimited && "$(ulimit -n)" -lt $NOFILE_NEEDED ]]; then
  ulimit -n "$NOFILE_NEEDED" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if [[ "$(ulimit -n)" != unlimited && "$(ulimit -n)" -lt $((SOCKETS + 256)) ]]; then
    echo "run.sh: the open-file limit ($(ulimit -n)) is too low for $SOCKETS watch sockets" >&2
    exit 1
  fi
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

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
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
if [[ $bench_rc -eq 0 ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
  # Durable journal appends through the seed-compatible API on the Unix socket (the seed's own transport).
  echo "== journal appends over the Unix socket: clients $JOURNAL_CLIENTS"
  dotnet "$BENCH" run --target cairn --unix "$SOCK" --transports unix --workloads journal --skip-preload \
    --clients "$JOURNAL_CLIENTS" --duration "$DURATION" --warmup "$WARMUP" --out "$RESULTS" || bench_rc=$?
fi
if [[ $bench_rc -eq 0 ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
  # Large values: 1 MiB blobs through /v1/blobs on the Unix socket, each a durable volume file.
  echo "== 1 MiB blobs over the Unix socket: clients $BLOB_CLIENTS"
  dotnet "$BENCH" run --target cairn --unix "$SOCK" --transports unix --workloads blobput,blobget \
    --clients "$BLOB_CLIENTS" --keys 64 --value-size 1048576 --duration "$DURATION" --warmup "$WARMUP" --out "$RESULTS" || bench_rc=$?
fi
if [[ $bench_rc -eq 0 ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
  # Same server, same data dir, right after the matrix.
  echo "== watch fan-out: $WATCHERS watchers over $SOCKETS WebSockets, $ROUNDS rounds (key and prefix); SSE put->event x $SSE_ITERATIONS"
  dotnet "$BENCH" watch --tcp "$URL" --watchers "$WATCHERS" --sockets "$SOCKETS" --rounds "$ROUNDS" --modes key,prefix \
    --sse-iterations "$SSE_ITERATIONS" --value-size 256 --out "$RESULTS" || bench_rc=$?
  echo "== server after the watch run: $(ps -o rss= -p "$SERVER_PID" | awk '{printf "%.0f MiB RSS", $1 / 1024}'), $(ls /proc/"$SERVER_PID"/fd 2>/dev/null | wc -l) open fds"
  if grep -qE '^(warn|fail|crit):' "$WORK/server.log"; then
    echo "run.sh: the server logged warnings or errors:" >&2
    grep -E -A3 '^(warn|fail|crit):' "$WORK/server.log" | head -n 40 >&2
  fi
fi
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
  --method "\`journal\`: the seed's own call, \`POST /compat/journal/{txid}/{step}\` with the seed's ~350-byte example message over the Unix socket, each client walking its own requests through begin, authorization, commit; durable." \
  --method "\`blobput\` / \`blobget\`: \`PUT\` / \`GET /v1/blobs/bench/blob-{i}\` of a random one of 64 preloaded 1 MiB blobs over the Unix socket; a put streams a new volume file (checksummed, fsynced, renamed) and then commits its key, and the old file is removed; MiB/s = ops/s." \
  --note "SDK: $(dotnet --version)" \
  --note "Data dir filesystem: $FSINFO" \
  --note "Cairn commit: $COMMIT" \
  --note "Load average (1/5/15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) (on a 2-core box, anything well above 2 means other work shared the CPUs)"
