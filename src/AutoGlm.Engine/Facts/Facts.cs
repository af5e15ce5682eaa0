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
        /// <summary>It did not answer within the command timeout: whether it works is unknown, not broken.</summary>
        public bool TimedOut { get; set; }
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

namespace AutoGlm.Engine.Facts
{
    /// <summary>One NVIDIA GPU as the best available source saw it (NVML, then nvidia-smi, then PCI).</summary>
    public sealed class GpuDevice
    {
        public int Index { get; set; }
        public string? Name { get; set; }
        public string? Uuid { get; set; }
        /// <summary>PCI bus id as NVML writes it, e.g. "00000000:17:00.0".</summary>
        public string? PciBusId { get; set; }
        /// <summary>PCI device id, lower-case hex with 0x, e.g. "0x2330" (H100 SXM5).</summary>
        public string? PciDeviceId { get; set; }
        /// <summary>"9.0"; null when only PCI saw the GPU (the matrix may still know it by device id).</summary>
        public string? ComputeCapability { get; set; }
        /// <summary>The architecture nvidia-smi names (product_architecture: "Volta", "Hopper"); its log has no compute capability.</summary>
        public string? Architecture { get; set; }
        public long? MemoryMiB { get; set; }
        public bool? PersistenceMode { get; set; }
        public bool? EccEnabled { get; set; }
        /// <summary>nvml, nvidia-smi or pci: which source described this GPU.</summary>
        public string Source { get; set; } = "";
        /// <summary>What the host's own pci.ids / supported-gpus.json say of a PCI-only GPU AutoGlm's catalogue lacks.</summary>
        public Matrix.GpuCatalogueEntry? HostDatabase { get; set; }
        /// <summary>The host files <see cref="HostDatabase"/> came from, for messages and reports.</summary>
        public string? IdentifiedBy { get; set; }
    }

    /// <summary>The GPUs and what the user-space driver reports about itself.</summary>
    public sealed class GpuFacts : FactSet
    {
        public List<GpuDevice> Gpus { get; } = new List<GpuDevice>();
        /// <summary>Host GPU databases that could not be read (file and line), each skipped for the next.</summary>
        public List<string> DatabaseProblems { get; } = new List<string>();
        /// <summary>User-space driver version as NVML or nvidia-smi report it ("535.183.01").</summary>
        public string? DriverVersion { get; set; }
        /// <summary>Highest CUDA version the driver supports ("12.2"), from cuDriverGetVersion-style encoding.</summary>
        public string? CudaDriverVersion { get; set; }
        /// <summary>Why NVML / nvidia-smi could not answer although GPUs may be present (driver not loaded, mismatch).</summary>
        public string? QueryError { get; set; }
        /// <summary>nvml or nvidia-smi: which driver interface answered (or was asked last, when none did).</summary>
        public string? QuerySource { get; set; }
        /// <summary>The NVML return code (or nvidia-smi exit code, which follows it) behind <see cref="QueryError"/>.</summary>
        public int? QueryErrorCode { get; set; }
        /// <summary>The driver interface did not answer in time: nothing is known about the driver's health.</summary>
        public bool QueryTimedOut { get; set; }
        /// <summary>User-space library version printed with a mismatch ("NVML library version: 535.161").</summary>
        public string? LibraryVersion { get; set; }
        /// <summary>NVIDIA display/3D controllers seen on PCI, whether or not a driver answers.</summary>
        public List<GpuDevice> PciGpus { get; } = new List<GpuDevice>();
        /// <summary>The driver answered: GPUs and versions come from NVML or nvidia-smi.</summary>
        public bool DriverResponded => QuerySource != null && QueryError == null;
    }

    /// <summary>The installed NVIDIA driver: kernel module, packages, and the pin that keeps it.</summary>
    public sealed class DriverFacts : FactSet
    {
        /// <summary>Version of the loaded kernel module (/proc/driver/nvidia/version); null when not loaded.</summary>
        public string? LoadedModuleVersion { get; set; }
        /// <summary>open or proprietary, for the loaded (else installed) module.</summary>
        public string? Flavor { get; set; }
        /// <summary>Installed driver version from the package manager (or the runfile), null when none.</summary>
        public string? InstalledVersion { get; set; }
        /// <summary>How the driver is pinned: apt-hold, apt-preferences, pinning-package, dnf-versionlock, dnf-module, windows-policy; null when it is not.</summary>
        public string? PinnedBy { get; set; }
        /// <summary>Branch or version the pin holds ("535", "535.183.01"); null when not pinned.</summary>
        public string? PinnedTo { get; set; }

        // Kernel modules.
        /// <summary>Loaded kernel modules we care about (nvidia*, nouveau), from /proc/modules or lsmod; null when unreadable.</summary>
        public List<string>? LoadedModules { get; set; }
        public bool NvidiaLoaded => LoadedModules?.Contains("nvidia") == true || LoadedModuleVersion != null;
        public bool NouveauLoaded => LoadedModules?.Contains("nouveau") == true;
        /// <summary>Where nouveau is blacklisted (a modprobe.d file or the kernel command line); null when it is not.</summary>
        public string? NouveauBlacklistedBy { get; set; }
        /// <summary>`modinfo nvidia` for the running kernel: the module modprobe would load.</summary>
        public string? ModuleFile { get; set; }
        public string? ModuleVersion { get; set; }
        public string? ModuleLicense { get; set; }
        /// <summary>The kernel release the module was built for (first word of vermagic).</summary>
        public string? ModuleKernel { get; set; }
        /// <summary>signer: field of modinfo; null with <see cref="ModuleSigned"/> false when unsigned.</summary>
        public string? ModuleSigner { get; set; }
        /// <summary>sig_key: fingerprint of the signing key, to compare with `mokutil --list-enrolled`.</summary>
        public string? ModuleSigKey { get; set; }
        /// <summary>null when modinfo found no module.</summary>
        public bool? ModuleSigned { get; set; }
        public string? ModinfoError { get; set; }

        // Packages.
        /// <summary>apt or dnf; null when neither package database was found.</summary>
        public string? PackageManager { get; set; }
        /// <summary>Installed NVIDIA driver packages as "name version".</summary>
        public List<string> Packages { get; } = new List<string>();
        /// <summary>Held packages (apt-mark hold) among <see cref="Packages"/>.</summary>
        public List<string> HeldPackages { get; } = new List<string>();
        public string? PackagesUnknownReason { get; set; }
        /// <summary>unattended-upgrades is installed and enabled (Debian family); null when not applicable.</summary>
        public bool? UnattendedUpgradesActive { get; set; }
        /// <summary>Where NVIDIA packages are kept out of unattended upgrades; null when they are not.</summary>
        public string? UnattendedUpgradesExcludedBy { get; set; }

        // Windows.
        /// <summary>
        /// Windows: why the GPU's device has no working driver, from Win32_PnPEntity.ConfigManagerErrorCode
        /// ("Code 28: the drivers for this device are not installed"); null when it works or on Linux.
        /// </summary>
        public string? WindowsDeviceProblem { get; set; }
    }
}
