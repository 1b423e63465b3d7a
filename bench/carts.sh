#!/usr/bin/env bash
# One command for the carts benchmark: a cart's staging from the POSIX directory archive and its download as one tar,
# beside GNU tar over the same files as the physical reference, on this machine.
#
# Cases: small (1,000 files × 100 KiB) and large (4 files × 1 GiB), random content, written to a temp dir just before
# (warm cache: the page cache cannot be dropped without root). For each: staging (POST /v1/carts/{uid} → ready on the
# cart's event stream; every file copied, hashed and fsynced onto the server's volume), the tar downloaded to nowhere
# through Cairn.Client and through curl, and `tar -cf - DIR | cat > /dev/null` and `tar -cf out.tar DIR` of the same
# files. The server is `cairn serve` (this build, embedded SQLite, durability full) on loopback TCP, its archive
# `directory` (Carts:ArchiveDirectory). A case whose files, staged copy and reference tar do not fit on the temp disk
# (with 2 GiB to spare: about 14 GiB for the large case) is skipped and said so.
#
#   bench/carts.sh            the full run (a few minutes on 2 vCPUs, most of it the 4 GiB case), writes
#                             bench/results/carts-<UTC time>.md
#   bench/carts.sh --quick    a smoke run (50 × 100 KiB, 2 × 32 MiB, one run each), prints the table only
#   options: --no-build, --configuration Release|Debug, --results-dir DIR (default bench/results), and any option of
#            cairn-bench-carts (see its --help), e.g. --cases small --runs 5 --work DIR
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIGURATION=Release
BUILD=1
QUICK=0
RESULTS_DIR="$ROOT/bench/results"
PASS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0; shift ;;
    --configuration) CONFIGURATION="$2"; shift 2 ;;
    --results-dir) RESULTS_DIR="$2"; shift 2 ;;
    --quick) QUICK=1; PASS+=("$1"); shift ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) PASS+=("$1"); shift ;;
  esac
done
case "$CONFIGURATION" in Release|Debug) ;; *) echo "carts.sh: --configuration is Release or Debug" >&2; exit 2 ;; esac
for tool in tar curl; do command -v "$tool" >/dev/null 2>&1 || { echo "carts.sh: $tool is not installed" >&2; exit 1; }; done

if [[ $BUILD -eq 1 ]]; then
  echo "== building $CONFIGURATION"
  LOG="$(mktemp)"
  for p in src/Cairn.Cli bench/Cairn.Bench.Carts; do
    dotnet build "$ROOT/$p" -c "$CONFIGURATION" -nologo -v q >"$LOG" 2>&1 || { cat "$LOG" >&2; rm -f "$LOG"; exit 1; }
  done
  rm -f "$LOG"
fi
CLI="$ROOT/src/Cairn.Cli/bin/$CONFIGURATION/net10.0/cairn.dll"
BENCH_DLL="$ROOT/bench/Cairn.Bench.Carts/bin/$CONFIGURATION/net10.0/cairn-bench-carts.dll"
for f in "$CLI" "$BENCH_DLL"; do [[ -f "$f" ]] || { echo "carts.sh: $f is missing (build first, or drop --no-build)" >&2; exit 1; }; done
# The native apphost keeps this private server out of reach of `pkill -f "cairn.dll serve"` cleanups elsewhere.
if [[ -x "${CLI%.dll}" ]]; then CAIRN="${CLI%.dll}"; else CAIRN="$CLI"; fi

machine() {
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; memory $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "- Kernel: $(uname -sr); SDK $(dotnet --version); $(tar --version | head -1); $(curl --version | head -1 | cut -d' ' -f1-2)"
  echo "- Temp dir (archive files, server data, reference tar): $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2 " on " $1}')"
  echo "- Cairn commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- Load average (1/5/15 min) before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
}
echo "== machine"
MACHINE="$(machine)"
echo "$MACHINE"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
TABLE="$(mktemp)"
trap 'rm -f "$TABLE"' EXIT
trap 'exit 130' INT TERM
set +e
dotnet "$BENCH_DLL" --cairn "$CAIRN" --markdown "$TABLE" "${PASS[@]}"
RC=$?
set -e
if [[ $QUICK -eq 1 ]]; then
  exit "$RC"
fi
mkdir -p "$RESULTS_DIR"
MD="$RESULTS_DIR/carts-$STAMP.md"
{
  echo "## Carts: staging and download beside tar ($STAMP)"
  echo
  if [[ -s "$TABLE" ]]; then cat "$TABLE"; else echo "(no table: the run failed, exit $RC)"; fi
  echo
  echo "$MACHINE"
  echo "- Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$MD"
echo "== written $MD"
exit "$RC"
