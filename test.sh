#!/usr/bin/env bash
# Runs every check and test of Cairn: restore, build with warnings as errors, formatting, all test projects.
# Installs what the tests need when it is missing (run as root on Debian), and leaves nothing running behind.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK (dotnet) is required; see README.md" >&2
  exit 1
fi

# Real servers and tools the tests run: etcd (Debian's etcd-server) and etcdctl (etcd-client: the etcd API's tests compare
# its output against Cairn and against etcd), ZooKeeper 3.8 (Debian's zookeeper, run with java,
# logging through slf4j-simple), curl (the Pulzar API's tests run the seed's own curl command lines), and Debian's
# python3 with requests_unixsocket (the journal's tests run the seed's Python client, as user nobody, with
# /usr/bin/python3 whatever else is first on PATH) and kazoo (`cairn journal import`'s tests write the original
# Journal's znodes with it, as the original did), and prometheus_client (the metrics tests parse /metrics with the
# Prometheus project's own parser). Installed when missing.
missing=""
command -v etcd >/dev/null 2>&1 || missing="$missing etcd-server"
command -v etcdctl >/dev/null 2>&1 || missing="$missing etcd-client"
[ -f /usr/share/java/zookeeper.jar ] || missing="$missing zookeeper"
[ -f /usr/share/java/slf4j-simple.jar ] || missing="$missing libslf4j-java"
command -v java >/dev/null 2>&1 || missing="$missing default-jre-headless"
command -v curl >/dev/null 2>&1 || missing="$missing curl"
/usr/bin/python3 -c 'import requests_unixsocket' >/dev/null 2>&1 || missing="$missing python3-requests-unixsocket"
/usr/bin/python3 -c 'import kazoo' >/dev/null 2>&1 || missing="$missing python3-kazoo"
/usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1 || missing="$missing python3-prometheus-client"
if [ -n "$missing" ]; then
  echo "== installing$missing"
  if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: missing$missing; run as root (or: sudo apt-get install -y$missing)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq $missing >/dev/null
  # The packages start a system etcd and ZooKeeper where systemd runs; the tests start their own on free ports.
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now etcd zookeeper >/dev/null 2>&1 || true; fi
fi

# Everything the tests write to the temp directory (data dirs, sockets) goes into one directory of this run's own, so
# that the cleanup below kills and removes exactly what this run started (another checkout may be running its tests on
# the same machine). etcd's data goes to the same path under /dev/shm where there is one (tests/Cairn.Testing/EtcdServer.cs).
run_tmp="$(mktemp -d "${TMPDIR:-/tmp}/cairn-test-run.XXXXXX")"
# Jobs and extensions run their programs as nobody (issue 19); their directories are beside the data directories here,
# so nobody must be able to pass through (not list) this one.
chmod 0711 "$run_tmp"
# For the same reason the build's output and the tests' files must be readable by nobody, whatever the caller's umask.
umask 022
export TMPDIR="$run_tmp"

# Kill any server a failed test left behind, whatever happens.
cleanup() {
  pkill -f "$root/.*/cairn.dll serve" 2>/dev/null || true
  pkill -f "$root/.*/cairn.dll worker" 2>/dev/null || true
  pkill -f "^$run_tmp/.*/cairn serve" 2>/dev/null || true
  pkill -f "etcd --name test --data-dir (/dev/shm)?$run_tmp/" 2>/dev/null || true
  # SIGKILL: a ZooKeeper test may have left its server paused (SIGSTOP), deaf to anything else.
  pkill -9 -f "org\.apache\.zookeeper\.server\..* (/dev/shm)?$run_tmp/" 2>/dev/null || true
  # A disk-full test mounts a small tmpfs under the run directory; a test that died leaves it mounted.
  grep -o " $run_tmp/[^ ]*" /proc/mounts 2>/dev/null | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$run_tmp" "/dev/shm$run_tmp"
}
trap cleanup EXIT

echo "== restore"
dotnet restore Cairn.sln -nologo -v quiet

echo "== build (warnings are errors)"
dotnet build Cairn.sln --no-restore -nologo -v quiet -clp:ErrorsOnly -warnaserror

echo "== format"
dotnet format Cairn.sln --verify-no-changes --no-restore

echo "== test"
log="$(mktemp)"
status=0

# What a user installs (deploy/smoke.sh): the single-file binary serves and answers, the client's package is complete.
# About a minute on 2 loaded cores; counted as one test.
echo "== smoke (deploy/smoke.sh: single-file cairn, client package)"
if deploy/smoke.sh --configuration Debug 2>&1 | tee -a "$log"; then
  echo "Passed:     1" >>"$log"
else
  echo "Failed:     1" >>"$log"
  status=1
fi

dotnet test Cairn.sln --no-build -nologo -v quiet --logger "console;verbosity=minimal" 2>&1 | tee -a "$log" || status=$?

# The reliability probes, short form (bench/reliability.sh: kill -9 with acked-write checks, a full disk, a connection
# flood), on the binaries just built. Counted as one test.
echo "== reliability (bench/reliability.sh --quick)"
if bench/reliability.sh --quick --configuration Debug --no-build 2>&1 | tee -a "$log"; then
  echo "Passed:     1" >>"$log"
else
  echo "Failed:     1" >>"$log"
  status=1
fi

# One closing line that any CI reads: N passed, N failed, N skipped.
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the run failed outside a test (crash, timeout): never report it green
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
