#!/usr/bin/env bash
# Downloads NVIDIA's own user-space binaries, pinned, from Debian's non-free archive and unpacks them
# (dpkg-deb -x; never installed) into a cache folder, default out/nvidia-artifacts. The host's apt state
# is not touched: a private sources list, lists and cache under the folder. Already downloaded versions
# are not fetched again. Prints the folder; for each pinned version, DEST/VERSION/ holds
#   libnvidia-ml.so.1   -> the real library (usr/lib/x86_64-linux-gnu/nvidia/current/ of libnvidia-ml1)
#   nvidia-smi          -> the real binary (usr/lib/nvidia/current/ of nvidia-smi)
#   root/               the unpacked packages
# The tests (tests/AutoGlm.Tests/Engine/RealNvidiaTests.cs) find them through AUTOGLM_REAL_NVIDIA=DEST.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="${1:-$here/../../out/nvidia-artifacts}"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"

# Pinned versions (Debian package versions): bookworm, trixie, experimental.
VERSIONS=("535.261.03-1" "550.163.01-5.1" "555.58.02-4")
PACKAGES=(libnvidia-ml1 nvidia-smi)

mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
mirror="${mirror:-http://deb.debian.org/debian}"
apt_dir="$dest/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$dest/debs"
cat > "$apt_dir/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm non-free
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie non-free
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid non-free
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror experimental non-free
SRC
opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=/dev/null
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Architecture=amd64)
# As root, apt would hand the download to _apt, which cannot write into a folder root made: say so up front.
[ "$(id -u)" = 0 ] && opts+=(-o APT::Sandbox::User=root)

have() { ls "$dest/debs/${1}_${2//:/%3a}_"*.deb >/dev/null 2>&1; }
updated=0
for v in "${VERSIONS[@]}"; do
  for p in "${PACKAGES[@]}"; do
    have "$p" "$v" && continue
    if [ "$updated" = 0 ]; then apt-get "${opts[@]}" update -qq >&2; updated=1; fi
    (cd "$dest/debs" && apt-get "${opts[@]}" download -qq "$p=$v" >&2)
  done
done

for v in "${VERSIONS[@]}"; do
  out="$dest/$v"
  [ -e "$out/nvidia-smi" ] && [ -e "$out/libnvidia-ml.so.1" ] && continue
  rm -rf "$out.tmp" && mkdir -p "$out.tmp/root"
  for p in "${PACKAGES[@]}"; do dpkg-deb -x "$dest/debs/${p}_${v//:/%3a}_"*.deb "$out.tmp/root"; done
  lib="$out.tmp/root/usr/lib/x86_64-linux-gnu/nvidia/current/libnvidia-ml.so.1"
  smi="$out.tmp/root/usr/lib/nvidia/current/nvidia-smi"
  [ -e "$lib" ] || { echo "fetch.sh: $v: no usr/lib/x86_64-linux-gnu/nvidia/current/libnvidia-ml.so.1 in libnvidia-ml1" >&2; exit 1; }
  [ -e "$smi" ] || { echo "fetch.sh: $v: no usr/lib/nvidia/current/nvidia-smi in nvidia-smi" >&2; exit 1; }
  ln -s "root/usr/lib/x86_64-linux-gnu/nvidia/current/libnvidia-ml.so.1" "$out.tmp/libnvidia-ml.so.1"
  ln -s "root/usr/lib/nvidia/current/nvidia-smi" "$out.tmp/nvidia-smi"
  rm -rf "$out" && mv "$out.tmp" "$out"
done
echo "$dest"
