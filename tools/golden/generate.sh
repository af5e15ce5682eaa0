#!/usr/bin/env bash
# Golden outputs of the CLI over every fixture host: `resolve` for every profile, `install-driver` and
# `install-cuda --what-if` against the fixture apt mirror, the matrix and the check list, all as JSON.
# GoldenOutputTests runs the same command lines through the current CLI and compares: a refactoring that
# claims "no behaviour change" proves it here. Regenerate only for an intended change, and say so in the commit.
# Usage: tools/golden/generate.sh [path/to/autoglm.dll]   (default: this checkout's Release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
cli=${1:-src/AutoGlm.Cli/bin/Release/net10.0/autoglm.dll}
out=tests/fixtures/golden
rm -rf "$out"; mkdir -p "$out"
mirror="file://$repo/tests/fixtures/apt-mirror/"
profiles=$(sed -n 's/^  - id: //p' matrices/profiles.yaml)

# One case: its argv (tab-separated, the checkout as <repo>), exit code, stdout and stderr.
run() {
  local name=$1; shift
  local code=0 stdout stderr
  stdout=$(mktemp); stderr=$(mktemp)
  dotnet "$cli" "$@" >"$stdout" 2>"$stderr" || code=$?
  {
    printf 'argv:'; printf '\t%s' "$@" | sed "s|$repo|<repo>|g"; printf '\n'
    printf 'exit: %s\n--- stdout\n' "$code"
    sed "s|$repo|<repo>|g" "$stdout"
    printf -- '--- stderr\n'
    sed "s|$repo|<repo>|g" "$stderr"
  } >"$out/$name.txt"
  rm -f "$stdout" "$stderr"
}

for facts in tests/fixtures/hosts/*.json; do
  host=$(basename "$facts" .json)
  for profile in $profiles; do
    run "resolve.$host.$profile" resolve --facts "$repo/$facts" --profile "$profile" --today 2026-12-06 --explain --format json
  done
  run "install-driver.$host" install-driver --facts "$repo/$facts" --what-if --format json --repository-url "$mirror"
  run "install-cuda.$host" install-cuda --facts "$repo/$facts" --what-if --format json --repository-url "$mirror"
done
run matrix matrix --format json
run list-checks test --list-checks --format json
echo "$(ls "$out" | wc -l) golden outputs in $out"
