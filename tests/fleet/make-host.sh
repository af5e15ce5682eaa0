#!/usr/bin/env bash
# Makes one fake GPU server for the fleet tests: DIR/root stands for '/' (what the checks read), DIR/bin is
# the host's whole PATH (fake tools that print real captures from tests/fixtures/realworld), DIR/autoglm runs
# the built CLI with that PATH (what /usr/local/bin/autoglm is on a real host). The same world as the xunit
# FixtureHost.HealthyUbuntu() (tests/AutoGlm.Tests/Support/FixtureHost.cs), written in bash so the fleet tests
# need no test assembly.
#
#   make-host.sh KIND DIR CLI_DLL
#
# KIND: healthy   one H100 on Ubuntu 22.04, driver 590.48.01 loaded and working: nothing to repair
#       mismatch  needs a repair: the user space moved to 590.48.01 while the 580.65.06 module stays loaded
#                 (nvidia-smi fails with the real rc-18 capture); the fake modprobe loads the installed module,
#                 so `autoglm repair-driver` fixes it and a second run has nothing to do
#       nogpu     fails preflight: no NVIDIA GPU on the PCI bus, no driver
#       wrongos   the healthy host on Ubuntu 18.04 (no profile supports it)
#       held      the mismatch while a process outside AutoGlm's services (python3, PID 4242) holds /dev/nvidia0:
#                 the module cannot be unloaded, so the repair needs a reboot (exit code 3, then RebootPending)
set -euo pipefail
kind=$1 dir=$2 cli=$3
repo=$(cd "$(dirname "$0")/../.." && pwd)
rw=$repo/tests/fixtures/realworld
root=$dir/root bin=$dir/bin
rm -rf "$dir"; mkdir -p "$root" "$bin"
dir=$(cd "$dir" && pwd) root=$dir/root bin=$dir/bin

f() { mkdir -p "$(dirname "$root$1")"; printf '%b' "$2" > "$root$1"; }
tool() { printf '#!/bin/sh\n%s\n' "$2" > "$bin/$1"; chmod 750 "$bin/$1"; }
prints() { tool "$1" "cat <<'AUTOGLM_EOF'
$2
AUTOGLM_EOF
exit ${3:-0}"; }
for t in sh bash cat sleep echo grep; do p=$(command -v "$t") && ln -s "$p" "$bin/$t"; done

f /etc/os-release 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nID=ubuntu\nID_LIKE=debian\n'
f /proc/sys/kernel/osrelease '5.15.0-91-generic\n'
f /proc/sys/kernel/arch 'x86_64\n'
cpu=''; for i in $(seq 0 15); do cpu+="processor\t: $i\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sse sse2 vmx avx2\n\n"; done
f /proc/cpuinfo "$cpu"
f /proc/meminfo 'MemTotal:       65842356 kB\nMemFree:        1000000 kB\nMemAvailable:   60000000 kB\n'
f /proc/self/status 'Name:\tautoglm\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n'
f /proc/net/tcp '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   113        0 24610 1 0000000000000000 100 0 0 10 0\n'
f /proc/net/tcp6 '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n'
mkdir -p "$root/opt"
f /sys/devices/pci0000:00/0000:00:1d.0/nvme/nvme0/nvme0n1/nvme0n1p2/partition '1\n'
mkdir -p "$root/sys/class/block"; ln -s ../../devices/pci0000:00/0000:00:1d.0/nvme/nvme0/nvme0n1/nvme0n1p2 "$root/sys/class/block/nvme0n1p2"
f /sys/block/nvme0n1/queue/rotational '0\n'
prints df 'Filesystem     1024-blocks      Used Available Capacity Mounted on
/dev/nvme0n1p2  1921724676 412345678 1411741234      23% /'
prints python3 'version=3.10.12
executable=/usr/bin/python3
venv=1
ensurepip=1'

# The GPU (FixtureHost.HealthyGpu): an H100 SXM5 on the open 590.48.01 driver, DKMS-built, apt-held.
if [ "$kind" != nogpu ]; then
  b=/sys/bus/pci/devices/0000:00:09.0
  f $b/vendor '0x10de\n'; f $b/device '0x2330\n'; f $b/class '0x030200\n'
  f $b/resource '0x00000000a0000000 0x00000000a0ffffff 0x0000000000040200\n0x0000220000000000 0x0000221fffffffff 0x000000000014220c\n0x0000000000000000 0x0000000000000000 0x0000000000000000\n0x0000222000000000 0x0000222001ffffff 0x000000000014220c\n'
  f /sys/class/dmi/id/sys_vendor 'Supermicro\n'; f /sys/class/dmi/id/product_name 'SYS-821GE-TNHR\n'
  f /sys/class/dmi/id/bios_version '2.1\n'; f /sys/class/dmi/id/bios_date '12/01/2023\n'
  tool nvidia-smi "cat '$rw/nvidia-smi--q-x-h100-590.48.01-v13-DERIVED.xml'"
  f /proc/driver/nvidia/version 'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  590.48.01  Release Build  (dvs-builder@U22-I3-B17-02-5)  Mon Dec  8 12:54:27 UTC 2025\nGCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04) \n'
  f /proc/modules 'nvidia_uvm 4943872 0 - Live 0x0000000000000000 (POE)\nnvidia_drm 122880 4 - Live 0x0000000000000000 (POE)\nnvidia_modeset 1368064 3 nvidia_drm, Live 0x0000000000000000 (POE)\nnvidia 54566912 33 nvidia_uvm,nvidia_modeset, Live 0x0000000000000000 (POE)\n'
  f /etc/modprobe.d/blacklist-nouveau.conf 'blacklist nouveau\noptions nouveau modeset=0\n'
  prints modinfo 'filename:       /lib/modules/5.15.0-91-generic/updates/dkms/nvidia.ko
version:        590.48.01
license:        Dual MIT/GPL
name:           nvidia
vermagic:       5.15.0-91-generic SMP preempt mod_unload modversions'
  prints dkms 'nvidia/590.48.01, 5.15.0-91-generic, x86_64: installed'
  dpkg=''
  for p in nvidia-driver-590-server-open libnvidia-compute-590-server; do
    dpkg+="Package: $p\nStatus: hold ok installed\nPriority: optional\nArchitecture: amd64\nVersion: 590.48.01-0ubuntu0.22.04.1\nDescription: $p\n\n"
  done
  f /var/lib/dpkg/status "$dpkg"
  f /proc/cmdline 'BOOT_IMAGE=/boot/vmlinuz-5.15.0-91-generic root=/dev/nvme0n1p2 ro intel_iommu=on iommu=pt\n'
  f /boot/vmlinuz-5.15.0-91-generic ''
  mkdir -p "$root/lib/modules/5.15.0-91-generic/kernel" "$root/usr/src/linux-headers-5.15.0-91-generic/include"
  ln -s /usr/src/linux-headers-5.15.0-91-generic "$root/lib/modules/5.15.0-91-generic/build"
  f /lib/modules/5.15.0-91-generic/updates/dkms/nvidia.ko ''
  tool dmesg "cat '$rw/dmesg--nvidia-load-535.104.05-healthy.txt'"
  mkdir -p "$root/sys/class/iommu/dmar0"; for g in 0 1 2 3; do mkdir -p "$root/sys/kernel/iommu_groups/$g/devices"; done
fi

case $kind in
  healthy|nogpu) ;;
  wrongos)
    f /etc/os-release 'PRETTY_NAME="Ubuntu 18.04.6 LTS"\nNAME="Ubuntu"\nVERSION_ID="18.04"\nVERSION="18.04.6 LTS (Bionic Beaver)"\nID=ubuntu\nID_LIKE=debian\n' ;;
  mismatch|held)
    # RepairFixtureTests.Mismatch(): the loaded module is 580.65.06 until modprobe loads the installed 590.48.01.
    version=$root/proc/driver/nvidia/version
    cp "$version" "$dir/healthy-version"
    sed -i 's/590\.48\.01/580.65.06/' "$version"
    log=$dir/tools.log
    tool nvidia-smi "if grep -q 590.48.01 '$version'; then
  case \"\$1\" in
    --query-gpu=driver_version) echo 590.48.01 ;;
    *) cat '$rw/nvidia-smi--q-x-h100-590.48.01-v13-DERIVED.xml' ;;
  esac
else
  cat '$rw/nvidia-smi--driver-library-mismatch-550-rc18.txt'
  exit 18
fi"
    tool modprobe "echo \"modprobe \$*\" >> '$log'
for a; do last=\$a; done
[ \"\$last\" = nvidia ] && cat '$dir/healthy-version' > '$version'
exit 0"
    tool rmmod "echo \"rmmod \$*\" >> '$log'"
    tool systemctl "echo \"systemctl \$*\" >> '$log'
[ \"\$1\" = is-active ] && echo active
exit 0"
    f /etc/systemd/system/autoglm-vllm-server.service '[Unit]\nDescription=AutoGLM model server\n'
    if [ "$kind" = held ]; then
      f /proc/4242/comm 'python3\n'
      f /proc/4242/cgroup '0::/user.slice/user-1000.slice/session-3.scope\n'
      mkdir -p "$root/proc/4242/fd"; ln -s /dev/nvidia0 "$root/proc/4242/fd/3"
    fi ;;
  *) echo "make-host.sh: unknown kind '$kind'" >&2; exit 2 ;;
esac

dotnet=$(readlink -f "$(command -v dotnet)")
printf '#!/bin/sh\n# autoglm on this fake host: the built CLI with the host'"'"'s PATH of fake tools.\nPATH=%s exec %s %s "$@"\n' "$bin" "$dotnet" "$cli" > "$dir/autoglm"
chmod 755 "$dir/autoglm"
