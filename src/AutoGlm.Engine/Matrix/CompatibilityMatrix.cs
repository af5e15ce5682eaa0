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

        /// <summary>The torch series that lists this exact version.</summary>
        public TorchReleaseEntry? FindTorch(string version)
        {
            if (!Versions.Pep440Version.TryParse(version, out var v)) return null;
            return TorchReleases.FirstOrDefault(t => t.Versions.Any(x => Versions.Pep440Version.TryParse(x, out var y) && y == v));
        }

        /// <summary>The named profile, or the default; an unknown name is an error that lists the known ones.</summary>
        public ProfileEntry GetProfile(string? id)
        {
            var name = string.IsNullOrWhiteSpace(id) ? DefaultProfile ?? Profiles.FirstOrDefault()?.Id : id;
            var profile = name == null ? null : FindProfile(name);
            if (profile == null)
                throw new AutoGlmException("ProfileNotFound", ErrorKind.ObjectNotFound,
                    $"Unknown profile '{id}'. Known profiles: {string.Join(", ", Profiles.Select(p => p.Id))}. Pass one of them with --profile / -Profile, or add it in a --matrix override file.", id);
            return profile;
        }

        /// <summary>The OS entry for an os-release ID and VERSION_ID ("9.4" matches an entry for "9").</summary>
        public OperatingSystemEntry? FindOperatingSystem(string distro, string version)
        {
            var candidates = OperatingSystems.Where(o => string.Equals(o.Distro, distro, StringComparison.OrdinalIgnoreCase)).ToList();
            return candidates.FirstOrDefault(o => o.Version == version)
                ?? candidates.FirstOrDefault(o => version.StartsWith(o.Version + ".", StringComparison.Ordinal));
        }
    }
}
