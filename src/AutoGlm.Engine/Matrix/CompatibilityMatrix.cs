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
        public List<GpuEntry> Gpus { get; } = new List<GpuEntry>();
        public List<WheelCoverageEntry> WheelCoverage { get; } = new List<WheelCoverageEntry>();
        public List<TorchReleaseEntry> TorchReleases { get; } = new List<TorchReleaseEntry>();
        public List<ServerReleaseEntry> ServerReleases { get; } = new List<ServerReleaseEntry>();

        public ProfileEntry? FindProfile(string id) =>
            Profiles.FirstOrDefault(p => string.Equals(p.Id, id, StringComparison.OrdinalIgnoreCase));

        /// <summary>
        /// The matrix's GPU for a PCI device id, else for a name: NVML says "NVIDIA H100 80GB HBM3", so the
        /// longest matrix name contained in it wins.
        /// </summary>
        public GpuEntry? FindGpu(string? pciDeviceId, string? name)
        {
            if (pciDeviceId != null)
            {
                var byId = Gpus.FirstOrDefault(e => e.PciDeviceIds != null && e.PciDeviceIds.Any(id => string.Equals(id, pciDeviceId, StringComparison.OrdinalIgnoreCase)));
                if (byId != null) return byId;
            }
            if (name == null) return null;
            return Gpus.Where(e => name.IndexOf(e.Name, StringComparison.OrdinalIgnoreCase) >= 0)
                .OrderByDescending(e => e.Name.Length).FirstOrDefault();
        }

        /// <summary>
        /// The kernel-module flavour a GPU needs: "open", "proprietary", or null when either runs. From its
        /// architecture's kernelModules; Grace Hopper (GH200) needs open although Hopper runs either (NVIDIA's
        /// open-modules transition blog); a capability the matrix lacks falls back to NVIDIA's rule (open from
        /// Blackwell, cc 10; proprietary before Turing, cc 7.5).
        /// </summary>
        public string? RequiredKernelModules(string? computeCapability, string? name)
        {
            if (name != null && name.IndexOf("GH200", StringComparison.OrdinalIgnoreCase) >= 0) return "open";
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
        public DriverPackagingEntry? FindPackaging(string family, int branch) =>
            DriverPackaging.FirstOrDefault(p => p.Family == family &&
                Versions.Pep440SpecifierSet.Parse(p.Branches).IsSatisfiedBy(Versions.Pep440Version.Parse(branch.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        public OperatingSystemEntry? FindOperatingSystem(string distro, string version)
        {
            var candidates = OperatingSystems.Where(o => string.Equals(o.Distro, distro, StringComparison.OrdinalIgnoreCase)).ToList();
            return candidates.FirstOrDefault(o => o.Version == version)
                ?? candidates.FirstOrDefault(o => version.StartsWith(o.Version + ".", StringComparison.Ordinal));
        }
    }
}
