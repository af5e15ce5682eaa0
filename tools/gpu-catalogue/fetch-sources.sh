#!/usr/bin/env bash
# Downloads the pinned inputs of the GPU catalogue from Debian's archive into a cache folder
# (default: out/gpu-sources), without touching the host's apt state: a private sources list, lists
# and cache. Prints the folder. Inputs: pci.ids (main) and nvidia-driver's supported-gpus.json
# (non-free) for each pinned driver version.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="${1:-$here/../../out/gpu-sources}"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"

# Pinned versions: change them here, rerun generate.sh, commit the catalogue.
PCI_IDS=("pci.ids=0.0~2026.10.24-1" "hwdata=0.411-1")
DRIVERS=("nvidia-driver=535.261.03-1" "nvidia-driver=550.163.01-5.1" "nvidia-driver=555.58.02-4")

mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
mirror="${mirror:-http://deb.debian.org/debian}"
apt_dir="$dest/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
cat > "$apt_dir/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main non-free non-free-firmware
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main non-free non-free-firmware
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main non-free non-free-firmware
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror experimental main non-free non-free-firmware
SRC
opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=/dev/null
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Architecture=amd64)

need=0
for p in "${PCI_IDS[@]}" "${DRIVERS[@]}"; do
  name="${p%%=*}"; ver="${p#*=}"
  ls "$dest"/"${name}"_"${ver//:/%3a}"_*.deb >/dev/null 2>&1 || need=1
done
if [ "$need" = 1 ]; then
  apt-get "${opts[@]}" update -qq >&2
  (cd "$dest" && for p in "${PCI_IDS[@]}" "${DRIVERS[@]}"; do
     name="${p%%=*}"; ver="${p#*=}"
     ls "${name}"_"${ver//:/%3a}"_*.deb >/dev/null 2>&1 || apt-get "${opts[@]}" download -qq "$p" >&2
   done)
fi

# Unpack the files the generator reads.
for deb in "$dest"/*.deb; do
  x="$dest/x/$(basename "$deb" .deb)"
  [ -d "$x" ] || { mkdir -p "$x.tmp" && dpkg-deb -x "$deb" "$x.tmp" && mv "$x.tmp" "$x"; }
done
echo "$dest"
