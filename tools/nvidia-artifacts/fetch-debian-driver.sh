#!/usr/bin/env bash
# Downloads Debian's REAL NVIDIA driver packages, pinned (nvidia-driver 535.261.03-1, bookworm), for the Debian-path
# end-to-end test (tests/AutoGlm.Tests/Install/DebianRealDriverTests.cs). Nothing is installed and the host's apt
# state is not touched: a private sources list, lists and cache under the folder (as fetch.sh does).
#
# What is downloaded: the dependency closure apt itself computes (no Recommends) for AutoGlm's install set, both
# flavours: nvidia-driver, nvidia-kernel-dkms, nvidia-open-kernel-dkms, firmware-nvidia-gsp, libcuda1, libnvidia-ml1,
# nvidia-smi at VERSION, over an EMPTY dpkg status. Of that closure, the packages of Debian's contrib, non-free and
# non-free-firmware components are downloaded as .debs (about 35, 165 MB); the packages from Debian's main (libc6,
# dkms, xserver-xorg-core, debconf, ... about 160) are NOT: their real control stanzas from bookworm's main index are
# written as dpkg status entries marked installed, with their own relationship fields removed (stubs), so that apt in
# an isolated root sees them as present and resolves exactly the non-free delta. Prints the folder; for VERSION,
# DEST/VERSION/ holds
#   debs/            the real .debs (contrib, non-free, non-free-firmware)
#   closure.txt      "PACKAGE VERSION SECTION" per downloaded .deb, one a line (what apt must install)
#   stubs.status     dpkg status stanzas for the main packages of the closure
#   complete         written last: a folder without it is downloaded again
# Cached under out/ (ignored); never commit .debs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="${1:-$here/../../out/nvidia-debian-driver}"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"

# Pinned: Debian 12 (bookworm)'s R535, the version in its non-free archive (packages.debian.org/bookworm/nvidia-driver).
VERSION="535.261.03-1"
SUITE="bookworm"
SET=(nvidia-driver firmware-nvidia-gsp libcuda1 libnvidia-ml1 nvidia-smi)
KERNELS=(nvidia-kernel-dkms nvidia-open-kernel-dkms)

out="$dest/$VERSION"
if [ -e "$out/complete" ]; then echo "$dest"; exit 0; fi

mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
mirror="${mirror:-http://deb.debian.org/debian}"
apt_dir="$dest/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
: > "$apt_dir/empty.status"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $SUITE main contrib non-free non-free-firmware" > "$apt_dir/sources.list"
opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=/dev/null
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Architecture=amd64
      -o "Dir::State::status=$apt_dir/empty.status" -o Dir::Etc::preferencesparts=/dev/null)
[ "$(id -u)" = 0 ] && opts+=(-o APT::Sandbox::User=root)
apt-get "${opts[@]}" update -qq >&2

rm -rf "$out.tmp" && mkdir -p "$out.tmp/debs"
# apt's own resolution, once per flavour (the two kernel module packages conflict), over an empty system.
for kernel in "${KERNELS[@]}"; do
  apt-get "${opts[@]}" -s install --no-install-recommends "${SET[@]/%/=$VERSION}" "$kernel=$VERSION" 2>&1 \
    | awk '/^Inst / {v=$3; gsub(/[()]/, "", v); print $2 "=" v}'
done | sort -u > "$out.tmp/specs"
[ -s "$out.tmp/specs" ] || { echo "fetch-debian-driver.sh: apt resolved nothing for nvidia-driver=$VERSION" >&2; exit 1; }
# shellcheck disable=SC2046
apt-cache "${opts[@]}" show --no-all-versions $(cat "$out.tmp/specs") > "$out.tmp/stanzas"

python3 - "$out.tmp" <<'PY'
import sys, os
out = sys.argv[1]
drop = {"Depends", "Pre-Depends", "Recommends", "Suggests", "Breaks", "Conflicts", "Replaces", "Enhances", "Built-Using",
        "Filename", "Size", "MD5sum", "SHA256", "Description-md5", "Tag", "Homepage", "Static-Built-Using"}
debs, stubs = [], []
for stanza in open(os.path.join(out, "stanzas")).read().split("\n\n"):
    fields, order = {}, []
    for line in stanza.split("\n"):
        if line and not line[0].isspace() and ":" in line:
            k, v = line.split(":", 1)
            fields[k] = v.strip(); order.append(k)
    if "Package" not in fields:
        continue
    section = fields.get("Section", "")
    if section.split("/")[0] in ("contrib", "non-free", "non-free-firmware"):
        debs.append(f'{fields["Package"]} {fields["Version"]} {section}')
    else:
        keep = [k for k in order if k not in drop and k != "Description"]
        text = [f"Package: {fields['Package']}", "Status: install ok installed"]
        text += [f"{k}: {fields[k]}" for k in keep if k != "Package"]
        text.append(f"Description: stub of Debian's {fields['Package']} (real control data, relationships removed)")
        stubs.append("\n".join(text) + "\n")
open(os.path.join(out, "closure.txt"), "w").write("\n".join(sorted(debs)) + "\n")
open(os.path.join(out, "stubs.status"), "w").write("\n".join(stubs))
PY

cache="$dest/debs"
mkdir -p "$cache"
while read -r p v _; do
  f=$(ls "$cache/${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -1 || true)
  if [ -z "$f" ]; then (cd "$cache" && apt-get "${opts[@]}" download -qq "$p=$v" >&2); f=$(ls "$cache/${p}_${v//:/%3a}_"*.deb | head -1); fi
  ln -sf "$f" "$out.tmp/debs/"
done < "$out.tmp/closure.txt"
grep -q "^nvidia-driver $VERSION " "$out.tmp/closure.txt" || { echo "fetch-debian-driver.sh: nvidia-driver $VERSION is not in the closure" >&2; exit 1; }
rm -f "$out.tmp/specs" "$out.tmp/stanzas"
touch "$out.tmp/complete"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "$dest"
