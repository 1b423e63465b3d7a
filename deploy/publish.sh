#!/usr/bin/env bash
# Publishes `cairn` as one self-contained executable for linux-x64: the .NET and ASP.NET Core runtimes and SQLite's
# native library are inside, so the target machine needs no .NET. Prints the binary's path on its last line.
#
#   deploy/publish.sh                          Release, into artifacts/publish/linux-x64/cairn
#   deploy/publish.sh -o DIR -c Debug          another directory or configuration (deploy/smoke.sh uses Debug: it
#                                              reuses the libraries the test build already compiled)
#   deploy/publish.sh -r linux-arm64           another runtime (its runtime packs must be on the NuGet feed)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
configuration=Release
runtime=linux-x64
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -c|--configuration) configuration="${2:?$1 needs a value}"; shift 2 ;;
    -r|--runtime) runtime="${2:?$1 needs a value}"; shift 2 ;;
    -o|--output) out="${2:?$1 needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "publish.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
out="${out:-$root/artifacts/publish/$runtime}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The csproj turns on SelfContained, PublishSingleFile and IncludeNativeLibrariesForSelfExtract whenever a runtime
# identifier is given (src/Cairn.Cli/Cairn.Cli.csproj says why there is no trimming).
dotnet publish "$root/src/Cairn.Cli/Cairn.Cli.csproj" -c "$configuration" -r "$runtime" -o "$out" \
  -nologo -v quiet -clp:ErrorsOnly >&2
if [ ! -x "$out/cairn" ]; then
  echo "publish.sh: dotnet publish finished but $out/cairn is not there" >&2
  exit 1
fi
echo "$out/cairn"
