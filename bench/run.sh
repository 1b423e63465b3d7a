#!/usr/bin/env bash
# One command for the side-by-side benchmark: Cairn against etcd and ZooKeeper, in one run, on this machine.
#
# Each target is started fresh on loopback (fresh data dir, free ports), loaded with 10,000 keys of 256 bytes, run
# through the closed-loop workloads, and stopped before the next one starts:
#   cairn        `cairn serve` on its embedded store (SQLite), over HTTP on TCP and on its Unix socket, and over
#                etcd's gRPC API (`--etcd-listen`, h2c on a Unix socket) with etcd's own driver (dotnet-etcd)
#   cairn-etcd   `cairn serve --backend etcd` in front of a fresh etcd, over its Unix socket and etcd's gRPC API
#   cairn-zk     `cairn serve --backend zookeeper` in front of a fresh standalone ZooKeeper, the same two ways
#   etcd         etcd alone with its defaults, over gRPC (dotnet-etcd) and its JSON gateway
#   zookeeper    ZooKeeper standalone with its defaults, through its official Java client (bench/zookeeper), after
#                a longer warm-up (--zk-warmup) because its JVM moves most between short runs
#   nginx        the box's HTTP ceiling: nginx serving a 256-byte static file, same load generator, TCP and Unix
# Workloads: put (overwrite), create, get, cas (compare-and-set), mix (90 % get / 10 % put), and watch
# (put-to-watch-event latency, one watcher). Tiers: durable (everyone fsyncs before answering) and nondurable
# (cairn --durability none, etcd with its data on tmpfs — etcd 3.4 has no --unsafe-no-fsync —, ZooKeeper
# -Dzookeeper.forceSync=no). Pinning: unpinned, and pinned (servers on CPU 0, load generator on CPU 1, taskset).
#
#   bench/run.sh                 the full run (about 3 hours): durable + unpinned: every workload at 1, 16, 64,
#                                256 clients; durable + pinned and nondurable + unpinned: put and get at 16 and 64
#                                clients; 3 repetitions of 10 s after a 3 s warm-up (ZooKeeper: 15 s); Cairn's own cells (journal,
#                                1 MiB blobs, watch fan-out on one key, one prefix and one key per watcher);
#                                writes docs/benchmarks.md
#   bench/run.sh --quick         smoke run (a few minutes): durable, unpinned, 64 clients, 1 s cells, 1 repetition;
#                                writes bench/results/benchmarks-quick.md and prints the ratio table
#   bench/run.sh --watch-distinct
#                                only the watch fan-out with one key per watcher, against Cairn (durable, unpinned):
#                                10,000 watchers, 16 put clients, --warmup + --duration seconds; prints the result and
#                                appends it to the results file, writes no report. With --cairn-root DIR it starts the
#                                `cairn` built in another checkout DIR (same configuration), e.g. to compare two commits
#   options: --targets LIST --workloads LIST --clients LIST --side-workloads LIST --side-clients LIST
#            --tiers durable,nondurable --pinning unpinned,pinned --reps N --duration S --warmup S
#            --zk-warmup S (ZooKeeper's warm-up before each cell; default 15, --quick 2)
#            --cairn-grpc grpc-unix|grpc|grpc,grpc-unix|none (Cairn's etcd gRPC transports: Unix socket, TCP; default
#            grpc-unix) --cairn-args "ARGS" (appended to every `cairn serve` this script starts, e.g. to measure
#            another engine: --cairn-args "--config engine.json"; recorded in the report)
#            --watch-iterations N --watchers N --put-clients N --no-extras --doc PATH --results-dir DIR (default
#            bench/results) --configuration Release|Debug --no-build (use binaries already built in that configuration)
#            --cairn-root DIR
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGETS="cairn,cairn-etcd,cairn-zk,etcd,zookeeper,nginx"
WORKLOADS="put,create,get,cas,mix"
CLIENTS="1,16,64,256"
SIDE_WORKLOADS="put,get"
SIDE_CLIENTS="16,64"
TIERS="durable,nondurable"
PINNINGS="unpinned,pinned"
REPS=3
DURATION=10
WARMUP=3
ZK_WARMUP=15
CAIRN_GRPC=grpc-unix
CAIRN_ARGS=""
WATCH_ITERATIONS=1000
WATCH_WATCHERS=10000
WATCH_CLIENTS=16
ONLY=""
CAIRN_ROOT="$ROOT"
EXTRAS=1
QUICK=0
DOC=""
CONFIGURATION=Release
BUILD=1
RESULTS_DIR="$ROOT/bench/results"
HEALTH_TIMEOUT=60

usage() { sed -n '2,39p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1; WORKLOADS="put,get,cas"; CLIENTS="64"; TIERS="durable"; PINNINGS="unpinned"; REPS=1; DURATION=1; WARMUP=0.5
             ZK_WARMUP=2;              WATCH_ITERATIONS=200; EXTRAS=0; shift ;;
    --targets) TARGETS="$2"; shift 2 ;;
    --workloads) WORKLOADS="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --side-workloads) SIDE_WORKLOADS="$2"; shift 2 ;;
    --side-clients) SIDE_CLIENTS="$2"; shift 2 ;;
    --tiers) TIERS="$2"; shift 2 ;;
    --pinning) PINNINGS="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --zk-warmup) ZK_WARMUP="$2"; shift 2 ;;
    --cairn-grpc) CAIRN_GRPC="$2"; shift 2 ;;
    --cairn-args) CAIRN_ARGS="$2"; shift 2 ;;
    --watch-iterations) WATCH_ITERATIONS="$2"; shift 2 ;;
    --watchers) WATCH_WATCHERS="$2"; shift 2 ;;
    --put-clients) WATCH_CLIENTS="$2"; shift 2 ;;
    # No etcd listeners: an older checkout (--cairn-root) may not have them, and this run does not use them.
    --watch-distinct) ONLY=watch-distinct; TARGETS=cairn; TIERS=durable; PINNINGS=unpinned; CAIRN_GRPC=none; shift ;;
    --cairn-root) CAIRN_ROOT="$(cd "$2" && pwd)"; shift 2 ;;
    --no-extras) EXTRAS=0; shift ;;
    --doc) DOC="$2"; shift 2 ;;
    --results-dir) RESULTS_DIR="$2"; shift 2 ;;
    --configuration) CONFIGURATION="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
for t in ${TARGETS//,/ }; do
  case "$t" in cairn|cairn-etcd|cairn-zk|etcd|zookeeper|nginx) ;; *) echo "run.sh: unknown target '$t' (cairn, cairn-etcd, cairn-zk, etcd, zookeeper, nginx)" >&2; exit 2 ;; esac
done
for t in ${TIERS//,/ }; do
  case "$t" in durable|nondurable) ;; *) echo "run.sh: unknown tier '$t' (durable, nondurable)" >&2; exit 2 ;; esac
done
for p in ${PINNINGS//,/ }; do
  case "$p" in unpinned|pinned) ;; *) echo "run.sh: unknown pinning '$p' (unpinned, pinned)" >&2; exit 2 ;; esac
done
case "$CAIRN_GRPC" in grpc|grpc-unix|grpc,grpc-unix|grpc-unix,grpc|none) ;;
  *) echo "run.sh: --cairn-grpc is grpc-unix, grpc, grpc,grpc-unix or none" >&2; exit 2 ;; esac
for s in "$WARMUP" "$ZK_WARMUP" "$DURATION"; do
  [[ "$s" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "run.sh: '$s' is not a number of seconds (--duration, --warmup, --zk-warmup)" >&2; exit 2; }
done
# Split into words as xargs does (quotes group them), then re-quoted: nothing the user typed is expanded or globbed.
CAIRN_EXTRA=()
if [[ -n "$CAIRN_ARGS" ]]; then
  quoted="$(printf '%s' "$CAIRN_ARGS" | xargs -r printf '%q ')" || { echo "run.sh: cannot split --cairn-args '$CAIRN_ARGS' into words (unbalanced quotes?)" >&2; exit 2; }
  eval "CAIRN_EXTRA=($quoted)"
fi
case "$CONFIGURATION" in Release|Debug) ;; *) echo "run.sh: --configuration is Release or Debug" >&2; exit 2 ;; esac
if [[ -z "$DOC" ]]; then
  # A quick run is a smoke test: its report goes next to the raw results, not over the committed one.
  if [[ $QUICK -eq 1 ]]; then DOC="$RESULTS_DIR/benchmarks-quick.md"; else DOC="$ROOT/docs/benchmarks.md"; fi
fi
has() { [[ ",$1," == *",$2,"* ]]; }

# What the chosen targets need, installed when missing (Debian packages; run as root).
need=""
if has "$TARGETS" etcd || has "$TARGETS" cairn-etcd; then command -v etcd >/dev/null 2>&1 || need="$need etcd-server"; fi
if has "$TARGETS" zookeeper || has "$TARGETS" cairn-zk; then [[ -f /usr/share/java/zookeeper.jar ]] || need="$need zookeeper"; fi
if has "$TARGETS" zookeeper; then command -v javac >/dev/null 2>&1 || need="$need default-jdk-headless"; fi
if has "$TARGETS" nginx; then command -v nginx >/dev/null 2>&1 || need="$need nginx-light"; fi
command -v curl >/dev/null 2>&1 || need="$need curl"
if has "$PINNINGS" pinned; then command -v taskset >/dev/null 2>&1 || need="$need util-linux"; fi
if [[ -n "$need" ]]; then
  echo "== installing$need"
  if [[ "$(id -u)" -ne 0 ]]; then echo "run.sh: missing$need; run as root (or: sudo apt-get install -y$need)" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq $need >/dev/null
  # Packages start their own services where systemd runs; this script starts its own on free ports.
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now etcd zookeeper nginx >/dev/null 2>&1 || true; fi
fi
if has "$PINNINGS" pinned && [[ "$(nproc)" -lt 2 ]]; then echo "run.sh: pinning needs 2 CPUs" >&2; exit 1; fi

# The fan-out holds one connection per socket on both ends; make sure the descriptor limit is well above that.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cairn-bench.XXXXXX")"
SHM=""
PIDS=()
stop_servers() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
cleanup() {
  local rc=$?
  stop_servers
  if [[ $rc -ne 0 ]]; then
    for log in "$WORK"/*.log; do
      [[ -f "$log" ]] || continue
      echo "run.sh: failed (exit $rc); last lines of $(basename "$log"):" >&2
      tail -n 15 "$log" >&2 || true
    done
  fi
  rm -rf "$WORK"
  [[ -n "$SHM" ]] && rm -rf "$SHM"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
if [[ $BUILD -eq 1 ]]; then
  echo "== building $CONFIGURATION"
  dotnet build "$ROOT/Cairn.sln" -c "$CONFIGURATION" -nologo -v q >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
  rm -f "$WORK/build.log"
fi
CLI="$CAIRN_ROOT/src/Cairn.Cli/bin/$CONFIGURATION/net10.0/cairn.dll"
BENCH_DLL="$ROOT/bench/Cairn.Bench/bin/$CONFIGURATION/net10.0/cairn-bench.dll"
for f in "$CLI" "$BENCH_DLL"; do [[ -f "$f" ]] || { echo "run.sh: $f is missing (build first, or drop --no-build)" >&2; exit 1; }; done
# The native apphost keeps this private server out of reach of `pkill -f "cairn.dll serve"` cleanups elsewhere.
if [[ -x "${CLI%.dll}" ]]; then CAIRN=("${CLI%.dll}"); else CAIRN=(dotnet "$CLI"); fi
free_port() { dotnet "$BENCH_DLL" free-port; }

mkdir -p "$RESULTS_DIR"
RESULTS="$RESULTS_DIR/$(date -u +%Y%m%dT%H%M%SZ).jsonl"
: >"$RESULTS"

SERVER_CPU=() # taskset prefix for servers in the current phase
LOADGEN=()    # taskset prefix for the load generator
wait_until() { # wait_until SECONDS WHAT COMMAND...: poll until the command succeeds
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS >= deadline )); then echo "run.sh: $what not ready after ${limit} s" >&2; return 1; fi
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "run.sh: $what exited while starting" >&2; return 1; }; done
    sleep 0.1
  done
}

start_etcd() { # start_etcd TIER NAME → ETCD_URL, ETCD_PID
  local tier=$1 name=$2 dir
  if [[ $tier == nondurable ]]; then
    SHM="${SHM:-$(mktemp -d /dev/shm/cairn-bench.XXXXXX)}"; dir="$SHM/$name"
  else
    dir="$WORK/$name"
  fi
  rm -rf "$dir"; mkdir -p "$dir"
  local cport peer; cport=$(free_port); peer=$(free_port)
  ETCD_URL="http://127.0.0.1:$cport"
  "${SERVER_CPU[@]}" etcd --name bench --data-dir "$dir/data" --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "bench=http://127.0.0.1:$peer" --log-level error >"$WORK/$name.log" 2>&1 &
  ETCD_PID=$!; PIDS+=("$ETCD_PID")
  wait_until "$HEALTH_TIMEOUT" etcd curl -fsS --max-time 2 "$ETCD_URL/health"
}

# start_cairn TIER [etcd URL [ZooKeeper connect string]] → CAIRN_URL, CAIRN_SOCK, CAIRN_PID, and the etcd gRPC listeners
# CAIRN_GRPC_URL (h2c on TCP) and CAIRN_GRPC_SOCK (h2c on a Unix socket) unless --cairn-grpc none
start_cairn() {
  local tier=$1 etcd=${2:-} zk=${3:-} durability=full
  [[ $tier == nondurable ]] && durability=none
  local port; port=$(free_port)
  CAIRN_URL="http://127.0.0.1:$port"; CAIRN_SOCK="$WORK/cairn.sock"
  rm -rf "$WORK/cairn-data" "$CAIRN_SOCK" "$WORK/cairn-grpc.sock"
  local backend=() grpc=()
  [[ -n "$etcd" ]] && backend=(--backend etcd --etcd-endpoints "$etcd")
  [[ -n "$zk" ]] && backend=(--backend zookeeper --zk-connect "$zk")
  if [[ $CAIRN_GRPC != none ]]; then
    CAIRN_GRPC_URL="http://127.0.0.1:$(free_port)"; CAIRN_GRPC_SOCK="$WORK/cairn-grpc.sock"
    grpc=(--etcd-listen "$CAIRN_GRPC_URL" --etcd-listen "unix:$CAIRN_GRPC_SOCK")
  fi
  "${SERVER_CPU[@]}" "${CAIRN[@]}" serve --data-dir "$WORK/cairn-data" --listen "$CAIRN_URL" --listen "unix:$CAIRN_SOCK" \
    --durability "$durability" "${backend[@]}" "${grpc[@]}" "${CAIRN_EXTRA[@]}" >"$WORK/cairn.log" 2>&1 &
  CAIRN_PID=$!; PIDS+=("$CAIRN_PID")
  wait_until "$HEALTH_TIMEOUT" "cairn serve" curl -fsS --max-time 2 --unix-socket "$CAIRN_SOCK" http://localhost/healthz
}

start_zookeeper() { # start_zookeeper TIER → ZK_CONNECT, ZK_PID
  local tier=$1 port; port=$(free_port)
  mkdir -p "$WORK/zk/data"; rm -rf "$WORK/zk/data"/*
  # ZooKeeper's defaults (tickTime 2000, forceSync yes, preallocation, snapCount); only the ports are ours, and the
  # admin web server (Jetty on 8080 by default) is off so that it cannot collide with anything.
  printf 'tickTime=2000\ndataDir=%s\nclientPort=%s\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n' "$WORK/zk/data" "$port" >"$WORK/zk/zoo.cfg"
  local sync=()
  [[ $tier == nondurable ]] && sync=(-Dzookeeper.forceSync=no)
  "${SERVER_CPU[@]}" java "${sync[@]}" -cp /usr/share/java/zookeeper.jar org.apache.zookeeper.server.ZooKeeperServerMain "$WORK/zk/zoo.cfg" \
    >"$WORK/zookeeper.log" 2>&1 &
  ZK_PID=$!; PIDS+=("$ZK_PID")
  ZK_CONNECT="127.0.0.1:$port"
  wait_until "$HEALTH_TIMEOUT" zookeeper bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
}

start_nginx() { # → NGINX_URL, NGINX_SOCK, NGINX_PIDS (master and workers)
  local port; port=$(free_port)
  mkdir -p "$WORK/nginx/root"
  head -c 256 /dev/urandom >"$WORK/nginx/root/value"
  NGINX_URL="http://127.0.0.1:$port"; NGINX_SOCK="$WORK/nginx/nginx.sock"
  # The ceiling: every GET answers the same 256-byte static file; keep-alive without a request limit, no access log.
  cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
user root;
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$port;
    listen unix:$NGINX_SOCK;
    root $WORK/nginx/root;
    location / { try_files /value =404; }
  }
}
EOF
  "${SERVER_CPU[@]}" nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" >"$WORK/nginx.log" 2>&1 &
  NGINX_PID=$!; PIDS+=("$NGINX_PID")
  wait_until "$HEALTH_TIMEOUT" nginx curl -fsS --max-time 2 --unix-socket "$NGINX_SOCK" http://localhost/v1/kv/bench/1
  NGINX_PIDS="$NGINX_PID,$(pgrep -P "$NGINX_PID" | paste -sd, -)"
}

bench() { "${LOADGEN[@]}" dotnet "$BENCH_DLL" "$@"; }
# Cairn's transports: HTTP/1.1 on the Unix socket (first: it preloads), and the chosen etcd gRPC ones.
cairn_transports() { # cairn_transports BASE → BASE plus --cairn-grpc's transports, and the flags that reach them
  local t=$1
  [[ $CAIRN_GRPC != none ]] && t="$t,$CAIRN_GRPC"
  CAIRN_TRANSPORT_ARGS=(--transports "$t")
  [[ $CAIRN_GRPC != none ]] && CAIRN_TRANSPORT_ARGS+=(--grpc "$CAIRN_GRPC_URL" --grpc-unix "$CAIRN_GRPC_SOCK")
  return 0
}
ZK_CLASSES=""
zkbench() {
  if [[ -z "$ZK_CLASSES" ]]; then
    ZK_CLASSES="$WORK/zkbench"
    javac -nowarn -cp /usr/share/java/zookeeper.jar -d "$ZK_CLASSES" "$ROOT/bench/zookeeper/ZkBench.java"
  fi
  "${LOADGEN[@]}" java -cp "/usr/share/java/zookeeper.jar:$ZK_CLASSES" ZkBench "$@" 2> >(grep -v '^SLF4J' >&2)
}

run_phase() { # run_phase TIER PINNING WORKLOADS CLIENTS WATCH(0|1) EXTRAS(0|1)
  local tier=$1 pin=$2 workloads=$3 clients=$4 watch=$5 extras=$6
  if [[ $pin == pinned ]]; then SERVER_CPU=(taskset -c 0); LOADGEN=(taskset -c 1); else SERVER_CPU=(); LOADGEN=(); fi
  local common=(--tier "$tier" --pinning "$pin" --clients "$clients" --reps "$REPS" --duration "$DURATION" --warmup "$WARMUP"
    --keys 10000 --value-size 256 --watch-iterations "$WATCH_ITERATIONS" --out "$RESULTS")
  local wl="$workloads"
  [[ $watch -eq 1 ]] && wl="$wl,watch"
  for target in ${TARGETS//,/ }; do
    case "$target" in
      cairn)
        echo "== [$tier, $pin] cairn (embedded SQLite, durability $([[ $tier == durable ]] && echo full || echo none))"
        start_cairn "$tier"
        cairn_transports unix,tcp
        bench run --target cairn --tcp "$CAIRN_URL" --unix "$CAIRN_SOCK" "${CAIRN_TRANSPORT_ARGS[@]}" --workloads "$wl" \
          --server-pids "$CAIRN_PID" "${common[@]}"
        if [[ $extras -eq 1 ]]; then
          echo "== [$tier, $pin] cairn: journal appends, 1 MiB blobs, watch fan-out"
          bench run --target cairn --unix "$CAIRN_SOCK" --transports unix --workloads journal --skip-preload \
            --clients 1,16,64 --duration "$DURATION" --warmup "$WARMUP" --server-pids "$CAIRN_PID" --out "$RESULTS"
          bench run --target cairn --unix "$CAIRN_SOCK" --transports unix --workloads blobput,blobget \
            --clients 1,16 --keys 64 --value-size 1048576 --duration "$DURATION" --warmup "$WARMUP" --server-pids "$CAIRN_PID" --out "$RESULTS"
          bench watch --tcp "$CAIRN_URL" --watchers "$WATCH_WATCHERS" --sockets 100 --rounds 20 --modes key,prefix,distinct \
            --put-clients "$WATCH_CLIENTS" --duration "$DURATION" --warmup "$WARMUP" --sse-iterations 0 --value-size 256 --out "$RESULTS"
        fi
        stop_servers ;;
      cairn-etcd)
        echo "== [$tier, $pin] cairn on etcd"
        start_etcd "$tier" etcd-under-cairn
        start_cairn "$tier" "$ETCD_URL"
        cairn_transports unix
        bench run --target cairn-etcd --unix "$CAIRN_SOCK" "${CAIRN_TRANSPORT_ARGS[@]}" --workloads "$wl" \
          --server-pids "$CAIRN_PID,$ETCD_PID" "${common[@]}"
        stop_servers ;;
      cairn-zk)
        echo "== [$tier, $pin] cairn on zookeeper"
        start_zookeeper "$tier"
        start_cairn "$tier" "" "$ZK_CONNECT"
        cairn_transports unix
        bench run --target cairn-zk --unix "$CAIRN_SOCK" "${CAIRN_TRANSPORT_ARGS[@]}" --workloads "$wl" \
          --server-pids "$CAIRN_PID,$ZK_PID" "${common[@]}"
        stop_servers ;;
      etcd)
        echo "== [$tier, $pin] etcd alone$([[ $tier == nondurable ]] && echo ' (data on tmpfs)')"
        start_etcd "$tier" etcd
        bench run --target etcd --etcd "$ETCD_URL" --transports grpc,json --workloads "$wl" --server-pids "$ETCD_PID" "${common[@]}"
        stop_servers ;;
      zookeeper)
        echo "== [$tier, $pin] zookeeper standalone$([[ $tier == nondurable ]] && echo ' (forceSync=no)')"
        start_zookeeper "$tier"
        zkbench --connect "$ZK_CONNECT" --workloads "$wl" --server-pids "$ZK_PID" --tier "$tier" --pinning "$pin" --clients "$clients" \
          --reps "$REPS" --duration "$DURATION" --warmup "$ZK_WARMUP" --keys 10000 --value-size 256 --watch-iterations "$WATCH_ITERATIONS" --out "$RESULTS"
        stop_servers ;;
      nginx)
        # The ceiling has nothing to make durable: measured once per pinning, in the durable tier's phase.
        [[ $tier == durable ]] || continue
        echo "== [$pin] nginx static file (the HTTP ceiling)"
        start_nginx
        bench run --target nginx --tcp "$NGINX_URL" --unix "$NGINX_SOCK" --transports unix,tcp --workloads get --skip-preload \
          --server-pids "$NGINX_PIDS" "${common[@]}"
        stop_servers ;;
    esac
  done
}

if [[ $ONLY == watch-distinct ]]; then
  echo "== cairn (embedded SQLite, durability full, $CLI): watch fan-out, one key per watcher"
  echo "   load average before: $LOAD_START"
  start_cairn durable
  bench watch --tcp "$CAIRN_URL" --watchers "$WATCH_WATCHERS" --sockets 100 --modes distinct --put-clients "$WATCH_CLIENTS" \
    --duration "$DURATION" --warmup "$WARMUP" --sse-iterations 0 --value-size 256 --out "$RESULTS"
  stop_servers
  echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown); result in $RESULTS"
  exit 0
fi

for tier in ${TIERS//,/ }; do
  for pin in ${PINNINGS//,/ }; do
    if [[ $QUICK -eq 1 ]] || [[ $tier == durable && $pin == unpinned ]]; then
      run_phase "$tier" "$pin" "$WORKLOADS" "$CLIENTS" 1 "$EXTRAS"
    elif [[ $tier == nondurable && $pin == pinned && ( $TIERS != nondurable || $PINNINGS != pinned ) ]]; then
      continue # left out of a run that has the other phases (ask for --tiers nondurable --pinning pinned to get it)
    else
      run_phase "$tier" "$pin" "$SIDE_WORKLOADS" "$SIDE_CLIENTS" 0 0
    fi
  done
done
echo "== results in $RESULTS"

COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
FSINFO="$(df -T "$WORK" | awk 'NR==2 {print $2 " on " $1}')"
dotnet "$BENCH_DLL" report --results "$RESULTS" --out "$DOC" --print-ratios --include "$ROOT/bench/analysis.md" \
  --param "Cells: ${DURATION} s measured after a ${WARMUP} s warm-up (once per connection pool, before the first repetition; ZooKeeper: ${ZK_WARMUP} s, for its JVM), ${REPS} repetition(s); median and min–max over the repetitions" \
  --param "Cairn over etcd's gRPC API: $([[ $CAIRN_GRPC == none ]] && echo 'not measured (--cairn-grpc none)' || echo "transport(s) $CAIRN_GRPC (grpc: \`--etcd-listen http://…\`, h2c on loopback TCP; grpc-unix: \`--etcd-listen unix:…\`), driven by the same dotnet-etcd driver as etcd's grpc cells")" \
  --param "Extra \`cairn serve\` arguments (--cairn-args): $([[ -z $CAIRN_ARGS ]] && echo none || printf '`%s`' "$CAIRN_ARGS")" \
  --param "Targets: $TARGETS; tiers: $TIERS; pinning: $PINNINGS" \
  --param "Durable + unpinned: workloads $WORKLOADS$( [[ $QUICK -eq 1 ]] || echo ',watch' ) at clients $CLIENTS; other phases: $SIDE_WORKLOADS at clients $SIDE_CLIENTS" \
  --note "SDK: $(dotnet --version)" \
  --note "etcd: $(etcd --version 2>/dev/null | head -n1 | sed 's/etcd Version: //' || echo 'not run'); ZooKeeper: $(ls /usr/share/java/zookeeper-3*.jar 2>/dev/null | sed -E 's/.*zookeeper-([0-9.]+)\.jar/\1/' | head -n1 || echo 'not run') on $(java -version 2>&1 | head -n1 || echo 'no java'); nginx: $(nginx -v 2>&1 | sed 's/nginx version: //' || echo 'not run')" \
  --note "Data dirs: $FSINFO (nondurable etcd: tmpfs)" \
  --note "Cairn commit: $COMMIT$([[ $CAIRN_ROOT != "$ROOT" ]] && echo " (server from $CAIRN_ROOT)")" \
  --note "Load average (1/5/15 min) before the run: $LOAD_START (on this 2-core box, well above 2 would mean other work shared the CPUs; during the run the benchmark's own threads keep it above 2)"
