using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Diagnostics;

namespace AutoGlm.Engine.Matrix
{
    /// <summary>The merged, validated matrix.</summary>
    public sealed class CompatibilityMatrix
    {
        public List<string> FilesLoaded { get; } = new List<string>();
        public string? DefaultProfile { get; internal set; }
        public List<OperatingSystemEntry> OperatingSystems { get; } = new List<OperatingSystemEntry>();
        public List<ProfileEntry> Profiles { get; } = new List<ProfileEntry>();
        public List<CudaReleaseEntry> CudaReleases { get; } = new List<CudaReleaseEntry>();
        public List<CudaFamilyEntry> CudaFamilies { get; } = new List<CudaFamilyEntry>();
        public List<DriverBranchEntry> DriverBranches { get; } = new List<DriverBranchEntry>();
        public List<DriverPackagingEntry> DriverPackaging { get; } = new List<DriverPackagingEntry>();
        public List<GpuArchitectureEntry> GpuArchitectures { get; } = new List<GpuArchitectureEntry>();
        public List<GpuChipEntry> GpuChips { get; } = new List<GpuChipEntry>();
        public List<GpuEntry> Gpus { get; } = new List<GpuEntry>();

        /// <summary>The generated catalogue file beside the shipped matrix; null: none (a matrix built in a test).</summary>
        public string? CataloguePath { get; internal set; }
        private GpuCatalogue? _catalogue;
        private readonly object _catalogueLock = new object();

        /// <summary>
        /// Every NVIDIA GPU by PCI id (matrices/gpu-catalogue.tsv), read on first use: a host whose driver names
        /// its GPUs' capabilities never loads it. Empty when the matrix has no catalogue file.
        /// </summary>
        public GpuCatalogue Catalogue
        {
            get
            {
                lock (_catalogueLock)
                {
                    if (_catalogue == null)
                        _catalogue = CataloguePath != null && System.IO.File.Exists(CataloguePath)
                            ? GpuCatalogue.Parse(CataloguePath, System.IO.File.ReadAllText(CataloguePath))
                            : new GpuCatalogue();
                    return _catalogue;
                }
            }
            set { lock (_catalogueLock) _catalogue = value; }
        }

        /// <summary>The chip-table entry for a pci.ids chip ("AD102GL" → AD102's); a revision ("TU104B") counts as its chip.</summary>
        public GpuChipEntry? FindChip(string? chip)
        {
            var b = GpuCatalogue.BaseChip(chip);
            if (b == null) return null;
            var hit = GpuChips.FirstOrDefault(c => c.Chips.Contains(b, StringComparer.OrdinalIgnoreCase));
            if (hit == null && b.Length == 6 && b.EndsWith("B", StringComparison.Ordinal))
                hit = GpuChips.FirstOrDefault(c => c.Chips.Contains(b.Substring(0, 5), StringComparer.OrdinalIgnoreCase));
            return hit;
        }
        public List<WheelCoverageEntry> WheelCoverage { get; } = new List<WheelCoverageEntry>();
        public List<TorchReleaseEntry> TorchReleases { get; } = new List<TorchReleaseEntry>();
        public List<ServerReleaseEntry> ServerReleases { get; } = new List<ServerReleaseEntry>();

        public ProfileEntry? FindProfile(string id) =>
            Profiles.FirstOrDefault(p => string.Equals(p.Id, id, StringComparison.OrdinalIgnoreCase));

        /// <summary>
        /// A GPU by PCI device id, else by name. In order: the matrix's own gpus (site files win), the shipped GPU
        /// catalogue, then what the host's own pci.ids / supported-gpus.json said (<paramref name="hostEntry"/>), then a
        /// matrix name contained in the driver's ("NVIDIA H100 80GB HBM3": the longest wins). A GPU known only to
        /// the catalogue comes back as an entry made from it, with its chip's architecture and capability when the
        /// chip table knows the chip (empty when not).
        /// </summary>
        public GpuEntry? FindGpu(string? pciDeviceId, string? name, GpuCatalogueEntry? hostEntry = null, string? identifiedBy = null)
        {
            var id = pciDeviceId == null ? null : GpuCatalogue.NormalizeId(pciDeviceId);
            if (id != null)
            {
                var byId = Gpus.FirstOrDefault(e => e.PciDeviceIds != null && e.PciDeviceIds.Any(x => string.Equals(x, id, StringComparison.OrdinalIgnoreCase)));
                if (byId != null) return byId;
                var known = Catalogue.Find(id);
                if (known != null)
                    return FromCatalogue(id, known.Name ?? name, known.Chip, "AutoGlm's GPU catalogue (" + Catalogue.Summary + ")",
                        known.MemoryGiB, known.LegacyBranch, known.KernelOpen);
                if (hostEntry != null)
                    return FromCatalogue(id, hostEntry.Name ?? name, hostEntry.Chip, identifiedBy ?? "a host database",
                        hostEntry.MemoryGiB, hostEntry.LegacyBranch, hostEntry.KernelOpen);
            }
            if (name == null) return null;
            return Gpus.Where(e => name.IndexOf(e.Name, StringComparison.OrdinalIgnoreCase) >= 0)
                .OrderByDescending(e => e.Name.Length).FirstOrDefault();
        }

        private GpuEntry FromCatalogue(string id, string? name, string? chip, string identifiedBy, int? memory, string? legacy, bool? kernelOpen)
        {
            var c = FindChip(chip);
            return new GpuEntry
            {
                Id = "pci-10de-" + id.Substring(2), Name = name ?? $"NVIDIA GPU 10de:{id.Substring(2)}", PciDeviceIds = new List<string> { id },
                Architecture = c?.Architecture ?? "", ComputeCapability = c?.ComputeCapability ?? "", MemoryGiB = memory,
                Chip = chip, LegacyBranch = legacy, KernelOpen = kernelOpen, IdentifiedBy = identifiedBy,
                Source = c != null ? identifiedBy + "; chip " + chip + ": " + c.Source : identifiedBy,
            };
        }

        /// <summary>
        /// The matrix's own gpus entries that contradict the generated catalogue: a PCI id it does not know, or one
        /// whose chip the chip table puts in another architecture or capability, or whose name states other memory.
        /// Empty for the shipped matrix (a schema test); hand entries keep only what the catalogue cannot know.
        /// </summary>
        public List<string> CatalogueContradictions()
        {
            var found = new List<string>();
            foreach (var g in Gpus)
                foreach (var id in g.PciDeviceIds ?? new List<string>())
                {
                    var known = Catalogue.Find(id);
                    if (known == null) { found.Add($"gpus '{g.Id}' lists {id}, which the catalogue ({Catalogue.Summary}) does not know"); continue; }
                    var chip = FindChip(known.Chip);
                    if (chip != null && (!string.Equals(chip.Architecture, g.Architecture, StringComparison.OrdinalIgnoreCase) || chip.ComputeCapability != g.ComputeCapability))
                        found.Add($"gpus '{g.Id}' says {id} is {g.Architecture} {g.ComputeCapability}; the catalogue names chip {known.Chip}, which gpuChips '{chip.Id}' puts in {chip.Architecture} {chip.ComputeCapability}");
                    if (known.MemoryGiB != null && g.MemoryGiB != null && Math.Abs(known.MemoryGiB.Value - g.MemoryGiB.Value) > 0.5)
                        found.Add($"gpus '{g.Id}' says {g.MemoryGiB} GiB; the catalogue's name for {id} ('{known.Name}') says {known.MemoryGiB} GB");
                }
            return found;
        }

        /// <summary>
        /// Why a GPU cannot be served, in one sentence with the fix, or null when it can be identified: the driver
        /// named its capability, or the matrix, the catalogue or a host database knows it and its chip.
        /// </summary>
        public string? Unidentified(string? pciDeviceId, string? name, string? computeCapability, GpuEntry? entry)
        {
            if (entry?.LegacyBranch != null)
                return $"{entry.Name} (10de:{IdPart(pciDeviceId)}{(entry.Chip != null ? ", " + entry.Chip : "")}) is supported only by NVIDIA's legacy {entry.LegacyBranch} driver branch, according to {entry.IdentifiedBy}: no CUDA that serves the model runs on it. Use a GPU from Turing on (Volta, Pascal and Maxwell need CUDA 12.x and driver R580 or older).";
            if (computeCapability != null || (entry != null && entry.ComputeCapability.Length > 0)) return null;
            if (entry != null && entry.Chip != null)
                return $"{entry.Name} (10de:{IdPart(pciDeviceId)}) is chip {entry.Chip} ({entry.IdentifiedBy}), which the matrix's gpuChips table does not map to an architecture. " + OverrideFix(pciDeviceId, entry.Name);
            return $"Unknown GPU 10de:{IdPart(pciDeviceId)}{(name != null ? " (" + name + ")" : "")}: no driver reported its compute capability, and neither the matrix, AutoGlm's GPU catalogue ({Catalogue.Summary}) nor the host's pci.ids or supported-gpus.json knows it. " + OverrideFix(pciDeviceId, name);
        }

        private static string IdPart(string? id) => id == null ? "????" : (GpuCatalogue.NormalizeId(id) ?? id).Replace("0x", "");

        private string OverrideFix(string? id, string? name) =>
            "Add it in a site file passed with " + Diagnostics.Messages.Say("-MatrixPath", "--matrix") + ":\n" +
            "gpus:\n" +
            $"  - id: site-gpu-{IdPart(id)}\n" +
            $"    name: \"{name ?? "NVIDIA GPU " + IdPart(id)}\"\n" +
            $"    pciDeviceIds: [\"{(id == null ? "0x????" : GpuCatalogue.NormalizeId(id) ?? id)}\"]\n" +
            $"    architecture: ARCHITECTURE   # one of: {string.Join(", ", GpuArchitectures.Select(a => a.Id))}\n" +
            "    computeCapability: \"X.Y\"\n" +
            "    source: WHERE-YOU-READ-IT";

        /// <summary>
        /// The kernel-module flavour a GPU needs: "open", "proprietary", or null when either runs. From its
        /// architecture's kernelModules; Grace Hopper (GH200) needs open although Hopper runs either (NVIDIA's
        /// open-modules transition blog); a capability the matrix lacks falls back to NVIDIA's rule (open from
        /// Blackwell, cc 10; proprietary before Turing, cc 7.5).
        /// </summary>
        public string? RequiredKernelModules(string? computeCapability, string? name, bool? kernelOpen = null)
        {
            if (name != null && name.IndexOf("GH200", StringComparison.OrdinalIgnoreCase) >= 0) return "open";
            // NVIDIA's own supported-gpus.json lists the device without "kernelopen": the open modules do not drive it.
            if (kernelOpen == false) return "proprietary";
            if (!Versions.ComputeCapability.TryParse(computeCapability, out var cc)) return null;
            var rule = GpuArchitectures.FirstOrDefault(a => a.ComputeCapabilities.Contains(cc.ToString()))?.KernelModules
                ?? (cc.Major >= 10 ? "open-required" : cc < Versions.ComputeCapability.Parse("7.5") ? "proprietary-required" : "either");
            return rule == "open-required" ? "open" : rule == "proprietary-required" ? "proprietary" : null;
        }

        /// <summary>The torch series that lists this exact version.</summary>
        public TorchReleaseEntry? FindTorch(string version)
        {
            if (!Versions.Pep440Version.TryParse(version, out var v)) return null;
            return TorchReleases.FirstOrDefault(t => t.Versions.Any(x => Versions.Pep440Version.TryParse(x, out var y) && y == v));
        }

        /// <summary>The named profile, or the default; an unknown name is an error that lists the known ones.</summary>
        public ProfileEntry GetProfile(string? id)
        {
            // Null means "the default"; an empty name is a mistake (an unset variable), not a choice.
            if (id != null && id.Trim().Length == 0)
                throw new AutoGlmException("ProfileNotFound", ErrorKind.InvalidArgument,
                    Messages.Format("ProfileNotFound_Empty", string.Join(", ", Profiles.Select(p => p.Id))), id);
            var name = string.IsNullOrWhiteSpace(id) ? DefaultProfile ?? Profiles.FirstOrDefault()?.Id : id;
            var profile = name == null ? null : FindProfile(name);
            if (profile == null)
                throw new AutoGlmException("ProfileNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("ProfileNotFound", Diagnostics.UntrustedInput.Escape(id), string.Join(", ", Profiles.Select(p => p.Id))), id);
            return profile;
        }

        /// <summary>The OS entry for an os-release ID and VERSION_ID ("9.4" matches an entry for "9").</summary>
        /// <summary>How a driver branch is packaged and pinned on an OS family (debian, rhel, windows).</summary>
        /// An entry limited to the host's OS id (os: [debian-12]) wins over a whole-family one; entries limited to other OS ids never apply.
        public DriverPackagingEntry? FindPackaging(string family, int branch, string? osId = null)
        {
            bool Fits(DriverPackagingEntry p) => p.Family == family &&
                Versions.Pep440SpecifierSet.Parse(p.Branches).IsSatisfiedBy(Versions.Pep440Version.Parse(branch.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return DriverPackaging.FirstOrDefault(p => osId != null && p.Os != null && p.Os.Contains(osId, StringComparer.OrdinalIgnoreCase) && Fits(p))
                ?? DriverPackaging.FirstOrDefault(p => (p.Os == null || p.Os.Count == 0) && Fits(p));
        }

        public OperatingSystemEntry? FindOperatingSystem(string distro, string version)
        {
            var candidates = OperatingSystems.Where(o => string.Equals(o.Distro, distro, StringComparison.OrdinalIgnoreCase)).ToList();
            return candidates.FirstOrDefault(o => o.Version == version)
                ?? candidates.FirstOrDefault(o => version.StartsWith(o.Version + ".", StringComparison.Ordinal));
        }
    }
}
