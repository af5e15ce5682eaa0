#!/usr/bin/env bash
# Benchmark (docs/perf.md, issue 10): `autoglm test --snapshot FOLDER`, the fleet triage, over N copies
# of a snapshot of this machine (one of them made malformed, as a real fleet folder may hold), timed
# as a whole CLI process with hyperfine when it is installed (else a plain loop), plus peak memory.
# Usage: bash bench/fleet-triage.sh [snapshots=200] [runs=10]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
runs=${2:-10}
work=$(mktemp -d /tmp/autoglm-bench-fleet.XXXXXX)
trap 'rm -rf "$work"' EXIT
dotnet build src/AutoGlm.Cli -c Release --nologo -v quiet >/dev/null
cli="$PWD/src/AutoGlm.Cli/bin/Release/net10.0/autoglm"
"$cli" snapshot export --out "$work/one" >/dev/null
mkdir "$work/fleet"
for i in $(seq -w 1 "$n"); do cp -r "$work/one" "$work/fleet/host-$i"; done
echo '{broken' > "$work/fleet/host-$(seq -w 1 "$n" | tail -n 1)/index.jsonl"
triage=("$cli" test --snapshot "$work/fleet" --quiet)
{ "$cli" test --snapshot "$work/fleet" || true; } | tail -n 1   # e.g. "200 hosts: ... 1 error"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), .NET $(dotnet --version), $n snapshots of $(find "$work/one" -type f | wc -l) files, $(du -sh "$work/one" | cut -f1) each"
/usr/bin/time -f 'one run: %e s wall, %U s user, %S s system, peak RSS %M KiB' "${triage[@]}" || true
if command -v hyperfine >/dev/null; then
  hyperfine -N -i --warmup 2 --runs "$runs" -n "autoglm test --snapshot FOLDER ($n snapshots)" "${triage[*]}" \
    -n "autoglm test --snapshot ONE" "$cli test --snapshot $work/one --quiet"
else
  for i in $(seq "$runs"); do /usr/bin/time -f '%e s' "${triage[@]}" || true; done
fi
