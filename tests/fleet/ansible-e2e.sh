#!/usr/bin/env bash
# End to end: the Ansible role (ansible/site.yml) against fake GPU servers reached over SSH on 127.0.0.1.
# Each host is its own sshd (tests/fleet/lib.sh: throwaway keys, key login only, loopback only, stopped at
# the end) and its own world (tests/fleet/make-host.sh: a fixture root and PATH of fake tools).
#
#   tests/fleet/ansible-e2e.sh          the assertions; prints "fleet-ansible: N passed, N failed"
#   tests/fleet/ansible-e2e.sh --perf   instead, the wall time of a fleet check of 1, 3 and 12 healthy hosts (forks 4)
#
# Needs ansible-playbook, sshd (openssh-server), python3 and a built CLI (dotnet build -c $CONFIGURATION).
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
configuration=${CONFIGURATION:-Release}
cli=$(ls "$repo"/src/AutoGlm.Cli/bin/"$configuration"/net*/autoglm.dll 2>/dev/null | head -1)
[ -n "$cli" ] || { echo "fleet-ansible: the CLI is not built (dotnet build AutoGlm.slnx -c $configuration)"; exit 1; }
perf=false; [ "${1:-}" = --perf ] && perf=true

. tests/fleet/lib.sh
fleet_setup ansible

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "  ok   $*"; }
no() { failed=$((failed + 1)); echo "  FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else no "$what"; fi; }

# The control node's autoglm, and become: a sudo that runs the command (root needs no password here) and one
# that refuses, as sudo -n does for a user without a NOPASSWD rule. The tests log in as root, so become is
# forced through sudo (ANSIBLE_BECOME_ALLOW_SAME_USER) rather than skipped.
mkdir -p "$work/control" "$work/bin"
printf '#!/bin/sh\nexec %s %s "$@"\n' "$dotnet" "$cli" > "$work/control/autoglm"
cat > "$work/bin/sudo" <<'EOF'
#!/bin/sh
while [ $# -gt 0 ]; do case $1 in -u|-p) shift 2 ;; -*) shift ;; *) break ;; esac; done
exec "$@"
EOF
printf '#!/bin/sh\necho "sudo: a password is required" >&2\nexit 1\n' > "$work/bin/sudo-refuses"
chmod 755 "$work/control/autoglm" "$work/bin/sudo" "$work/bin/sudo-refuses"

# Offline wheels for the install plan's lock (empty wheels of the resolved stack; the plan only reads them).
bash tests/fleet/make-host.sh healthy "$work/probe" "$cli"
"$work/probe/autoglm" resolve --profile vllm-server --root "$work/probe/root" --format json \
  | python3 tests/fleet/make-wheel.py "$work/wheels" - >/dev/null

# add_host INVENTORY NAME KIND [EXTRA VARS]: a fixture host behind its own sshd, one inventory line.
add_host() {
  local inventory=$1 name=$2 kind=$3 extra=${4:-} port
  bash tests/fleet/make-host.sh "$kind" "$work/hosts/$name" "$cli"
  port=$(fleet_port)
  fleet_start "$name" "$port"
  echo "$port" >> "$work/ports"
  echo "$name ansible_port=$port autoglm_root=$work/hosts/$name/root autoglm_cli=$work/hosts/$name/autoglm $extra" >> "$inventory"
}

# new_inventory FILE: the [gpu_servers] header and the connection settings every host shares.
new_inventory() {
  cat > "$1" <<EOF
[all:vars]
autoglm_control_cli=$work/control/autoglm

[gpu_servers:vars]
ansible_host=127.0.0.1
ansible_user=root
ansible_ssh_private_key_file=$work/ssh/id_ed25519
ansible_ssh_common_args=-o UserKnownHostsFile=$work/ssh/known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o PasswordAuthentication=no -o ConnectTimeout=5
ansible_python_interpreter=/usr/bin/python3
ansible_become_exe=$work/bin/sudo
autoglm_control_cli=$work/control/autoglm
autoglm_install_mode=plan
autoglm_install_args=['--wheelhouse', '$work/wheels']

[gpu_servers]
EOF
}

# play NAME INVENTORY [ARGS]: ansible-playbook, bounded; its output in $work/NAME.log, the report in $work/NAME/.
play() {
  local name=$1 inventory=$2; shift 2
  local start=$SECONDS
  ANSIBLE_HOST_KEY_CHECKING=true ANSIBLE_RETRY_FILES_ENABLED=false ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
  ANSIBLE_PIPELINING=true ANSIBLE_BECOME_ALLOW_SAME_USER=true ANSIBLE_LOCAL_TEMP="$work/ansible-local" ANSIBLE_REMOTE_TEMP="$work/ansible-remote" ANSIBLE_SSH_CONTROL_PATH_DIR="$work/cp" \
    timeout "${FLEET_PLAY_TIMEOUT:-480}" ansible-playbook -i "$inventory" ansible/site.yml -e "autoglm_snapshot_dest=$work/$name" "$@" > "$work/$name.log" 2>&1
  play_rc=$?
  play_seconds=$((SECONDS - start))
  echo "  ($name: ansible-playbook rc $play_rc in ${play_seconds} s)"
}

# recap LOG HOST FIELD: a number from the PLAY RECAP line of HOST.
recap() { sed -n "s/^$2 *: .*$3=\([0-9]*\).*/\1/p" "$1" | tail -1; }
# field NAME JSONPATH: a value from $work/NAME/fleet.json (python expression over `d`).
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$work/$1/fleet.json" 2>/dev/null; }
# tree DIR: every file under a fixture root with its hash (what --check must leave alone).
tree() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum; find . -type l -printf '%p -> %l\n' | sort); }

if ! $perf; then
echo "== fleet (Ansible $(ansible-playbook --version | sed -n '1s/.*core \([0-9.]*\).*/\1/p'), sshd on 127.0.0.1): healthy, needs a repair, fails preflight"
inv=$work/three.ini
new_inventory "$inv"
add_host "$inv" gpu-healthy healthy
add_host "$inv" gpu-repair mismatch
add_host "$inv" gpu-preflight nogpu
fleet_wait $(cat "$work/ports") || exit 1
check "nothing listens beyond 127.0.0.1" bash -c "! ss -ltnH 2>/dev/null | awk '{print \$4}' | grep -E ':($(paste -sd'|' "$work/ports"))\$' | grep -v '^127\.0\.0\.1:'"

before=$(tree "$work/hosts/gpu-repair/root")
play check "$inv" --check --diff --forks 4
check "--check: gpu-repair reports the would-be repair as changed" [ "$(recap "$work/check.log" gpu-repair changed)" = 1 ]
check "--check: the plan's steps are shown" grep -q 'Reload the NVIDIA kernel modules' "$work/check.log"
check "--check: nothing changed on gpu-repair's root" [ "$before" = "$(tree "$work/hosts/gpu-repair/root")" ]
check "--check: no module was reloaded" bash -c "! grep -qE '^(rmmod|modprobe)' '$work/hosts/gpu-repair/tools.log' 2>/dev/null"
check "--check: gpu-repair not failed (its install plan waits for the repair)" [ "$(recap "$work/check.log" gpu-repair failed)" = 0 ]
check "--check: gpu-healthy ok, changed=0" [ "$(recap "$work/check.log" gpu-healthy changed)/$(recap "$work/check.log" gpu-healthy failed)" = 0/0 ]

play first "$inv" --forks 4
cat "$work/first.log" | sed -n '/PLAY RECAP/,$p'
check "run: exit code 2 (a host failed), the others completed" [ "$play_rc" = 2 ]
check "run: gpu-healthy ok, changed=0" [ "$(recap "$work/first.log" gpu-healthy changed)/$(recap "$work/first.log" gpu-healthy failed)" = 0/0 ]
check "run: gpu-repair changed (repaired)" [ "$(recap "$work/first.log" gpu-repair changed)/$(recap "$work/first.log" gpu-repair failed)" = 1/0 ]
check "run: gpu-repair's modules were reloaded" grep -q '^modprobe .* nvidia$' "$work/hosts/gpu-repair/tools.log"
check "run: gpu-preflight failed" [ "$(recap "$work/first.log" gpu-preflight failed)" = 1 ]
check "run: the failure names the host, the step and a fix" grep -qE 'gpu-preflight: install failed: .*PreflightFailed.* Fix: .*' "$work/first.log"
check "report: gpu-healthy status ok" [ "$(field first "[h['status'] for h in d['hosts'] if h['host']=='gpu-healthy'][0]")" = ok ]
check "report: gpu-repair repaired (repair.changed), its checks failed before" [ "$(field first "[(h['status'], h['repair']['changed'], h['repair']['status']) for h in d['hosts'] if h['host']=='gpu-repair'][0]")" = "('checks-failed', True, 'changed')" ]
check "report: gpu-preflight failed at install with gpu.present's remediation" [ "$(field first "[(h['status'], h['step'], 'GPU' in h['fix'], [c['id'] for c in h['failing']]) for h in d['hosts'] if h['host']=='gpu-preflight'][0]")" = "('failed', 'install', True, ['gpu.present', 'stack.resolved'])" ]
check "report: fleet summary 3 hosts: 1 ok, 1 checks-failed, 1 failed, 1 repaired" [ "$(field first "d['summary'] == {'hosts': 3, 'ok': 1, 'checksFailed': 1, 'failed': 1, 'unreachable': 0, 'repaired': 1}")" = True ]
check "report: install plan pending on gpu-healthy (plan mode)" [ "$(field first "'proof/proof.chat' in [h for h in d['hosts'] if h['host']=='gpu-healthy'][0]['install']['pending']")" = True ]
check "triage: 3 snapshots, gpu-preflight fails gpu.present, gpu-repair fails gpu.nvml (its snapshot is taken before the repair)" \
  [ "$(field first "(len(d['triage']['hosts']), [g['hosts'] for g in d['triage']['groups'] if g['id']=='gpu.present'][0], [g['hosts'] for g in d['triage']['groups'] if g['id']=='gpu.nvml'])")" = "(3, ['gpu-preflight'], [['gpu-repair']])" ]

play second "$inv" --forks 4
check "second run: changed=0 on every host" [ "$(for h in gpu-healthy gpu-repair gpu-preflight; do recap "$work/second.log" $h changed; done | paste -sd,)" = 0,0,0 ]
check "second run: gpu-repair now ok" [ "$(field second "[h['status'] for h in d['hosts'] if h['host']=='gpu-repair'][0]")" = ok ]

echo "== bad input: unreachable, wrong OS, sudo refused, another autoglm version"
bad=$work/bad.ini
new_inventory "$bad"
add_host "$bad" gpu-ok healthy
add_host "$bad" gpu-wrongos wrongos
add_host "$bad" gpu-nosudo healthy "ansible_become_exe=$work/bin/sudo-refuses"
add_host "$bad" gpu-oldcli healthy
# gpu-oldcli's autoglm answers --version as an older release would.
sed -i "s|^PATH=|[ \"\$1\" = --version ] \&\& { echo 'autoglm 0.0.9'; exit 0; }\nPATH=|" "$work/hosts/gpu-oldcli/autoglm"
echo "gpu-unreachable ansible_port=$(fleet_port) autoglm_root=/nonexistent autoglm_cli=/nonexistent" >> "$bad"
fleet_wait $(tail -4 "$work/ports") || exit 1
play bad "$bad" --forks 4
sed -n '/PLAY RECAP/,$p' "$work/bad.log"
check "bad: gpu-ok completed ok" [ "$(field bad "[h['status'] for h in d['hosts'] if h['host']=='gpu-ok'][0]")" = ok ]
check "bad: gpu-unreachable is unreachable, named with a fix" [ "$(field bad "[(h['status'], 'gpu-unreachable' in h['error'], 'ansible -m ping gpu-unreachable' in h['fix']) for h in d['hosts'] if h['host']=='gpu-unreachable'][0]")" = "('unreachable', True, True)" ]
check "bad: gpu-wrongos failed at install: os.supported, fix: a supported OS" [ "$(field bad "[(h['status'], h['step'], [c['id'] for c in h['failing']], 'supported OS' in h['fix']) for h in d['hosts'] if h['host']=='gpu-wrongos'][0]")" = "('failed', 'install', ['os.supported'], True)" ]
check "bad: gpu-nosudo failed at become, fix: sudoers/become password" [ "$(field bad "[(h['status'], h['step'], 'NOPASSWD' in h['fix']) for h in d['hosts'] if h['host']=='gpu-nosudo'][0]")" = "('failed', 'become', True)" ]
check "bad: gpu-oldcli failed at version, both versions named" [ "$(field bad "[(h['status'], h['step'], '0.0.9' in h['error'], 'autoglm 0.1' in h['error']) for h in d['hosts'] if h['host']=='gpu-oldcli'][0]")" = "('failed', 'version', True, True)" ]
check "bad: each failure line names its host and a fix" bash -c "for h in gpu-wrongos gpu-nosudo gpu-oldcli; do grep -q \"\$h: .* failed: .* Fix: \" '$work/bad.log' || exit 1; done"
check "bad: summary 5 hosts: 1 ok, 3 failed, 1 unreachable" [ "$(field bad "d['summary'] == {'hosts': 5, 'ok': 1, 'checksFailed': 0, 'failed': 3, 'unreachable': 1, 'repaired': 0}")" = True ]

fi

if $perf; then
  FLEET_PLAY_TIMEOUT=1200
  echo "== wall time of a fleet check (--check, forks 4), healthy hosts"
  for n in 1 3 12; do
    inv=$work/perf-$n.ini
    new_inventory "$inv"
    : > "$work/ports"
    for i in $(seq 1 "$n"); do add_host "$inv" "perf$n-$i" healthy; done
    fleet_wait $(cat "$work/ports") || exit 1
    start=$(date +%s.%N)
    play "perf-$n" "$inv" --check --forks 4
    end=$(date +%s.%N)
    echo "fleet-perf ansible hosts=$n forks=4 rc=$play_rc seconds=$(python3 -c "print(round($end - $start, 1))") load=$(cut -d' ' -f1-3 /proc/loadavg)"
    sed -n '/PLAY RECAP/,$p' "$work/perf-$n.log" | grep -c 'failed=0' | sed 's/^/  hosts with failed=0 (and localhost): /'
  done
fi

if [ "$failed" -ne 0 ]; then
  for f in "$work"/*.log; do echo "---- $f"; tail -60 "$f"; done
fi
echo "fleet-ansible: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
