using System;
using System.Collections.Generic;
using System.Linq;

namespace AutoGlm.Engine.Facts
{
    /// <summary>
    /// The NVIDIA driver's package names, in one place: the probes that read the package database, the checks,
    /// the driver planner and the repair all ask here. The sets nest (<see cref="Branded"/> ⊂ <see cref="Core"/> ⊂
    /// <see cref="All"/>), and each caller keeps the set it has always used, so no plan installs, holds or removes
    /// another package than before. It lives with the facts because the facts are the lowest layer that reads
    /// package names; Checks, Install and Repair sit above it.
    /// </summary>
    public static class NvidiaPackages
    {
        /// <summary>Names NVIDIA brands: nvidia-driver-535, nvidia-open, libnvidia-compute-535 ...</summary>
        public static IReadOnlyList<string> Branded { get; } = new[] { "nvidia-", "libnvidia-" };

        /// <summary>The branded names and CUDA's driver metapackage: what the repair records from dpkg and holds.</summary>
        public static IReadOnlyList<string> Core { get; } = Branded.Concat(new[] { "cuda-drivers" }).ToArray();

        /// <summary>Every package the driver facts list: the core names, RPM's kmod packages, DKMS and X driver packages.</summary>
        public static IReadOnlyList<string> All { get; } = Core.Concat(new[] { "kmod-nvidia", "dkms-nvidia", "xserver-xorg-video-nvidia" }).ToArray();

        /// <summary>
        /// Packages whose version is the driver's, best first: the user-space NVML library (it is what must match the
        /// kernel module), then the metapackages.
        /// </summary>
        public static IReadOnlyList<string> VersionCarriers { get; } = new[]
        {
            "libnvidia-compute-", "libnvidia-ml", "nvidia-driver-libs", "nvidia-driver-cuda-libs", "nvidia-driver", "cuda-drivers", "nvidia-open", "nvidia-dkms", "kmod-nvidia",
        };

        /// <summary>Packages that install the driver itself (kernel module or its libraries), in any distribution's packaging.</summary>
        public static IReadOnlyList<string> DriverInstallers { get; } = new[]
        {
            "nvidia-driver", "libnvidia-compute-", "nvidia-open", "cuda-drivers", "kmod-nvidia", "nvidia-kmod", "xorg-x11-drv-nvidia", "nvidia-dkms", "nvidia-kernel-",
        };

        /// <summary>rpm -qa patterns that list the driver's packages on RHEL-family hosts.</summary>
        public static IReadOnlyList<string> RpmQueryPatterns { get; } = new[] { "*nvidia*", "cuda-drivers*" };

        /// <summary>NVIDIA's apt pinning package for R590+: nvidia-driver-pinning-&lt;branch&gt;. It pins; it is never held itself.</summary>
        public const string PinningPrefix = "nvidia-driver-pinning-";

        public static bool IsBranded(string name) => StartsWithAny(name, Branded);
        public static bool IsCore(string name) => StartsWithAny(name, Core);
        public static bool IsDriverPackage(string name) => StartsWithAny(name, All);
        public static bool InstallsDriver(string name) => StartsWithAny(name, DriverInstallers);
        public static bool IsPinning(string name) => name.StartsWith(PinningPrefix, StringComparison.Ordinal);

        /// <summary>A set as shell globs for apt: 'nvidia-*' 'libnvidia-*'.</summary>
        public static string AptGlobs(IEnumerable<string> prefixes) => string.Join(" ", prefixes.Select(p => "'" + p + "*'"));

        private static bool StartsWithAny(string name, IEnumerable<string> prefixes) =>
            prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));
    }
}
