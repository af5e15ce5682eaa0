#!/usr/bin/env bash
# Benchmark: a fresh PowerShell session importing the packaged module, then its first Test-AutoGlmEnvironment,
# against `autoglm test` on the same machine in the same run.
# Usage: bash bench/pwsh-import.sh [runs]   — per run: pwsh start alone, start + Import-Module, start + import +
# first Test-AutoGlmEnvironment, and autoglm test; then the medians. Needs tests/pester/install-tools.sh's pwsh.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
pwsh=$(bash tests/pester/install-tools.sh | sed -n 1p)
"$pwsh" -NoProfile -NonInteractive -File build.ps1 -Task Package >/dev/null
dotnet build src/AutoGlm.Cli -c Release --nologo -v quiet >/dev/null
cli=src/AutoGlm.Cli/bin/Release/net10.0/autoglm.dll
manifest=$PWD/out/AutoGlm/AutoGlm.psd1

wall() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }
wall "$pwsh" -NoProfile -NonInteractive -Command "Import-Module '$manifest'; Test-AutoGlmEnvironment -Quiet" >/dev/null   # warm caches
declare -a bare import first cli
for i in $(seq "$runs"); do
  bare+=("$(wall "$pwsh" -NoProfile -NonInteractive -Command '$null')")
  import+=("$(wall "$pwsh" -NoProfile -NonInteractive -Command "Import-Module '$manifest'")")
  first+=("$(wall "$pwsh" -NoProfile -NonInteractive -Command "Import-Module '$manifest'; \$null = Test-AutoGlmEnvironment")")
  cli+=("$(wall dotnet "$cli" test --quiet)")
  printf 'run %d: pwsh %.2f s, + Import-Module %.2f s, + first Test-AutoGlmEnvironment %.2f s; autoglm test %.2f s\n' \
    "$i" "${bare[-1]}" "${import[-1]}" "${first[-1]}" "${cli[-1]}"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'; }
printf 'median: pwsh %s s, + Import-Module %s s, + first Test-AutoGlmEnvironment %s s; autoglm test %s s (%d runs)\n' \
  "$(median "${bare[@]}")" "$(median "${import[@]}")" "$(median "${first[@]}")" "$(median "${cli[@]}")" "$runs"
