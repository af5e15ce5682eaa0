#!/usr/bin/env bash
# Benchmark (issue 22): how much wall time `autoglm test` adds when every external tool is slow.
#
# A fake 8x H100 host (isolated root: sysfs, /proc, dpkg status) with fake tools (nvidia-smi prints an 8-GPU
# `-q -x` log built from tests/fixtures/realworld's H100 log; modinfo, dkms, df, dmesg, python3). PATH holds only
# wrappers that append their name to a log, sleep D seconds, then exec the fake. For D = 0, 0.25 and 1 it runs
# `autoglm test --root ROOT --quiet` RUNS times and reports the median wall time, the added wall / D (1.0 = the

#
# Usage: bash bench/tool-delay.sh [runs]        (CLI=path/to/autoglm.dll to time another build)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
if [ -z "${CLI:-}" ]; then
  dotnet build src/AutoGlm.Cli -c Release --nologo -v quiet >/dev/null
  CLI=src/AutoGlm.Cli/bin/Release/net10.0/autoglm.dll
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root fakes=$work/fakes wrap=$work/wrappers log=$work/calls.log
mkdir -p "$root" "$fakes" "$wrap"

f() { mkdir -p "$(dirname "$root$1")"; printf '%b' "$2" > "$root$1"; }
kernel=5.15.0-91-generic
f /etc/os-release 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\n'
f /proc/sys/kernel/osrelease "$kernel\n"
f /proc/sys/kernel/arch 'x86_64\n'
f /proc/meminfo 'MemTotal:       2113929216 kB\nMemFree:        2000000000 kB\nMemAvailable:   2100000000 kB\n'
f /proc/self/status 'Name:\tautoglm\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n'
f /proc/cmdline "BOOT_IMAGE=/boot/vmlinuz-$kernel root=/dev/nvme0n1p2 ro intel_iommu=on iommu=pt\n"
f /proc/driver/nvidia/version 'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  590.48.01  Release Build  (dvs-builder@U22-I3-B17-02-5)  Mon Dec  8 12:54:27 UTC 2025\n'
f /proc/modules 'nvidia_uvm 4943872 0 - Live 0x0 (POE)\nnvidia 54566912 33 nvidia_uvm, Live 0x0 (POE)\n'
f /etc/modprobe.d/blacklist-nouveau.conf 'blacklist nouveau\n'
f "/boot/vmlinuz-$kernel" ''
f "/lib/modules/$kernel/updates/dkms/nvidia.ko" ''
mkdir -p "$root/usr/src/linux-headers-$kernel/include" "$root/opt" "$root/sys/class/iommu/dmar0" "$root/sys/kernel/iommu_groups/0"
ln -s "/usr/src/linux-headers-$kernel" "$root/lib/modules/$kernel/build"
cpu=''; for i in $(seq 0 63); do cpu+="processor\t: $i\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse2 vmx avx2\n\n"; done
f /proc/cpuinfo "$cpu"
status=''
for p in "nvidia-driver-590-server-open 590.48.01-0ubuntu0.22.04.1" "libnvidia-compute-590-server 590.48.01-0ubuntu0.22.04.1"; do
  status+="Package: ${p%% *}\nStatus: hold ok installed\nArchitecture: amd64\nVersion: ${p##* }\n\n"
done
f /var/lib/dpkg/status "$status"
buses=(18 2a 3a 5d 9a ab ba db)
for b in "${buses[@]}"; do
  d=/sys/bus/pci/devices/0000:$b:00.0
  f $d/vendor '0x10de\n'; f $d/device '0x2330\n'; f $d/class '0x030200\n'
  f $d/resource '0x00000000a0000000 0x00000000a0ffffff 0x0000000000040200\n0x0000220000000000 0x0000221fffffffff 0x000000000014220c\n'
done

# nvidia-smi -q -x for 8 GPUs: the H100 log's <gpu> block once per bus.
python3 - "$fakes/smi.xml" "${buses[@]}" <<'PY'
import re, sys
t = open('tests/fixtures/realworld/nvidia-smi--q-x-h100-590.48.01-v13-DERIVED.xml').read()
start, end = t.index('    <gpu '), t.index('    </gpu>\n') + len('    </gpu>\n')
head = t[:start].replace('<attached_gpus>1</attached_gpus>', '<attached_gpus>%d</attached_gpus>' % (len(sys.argv) - 2))
blocks = ''.join(t[start:end].replace('00000000:00:09.0', '00000000:%s:00.0' % b.upper()).replace('<pci_bus>00</pci_bus>', '<pci_bus>%s</pci_bus>' % b.upper()) for b in sys.argv[2:])
open(sys.argv[1], 'w').write(head + blocks + t[end:])
PY
tool() { printf '#!/bin/sh\n%s\n' "$2" > "$fakes/$1"; chmod +x "$fakes/$1"; }
# Like the real one it answers the older calls too (the CSV query, the table), so an older build can be timed.
for b in "${buses[@]}"; do
  sed "s/00000000:00:09.0/00000000:${b^^}:00.0/" tests/fixtures/realworld/nvidia-smi--query-gpu-autoglm-fields-noheader-nounits-h100-590-DERIVED.txt
done > "$fakes/smi.csv"
cp tests/fixtures/realworld/nvidia-smi--table-h100-590-idle.txt "$fakes/smi.table"
tool nvidia-smi "case \"\$1\" in
  -q) /bin/cat '$fakes/smi.xml' ;;
  --query-gpu=*) /bin/cat '$fakes/smi.csv' ;;
  *) /bin/cat '$fakes/smi.table' ;;
esac"
tool modinfo "/bin/cat <<'EOF'
filename:       /lib/modules/$kernel/updates/dkms/nvidia.ko
version:        590.48.01
license:        Dual MIT/GPL
name:           nvidia
vermagic:       $kernel SMP preempt mod_unload modversions
EOF"
tool dkms "echo 'nvidia/590.48.01, $kernel, x86_64: installed'"
tool df "printf 'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/nvme0n1p2 1921724676 412345678 1411741234 23%% /\n'"
tool dmesg "echo '[    5.1] nvidia: loading out-of-tree module taints kernel.'"
tool python3 "printf 'version=3.10.12\nexecutable=/usr/bin/python3\nvenv=1\nensurepip=1\n'"
for t in "$fakes"/*; do
  n=$(basename "$t"); case "$n" in smi.*) continue ;; esac
  printf '#!/bin/sh\necho %s >> "%s"\n/bin/sleep "$TOOL_DELAY"\nexec "%s" "$@"\n' "$n" "$log" "$t" > "$wrap/$n"
  chmod +x "$wrap/$n"
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
minimum() { sort -n | head -n 1; }
declare -A med mins
for d in 0 0.25 1; do
  : > "$log"
  PATH="$wrap" TOOL_DELAY=$d dotnet "$CLI" test --root "$root" --quiet >/dev/null 2>&1 || true   # warm-up, not counted
  : > "$log"
  times=()
  for i in $(seq "$runs"); do
    s=$(date +%s.%N)
    PATH="$wrap" TOOL_DELAY=$d "$(command -v dotnet)" "$CLI" test --root "$root" --quiet >/dev/null 2>&1 || true
    e=$(date +%s.%N)
    times+=("$(echo "$e - $s" | bc)")
  done
  med[$d]=$(printf '%s\n' "${times[@]}" | median)
  mins[$d]=$(printf '%s\n' "${times[@]}" | minimum)
  per_run=$(awk -v r="$runs" 'END {printf "%.1f", NR / r}' "$log")
  kinds=$(sort "$log" | uniq -c | awk -v r="$runs" '{printf "%s %.1f, ", $2, $1 / r}')
  printf 'D=%-5s wall min %.3f s, median %.3f s over %d runs; processes per run %s (%s)\n' "$d" "${mins[$d]}" "${med[$d]}" "$runs" "$per_run" "${kinds%, }"
done
# The minimum is the steadier estimate on a shared machine (load only ever adds time); the median is shown too.
for d in 0.25 1; do
  echo "D=$d: added wall (min) $(echo "${mins[$d]} - ${mins[0]}" | bc -l | xargs printf '%.3f') s = $(echo "(${mins[$d]} - ${mins[0]}) / $d" | bc -l | xargs printf '%.2f') x D; (median) $(echo "(${med[$d]} - ${med[0]}) / $d" | bc -l | xargs printf '%.2f') x D"
done
