#!/bin/sh
# Proves the checker can pass and can fail: the good fixtures must give exit 0,
# each bad fixture exit 1 with a path:line:col diagnostic at the expected place.
# Needs: npm ci --prefix tests/pwsh-syntax
set -u
cd "$(dirname "$0")" || exit 2
pass=0 fail=0

ok()  { pass=$((pass + 1)); echo "ok   - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; printf '%s\n' "$2" | sed 's/^/       /'; }

out=$(node check.mjs fixtures/good.ps1 fixtures/good.psm1 fixtures/good.psd1 fixtures/good.ps1xml fixtures/good.md 2>&1)
rc=$?
if [ "$rc" -eq 2 ]; then echo "$out"; exit 2; fi # grammar not installed
if [ "$rc" -eq 0 ]; then ok "good fixtures pass"; else bad "good fixtures pass (exit $rc)" "$out"; fi

# fixture  expected first diagnostic (path:line:col)
for case in "bad.ps1 9:2" "bad.psd1 4:5" "bad.ps1xml 13:11" "bad.md 9:1"; do
  f=${case% *} want="fixtures/$f:${case#* }: syntax error near '"
  out=$(node check.mjs "fixtures/$f" 2>&1)
  rc=$?
  if [ "$rc" -ne 1 ]; then
    bad "$f is rejected (exit $rc, want 1)" "$out"
  elif ! printf '%s\n' "$out" | grep -Fq "$want"; then
    bad "$f is rejected at ${case#* }" "$out"
  else
    ok "$f is rejected: $(printf '%s\n' "$out" | head -n 1)"
  fi
done

# Walking a directory skips the fixtures folder (broken on purpose), so this
# finds nothing -- and a check that checks nothing must not pass.
out=$(node check.mjs . 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -q 'no .* files found'; then
  ok "walk skips fixtures/, no files found exits 1"
else
  bad "walk skips fixtures/, no files found exits 1 (exit $rc)" "$out"
fi

# ...but the fixtures folder is checked when it is named explicitly.
out=$(node check.mjs fixtures 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -q '^fixtures/bad.ps1:'; then
  ok "fixtures/ named explicitly is checked"
else
  bad "fixtures/ named explicitly is checked (exit $rc)" "$out"
fi

echo "pwsh-syntax selftest: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
