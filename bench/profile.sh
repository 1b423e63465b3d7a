#!/usr/bin/env bash
# Where Cairn's time goes: profiles a fresh `cairn serve` (embedded store, durable) under the benchmark's closed-loop
# load with dotnet-trace, and prints the frames with the most on-CPU samples (bench/tools/speedscope_top.py).
#
#   bench/profile.sh [--workload put|get|cas|create|mix] [--clients 64] [--seconds 6] [--transport unix|tcp|grpc-unix]
#                    [--backend sqlite|log] [--out DIR]
#
# grpc-unix drives the server through etcd's v3 gRPC API on a Unix socket (`--etcd-listen unix:…`) with the
# benchmark's etcd driver, as bench/run.sh's grpc-unix cells do.
#
# dotnet-trace is installed as a global .NET tool when missing. The raw trace (.nettrace) and its speedscope JSON
# (open it at https://www.speedscope.app) are kept in --out (default bench/results/profile-WORKLOAD).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORKLOAD=put
CLIENTS=64
SECONDS_TRACED=6
TRANSPORT=unix
BACKEND=sqlite
OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --workload) WORKLOAD="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --seconds) SECONDS_TRACED="$2"; shift 2 ;;
    --transport) TRANSPORT="$2"; shift 2 ;;
    --backend) BACKEND="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "profile.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
case "$WORKLOAD" in put|get|cas|create|mix) ;; *) echo "profile.sh: --workload is put, get, cas, create or mix" >&2; exit 2 ;; esac
case "$TRANSPORT" in unix|tcp|grpc-unix) ;; *) echo "profile.sh: --transport is unix, tcp or grpc-unix" >&2; exit 2 ;; esac
case "$BACKEND" in sqlite|log) ;; *) echo "profile.sh: --backend is sqlite or log" >&2; exit 2 ;; esac
[[ "$CLIENTS" =~ ^[0-9]+$ && "$SECONDS_TRACED" =~ ^[0-9]+$ ]] || { echo "profile.sh: --clients and --seconds are whole numbers" >&2; exit 2; }
OUT="${OUT:-$ROOT/bench/results/profile-$WORKLOAD}"
mkdir -p "$OUT"

export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v dotnet-trace >/dev/null 2>&1; then
  echo "== installing dotnet-trace (global .NET tool)"
  dotnet tool install -g dotnet-trace >/dev/null
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cairn-profile.XXXXXX")"
SERVER_PID=""
LOAD_PID=""
cleanup() {
  for pid in $LOAD_PID $SERVER_PID; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $LOAD_PID $SERVER_PID; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== building Release"
dotnet build "$ROOT/Cairn.sln" -c Release -nologo -v q >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
CLI="$ROOT/src/Cairn.Cli/bin/Release/net10.0/cairn"
BENCH="$ROOT/bench/Cairn.Bench/bin/Release/net10.0/cairn-bench.dll"
PORT="$(dotnet "$BENCH" free-port)"
"$CLI" serve --data-dir "$WORK/data" --listen "http://127.0.0.1:$PORT" --listen "unix:$WORK/cairn.sock" --durability full \
  --backend "$BACKEND" --etcd-listen "unix:$WORK/grpc.sock" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
deadline=$((SECONDS + 60))
until curl -fsS -o /dev/null --max-time 2 --unix-socket "$WORK/cairn.sock" http://localhost/healthz 2>/dev/null; do
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "profile.sh: cairn serve exited" >&2; cat "$WORK/server.log" >&2; exit 1; }
  (( SECONDS < deadline )) || { echo "profile.sh: cairn serve not healthy after 60 s" >&2; exit 1; }
  sleep 0.1
done

# Load for warm-up (5 s) + the traced seconds + a margin; the trace starts once the warm-up is over.
echo "== $WORKLOAD load, $CLIENTS clients over $TRANSPORT; tracing $SECONDS_TRACED s after a 5 s warm-up"
dotnet "$BENCH" run --target cairn --tcp "http://127.0.0.1:$PORT" --unix "$WORK/cairn.sock" --grpc-unix "$WORK/grpc.sock" --transports "$TRANSPORT" \
  --workloads "$WORKLOAD" --clients "$CLIENTS" --warmup 5 --duration $((SECONDS_TRACED + 3)) --server-pids "$SERVER_PID" \
  --out "$OUT/load.jsonl" >"$OUT/load.txt" 2>&1 &
LOAD_PID=$!
until grep -q '^target' "$OUT/load.txt" 2>/dev/null; do
  kill -0 "$LOAD_PID" 2>/dev/null || { echo "profile.sh: the load generator exited" >&2; cat "$OUT/load.txt" >&2; exit 1; }
  sleep 0.1
done
sleep 5 # the load generator's own warm-up: JIT tiers and caches settle before the trace starts
dotnet-trace collect -p "$SERVER_PID" --profile dotnet-sampled-thread-time --duration "00:00:00:$(printf %02d "$SECONDS_TRACED")" \
  -o "$OUT/cairn.nettrace" >"$OUT/trace.txt" 2>&1
wait "$LOAD_PID" || true
LOAD_PID=""
cat "$OUT/load.txt"
dotnet-trace convert --format speedscope "$OUT/cairn.nettrace" -o "$OUT/cairn" >/dev/null
python3 "$ROOT/bench/tools/speedscope_top.py" "$OUT/cairn.speedscope.json" --cpu-only --top 40
echo "== trace: $OUT/cairn.nettrace, speedscope: $OUT/cairn.speedscope.json"
