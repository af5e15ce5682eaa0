#!/usr/bin/env bash
# Regenerates tests/fixtures/versions/*.tsv: what the oracles answer for the inputs in inputs/.
#   generate.sh [OUT]     (default OUT: tests/fixtures/versions)
# Oracles, pinned below and downloaded from Debian's archive into out/version-oracle (never installed: a
# private apt configuration, dpkg-deb -x, PYTHONPATH/LD_LIBRARY_PATH): pypa/packaging (python3-packaging),
# rpm's Python binding (python3-rpm, for labelCompare, with the libraries it loads), and the host's own
# dpkg --compare-versions. inputs/ holds the peer suites' inputs (extract-inputs.py: pypa/packaging's
# tests at the same tag as the packaging pin, rpm's tests/rpmvercmp.at); they change only with a pin.
# Exit 3 when the downloads fail (no archive reachable), so callers can skip with a reason.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dest_out="${1:-$root/tests/fixtures/versions}"
cache="$root/out/version-oracle"

# Pins: change one, rerun, review the vectors' diff, commit. python3-rpm is bookworm's, for bookworm's python3.
PACKAGING="python3-packaging=26.2-3"
RPM_VER="4.18.0+dfsg-1+deb12u1"
DEBS=("$PACKAGING" "python3-rpm=$RPM_VER" "librpm9=$RPM_VER" "librpmio9=$RPM_VER" "librpmbuild9=$RPM_VER"
      "librpmsign9=$RPM_VER" "rpm-common=$RPM_VER" "liblua5.3-0=5.3.6-2" "libpopt0=1.19+dfsg-1" "libfsverity0=1.5-1.1")

mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
mirror="${mirror:-http://deb.debian.org/debian}"
apt_dir="$cache/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$cache/debs"
cat > "$apt_dir/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main
SRC
opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=/dev/null
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Architecture=amd64)
need=0
for p in "${DEBS[@]}"; do
  name="${p%%=*}"; ver="${p#*=}"
  ls "$cache/debs/${name}_${ver//:/%3a}_"*.deb >/dev/null 2>&1 || need=1
done
if [ "$need" = 1 ]; then
  apt-get "${opts[@]}" update -qq >&2 || { echo "version-oracle: Debian's archive is not reachable" >&2; exit 3; }
  (cd "$cache/debs" && for p in "${DEBS[@]}"; do
     name="${p%%=*}"; ver="${p#*=}"
     ls "${name}_${ver//:/%3a}_"*.deb >/dev/null 2>&1 || apt-get "${opts[@]}" download -qq "$p" >&2
   done) || { echo "version-oracle: could not download the pinned oracles" >&2; exit 3; }
fi
x="$cache/x"
if [ ! -f "$x/.done" ]; then
  rm -rf "$x" && mkdir -p "$x"
  for deb in "$cache/debs"/*.deb; do dpkg-deb -x "$deb" "$x"; done
  touch "$x/.done"
fi
export PYTHONPATH="$x/usr/lib/python3/dist-packages" LD_LIBRARY_PATH="$x/usr/lib/x86_64-linux-gnu" RPM_CONFIGDIR="$x/usr/lib/rpm"
python3 "$here/generate.py" "$dest_out"
