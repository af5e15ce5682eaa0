#!/usr/bin/env bash
# The whole test suite, as CI runs it: build, xunit (engine, CLI end-to-end, module contract), the Pester
# specs in PowerShell 7.6 against the packaged module (which include PowerShell's own parser over every
# PowerShell file and help example), the matrix files against their JSON Schema, and the fleet end to end
# (Ansible and PowerShell remoting over SSH against sshd on 127.0.0.1: tests/fleet). Needs the .NET SDK and
# Node.js; PowerShell and Pester are installed into ./.tools from NuGet (tests/pester/install-tools.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

configuration=${CONFIGURATION:-Release}
log=$(mktemp)
pester_log=$(mktemp)
trap 'rm -f "$log" "$pester_log"' EXIT

echo "== build ($configuration)"
dotnet build AutoGlm.slnx -c "$configuration" --nologo -v quiet

echo "== real NVIDIA binaries for the xunit tests (pinned, from Debian's non-free archive; cached in out/nvidia-artifacts)"
fetch_log=$(mktemp)
if real_nvidia=$(bash tools/nvidia-artifacts/fetch.sh 2>"$fetch_log"); then
  export AUTOGLM_REAL_NVIDIA=$real_nvidia
  echo "$real_nvidia: $(ls "$real_nvidia" | grep -v -e '^apt$' -e '^debs$' | tr '\n' ' ')"
else
  echo "could not download them (tools/nvidia-artifacts/fetch.sh); the RealNvidia tests will be skipped:"
  tail -5 "$fetch_log" | sed 's/^/  /'
fi
rm -f "$fetch_log"

echo "== Debian's real NVIDIA driver packages for the Debian-path test (nvidia-driver 535.261.03-1 and its non-free closure; cached in out/nvidia-debian-driver)"
fetch_log=$(mktemp)
if real_debian=$(bash tools/nvidia-artifacts/fetch-debian-driver.sh 2>"$fetch_log"); then
  export AUTOGLM_REAL_DEBIAN_DRIVER=$real_debian
  echo "$real_debian: $(ls "$real_debian"/*/debs | wc -l) packages"
else
  echo "could not download them (tools/nvidia-artifacts/fetch-debian-driver.sh); DebianRealDriverTests will be skipped:"
  tail -5 "$fetch_log" | sed 's/^/  /'
fi
rm -f "$fetch_log"

echo "== xunit"
set +e
dotnet test AutoGlm.slnx -c "$configuration" --no-build --nologo 2>&1 | tee "$log"
xunit_rc=${PIPESTATUS[0]}
set -e

pester_rc=0
echo "== Pester in PowerShell (the packaged module)"
if tools=$(bash tests/pester/install-tools.sh); then
  pwsh=$(sed -n 1p <<<"$tools"); pester=$(sed -n 2p <<<"$tools")
  echo "$("$pwsh" -NoProfile -NonInteractive -Command '"PowerShell $($PSVersionTable.PSVersion)"'), Pester $(basename "$(dirname "$(dirname "$pester")")")"
  AUTOGLM_PWSH=$pwsh "$pwsh" -NoProfile -NonInteractive -File build.ps1 -Task Package -Configuration "$configuration" >/dev/null || pester_rc=$?
  if [ "$pester_rc" -eq 0 ]; then
    set +e
    AUTOGLM_PWSH=$pwsh "$pwsh" -NoProfile -NonInteractive -File tests/pester/run.ps1 -PesterPath "$pester" \
      -ModulePath out/AutoGlm/AutoGlm.psd1 2>&1 | tee "$pester_log"
    pester_rc=${PIPESTATUS[0]}
    set -e
  fi
else
  pester_rc=1
  echo "could not install PowerShell or Pester (tests/pester/install-tools.sh)"
fi

schema_rc=0
if [ -f tests/schema/package.json ]; then
  echo "== matrix files against the JSON Schema (ajv)"
  npm ci --prefix tests/schema --no-audit --no-fund --loglevel=error
  node tests/schema/check.mjs . || schema_rc=$?
fi

# The fleet: the Ansible role (ansible/) and PowerShell remoting over SSH (examples/fleet/Invoke-AutoGlmFleet.ps1),
# end to end against fake GPU servers, each its own sshd on 127.0.0.1 (tests/fleet). ansible-core and
# openssh-server (only its sshd binary is run, with the test's own config) come from Debian's packages when
# missing; their services are not started (policy-rc.d) and the machine's sshd is never used.
fleet_rc=0
fleet_log=$(mktemp)
echo "== fleet: Ansible and PowerShell remoting over SSH against local sshd hosts (tests/fleet)"
fleet_apt() {
  command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] || return 1
  local guard=
  [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; guard=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1; }
  local rc=$?
  [ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d
  return $rc
}
command -v ansible-playbook >/dev/null || fleet_apt ansible-core || true
[ -x /usr/sbin/sshd ] || fleet_apt openssh-server || true
if ! command -v ansible-playbook >/dev/null || [ ! -x /usr/sbin/sshd ]; then
  echo "ansible-playbook or /usr/sbin/sshd is missing and could not be installed from Debian's packages (ansible-core, openssh-server)"
  echo "fleet-setup: 0 passed, 1 failed" >> "$fleet_log"
  fleet_rc=1
else
  ansible-playbook --syntax-check -i ansible/inventory.example.ini ansible/site.yml || fleet_rc=1
  set +e
  CONFIGURATION=$configuration timeout 1500 bash tests/fleet/ansible-e2e.sh 2>&1 | tee -a "$fleet_log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || fleet_rc=1
  if [ -n "${pwsh:-}" ] && [ -f out/AutoGlm/AutoGlm.psd1 ]; then
    CONFIGURATION=$configuration timeout 900 bash tests/fleet/pwsh-e2e.sh "$pwsh" 2>&1 | tee -a "$fleet_log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || fleet_rc=1
  else
    echo "fleet-pwsh: 0 passed, 1 failed (PowerShell or the packaged module is missing)" | tee -a "$fleet_log"
    fleet_rc=1
  fi
  set -e
fi
fleet_passed=$(awk '/^fleet-[a-z]+: [0-9]+ passed, [0-9]+ failed/ {s+=$2} END {print s+0}' "$fleet_log")
fleet_failed=$(awk '/^fleet-[a-z]+: [0-9]+ passed, [0-9]+ failed/ {s+=$4} END {print s+0}' "$fleet_log")
echo "fleet: $fleet_passed passed, $fleet_failed failed"
rm -f "$fleet_log"

catalogue_rc=0
echo "== GPU catalogue: regenerated from its pinned sources, it must equal matrices/gpu-catalogue.tsv"
fresh=$(mktemp)
if bash tools/gpu-catalogue/fetch-sources.sh >/dev/null 2>&1; then
  if bash tools/gpu-catalogue/generate.sh "$fresh" >/dev/null; then
    diff -u matrices/gpu-catalogue.tsv "$fresh" | head -20 || true
    cmp -s matrices/gpu-catalogue.tsv "$fresh" && echo "identical" || { echo "matrices/gpu-catalogue.tsv is not what tools/gpu-catalogue/generate.sh makes"; catalogue_rc=1; }
  else
    catalogue_rc=1
  fi
else
  echo "skipped: the pinned pci.ids / nvidia-driver packages could not be downloaded from Debian's archive (tools/gpu-catalogue/fetch-sources.sh)"
fi
rm -f "$fresh"

versions_rc=0
echo "== Version oracle: packaging, dpkg and rpm answer tests/fixtures/versions/*.tsv as committed"
fresh=$(mktemp -d)
vo_rc=0; bash tools/version-oracle/generate.sh "$fresh" >/dev/null 2>&1 || vo_rc=$?
if [ "$vo_rc" -eq 0 ]; then
  # The '# oracle:' lines name the host's dpkg and python versions; the answers must not move.
  for f in tests/fixtures/versions/*.tsv; do
    diff -u <(grep -v '^# oracle: ' "$f") <(grep -v '^# oracle: ' "$fresh/$(basename "$f")") | head -20 || true
    cmp -s <(grep -v '^# oracle: ' "$f") <(grep -v '^# oracle: ' "$fresh/$(basename "$f")") || { echo "$f is not what tools/version-oracle/generate.sh makes"; versions_rc=1; }
  done
  [ "$versions_rc" -eq 0 ] && echo "identical"
elif [ "$vo_rc" -eq 3 ]; then
  echo "skipped: the pinned python3-packaging / python3-rpm packages could not be downloaded from Debian's archive (tools/version-oracle/generate.sh)"
else
  versions_rc=1
fi
rm -rf "$fresh"

# Closing lines any reader can count: xunit's totals over its summary lines, Pester's from its runner, the fleet
# end-to-end checks', and all of them.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
pester_passed=$(awk '/^pester: [0-9]+ passed, [0-9]+ failed/ {p=$2} END {print p+0}' "$pester_log")
pester_failed=$(awk '/^pester: [0-9]+ passed, [0-9]+ failed/ {f=$4} END {print f+0}' "$pester_log")
echo "xunit: ${passed} passed, ${failed} failed"
echo "pester: $pester_passed passed, $pester_failed failed"
echo "fleet: $fleet_passed passed, $fleet_failed failed"
echo "total: $((passed + pester_passed + fleet_passed)) passed, $((failed + pester_failed + fleet_failed)) failed"
if [ "$xunit_rc" -ne 0 ] || [ "$pester_rc" -ne 0 ] || [ "$schema_rc" -ne 0 ] || [ "$fleet_rc" -ne 0 ] || [ "$catalogue_rc" -ne 0 ] || [ "$versions_rc" -ne 0 ] || [ "$passed" -eq 0 ] || [ "$pester_passed" -eq 0 ]; then
  exit 1
fi
