#!/usr/bin/env bash
# Benchmark (docs/perf.md, issue 19): the offline kit. On the end-to-end rig (InstallRig: an isolated root, a
# signed local apt repository, a bare git remote, a wheelhouse, fake system tools, a local model server), the
# xunit fact OfflineKitBenchmark exports a kit, installs from it once, then times RUNS no-op second runs in-process
# and RUNS as `autoglm install --kit` processes, each asserted converged. Usage: bash bench/offline-kit.sh [runs=5]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
out=$(mktemp /tmp/autoglm-bench-kit.XXXXXX)
trap 'rm -f "$out"' EXIT
dotnet build AutoGlm.slnx -c Release --nologo -v quiet >/dev/null
AUTOGLM_BENCH_KIT_RUNS=$runs AUTOGLM_BENCH_OUT=$out \
  dotnet test tests/AutoGlm.Tests -c Release --no-build --nologo --filter "FullyQualifiedName~OfflineKitBenchmark" >/dev/null \
  || { echo "the benchmark failed; run the filter above to see why" >&2; exit 1; }
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), .NET $(dotnet --version)"
cat "$out"
