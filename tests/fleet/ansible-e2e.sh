#!/usr/bin/env bash
# End to end: the Ansible role (ansible/site.yml) against fake GPU servers reached over SSH on 127.0.0.1.
# Each host is its own sshd (tests/fleet/lib.sh: throwaway keys, key login only, loopback only, stopped at
# the end) and its own world (tests/fleet/make-host.sh: a fixture root and PATH of fake tools). The role
# installs the CLI (and the module where pwsh is) into each host's own folder, never this machine's.
#
#   tests/fleet/ansible-e2e.sh          the assertions; prints "fleet-ansible: N passed, N failed"
#   tests/fleet/ansible-e2e.sh --perf   instead, the wall time of a fleet check of 1, 3 and 12 healthy hosts
#                                       (forks 4; the CLI already on the hosts, the install off)
#
# Needs ansible-playbook, sshd (openssh-server), python3, a built CLI (dotnet build -c $CONFIGURATION) and
# the packaged module (build.ps1 -Task Package: out/AutoGlm).
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
configuration=${CONFIGURATION:-Release}
cli=$(ls "$repo"/src/AutoGlm.Cli/bin/"$configuration"/net*/autoglm.dll 2>/dev/null | head -1)
[ -n "$cli" ] || { echo "fleet-ansible: the CLI is not built (dotnet build AutoGlm.slnx -c $configuration)"; exit 1; }
[ -f out/AutoGlm/AutoGlm.psd1 ] || { echo "fleet-ansible: the module is not packaged (build.ps1 -Task Package)"; echo "fleet-ansible: 0 passed, 1 failed"; exit 1; }
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

# add_host INVENTORY NAME KIND [EXTRA VARS]: a fixture host behind its own sshd, one inventory line. The role
# installs the CLI (the build output stands for the published CLI; the module where pwsh is) into the host's
# own folder, HOST/install standing for / (opt/autoglm/VERSION, usr/local/bin/autoglm, the module folder); the
# CLI runs with the host's PATH of fake tools (autoglm_environment). EXTRA overrides (the last value wins):
# $wrapper for a host with the CLI already there (make-host.sh's HOST/autoglm) and the install off.
add_host() {
  local inventory=$1 name=$2 kind=$3 extra=${4:-} port h=$work/hosts/$2
  bash tests/fleet/make-host.sh "$kind" "$h" "$cli"
  port=$(fleet_port)
  fleet_start "$name" "$port"
  echo "$port" >> "$work/ports"
  echo "$name ansible_port=$port autoglm_root=$h/root autoglm_prefix=$h/install/opt/autoglm autoglm_cli=$h/install/usr/local/bin/autoglm autoglm_module_root=$h/install/usr/local/share/powershell/Modules autoglm_pwsh=$h/install/usr/bin/pwsh autoglm_environment=\"{'PATH':'$h/bin','DOTNET_ROOT':'$(dirname "$dotnet")'}\" ${extra//HOST/$h}" >> "$inventory"
}
wrapper='autoglm_install_cli=false autoglm_cli=HOST/autoglm'

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
autoglm_cli_source=$(dirname "$cli")
autoglm_module_source=$repo/out/AutoGlm
# Never true here: the reboot would be this machine's (the tests report the reboot, they cannot do it).
autoglm_reboot=false

[gpu_servers]
EOF
}

# play NAME INVENTORY [ARGS]: ansible-playbook, bounded; its output in $work/NAME.log, the report in $work/NAME/.
play() {
  local name=$1 inventory=$2; shift 2
  local start=$SECONDS
  # ANSIBLE_TIMEOUT: the SSH connection and the become prompt; Ansible's 10 s is too short on a loaded test
  # machine (the fake sudo then times out as if it refused).
  ANSIBLE_TIMEOUT=${FLEET_ANSIBLE_TIMEOUT:-60} ANSIBLE_HOST_KEY_CHECKING=true ANSIBLE_RETRY_FILES_ENABLED=false ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
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
echo "== fleet (Ansible $(ansible-playbook --version | sed -n '1s/.*core \([0-9.]*\).*/\1/p'), sshd on 127.0.0.1): healthy, needs a repair, fails preflight, needs a reboot"
inv=$work/fleet.ini
new_inventory "$inv"
add_host "$inv" gpu-healthy healthy
add_host "$inv" gpu-repair mismatch
# The install applied (not planned) here: the preflight must stop it before any change.
add_host "$inv" gpu-preflight nogpu autoglm_install_mode=apply
add_host "$inv" gpu-reboot held
# pwsh on gpu-healthy only: the module goes there (the role only looks for the file).
mkdir -p "$work/hosts/gpu-healthy/install/usr/bin" && cp "$(type -P true)" "$work/hosts/gpu-healthy/install/usr/bin/pwsh"
fleet_wait $(cat "$work/ports") || exit 1
check "nothing listens beyond 127.0.0.1" bash -c "! ss -ltnH 2>/dev/null | awk '{print \$4}' | grep -E ':($(paste -sd'|' "$work/ports"))\$' | grep -v '^127\.0\.0\.1:'"
hosts4="gpu-healthy gpu-repair gpu-preflight gpu-reboot"
release=$("$work/control/autoglm" --version | awk '{print $NF}')

# --check on hosts without the CLI: the install is the change, nothing is copied, the rest waits.
play cli-check "$inv" --check --diff --forks 4
check "cli --check: exit code 0, each host's install reported as a change" [ "$play_rc/$(for h in $hosts4; do [ "$(recap "$work/cli-check.log" $h changed)" -gt 0 ] && echo y; done | wc -l)" = 0/4 ]
check "cli --check: nothing copied to any host" bash -c "! ls -d $work/hosts/*/install/opt $work/hosts/*/install/usr/local 2>/dev/null | grep -q ."
check "cli --check: each host pending at cli with the release and what it would get" [ "$(field cli-check "sorted((h['host'], h['status'], h['step'], h['cli']['release'], h['cli']['installed']) for h in d['hosts'])")" = "[('gpu-healthy', 'pending', 'cli', '$release', ['cli', 'module']), ('gpu-preflight', 'pending', 'cli', '$release', ['cli']), ('gpu-reboot', 'pending', 'cli', '$release', ['cli']), ('gpu-repair', 'pending', 'cli', '$release', ['cli'])]" ]
check "cli --check: summary 4 pending" [ "$(field cli-check "(d['summary']['hosts'], d['summary']['pending'])")" = "(4, 4)" ]

before=$(tree "$work/hosts/gpu-preflight/root")
play first "$inv" --forks 4
sed -n '/PLAY RECAP/,$p' "$work/first.log"
check "run: exit code 2 (a host failed), the others completed" [ "$play_rc" = 2 ]
check "run: the CLI installed on each host: $release's autoglm linked from usr/local/bin" bash -c "for h in $hosts4; do [ \"\$(readlink $work/hosts/\$h/install/usr/local/bin/autoglm)\" = $work/hosts/\$h/install/opt/autoglm/$release/autoglm ] && [ -f $work/hosts/\$h/install/opt/autoglm/$release/autoglm.dll ] || exit 1; done"
check "run: the report comes from the installed CLI (its version; autoglm_cli is the link)" [ "$(field first "[h['version'] for h in d['hosts'] if h['host']=='gpu-healthy'][0]")" = "$release" ]
check "run: the module installed where pwsh is (gpu-healthy), not elsewhere" bash -c "[ -f $work/hosts/gpu-healthy/install/usr/local/share/powershell/Modules/AutoGlm/$release/AutoGlm.psd1 ] && ! [ -e $work/hosts/gpu-repair/install/usr/local/share/powershell ]"
check "run: cli facts: installed cli+module on gpu-healthy, cli elsewhere, 'no pwsh' said" [ "$(field first "[(h['host'], h['cli']['installed'], h['cli']['module'].startswith('not installed: no pwsh')) for h in d['hosts'] if h['host'] in ('gpu-healthy', 'gpu-repair')]")" = "[('gpu-healthy', ['cli', 'module'], False), ('gpu-repair', ['cli'], True)]" ]
check "run: gpu-healthy failed=0, changed only by the install" [ "$(recap "$work/first.log" gpu-healthy failed)/$(field first "[(h['status'], h['repair']['changed'], h['install']['changed'], h['cli']['changed']) for h in d['hosts'] if h['host']=='gpu-healthy'][0]")" = "0/('ok', False, False, True)" ]
check "run: gpu-repair repaired, not failed" [ "$(recap "$work/first.log" gpu-repair failed)/$(field first "[(h['status'], h['repair']['changed'], h['repair']['status']) for h in d['hosts'] if h['host']=='gpu-repair'][0]")" = "0/('checks-failed', True, 'changed')" ]
check "run: gpu-repair's modules were reloaded" grep -q '^modprobe .* nvidia$' "$work/hosts/gpu-repair/tools.log"
check "run: gpu-preflight failed (install applied: exit 2, the preflight)" [ "$(recap "$work/first.log" gpu-preflight failed)" = 1 ]
check "run: the failure names the host, the step and a fix" grep -qE 'gpu-preflight: install failed: .*PreflightFailed.* Fix: .*' "$work/first.log"
check "run: the preflight stopped the applied install before any change to gpu-preflight's root" [ "$before" = "$(tree "$work/hosts/gpu-preflight/root")" ]
check "report: gpu-preflight failed at install with gpu.present's remediation" [ "$(field first "[(h['status'], h['step'], 'GPU' in h['fix'], [c['id'] for c in h['failing']]) for h in d['hosts'] if h['host']=='gpu-preflight'][0]")" = "('failed', 'install', True, ['gpu.present', 'stack.resolved'])" ]
check "reboot: gpu-reboot not failed, reported reboot-required by the repair with the CLI's reason" [ "$(recap "$work/first.log" gpu-reboot failed)/$(field first "[(h['status'], h['reboot']['step'], h['reboot']['allowed'], 'python3 (PID 4242) holds the GPU' in h['reboot']['reason'], h['repair']['exitCode'], h['install']['status']) for h in d['hosts'] if h['host']=='gpu-reboot'][0]")" = "0/('reboot-required', 'repair', False, True, 3, 'after-reboot')" ]
check "reboot: one line names the host, the reason and the fix" grep -qE 'gpu-reboot: reboot required by repair: .*holds the GPU.* Fix: reboot gpu-reboot, then run the playbook again' "$work/first.log"
check "reboot: not rebooted (the reboot task skipped), no module touched" [ "$(awk '/^TASK \[autoglm : reboot: reboot the host\]/ {f=1; next} /^TASK/ {f=0} f && /gpu-reboot/' "$work/first.log")/$(grep -cE '^(rmmod|modprobe)' "$work/hosts/gpu-reboot/tools.log")" = "skipping: [gpu-reboot]/0" ]
check "report: fleet summary 4 hosts: 1 ok, 1 checks-failed, 1 failed, 1 reboot-required, 1 repaired" [ "$(field first "d['summary'] == {'hosts': 4, 'ok': 1, 'checksFailed': 1, 'failed': 1, 'unreachable': 0, 'rebootRequired': 1, 'pending': 0, 'repaired': 1}")" = True ]
check "report: install plan pending on gpu-healthy (plan mode)" [ "$(field first "'proof/proof.chat' in [h for h in d['hosts'] if h['host']=='gpu-healthy'][0]['install']['pending']")" = True ]
check "triage: 4 snapshots, gpu-preflight fails gpu.present, gpu-repair and gpu-reboot gpu.nvml (snapshots taken before the repair)" \
  [ "$(field first "(len(d['triage']['hosts']), [g['hosts'] for g in d['triage']['groups'] if g['id']=='gpu.present'][0], sorted([g['hosts'] for g in d['triage']['groups'] if g['id']=='gpu.nvml'][0]))")" = "(4, ['gpu-preflight'], ['gpu-reboot', 'gpu-repair'])" ]

play second "$inv" --forks 4
check "second run: changed=0 on every host" [ "$(for h in $hosts4; do recap "$work/second.log" $h changed; done | paste -sd,)" = 0,0,0,0 ]
check "second run: gpu-repair now ok" [ "$(field second "[h['status'] for h in d['hosts'] if h['host']=='gpu-repair'][0]")" = ok ]
check "second run: gpu-reboot still reboot-required (the run waits: RebootPending), not failed" [ "$(recap "$work/second.log" gpu-reboot failed)/$(field second "[(h['status'], h['repair']['exitCode']) for h in d['hosts'] if h['host']=='gpu-reboot'][0]")" = "0/('reboot-required', 2)" ]

# The mismatch again on gpu-repair (as a driver upgrade leaves it): --check --diff reports the repair, changes nothing.
sed -i 's/590\.48\.01/580.65.06/' "$work/hosts/gpu-repair/root/proc/driver/nvidia/version"
: > "$work/hosts/gpu-repair/tools.log"
before=$(tree "$work/hosts/gpu-repair/root")
play check "$inv" --check --diff --forks 4
check "--check: gpu-repair reports the would-be repair as changed" [ "$(recap "$work/check.log" gpu-repair changed)" = 1 ]
check "--check: the plan's steps are shown" grep -q 'Reload the NVIDIA kernel modules' "$work/check.log"
check "--check: nothing changed on gpu-repair's root" [ "$before" = "$(tree "$work/hosts/gpu-repair/root")" ]
check "--check: no module was reloaded" bash -c "! grep -qE '^(rmmod|modprobe)' '$work/hosts/gpu-repair/tools.log'"
check "--check: gpu-repair not failed (its install plan waits for the repair)" [ "$(recap "$work/check.log" gpu-repair failed)" = 0 ]
check "--check: gpu-healthy ok, changed=0 (its CLI installed)" [ "$(recap "$work/check.log" gpu-healthy changed)/$(recap "$work/check.log" gpu-healthy failed)" = 0/0 ]

echo "== bad input: unreachable, wrong OS, sudo refused, another autoglm version"
bad=$work/bad.ini
new_inventory "$bad"
# This fleet's CLI comes as a .tar.gz of the published folder's contents (the other fleet's as the folder).
tar -czf "$work/cli.tar.gz" -C "$(dirname "$cli")" .
sed -i "s|^autoglm_cli_source=.*|autoglm_cli_source=$work/cli.tar.gz|" "$bad"
add_host "$bad" gpu-ok healthy
add_host "$bad" gpu-wrongos wrongos
add_host "$bad" gpu-nosudo healthy "ansible_become_exe=$work/bin/sudo-refuses"
add_host "$bad" gpu-oldcli healthy "$wrapper"
# gpu-oldcli's autoglm answers --version as an older release would.
sed -i "s|^PATH=|[ \"\$1\" = --version ] \&\& { echo 'autoglm 0.0.9'; exit 0; }\nPATH=|" "$work/hosts/gpu-oldcli/autoglm"
echo "gpu-unreachable ansible_port=$(fleet_port) autoglm_root=/nonexistent autoglm_cli=/nonexistent" >> "$bad"
fleet_wait $(tail -4 "$work/ports") || exit 1
play bad "$bad" --forks 4
sed -n '/PLAY RECAP/,$p' "$work/bad.log"
check "bad: gpu-ok's CLI installed from the .tar.gz" [ -f "$(readlink "$work/hosts/gpu-ok/install/usr/local/bin/autoglm").dll" ]
check "bad: gpu-ok completed ok" [ "$(field bad "[h['status'] for h in d['hosts'] if h['host']=='gpu-ok'][0]")" = ok ]
check "bad: gpu-unreachable is unreachable, named with a fix" [ "$(field bad "[(h['status'], 'gpu-unreachable' in h['error'], 'ansible -m ping gpu-unreachable' in h['fix']) for h in d['hosts'] if h['host']=='gpu-unreachable'][0]")" = "('unreachable', True, True)" ]
check "bad: gpu-wrongos failed at install: os.supported, fix: a supported OS" [ "$(field bad "[(h['status'], h['step'], [c['id'] for c in h['failing']], 'supported OS' in h['fix']) for h in d['hosts'] if h['host']=='gpu-wrongos'][0]")" = "('failed', 'install', ['os.supported'], True)" ]
check "bad: gpu-nosudo failed at become, fix: sudoers/become password" [ "$(field bad "[(h['status'], h['step'], 'NOPASSWD' in h['fix']) for h in d['hosts'] if h['host']=='gpu-nosudo'][0]")" = "('failed', 'become', True)" ]
check "bad: gpu-oldcli failed at version, both versions named" [ "$(field bad "[(h['status'], h['step'], '0.0.9' in h['error'], 'autoglm 0.1' in h['error']) for h in d['hosts'] if h['host']=='gpu-oldcli'][0]")" = "('failed', 'version', True, True)" ]
check "bad: each failure line names its host and a fix" bash -c "for h in gpu-wrongos gpu-nosudo gpu-oldcli; do grep -q \"\$h: .* failed: .* Fix: \" '$work/bad.log' || exit 1; done"
check "bad: gpu-oldcli (install off) refused: the fix names the install" [ "$(field bad "[('autoglm_cli_source' in h['fix'], 'control node' in h['fix']) for h in d['hosts'] if h['host']=='gpu-oldcli'][0]")" = "(True, True)" ]
check "bad: summary 5 hosts: 1 ok, 3 failed, 1 unreachable" [ "$(field bad "d['summary'] == {'hosts': 5, 'ok': 1, 'checksFailed': 0, 'failed': 3, 'unreachable': 1, 'rebootRequired': 0, 'pending': 0, 'repaired': 0}")" = True ]

fi

if $perf; then
  FLEET_PLAY_TIMEOUT=1200
  echo "== wall time of a fleet check (--check, forks 4), healthy hosts"
  for n in 1 3 12; do
    inv=$work/perf-$n.ini
    new_inventory "$inv"
    : > "$work/ports"
    for i in $(seq 1 "$n"); do add_host "$inv" "perf$n-$i" healthy "$wrapper"; done
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
