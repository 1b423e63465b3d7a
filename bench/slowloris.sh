#!/usr/bin/env bash
# Slowloris: does a crowd of half-open connections from one address slow normal clients down?
#
# For each target, a fresh server on loopback; cairn-bench-slowloris then, for --rounds rounds, measures the latency of
# --clients normal clients (each on a fresh keep-alive connection from 127.0.0.2, alternating PUT and GET of a
# 100-byte value) over --requests requests (baseline), opens --connections TCP connections from 127.0.0.1 that send a
# request line and part of a header and then nothing (half-open), measures again while they are held, and closes them;
# after the last round it watches whether the server lets the crowd go (a header timeout), and measures once more.
# Targets:
#   cairn-defaults   `cairn serve` (Release, embedded SQLite) with its defaults: Limits:MaxConnectionsPerAddress 1000,
#                    Limits:RequestHeadersTimeout 30s, Limits:MaxConnections from the open-file limit
#   cairn-uncapped   the same with Limits:MaxConnectionsPerAddress=0, so that the server holds all of the crowd
#   etcd             the etcd binary on PATH (Debian's), its client port (the JSON gateway /v3/kv for the clients)
#
#   bench/slowloris.sh                     every target (about 3 minutes each)
#   options: --targets "cairn-defaults cairn-uncapped etcd", --no-build, --results-dir DIR (default bench/results),
#            and any option of cairn-bench-slowloris (--connections N, --requests N, --clients N, --rounds N, --observe S)
# Writes bench/results/slowloris-<UTC date>.md (method, machine, load average, table) and .jsonl (every figure).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIGURATION=Release
BUILD=1
RESULTS_DIR="$ROOT/bench/results"
TARGETS="cairn-defaults cairn-uncapped etcd"
PASS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0; shift ;;
    --targets) TARGETS="$2"; shift 2 ;;
    --results-dir) RESULTS_DIR="$2"; shift 2 ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) PASS+=("$1"); shift ;;
  esac
done

# The crowd and the server each hold a descriptor per connection (and the server's default connection cap follows its
# open-file limit): take the hard limit, and say so if it is too low for the crowd.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (( $(ulimit -n) < 8192 )); then
  echo "slowloris.sh: the open-file limit is $(ulimit -n); raise the hard limit (e.g. ulimit -Hn 65536 as root) for a crowd of 2,000" >&2
fi

if [[ $BUILD -eq 1 ]]; then
  echo "== building $CONFIGURATION"
  LOG="$(mktemp)"
  for p in src/Cairn.Cli bench/Cairn.Bench.Slowloris; do
    dotnet build "$ROOT/$p" -c "$CONFIGURATION" -nologo -v q >"$LOG" 2>&1 || { cat "$LOG" >&2; rm -f "$LOG"; exit 1; }
  done
  rm -f "$LOG"
fi
CLI="$ROOT/src/Cairn.Cli/bin/$CONFIGURATION/net10.0/cairn.dll"
BENCH_DLL="$ROOT/bench/Cairn.Bench.Slowloris/bin/$CONFIGURATION/net10.0/cairn-bench-slowloris.dll"
for f in "$CLI" "$BENCH_DLL"; do [[ -f "$f" ]] || { echo "slowloris.sh: $f is missing (build first, or drop --no-build)" >&2; exit 1; }; done
if [[ -x "${CLI%.dll}" ]]; then CAIRN=("${CLI%.dll}"); else CAIRN=(dotnet "$CLI"); fi

WORK="$(mktemp -d -t cairn-slowloris-XXXXXX)"
SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_healthy() {  # URL, log
  local deadline=$((SECONDS + 120))
  until curl -fsS -o /dev/null --max-time 2 "$1"; do
    if (( SECONDS >= deadline )) || ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "slowloris.sh: the server did not come up at $1; its log ends:" >&2; tail -n 20 "$2" >&2; return 1
    fi
    sleep 0.2
  done
}

mkdir -p "$RESULTS_DIR"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
JSONL="$RESULTS_DIR/slowloris-$STAMP.jsonl"
MD="$RESULTS_DIR/slowloris-$STAMP.md"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

run_target() {  # label
  local label="$1" port url log
  port=$(free_port)
  url="http://127.0.0.1:$port"
  log="$WORK/$label.log"
  case "$label" in
    cairn-defaults)
      "${CAIRN[@]}" serve --data-dir "$WORK/$label" --listen "$url" >"$log" 2>&1 &
      SERVER_PID=$!; wait_healthy "$url/healthz" "$log" || return 1 ;;
    cairn-uncapped)
      CAIRN_LIMITS__MAXCONNECTIONSPERADDRESS=0 "${CAIRN[@]}" serve --data-dir "$WORK/$label" --listen "$url" >"$log" 2>&1 &
      SERVER_PID=$!; wait_healthy "$url/healthz" "$log" || return 1 ;;
    etcd)
      command -v etcd >/dev/null || { echo "slowloris.sh: no etcd on PATH; skipping it" >&2; return 0; }
      local peer; peer=$(free_port)
      etcd --name slowloris --data-dir "$WORK/etcd" --listen-client-urls "$url" --advertise-client-urls "$url" \
        --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
        --initial-cluster "slowloris=http://127.0.0.1:$peer" --log-level error >"$log" 2>&1 &
      SERVER_PID=$!; wait_healthy "$url/health" "$log" || return 1 ;;
    *) echo "slowloris.sh: unknown target '$label'" >&2; return 1 ;;
  esac
  echo "== $label ($url), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  local target=cairn; [[ $label == etcd ]] && target=etcd
  dotnet "$BENCH_DLL" --url "$url" --target "$target" --label "$label" --out "$JSONL" "${PASS[@]}"
  if grep -qiE "unhandled|fatal|out of memory" "$log"; then echo "   the server's log:"; grep -iE -m 5 "unhandled|fatal|out of memory" "$log" | sed 's/^/   | /'; fi
  stop_server
}

for t in $TARGETS; do run_target "$t"; done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

{
  echo "## Slowloris: normal clients beside 2,000 half-open connections ($STAMP)"
  echo
  echo "Method: \`bench/slowloris.sh\` (cairn-bench-slowloris). Each target is a fresh server on loopback. Normal clients:"
  echo "concurrent clients, each on a fresh keep-alive HTTP/1.1 connection from 127.0.0.2, alternating a PUT and a GET of a"
  echo "100-byte value on a key of its own (Cairn: \`/v1/kv\`; etcd: its JSON gateway \`/v3/kv/put\`, \`/v3/kv/range\`)."
  echo "Per round: the baseline measurement; then the crowd — TCP connections from one address (127.0.0.1) that each send"
  echo "\`GET /v1/kv/slowloris HTTP/1.1\`, a Host header and the start of another header, then nothing — is opened and held"
  echo "while the same measurement runs again, and closed. The percentiles pool every round. \"Held\" counts the crowd's"
  echo "connections the server had not closed; after the last round the crowd is watched until the server lets it go."
  echo "Options: ${PASS[*]:-(defaults: --connections 2000 --requests 2000 --clients 4 --rounds 3)}."
  echo
  dotnet "$BENCH_DLL" report "$JSONL"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; memory $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "- Kernel: $(uname -sr); SDK $(dotnet --version); etcd $(etcd --version 2>/dev/null | head -n1 | awk '{print $3}' || echo none)"
  echo "- Open-file limit: $(ulimit -n)"
  echo "- Cairn commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- Load average (1/5/15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER"
} >"$MD"
echo "== results: $MD"
cat "$MD"
