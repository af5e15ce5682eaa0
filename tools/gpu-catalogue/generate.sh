#!/usr/bin/env bash
# Regenerates matrices/gpu-catalogue.tsv from the pinned sources (fetch-sources.sh downloads them from
# Debian's archive). Deterministic: the same inputs give the same file; `git diff` after a rerun is empty.
# Usage: tools/gpu-catalogue/generate.sh [OUT-FILE]   (default: matrices/gpu-catalogue.tsv)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/matrices/gpu-catalogue.tsv}"
src="$(bash "$root/tools/gpu-catalogue/fetch-sources.sh")"
args=()
pci_deb="$(ls "$src"/pci.ids_*.deb)"; pci_ver="$(basename "$pci_deb" | cut -d_ -f2)"
args+=(--pci-ids "$src/x/$(basename "$pci_deb" .deb)/usr/share/misc/pci.ids" "Debian pci.ids $pci_ver")
for deb in "$src"/nvidia-driver_*.deb; do
  ver="$(basename "$deb" | cut -d_ -f2)"
  args+=(--supported-gpus "$src/x/$(basename "$deb" .deb)/usr/share/doc/nvidia-driver/supported-gpus.json.gz" "${ver%%-*}" "Debian nvidia-driver $ver")
done
dotnet run --project "$root/tools/AutoGlm.GpuCatalogue" -c Release -- "${args[@]}" --out "$out"
