#!/usr/bin/env bash
# Benchmark: wall time and peak memory of `autoglm test` on this machine (after a Release build).
# Usage: bash bench/test-wall-time.sh [runs]   — prints one line per run, then min/median/max.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
dotnet build src/AutoGlm.Cli -c Release --nologo -v quiet >/dev/null
cli=src/AutoGlm.Cli/bin/Release/net10.0/autoglm.dll
dotnet "$cli" test --quiet || true   # warm the file cache once; not counted
times=()
for i in $(seq "$runs"); do
  out=$( { /usr/bin/time -f '%e %M' dotnet "$cli" test --quiet || true; } 2>&1 >/dev/null | tail -n 1 )
  echo "run $i: ${out%% *} s, peak ${out##* } KiB"
  times+=("${out%% *}")
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "min %.2f s, median %.2f s, max %.2f s over %d runs\n", a[1], a[int((NR+1)/2)], a[NR], NR}'
