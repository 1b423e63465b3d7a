#!/usr/bin/env bash
# Reliability probes: what happens to `cairn serve` when it is killed, when its disk fills, when it is flooded.
# Each part starts its own server (release build of src/Cairn.Cli) on a free port over a fresh data directory, prints
# one PASS/FAIL line per check and keeps going; the script exits non-zero if any check failed.
#
#   kill9      N writers put concurrently (cairn-bench chaos-writer; each logs every acknowledged put with its revision)
#              while the server is killed with SIGKILL at random moments and restarted on the same data; then
#              cairn-bench chaos-verify checks every acknowledged put is in the history at its revision with its value,
#              every key holds its last acknowledged value (or a later attempted one), no value nobody sent, no revision
#              acknowledged twice, and that the server came back every time. Prints writes, kills, lost, phantom.
#   diskfull   (root only) the data directory on a small tmpfs, filled through the API (1 MiB blob PUTs, then kv puts):
#              writes that add data are refused with 507 insufficient_storage (never another 5xx than 503/507),
#              GET /readyz says writes are not accepted, reads, DELETE and POST /v1/compact still work, after deleting
#              writes succeed again without a restart, and after kill -9 the server starts on the full disk and serves
#              reads. The tmpfs is unmounted on exit.
#   flood      the server under `ulimit -n 4096`, 5,000 idle TCP connections opened to it (cairn-bench
#              idle-connections): a normal client is still served, again once they are closed, and the server lives.
#
#   bench/reliability.sh                  every part, long form (about 5 minutes: 25 kills, 16 writers)
#   bench/reliability.sh --quick          every part, short form (about 1-2 minutes: 4 kills, 8 writers)
#   bench/reliability.sh --quick kill9    only the parts named (kill9, diskfull, flood), in that form
#   options: --kills N --writers N --connections N --disk-mib N --configuration Release|Debug
#            --no-build (use the binaries already built in that configuration) --keep (keep the work directory)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
QUICK=0
PARTS=()
CONFIGURATION=Release
BUILD=1
KEEP=0
KILLS=""
WRITERS=""
CONNECTIONS=5000
DISK_MIB=64
HEALTH_TIMEOUT=60

usage() { sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --kills) KILLS="$2"; shift 2 ;;
    --writers) WRITERS="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --disk-mib) DISK_MIB="$2"; shift 2 ;;
    --configuration) CONFIGURATION="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    kill9|diskfull|flood) PARTS+=("$1"); shift ;;
    *) echo "reliability.sh: unknown option or part '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ ${#PARTS[@]} -gt 0 ]] || PARTS=(kill9 diskfull flood)
case "$CONFIGURATION" in Release|Debug) ;; *) echo "reliability.sh: --configuration is Release or Debug" >&2; exit 2 ;; esac
if [[ $QUICK -eq 1 ]]; then
  KILLS="${KILLS:-4}"; WRITERS="${WRITERS:-8}"; KEYS=500; UP_MIN_MS=1000; UP_MAX_MS=4000
else
  KILLS="${KILLS:-25}"; WRITERS="${WRITERS:-16}"; KEYS=2000; UP_MIN_MS=500; UP_MAX_MS=8000
fi
command -v curl >/dev/null 2>&1 || { echo "reliability.sh: needs curl" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cairn-reliability.XXXXXX")"
PIDS=()   # everything started in the background, stopped on exit
MOUNTS=() # tmpfs mounts, unmounted on exit
FAILED=0
RESULTS=()

stop_pid() { # stop_pid PID: TERM, up to 10 s, then KILL
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
forget_pid() { # forget_pid PID: drop it from PIDS once it is gone
  local pid=$1 kept=() p
  for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
  PIDS=("${kept[@]}")
}
cleanup() {
  local rc=$? pid m
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || echo "reliability.sh: could not unmount $m" >&2; done
  if [[ $KEEP -eq 1 ]]; then echo "== work directory kept: $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

check() { # check PASS|FAIL PART WHAT [DETAIL]
  local verdict=$1 part=$2 what=$3 detail=${4:-}
  printf '%s  %-8s %s%s\n' "$verdict" "$part" "$what" "${detail:+ ($detail)}"
  RESULTS+=("$verdict  $part $what${detail:+ ($detail)}")
  [[ $verdict == PASS ]] || FAILED=$((FAILED + 1))
}
expect() { # expect CONDITION-EXIT-STATUS PART WHAT [DETAIL]: PASS when the status is 0
  local status=$1; shift
  if [[ $status -eq 0 ]]; then check PASS "$@"; else check FAIL "$@"; fi
}

if [[ $BUILD -eq 1 ]]; then
  echo "== building cairn and cairn-bench ($CONFIGURATION)"
  for project in src/Cairn.Cli bench/Cairn.Bench; do
    dotnet build "$ROOT/$project" -c "$CONFIGURATION" -nologo -v q >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
  done
fi
CLI="$ROOT/src/Cairn.Cli/bin/$CONFIGURATION/net10.0/cairn.dll"
BENCH_DLL="$ROOT/bench/Cairn.Bench/bin/$CONFIGURATION/net10.0/cairn-bench.dll"
for f in "$CLI" "$BENCH_DLL"; do [[ -f "$f" ]] || { echo "reliability.sh: $f is missing (build first, or drop --no-build)" >&2; exit 1; }; done
# The native apphost keeps this private server out of reach of `pkill -f "cairn.dll serve"` cleanups elsewhere.
if [[ -x "${CLI%.dll}" ]]; then CAIRN=("${CLI%.dll}"); else CAIRN=(dotnet "$CLI"); fi
bench() { dotnet "$BENCH_DLL" "$@"; }
free_port() { bench free-port; }

URL=""        # the server of the current part
SERVER_PID="" # its process
start_server() { # start_server DATA-DIR PORT LOG [ENV=VALUE...]: starts cairn serve in the background → SERVER_PID
  local data=$1 port=$2 log=$3; shift 3
  URL="http://127.0.0.1:$port"
  env "$@" "${CAIRN[@]}" serve --data-dir "$data" --listen "$URL" >>"$log" 2>&1 &
  SERVER_PID=$!; PIDS+=("$SERVER_PID")
}
kill9_server() { # SIGKILL, and reap it
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  forget_pid "$SERVER_PID"
}
stop_server() { stop_pid "$SERVER_PID"; forget_pid "$SERVER_PID"; }
wait_healthy() { # wait_healthy SECONDS: until /healthz answers 200; 1 when the server exits or the time is up
  local deadline=$((SECONDS + $1))
  until curl -fsS --max-time 2 "$URL/healthz" >/dev/null 2>&1; do
    kill -0 "$SERVER_PID" 2>/dev/null || return 1
    (( SECONDS < deadline )) || return 1
    sleep 0.1
  done
}
BODY="$WORK/body"
req() { # req METHOD PATH [curl args...]: prints the HTTP status (000: no answer); the body is in $BODY
  local method=$1 path=$2; shift 2
  curl -sS -o "$BODY" -w '%{http_code}' --max-time "${REQ_TIMEOUT:-15}" -X "$method" "$URL$path" "$@" 2>/dev/null
  return 0
}
code_of_body() { grep -o '"code":"[^"]*"' "$BODY" 2>/dev/null | head -n1 | cut -d'"' -f4; }
log_tail() { tail -n "${2:-5}" "$1" 2>/dev/null | sed 's/^/      | /'; }

# ---------------------------------------------------------------------------------------------------------------------
part_kill9() {
  echo "== kill9: $WRITERS writers, $KILLS kills at random moments ($UP_MIN_MS-$UP_MAX_MS ms up), durability full"
  local dir="$WORK/kill9" port kills=0 back=0 writer
  mkdir -p "$dir"
  port=$(free_port)
  # Periodic compaction off: the verifier reads every acknowledged put back at its own revision.
  local env=(CAIRN_COMPACTION__INTERVAL=0)
  start_server "$dir/data" "$port" "$dir/cairn.log" "${env[@]}"
  if ! wait_healthy "$HEALTH_TIMEOUT"; then
    check FAIL kill9 "the server starts" "see below"; log_tail "$dir/cairn.log" 15; stop_server; return
  fi
  bench chaos-writer --url "$URL" --writers "$WRITERS" --keys "$KEYS" --log "$dir/logs" --stop "$dir/stop" >"$dir/writer.out" 2>&1 &
  writer=$!; PIDS+=("$writer")
  local k up restart_ms=0 slowest_ms=0 t0
  for k in $(seq 1 "$KILLS"); do
    up=$((UP_MIN_MS + RANDOM % (UP_MAX_MS - UP_MIN_MS + 1)))
    sleep "$((up / 1000)).$(printf '%03d' $((up % 1000)))"
    kill9_server; kills=$((kills + 1))
    t0=$(date +%s%N)
    start_server "$dir/data" "$port" "$dir/cairn.log" "${env[@]}"
    if wait_healthy "$HEALTH_TIMEOUT"; then
      back=$((back + 1))
      restart_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
      (( restart_ms > slowest_ms )) && slowest_ms=$restart_ms
    else
      echo "   kill $k: the server did not come back within ${HEALTH_TIMEOUT} s; its log ends:"; log_tail "$dir/cairn.log" 15
      break
    fi
  done
  # A last stretch of writes on the last restart, so the final incarnation is checked too.
  [[ $back -eq $kills ]] && sleep 1
  touch "$dir/stop"
  wait "$writer" 2>/dev/null; forget_pid "$writer"
  cat "$dir/writer.out"
  expect $(( back == kills ? 0 : 1 )) kill9 "the server came back after every kill -9" "$back of $kills; slowest restart ${slowest_ms} ms"
  if [[ $back -ne $kills ]]; then stop_server; return; fi
  bench chaos-verify --url "$URL" --writers "$WRITERS" --keys "$KEYS" --log "$dir/logs" >"$dir/verify.out" 2>&1
  local verified=$?
  sed 's/^/   /' "$dir/verify.out" | tail -n 25
  local summary acked lost phantom reused
  summary=$(grep '^chaos-verify: writers=' "$dir/verify.out" || true)
  acked=$(sed -n 's/.* acked=\([0-9]*\).*/\1/p' <<<"$summary")
  lost=$(sed -n 's/.* lost=\([0-9]*\).*/\1/p' <<<"$summary")
  phantom=$(sed -n 's/.* phantom=\([0-9]*\).*/\1/p' <<<"$summary")
  reused=$(sed -n 's/.* reused=\([0-9]*\).*/\1/p' <<<"$summary")
  if [[ -z "$summary" ]]; then
    check FAIL kill9 "the verifier ran" "exit $verified"
  else
    expect $(( acked > 0 ? 0 : 1 )) kill9 "writes were acknowledged across the kills" "acked=$acked"
    expect $(( lost == 0 ? 0 : 1 )) kill9 "no acknowledged write lost" "lost=$lost"
    expect $(( phantom == 0 ? 0 : 1 )) kill9 "no phantom value" "phantom=$phantom"
    expect $(( reused == 0 ? 0 : 1 )) kill9 "no revision acknowledged twice, each writer's revisions increase" "reused=$reused"
  fi
  echo "   kill9: kills=$kills acked=${acked:-?} lost=${lost:-?} phantom=${phantom:-?} reused=${reused:-?}"
  stop_server
}

# ---------------------------------------------------------------------------------------------------------------------
part_diskfull() {
  echo "== diskfull: data directory on a ${DISK_MIB} MiB tmpfs, filled through the API"
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "SKIP  diskfull needs root (it mounts a tmpfs); run as root to include it"
    return
  fi
  local dir="$WORK/diskfull" port mnt status code
  mnt="$dir/mnt"
  mkdir -p "$mnt"
  if ! mount -t tmpfs -o "size=${DISK_MIB}m" cairn-reliability "$mnt"; then
    check FAIL diskfull "a ${DISK_MIB} MiB tmpfs can be mounted"; return
  fi
  MOUNTS+=("$mnt")
  head -c 1048576 /dev/urandom >"$dir/1m"
  head -c 65536 /dev/urandom >"$dir/64k"
  port=$(free_port)
  # Blob bodies may use the volume down to 1 MiB free (the default keeps 64 MiB, all of this disk): the disk really fills.
  local env=(CAIRN_VOLUMES__MINFREEBYTES=1048576)
  start_server "$mnt/data" "$port" "$dir/cairn.log" "${env[@]}"
  if ! wait_healthy "$HEALTH_TIMEOUT"; then
    check FAIL diskfull "the server starts on the empty tmpfs"; log_tail "$dir/cairn.log" 15; stop_server; return
  fi
  req PUT /v1/kv/fill/keep --data-binary "kept value" >/dev/null
  req PUT /v1/kv/fill/doomed --data-binary "to delete while full" >/dev/null
  req PUT /v1/blobs/fill/keep --data-binary @"$dir/64k" >/dev/null

  # Fill: 1 MiB blobs until refused, then 64 KiB kv values, then 1 KiB ones. Every answer is tallied.
  declare -A seen=()
  local i blobs=0 bigs=0 kvs=0 refusal=""
  for i in $(seq 1 $((DISK_MIB * 2))); do
    status=$(req PUT "/v1/blobs/fill/b$i" --data-binary @"$dir/1m"); seen[$status]=$(( ${seen[$status]:-0} + 1 ))
    [[ $status == 2* ]] || { refusal="blob PUT: $status $(code_of_body)"; break; }
    blobs=$((blobs + 1))
  done
  for i in $(seq 1 $((DISK_MIB * 32))); do
    status=$(req PUT "/v1/kv/fill/k$i" --data-binary @"$dir/64k"); seen[$status]=$(( ${seen[$status]:-0} + 1 ))
    [[ $status == 2* ]] || { refusal="$refusal; 64 KiB kv PUT: $status $(code_of_body)"; break; }
    bigs=$((bigs + 1)); kvs=$((kvs + 1))
  done
  for i in $(seq 1 4000); do
    status=$(req PUT "/v1/kv/fill/s$i" --data-binary "$(head -c 1024 /dev/zero | tr '\0' x)"); seen[$status]=$(( ${seen[$status]:-0} + 1 ))
    [[ $status == 2* ]] || { refusal="$refusal; 1 KiB kv PUT: $status $(code_of_body)"; break; }
    kvs=$((kvs + 1))
  done
  # "Full" is a band: once refused, the server checkpoints and truncates its write-ahead log, which can give back
  # enough room to take a few more writes. Fill again until it stays refused with the log truncated.
  local round wal="$mnt/data/cairn.db-wal"
  for round in 1 2 3 4 5 6 7 8 9 10; do
    local until=$((SECONDS + 15))
    until [[ ! -s "$wal" ]] || [[ "$(req GET /readyz)" == 200 ]] || (( SECONDS >= until )); do sleep 0.2; done
    [[ "$(req GET /readyz)" == 200 ]] || break
    for i in $(seq 1 4000); do
      status=$(req PUT "/v1/kv/fill/r$round-$i" --data-binary @"$dir/64k"); seen[$status]=$(( ${seen[$status]:-0} + 1 ))
      [[ $status == 2* ]] || break
      kvs=$((kvs + 1))
    done
  done

  local tally="" s
  for s in "${!seen[@]}"; do tally="$tally $s×${seen[$s]}"; done
  echo "   filled: $blobs blobs of 1 MiB, $kvs kv puts; $(df -h --output=used,avail "$mnt" | tail -n1 | awk '{print $1 " used, " $2 " free"}'); answers:$tally"
  echo "   first refusals: ${refusal#; }"

  local bad=0
  for s in "${!seen[@]}"; do [[ $s == 5* && $s != 503 && $s != 507 ]] && bad=1; [[ $s == 000 ]] && bad=1; done
  expect "$bad" diskfull "filling answers no 5xx but 503/507 (and always answers)" "answers:$tally"
  status=$(req PUT /v1/kv/fill/more --data-binary @"$dir/64k"); code=$(code_of_body)
  [[ $status == 507 && $code == insufficient_storage ]]
  expect $? diskfull "a kv PUT on the full disk is 507 insufficient_storage" "got $status $code"
  status=$(req PUT /v1/blobs/fill/more --data-binary @"$dir/1m"); code=$(code_of_body)
  [[ $status == 507 && $code == insufficient_storage ]]
  expect $? diskfull "a blob PUT on the full disk is 507 insufficient_storage" "got $status $code"
  status=$(req GET /readyz)
  [[ $status == 503 ]] || grep -Eqi 'read.?only|"(writable|writes|acceptingWrites)"[[:space:]]*:[[:space:]]*false' "$BODY"
  expect $? diskfull "GET /readyz says writes are not accepted while full" "got $status $(head -c 120 "$BODY" 2>/dev/null | tr '\n' ' ')"
  status=$(req GET /v1/kv/fill/keep)
  [[ $status == 200 ]] && grep -q "kept value" "$BODY"
  expect $? diskfull "reads work while full" "GET kv: $status"
  status=$(req DELETE /v1/kv/fill/doomed)
  [[ $status == 200 ]]
  expect $? diskfull "a kv DELETE works while full" "got $status $(code_of_body)"
  status=$(req DELETE /v1/blobs/fill/b1)
  [[ $status == 204 || $status == 200 ]]
  expect $? diskfull "a blob DELETE works while full" "got $status $(code_of_body)"
  local revision
  revision=$(curl -fsS --max-time 10 "$URL/v1/status" 2>/dev/null | grep -o '"revision":[0-9]*' | head -n1 | cut -d: -f2)
  status=$(req POST /v1/compact -H 'Content-Type: application/json' --data "{\"revision\":${revision:-1}}")
  [[ $status == 200 ]]
  expect $? diskfull "POST /v1/compact works while full" "got $status $(code_of_body)"

  # Make room: half the blobs and the big kv values go; writes must succeed again, without a restart.
  for i in $(seq 2 2 "$blobs"); do req DELETE "/v1/blobs/fill/b$i" >/dev/null; done
  for i in $(seq 2 "$bigs"); do req DELETE "/v1/kv/fill/k$i" >/dev/null; done
  local deadline=$((SECONDS + 20)) kv_status="" blob_status=""
  while (( SECONDS < deadline )); do
    [[ $kv_status == 2* ]] || kv_status=$(req PUT /v1/kv/fill/after --data-binary "after")
    [[ $blob_status == 2* ]] || blob_status=$(req PUT /v1/blobs/fill/after --data-binary @"$dir/1m")
    [[ $kv_status == 2* && $blob_status == 2* ]] && break
    sleep 0.5
  done
  [[ $kv_status == 2* && $blob_status == 2* ]]
  expect $? diskfull "after deleting, writes succeed again without a restart" "kv PUT $kv_status, blob PUT $blob_status"

  # Full again, then SIGKILL: the server must start on the full disk and serve what it has.
  for i in $(seq 1 $((DISK_MIB * 32))); do
    status=$(req PUT "/v1/kv/refill/k$i" --data-binary @"$dir/64k"); [[ $status == 2* ]] || break
  done
  for i in $(seq 1 4000); do
    status=$(req PUT "/v1/kv/refill/s$i" --data-binary "$(head -c 1024 /dev/zero | tr '\0' x)"); [[ $status == 2* ]] || break
  done
  echo "   full again: $(df -h --output=avail "$mnt" | tail -n1 | tr -d ' ') free; kill -9"
  kill9_server
  start_server "$mnt/data" "$port" "$dir/cairn-restart.log" "${env[@]}"
  if wait_healthy "$HEALTH_TIMEOUT"; then
    check PASS diskfull "after kill -9 the server starts on the full disk"
    status=$(req GET /v1/kv/fill/keep)
    [[ $status == 200 ]] && grep -q "kept value" "$BODY"
    expect $? diskfull "after the restart on the full disk, kv reads work" "got $status"
    status=$(req GET /v1/blobs/fill/keep)
    [[ $status == 200 ]] && cmp -s "$BODY" "$dir/64k"
    expect $? diskfull "after the restart on the full disk, blob reads work" "got $status"
  else
    check FAIL diskfull "after kill -9 the server starts on the full disk" \
      "$(grep -m1 -E 'Exception: |^Unhandled' "$dir/cairn-restart.log" | sed 's/^[[:space:]]*//' | cut -c1-240)"
  fi
  stop_server
  umount "$mnt" && MOUNTS=()
}

# ---------------------------------------------------------------------------------------------------------------------
part_flood() {
  echo "== flood: the server under ulimit -n 4096, $CONNECTIONS idle TCP connections"
  local dir="$WORK/flood" port driver took
  mkdir -p "$dir"
  port=$(free_port)
  URL="http://127.0.0.1:$port"
  ( ulimit -n 4096 && exec "${CAIRN[@]}" serve --data-dir "$dir/data" --listen "$URL" ) >>"$dir/cairn.log" 2>&1 &
  SERVER_PID=$!; PIDS+=("$SERVER_PID")
  if ! wait_healthy "$HEALTH_TIMEOUT"; then
    check FAIL flood "the server starts under ulimit -n 4096"; log_tail "$dir/cairn.log" 15; stop_server; return
  fi
  # The driver holds more descriptors than the server may: give it the hard limit.
  ( ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec dotnet "$BENCH_DLL" idle-connections --url "$URL" --count "$CONNECTIONS" \
      --ready "$dir/ready" --hold-until "$dir/release" ) >"$dir/driver.out" 2>&1 &
  driver=$!; PIDS+=("$driver")
  local deadline=$((SECONDS + 180))
  until [[ -s "$dir/ready" ]] || (( SECONDS >= deadline )) || ! kill -0 "$driver" 2>/dev/null; do sleep 0.2; done
  echo "   $(cat "$dir/ready" 2>/dev/null || echo "the driver did not finish connecting: $(tail -n 2 "$dir/driver.out")")"
  # From another client address (127.0.0.2): the flood's own address is held to Limits:MaxConnectionsPerAddress.
  took=$(curl -sS -o "$BODY" -w '%{http_code} %{time_total}' --max-time 10 --interface 127.0.0.2 "$URL/v1/status" 2>/dev/null)
  [[ $took == 200\ * ]]
  expect $? flood "a client from another address is served while the idle connections are open" \
    "GET /v1/status: $([[ $took == 000* || -z $took ]] && echo "no answer" || echo "${took% *} in ${took#* } s")"
  touch "$dir/release"
  wait "$driver" 2>/dev/null; forget_pid "$driver"
  tail -n 1 "$dir/driver.out" | sed 's/^/   /'
  local status="" deadline2=$((SECONDS + 30))
  while (( SECONDS < deadline2 )); do
    status=$(req GET /v1/status); [[ $status == 200 ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.5
  done
  [[ $status == 200 ]]
  expect $? flood "a normal client is served once they are closed" "GET /v1/status: $status"
  kill -0 "$SERVER_PID" 2>/dev/null
  expect $? flood "the server process is still alive"
  if grep -qi "out of memory" "$dir/cairn.log"; then
    echo "   the server's log says 'Out of memory':"; grep -i -m 3 "out of memory" "$dir/cairn.log" | sed 's/^/      | /'
  fi
  stop_server
}

echo "== reliability ($([[ $QUICK -eq 1 ]] && echo quick || echo long)): ${PARTS[*]}; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
for part in "${PARTS[@]}"; do "part_$part"; done
echo "== summary"
printf '%s\n' "${RESULTS[@]}"
if [[ $FAILED -gt 0 ]]; then echo "== $FAILED check(s) failed"; exit 1; fi
echo "== every check passed"
