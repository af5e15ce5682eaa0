#!/usr/bin/env bash
# Installs what the Pester suite runs on into ./.tools (ignored, reused between runs): PowerShell as a
# .NET global tool and Pester from NuGet. Pinned: PowerShell 7.7.0 does not install from this feed, and
# the specs are written for Pester 5. Prints the pwsh path and the Pester manifest path, one per line.
set -euo pipefail
cd "$(dirname "$0")/../.."

pwsh_version=${AUTOGLM_PWSH_VERSION:-7.6.10}
pester_version=${AUTOGLM_PESTER_VERSION:-5.7.1}
tools=$PWD/.tools
pwsh=$tools/pwsh/pwsh

if [ ! -x "$pwsh" ] || [ "$("$pwsh" -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null)" != "$pwsh_version" ]; then
  rm -rf "$tools/pwsh"
  dotnet tool install --tool-path "$tools/pwsh" PowerShell --version "$pwsh_version" >&2
fi

pester=$tools/nuget/pester/$pester_version/tools/Pester.psd1
if [ ! -f "$pester" ]; then
  dotnet restore tests/pester/tools/PesterTools.csproj --packages "$tools/nuget" -p:PesterVersion="$pester_version" --nologo -v quiet >&2
fi
[ -f "$pester" ] || { echo "Pester $pester_version was restored but $pester is missing" >&2; exit 1; }

printf '%s\n%s\n' "$pwsh" "$pester"
