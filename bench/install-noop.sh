#!/usr/bin/env bash
# Benchmark (docs/perf.md, issue 10): the no-op `Install-AutoGlmHost` / `autoglm install` on a converged host.
# The end-to-end rig (tests/AutoGlm.Tests/Deploy/InstallRig.cs: an isolated root, a signed local apt
# repository with the fake driver packages, a bare git remote with the Open-AutoGLM stand-in, a wheelhouse,
# fake nvidia-smi, systemctl and user tools, a local OpenAI-compatible stand-in) lives in C#, so the benchmark
# is an xunit fact that runs only when AUTOGLM_BENCH_INSTALL_RUNS is set: one real install, then RUNS second
# runs (plan + apply, in-process), each asserted converged. Usage: bash bench/install-noop.sh [runs=10]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
out=$(mktemp /tmp/autoglm-bench-install.XXXXXX)
trap 'rm -f "$out"' EXIT
dotnet build tests/AutoGlm.Tests -c Release --nologo -v quiet >/dev/null
AUTOGLM_BENCH_INSTALL_RUNS=$runs AUTOGLM_BENCH_OUT=$out \
  dotnet test tests/AutoGlm.Tests -c Release --no-build --nologo --filter "FullyQualifiedName~InstallNoOpBenchmark" >/dev/null \
  || { echo "the benchmark's install failed; run the filter above to see why" >&2; exit 1; }
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), .NET $(dotnet --version)"
cat "$out"
