#!/usr/bin/env bash
# End to end: PowerShell remoting over SSH (examples/fleet/Invoke-AutoGlmFleet.ps1: Invoke-Command
# -SSHConnection -AsJob -ThrottleLimit) against fake GPU servers, each its own sshd on 127.0.0.1 with the
# PowerShell subsystem (tests/fleet/lib.sh: throwaway keys, key login only, stopped at the end). sshd's SetEnv
# gives each host's session its world: PATH (fake tools), AUTOGLM_FLEET_ROOT (fixture root) and PSModulePath
# (the packaged module, another version of it, or none).
#
#   tests/fleet/pwsh-e2e.sh PWSH [--perf]   prints "fleet-pwsh: N passed, N failed"
#
# Needs sshd (openssh-server), the packaged module (build.ps1 -Task Package: out/AutoGlm) and the built CLI.
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
pwsh=$(readlink -f "${1:?usage: pwsh-e2e.sh PWSH [--perf]}")
perf=${2:-}
configuration=${CONFIGURATION:-Release}
cli=$(ls "$repo"/src/AutoGlm.Cli/bin/"$configuration"/net*/autoglm.dll 2>/dev/null | head -1)
[ -n "$cli" ] && [ -f out/AutoGlm/AutoGlm.psd1 ] || { echo "fleet-pwsh: build and package first (build.ps1 -Task Package)"; echo "fleet-pwsh: 0 passed, 1 failed"; exit 1; }

. tests/fleet/lib.sh
fleet_setup pwsh
# The subsystem: pwsh itself, or for the .NET tool (whose shim looks for dotnet on PATH, which here is the
# host's fake tools) dotnet with the tool's pwsh.dll.
subsystem=$pwsh
tool_dll=$(find "$(dirname "$pwsh")/.store" -path '*/unix/pwsh.dll' 2>/dev/null | head -1)
[ -n "$tool_dll" ] && subsystem="$dotnet $tool_dll"

# The module as the control node has it, and an older release of it for one host.
mkdir -p "$work/modules/current" "$work/modules/old"
cp -r out/AutoGlm "$work/modules/current/AutoGlm"
cp -r out/AutoGlm "$work/modules/old/AutoGlm"
sed -i "s/^\(\s*ModuleVersion\s*=\s*\)'[^']*'/\1'0.0.9'/" "$work/modules/old/AutoGlm/AutoGlm.psd1"

bash tests/fleet/make-host.sh healthy "$work/probe" "$cli"
"$work/probe/autoglm" resolve --profile vllm-server --root "$work/probe/root" --format json \
  | python3 tests/fleet/make-wheel.py "$work/wheels" - >/dev/null

# add_host NAME KIND MODULES: a fixture host and its sshd with the PowerShell subsystem; one line of hosts.tsv.
add_host() {
  local name=$1 kind=$2 modules=$3 port
  bash tests/fleet/make-host.sh "$kind" "$work/hosts/$name" "$cli"
  port=$(fleet_port)
  fleet_start "$name" "$port" "PATH=$work/hosts/$name/bin" "AUTOGLM_FLEET_ROOT=$work/hosts/$name/root" \
    "PSModulePath=$modules" "HOME=$work/home" \
    -- "powershell $subsystem -sshs -NoLogo -NoProfile"
  echo "$port" >> "$work/ports"
  printf '%s\t%s\n' "$name" "$port" >> "$work/hosts.tsv"
}
mkdir -p "$work/home"

echo "== fleet (PowerShell $("$pwsh" -NoProfile -Command '$PSVersionTable.PSVersion.ToString()') remoting over SSH on 127.0.0.1)"
add_host gpu-healthy healthy "$work/modules/current"
add_host gpu-repair mismatch "$work/modules/current"
add_host gpu-preflight nogpu "$work/modules/current"
add_host gpu-nomodule healthy "$work/nowhere"
add_host gpu-oldmodule healthy "$work/modules/old"
printf 'gpu-unreachable\t%s\n' "$(fleet_port)" >> "$work/hosts.tsv"
fleet_wait $(cat "$work/ports") || { echo "fleet-pwsh: 0 passed, 1 failed"; exit 1; }
if ss -ltnH 2>/dev/null | awk '{print $4}' | grep -E ":($(paste -sd'|' "$work/ports"))\$" | grep -qv '^127\.0\.0\.1:'; then
  echo "sshd listens beyond 127.0.0.1"; echo "fleet-pwsh: 0 passed, 1 failed"; exit 1
fi

if [ "$perf" = --perf ]; then
  : > "$work/perf.tsv"
  for n in 1 3 12; do
    for i in $(seq 1 "$n"); do
      add_host "perf$n-$i" healthy "$work/modules/current"
      tail -1 "$work/hosts.tsv" >> "$work/perf-$n.tsv"
    done
  done
  fleet_wait $(cat "$work/ports") || exit 1
fi

# Install-AutoGlmHost -WhatIf prints its plan on each host's console, which remoting forwards here: the log
# keeps it; the results, the table and the counts are printed (all of the log when something failed).
AUTOGLM_FLEET_WORK=$work AUTOGLM_FLEET_PERF=$perf timeout 600 "$pwsh" -NoProfile -NonInteractive -File tests/fleet/RemotingFleet.ps1 \
  -ModulePath out/AutoGlm/AutoGlm.psd1 -Work "$work" > "$work/pwsh.log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then tail -150 "$work/pwsh.log"; else grep -E '^(  (ok|FAIL) |fleet-|Host |---- |gpu-)' "$work/pwsh.log"; fi
[ $rc -eq 124 ] && echo "fleet-pwsh: timed out" && echo "fleet-pwsh: 0 passed, 1 failed"
exit $rc
