using System;
using System.Collections.Generic;
using YamlDotNet.Serialization;

namespace AutoGlm.Engine.Matrix
{
    /// <summary>Where something stands in a matrix file, for errors that point at a line.</summary>
    public sealed class SourceLocation
    {
        public SourceLocation(string file, long line, long column) { File = file; Line = line; Column = column; }
        public string File { get; }
        public long Line { get; }
        public long Column { get; }
        public override string ToString() => $"{File}:{Line}:{Column}";
    }

    /// <summary>An entry that stands at a place in a file. Set by the loader, never read from YAML.</summary>
    public abstract class Located
    {
        [YamlIgnore] public SourceLocation? Location { get; set; }
    }

    /// <summary>Every fact in the matrix carries an id and the source it came from.</summary>
    public abstract class MatrixEntry : Located
    {
        public string Id { get; set; } = "";
        /// <summary>URL or repository path the fact was read from. Required.</summary>
        public string Source { get; set; } = "";
        public string? Notes { get; set; }
        /// <summary>The matrix section the entry belongs to ("gpus"): a property, so views and scripts read it without naming an engine type.</summary>
        [YamlIgnore] public string Section => MatrixQuery.SectionOf(this);
    }

    /// <summary>One matrix file as written. Every list is optional; files are merged in order.</summary>
    public sealed class MatrixDocument
    {
        public int SchemaVersion { get; set; }
        /// <summary>The profile used when none is named.</summary>
        public string? DefaultProfile { get; set; }
        public List<OperatingSystemEntry>? OperatingSystems { get; set; }
        public List<ProfileEntry>? Profiles { get; set; }
        public List<CudaReleaseEntry>? CudaReleases { get; set; }
        public List<CudaFamilyEntry>? CudaFamilies { get; set; }
        public List<DriverBranchEntry>? DriverBranches { get; set; }
        public List<DriverPackagingEntry>? DriverPackaging { get; set; }
        public List<GpuArchitectureEntry>? GpuArchitectures { get; set; }
        public List<GpuChipEntry>? GpuChips { get; set; }
        public List<GpuEntry>? Gpus { get; set; }
        public List<WheelCoverageEntry>? WheelCoverage { get; set; }
        public List<TorchReleaseEntry>? TorchReleases { get; set; }
        public List<ServerReleaseEntry>? ServerReleases { get; set; }
    }

    public sealed class OperatingSystemEntry : MatrixEntry
    {
        /// <summary>The os-release ID (ubuntu, debian, rhel, rocky, almalinux) or "windows".</summary>
        public string Distro { get; set; } = "";
        /// <summary>The os-release VERSION_ID, or a major version that covers its point releases ("9").</summary>
        public string Version { get; set; } = "";
        public string? Name { get; set; }
        /// <summary>debian, rhel or windows: decides package manager and tooling.</summary>
        public string Family { get; set; } = "";
        /// <summary><see cref="Family"/>, typed.</summary>
        internal OsFamily OsFamily => OsFamilies.Parse(Family); // internal: the matrix JSON shows Family only
        public string? PackageManager { get; set; }
        public List<string>? Architectures { get; set; }
        /// <summary>supported, deprecated (works, leaving support) or unsupported (known not to work).</summary>
        public string Support { get; set; } = "supported";
        /// <summary>Optional end of support date (YYYY-MM-DD) for a warning ahead of it.</summary>
        public string? EndOfSupport { get; set; }
        /// <summary>PEP 440 specifier of the CUDA versions NVIDIA's repositories support on it, e.g. "&gt;=11.7,&lt;13.2".</summary>
        public string? Cuda { get; set; }
        /// <summary>NVIDIA repository directory name (ubuntu2204, rhel9) under developer.download.nvidia.com/compute/cuda/repos.</summary>
        public string? CudaRepo { get; set; }
        /// <summary>How the driver is best installed: nvidia-repo, ubuntu-drivers, windows-installer.</summary>
        public string? DriverInstall { get; set; }
        /// <summary>Kernel header package for the running kernel; "{kernel}" is `uname -r`.</summary>
        public string? KernelHeaders { get; set; }
        /// <summary>Python minor versions the OS's own repositories install (["3.10"]), first the system one.</summary>
        public List<string>? Pythons { get; set; }
    }

    public sealed class ProfileEntry : MatrixEntry
    {
        private HostRequirements? _requires;

        /// <summary>Id of a profile this one starts from; every field left out is taken from it.</summary>
        public string? Extends { get; set; }
        public string? Description { get; set; }
        public HostRequirements Requires { get => _requires ?? new HostRequirements(); set => _requires = value; }
        /// <summary>TCP port the profile's service listens on; null for a client-only profile.</summary>
        public int? Port { get; set; }
        public string? InstallPath { get; set; }
        public StackSpec? Stack { get; set; }
        public RepositorySpec? Repository { get; set; }
        public List<ModelSpec>? Models { get; set; }
        /// <summary>The server's launch command as argv, as the upstream README gives it; "{port}" is replaced.</summary>
        public List<string>? Launch { get; set; }

        internal bool HasRequires => _requires != null;

        /// <summary>Fills what this profile leaves out from its parent (already complete).</summary>
        internal void InheritFrom(ProfileEntry parent)
        {
            Description ??= parent.Description;
            if (_requires == null) _requires = parent._requires;
            Port ??= parent.Port;
            InstallPath ??= parent.InstallPath;
            Stack ??= parent.Stack;
            Repository ??= parent.Repository;
            Models ??= parent.Models;
            Launch ??= parent.Launch;
        }
    }

    public sealed class HostRequirements : Located
    {
        /// <summary>PEP 440 specifier for the interpreter, e.g. "&gt;=3.10,&lt;3.14".</summary>
        public string Python { get; set; } = "";
        /// <summary>Whether an NVIDIA GPU is needed at all.</summary>
        public bool Gpu { get; set; }
        public Amount? Memory { get; set; }
        public Amount? Disk { get; set; }
        public Amount? CpuCores { get; set; }
        /// <summary>Memory of the largest GPU, in GiB: the model must fit on one.</summary>
        public Amount? GpuMemory { get; set; }
        /// <summary>required, recommended or optional: hardware virtualization (VT-x/AMD-V).</summary>
        public string Virtualization { get; set; } = "optional";
        /// <summary>Whether install-type work needs administrator rights (true for anything that installs).</summary>
        public bool Administrator { get; set; } = true;
    }

    /// <summary>A minimum below which the profile fails and a recommended level below which it warns.</summary>
    public sealed class Amount : Located
    {
        public double Minimum { get; set; }
        public double? Recommended { get; set; }
        /// <summary>Unit for people: GiB or cores.</summary>
        public string? Unit { get; set; }
    }
}
