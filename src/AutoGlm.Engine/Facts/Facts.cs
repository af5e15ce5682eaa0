using System.Collections.Generic;

namespace AutoGlm.Engine.Facts
{
    /// <summary>
    /// What one probe learned. When the probe could not learn it (a tool is missing, timed out, a file is
    /// unreadable, a snapshot lacks it), <see cref="UnknownReason"/> says why and the values stay empty.
    /// </summary>
    public abstract class FactSet
    {
        public string? UnknownReason { get; set; }
        /// <summary>Files and commands the facts came from, for the checks' Source field.</summary>
        public List<string> Sources { get; } = new List<string>();
        public bool Known => UnknownReason == null;
        public string SourceText => string.Join(", ", Sources);
    }

    public sealed class OsFacts : FactSet
    {
        /// <summary>os-release ID, e.g. "ubuntu", "debian", "rocky".</summary>
        public string? Distro { get; set; }
        public string? VersionId { get; set; }
        public string? PrettyName { get; set; }
        public List<string> IdLike { get; } = new List<string>();
        public string? Kernel { get; set; }
        public string? Architecture { get; set; }
    }

    public sealed class CpuFacts : FactSet
    {
        public int LogicalCores { get; set; }
        public string? Model { get; set; }
        /// <summary>"VT-x", "AMD-V" or null when the CPU flags show neither.</summary>
        public string? Virtualization { get; set; }
        /// <summary>The "hypervisor" CPU flag: this OS runs inside a virtual machine.</summary>
        public bool InVirtualMachine { get; set; }
    }

    public sealed class MemoryFacts : FactSet
    {
        public long TotalBytes { get; set; }
        public long AvailableBytes { get; set; }
    }

    public sealed class DiskFacts : FactSet
    {
        /// <summary>The install path the profile asks about.</summary>
        public string Path { get; set; } = "";
        /// <summary>The nearest existing directory at or above <see cref="Path"/>: what df measured.</summary>
        public string? MeasuredPath { get; set; }
        public long FreeBytes { get; set; }
        public long TotalBytes { get; set; }
        public string? Device { get; set; }
        public string? MountPoint { get; set; }
        /// <summary>NVMe, SSD, HDD, or null when the kind cannot be told (overlay, network, virtual).</summary>
        public string? MediaKind { get; set; }
        public string? MediaReason { get; set; }
    }

    public sealed class PythonInterpreter
    {
        public string Command { get; set; } = "";
        public string? Executable { get; set; }
        public string? Version { get; set; }
        public bool HasVenv { get; set; }
        public bool HasEnsurepip { get; set; }
        /// <summary>Why this interpreter gave no answer, when it did not.</summary>
        public string? Error { get; set; }
    }

    public sealed class PythonFacts : FactSet
    {
        public List<PythonInterpreter> Interpreters { get; } = new List<PythonInterpreter>();
    }

    public sealed class PrivilegeFacts : FactSet
    {
        public bool IsAdministrator { get; set; }
        public string? Identity { get; set; }
    }

    public sealed class PortHolder
    {
        public int? ProcessId { get; set; }
        public string? ProcessName { get; set; }
        public string Address { get; set; } = "";
    }

    public sealed class PortFacts : FactSet
    {
        /// <summary>The port asked about; null when the profile serves nothing.</summary>
        public int? Port { get; set; }
        public bool InUse { get; set; }
        public List<PortHolder> Holders { get; } = new List<PortHolder>();
    }
}
