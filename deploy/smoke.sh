#!/usr/bin/env bash
# Smoke test of what a user installs: the single-file `cairn` (deploy/publish.sh) serves and answers, and the client's
# NuGet package is complete. Run by ./test.sh after the build; prints one PASS line per check, or FAIL and why.
#
#   deploy/smoke.sh                     publish in Debug, reusing the libraries the Debug build compiled
#   deploy/smoke.sh -c Release          another configuration
#   deploy/smoke.sh --no-pack           the binary only
#
#   binary   publishes into a temporary directory, starts `cairn serve --data-dir TMP --listen unix:TMP/s.sock`, waits
#            (up to 60 s) for /healthz, puts a key and reads it back with curl over the socket, stops it with SIGTERM
#            and expects exit code 0. The child's output is printed when anything fails.
#   package  `dotnet pack src/Cairn.Client`, then reads the .nupkg (a zip): a licence, the readme, the client's and its
#            contracts' assemblies in lib/net10.0, and no dependency on a Cairn package that is not published.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
configuration=Debug
pack=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    -c|--configuration) configuration="${2:?$1 needs a value}"; shift 2 ;;
    --no-pack) pack=0; shift ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "smoke.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

work="$(mktemp -d "${TMPDIR:-/tmp}/cairn-smoke.XXXXXX")"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL smoke: $*" >&2
  if [ -f "$work/out.log" ]; then
    echo "---- cairn serve's output" >&2
    cat "$work/out.log" >&2
    echo "----" >&2
  fi
  exit 1
}

# --- the single-file binary
started=$SECONDS
binary="$("$root/deploy/publish.sh" -c "$configuration" -o "$work/publish" | tail -n 1)" || fail "deploy/publish.sh failed"
echo "published $binary ($(du -m "$binary" | cut -f1) MiB) in $((SECONDS - started)) s"

socket="$work/s.sock"
# The bundle extracts SQLite's native library here on first run (else under $HOME/.net).
export DOTNET_BUNDLE_EXTRACT_BASE_DIR="$work/extract"
# The single file needs no dotnet on PATH: run it with a PATH without the SDK's directory.
env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$binary" serve --data-dir "$work/data" --listen "unix:$socket" >"$work/out.log" 2>&1 &
pid=$!

deadline=$((SECONDS + 60))
until curl -fsS --unix-socket "$socket" -o /dev/null http://cairn/healthz 2>/dev/null; do
  kill -0 "$pid" 2>/dev/null || fail "cairn serve exited before it was healthy"
  [ "$SECONDS" -lt "$deadline" ] || fail "cairn serve was not healthy on $socket within 60 s"
  sleep 0.2 # the poll interval while waiting for /healthz, not a wait for something to happen
done

curl -fsS --unix-socket "$socket" -X PUT --data-binary 'smoke value' -o /dev/null http://cairn/v1/kv/smoke/key \
  || fail "PUT /v1/kv/smoke/key failed"
got="$(curl -fsS --unix-socket "$socket" http://cairn/v1/kv/smoke/key)" || fail "GET /v1/kv/smoke/key failed"
[ "$got" = "smoke value" ] || fail "GET /v1/kv/smoke/key answered '$got', not 'smoke value'"

kill -TERM "$pid"
deadline=$((SECONDS + 60))
while kill -0 "$pid" 2>/dev/null; do
  [ "$SECONDS" -lt "$deadline" ] || fail "cairn serve did not stop within 60 s of SIGTERM"
  sleep 0.2 # the poll interval while waiting for the exit
done
status=0
wait "$pid" || status=$?
pid=""
[ "$status" -eq 0 ] || fail "cairn serve exited with $status after SIGTERM, not 0"
echo "PASS smoke binary: the single-file cairn served, stored and read a key, and stopped with 0 on SIGTERM"

# --- the client package
if [ "$pack" -eq 1 ]; then
  rm -f "$work/out.log"
  # Packs the assemblies this configuration's build made, without building again; the restore (with _IsPacking, as
  # `dotnet pack` does it) is what leaves the bundled projects out of the dependencies (src/Cairn.Client/Cairn.Client.csproj).
  dotnet msbuild "$root/src/Cairn.Client/Cairn.Client.csproj" -restore -t:Pack -p:_IsPacking=true -p:NoBuild=true \
    -p:Configuration="$configuration" -p:PackageOutputPath="$work/packages" -nologo -v:quiet -clp:ErrorsOnly >&2 \
    || fail "dotnet pack src/Cairn.Client failed"
  nupkg="$(find "$work/packages" -name 'Cairn.Client.*.nupkg' ! -name '*.snupkg' | head -n 1)"
  [ -n "$nupkg" ] || fail "dotnet pack made no Cairn.Client .nupkg"
  [ -n "$(find "$work/packages" -name 'Cairn.Client.*.snupkg')" ] || fail "dotnet pack made no symbols package (.snupkg)"
  /usr/bin/python3 - "$nupkg" <<'PY' || fail "the package $nupkg is incomplete (above)"
import sys, zipfile, xml.etree.ElementTree as ET
z = zipfile.ZipFile(sys.argv[1])
names = set(z.namelist())
ns = {"n": "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"}
meta = ET.fromstring(z.read("Cairn.Client.nuspec")).find("n:metadata", ns)
problems = []
if meta.find("n:license", ns) is None:
    problems.append("no <license> in the nuspec")
readme = meta.findtext("n:readme", namespaces=ns)
if not readme or readme not in names:
    problems.append(f"no readme (nuspec says {readme!r})")
for dll in ("Cairn.Client", "Cairn.Core", "Cairn.Contracts", "Cairn.Jobs", "Cairn.Processes"):
    if f"lib/net10.0/{dll}.dll" not in names:
        problems.append(f"lib/net10.0/{dll}.dll is missing")
deps = [d.get("id") for d in meta.iter("{%s}dependency" % ns["n"])]
unpublished = [d for d in deps if d.startswith("Cairn.")]
if unpublished:
    problems.append("depends on unpublished packages: " + ", ".join(unpublished))
for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
  echo "PASS smoke package: $(basename "$nupkg") has its licence, readme and contracts, and depends on no Cairn package"
fi
echo "smoke: done in $((SECONDS - started)) s"
