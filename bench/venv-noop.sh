#!/usr/bin/env bash
# Benchmark (docs/perf.md, issue 6): a no-op `autoglm venv sync` against `pip install -r lock` on the
# same, already satisfied venv. Builds N small generated wheels into a wheelhouse, a hash lock for them,
# and the venv (by `autoglm venv sync`), then times both commands side by side with hyperfine when it
# is installed (else a plain loop). Usage: bash bench/venv-noop.sh [wheels=7] [runs=10]
set -euo pipefail
cd "$(dirname "$0")/.."
wheels=${1:-7}
runs=${2:-10}
# The interpreter itself, not a pyenv shim: a shim's own start-up would be charged to pip.
python=$(${PYTHON:-python3.11} -c 'import sys; print(sys.executable)')
work=$(mktemp -d /tmp/autoglm-bench-venv.XXXXXX)
trap 'rm -rf "$work"' EXIT
dotnet build src/AutoGlm.Cli -c Release --nologo -v quiet >/dev/null
cli="$PWD/src/AutoGlm.Cli/bin/Release/net10.0/autoglm"
if [ "${R2R:-0}" = 1 ]; then   # the CLI published ReadyToRun for this machine (PublishReadyToRun applies with a RID)
  dotnet publish src/AutoGlm.Cli -c Release -r linux-x64 --self-contained false --nologo -v quiet -o "$work/cli" >/dev/null
  cli="$work/cli/autoglm"
fi

# Wheels: one module and a dist-info (METADATA, WHEEL, RECORD) each, as the tests generate them.
"$python" - "$work/wheels" "$wheels" <<'PY'
import base64, hashlib, os, sys, zipfile
out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out)
def h(b): return base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b'=').decode()
for i in range(n):
    name, ver = f"benchpkg{i}", "1.0.0"
    info = f"{name}-{ver}.dist-info"
    files = {f"{name}/__init__.py": b"x = 1\n",
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {ver}\n".encode(),
             f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(f"{p},sha256={h(d)},{len(d)}\n" for p, d in files.items()) + f"{info}/RECORD,,\n"
    files[f"{info}/RECORD"] = record.encode()
    with zipfile.ZipFile(f"{out}/{name}-{ver}-py3-none-any.whl", "w") as z:
        for p, d in files.items(): z.writestr(p, d)
PY
lock="$work/requirements.lock"
{ echo "--no-index"; echo "--find-links $work/wheels"; echo
  for w in "$work"/wheels/*.whl; do
    n=$(basename "$w"); echo "${n%%-*}==1.0.0 --hash=sha256:$(sha256sum "$w" | cut -d' ' -f1)"
  done; } > "$lock"
root="$work/root"
mkdir -p "$root"
sync=($cli venv sync --lock "$lock" --root "$root" --path /opt/autoglm/venv --force)
"${sync[@]}" >/dev/null
venv="$root/opt/autoglm/venv"
pip=("$python" -m pip --python "$venv/bin/python" install --disable-pip-version-check --no-input --require-hashes --no-deps -r "$lock")
"${pip[@]}" | tail -n 1
"${sync[@]}" | head -n 1   # converged
AUTOGLM_TRACE=1 "${sync[@]}" 2>&1 >/dev/null | grep '^trace:'   # where a no-op's time goes (ms since process start)
test -f "$venv/.autoglm-stamp.json"
$cli bench --venv "$venv" --iterations 20
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), .NET $(dotnet --version), $("$python" --version), $wheels wheels"
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 3 --runs "$runs" -n "autoglm venv sync (no-op)" "${sync[*]}" -n "pip install -r lock (satisfied)" "${pip[*]}"
else
  for name in sync pip; do
    declare -n cmd=$name
    start=$(date +%s.%N)
    for i in $(seq "$runs"); do "${cmd[@]}" >/dev/null; done
    echo "$name: $(echo "($(date +%s.%N) - $start) / $runs" | bc -l | cut -c1-6) s mean over $runs runs"
  done
fi
