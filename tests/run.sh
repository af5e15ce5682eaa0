#!/usr/bin/env bash
# The whole test suite, as CI runs it: build, xunit (engine, CLI end-to-end, module contract),
# the tree-sitter syntax check of every PowerShell file, and the matrix files against their JSON Schema. Needs the .NET SDK and Node.js.
set -euo pipefail
cd "$(dirname "$0")/.."

configuration=${CONFIGURATION:-Release}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== build ($configuration)"
dotnet build AutoGlm.slnx -c "$configuration" --nologo -v quiet

echo "== xunit"
set +e
dotnet test AutoGlm.slnx -c "$configuration" --no-build --nologo 2>&1 | tee "$log"
xunit_rc=${PIPESTATUS[0]}
set -e

syntax_rc=0
if [ -f tests/pwsh-syntax/package.json ]; then
  echo "== PowerShell syntax (tree-sitter)"
  npm ci --prefix tests/pwsh-syntax --no-audit --no-fund --loglevel=error
  bash tests/pwsh-syntax/selftest.sh || syntax_rc=$?
  node tests/pwsh-syntax/check.mjs --markdown . || syntax_rc=$?
fi

schema_rc=0
if [ -f tests/schema/package.json ]; then
  echo "== matrix files against the JSON Schema (ajv)"
  npm ci --prefix tests/schema --no-audit --no-fund --loglevel=error
  node tests/schema/check.mjs . || schema_rc=$?
fi

ansible_rc=0
echo "== Ansible example (syntax check)"
if ! command -v ansible-playbook >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q ansible-core >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ansible-core >/dev/null 2>&1; } || true
fi
if command -v ansible-playbook >/dev/null; then
  ansible-playbook --syntax-check -i examples/ansible/inventory.ini examples/ansible/install-autoglm.yml || ansible_rc=$?
else
  echo "skipped: ansible-playbook is not installed and ansible-core could not be installed from Debian's packages"
fi

# One closing line any reader can count: totals over the xunit summary lines.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "xunit: ${passed} passed, ${failed} failed"
if [ "$xunit_rc" -ne 0 ] || [ "$syntax_rc" -ne 0 ] || [ "$schema_rc" -ne 0 ] || [ "$ansible_rc" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
