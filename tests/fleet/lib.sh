# Sourced by the fleet end-to-end tests: several SSH "hosts" on this one machine, each its own sshd on
# 127.0.0.1 and its own port, made and torn down by the test. Keys are throwaway (made here, in the test's
# folder); password and keyboard-interactive logins are off; nothing listens beyond loopback. The machine's
# own sshd service and /etc/ssh are not used or touched: every sshd here runs with -f the test's config.
#
# Each host's view of the world is a fixture made by tests/fleet/make-host.sh: for Ansible an inventory
# variable (autoglm_root) and the host's autoglm wrapper; for PowerShell remoting sshd's SetEnv gives the
# session its PATH of fake tools and AUTOGLM_FLEET_ROOT.

fleet_sshd=${FLEET_SSHD:-/usr/sbin/sshd}
fleet_pids=()

# fleet_setup NAME: the test's folder ($work, /tmp/autoglm-fleet-NAME.*, removed at the end unless FLEET_KEEP
# is set, every sshd stopped), its keys (fleet_init), and $dotnet.
fleet_setup() {
  work=$(mktemp -d "/tmp/autoglm-fleet-$1.XXXXXX")
  trap fleet_cleanup EXIT
  trap 'exit 130' INT TERM
  fleet_init "$work"
  dotnet=$(readlink -f "$(command -v dotnet)")
}
fleet_cleanup() { fleet_stop; [ -n "${FLEET_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"; }

# fleet_init WORK: keys and known_hosts under WORK (absolute).
fleet_init() {
  fleet_work=$1
  mkdir -p "$fleet_work/ssh"
  chmod 700 "$fleet_work/ssh"
  ssh-keygen -q -t ed25519 -N '' -C fleet-test-host -f "$fleet_work/ssh/host_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C fleet-test-user -f "$fleet_work/ssh/id_ed25519"
  cp "$fleet_work/ssh/id_ed25519.pub" "$fleet_work/ssh/authorized_keys"
  chmod 600 "$fleet_work/ssh/authorized_keys" "$fleet_work/ssh/id_ed25519" "$fleet_work/ssh/host_ed25519"
  : > "$fleet_work/ssh/known_hosts"
  # sshd's privilege separation directory is compiled in; the openssh-server package makes it at boot.
  [ -d /run/sshd ] || mkdir -m 755 /run/sshd
}

# fleet_port: a free TCP port on 127.0.0.1.
fleet_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# fleet_start NAME PORT [SETENV...] [-- SUBSYSTEM_LINE]: an sshd for one host, in the background.
fleet_start() {
  local name=$1 port=$2; shift 2
  local conf=$fleet_work/ssh/sshd-$name.conf setenv=() subsystem=''
  while [ $# -gt 0 ]; do
    if [ "$1" = -- ]; then shift; subsystem=$*; break; fi
    setenv+=("$1"); shift
  done
  {
    echo "Port $port"
    echo "ListenAddress 127.0.0.1"
    echo "AddressFamily inet"
    echo "HostKey $fleet_work/ssh/host_ed25519"
    echo "PidFile $fleet_work/ssh/sshd-$name.pid"
    echo "AuthorizedKeysFile $fleet_work/ssh/authorized_keys"
    echo "PubkeyAuthentication yes"
    echo "PasswordAuthentication no"
    echo "KbdInteractiveAuthentication no"
    echo "PermitRootLogin prohibit-password"
    echo "AllowUsers root"
    echo "UsePAM no"
    echo "StrictModes no"
    echo "PrintMotd no"
    echo "MaxStartups 64:30:128"
    echo "MaxSessions 32"
    echo "Subsystem sftp internal-sftp"
    [ ${#setenv[@]} -gt 0 ] && echo "SetEnv ${setenv[*]}"
    [ -n "$subsystem" ] && echo "Subsystem $subsystem"
  } > "$conf"
  "$fleet_sshd" -D -e -f "$conf" -p "$port" -o ListenAddress=127.0.0.1 2>>"$fleet_work/ssh/sshd-$name.log" &
  fleet_pids+=($!)
  echo "[127.0.0.1]:$port $(cut -d' ' -f1-2 "$fleet_work/ssh/host_ed25519.pub")" >> "$fleet_work/ssh/known_hosts"
}

# fleet_wait PORT...: until each port accepts connections (at most 10 s each).
fleet_wait() {
  local port i
  for port; do
    for i in $(seq 1 100); do
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
      [ "$i" = 100 ] && { echo "sshd on port $port did not start:" >&2; cat "$fleet_work"/ssh/sshd-*.log >&2; return 1; }
      sleep 0.1
    done
  done
}

# fleet_stop: every sshd this test started (and their sessions), by process id.
fleet_stop() {
  local pid
  for pid in "${fleet_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${fleet_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  fleet_pids=()
}

# fleet_ssh PORT COMMAND...: ssh as root with the test's key and known_hosts only.
fleet_ssh_opts() {
  printf '%s\n' -i "$fleet_work/ssh/id_ed25519" -o IdentitiesOnly=yes -o UserKnownHostsFile="$fleet_work/ssh/known_hosts" \
    -o StrictHostKeyChecking=yes -o PasswordAuthentication=no -o BatchMode=yes -o ConnectTimeout=5
}
