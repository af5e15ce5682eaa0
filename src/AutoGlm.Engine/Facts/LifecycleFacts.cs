using System.Collections.Generic;
using System.Linq;

namespace AutoGlm.Engine.Facts
{
    /// <summary>One CUDA toolkit, as far as any of its traces tell.</summary>
    public sealed class CudaToolkit
    {
        /// <summary>"12.8.1" from version.json, "12.2.140" from nvcc, "12.8" from a directory or package name.</summary>
        public string Version { get; set; } = "";
        /// <summary>Its directory (/usr/local/cuda-12.8), when one was found.</summary>
        public string? Path { get; set; }
        /// <summary>What showed it: version.json, version.txt, nvcc --version, a package name.</summary>
        public List<string> Evidence { get; } = new List<string>();

        /// <summary>"12.8": toolkits are told apart by major.minor.</summary>
        public string MajorMinor => string.Join(".", Version.Split('.').Take(2));
    }

    /// <summary>Installed CUDA toolkits and which one a build would pick up.</summary>
    public sealed class CudaToolkitFacts : FactSet
    {
        public List<CudaToolkit> Toolkits { get; } = new List<CudaToolkit>();
        /// <summary>Where /usr/local/cuda leads (after links); null when it does not exist.</summary>
        public string? DefaultPath { get; set; }
        /// <summary>/usr/local/cuda is a link whose target is gone (a toolkit removed under it).</summary>
        public bool DefaultLinkDangling { get; set; }
        /// <summary>Version printed by the nvcc found on PATH; null when there is none.</summary>
        public string? NvccVersion { get; set; }

        /// <summary>The toolkit a build uses: nvcc on PATH, else /usr/local/cuda, else none.</summary>
        public CudaToolkit? Active =>
            (NvccVersion != null ? Toolkits.FirstOrDefault(t => t.Evidence.Contains("nvcc --version")) : null)
            ?? (DefaultPath != null ? Toolkits.FirstOrDefault(t => t.Path == DefaultPath) : null);
    }

    /// <summary>One installed kernel: whether it can build or load the NVIDIA module.</summary>
    public sealed class InstalledKernel
    {
        public string Release { get; set; } = "";
        /// <summary>Kernel headers (the /lib/modules/K/build target, /usr/src/linux-headers-K or /usr/src/kernels/K); null when absent.</summary>
        public string? HeadersPath { get; set; }
        /// <summary>An nvidia.ko* (DKMS, precompiled or kmod) under /lib/modules/K; null when none.</summary>
        public string? NvidiaModule { get; set; }
    }

    /// <summary>The kernels installed next to the running one; the newest is what a reboot boots by default.</summary>
    public sealed class KernelFacts : FactSet
    {
        public string? RunningKernel { get; set; }
        /// <summary>Oldest first.</summary>
        public List<InstalledKernel> Kernels { get; } = new List<InstalledKernel>();
        public InstalledKernel? Newest => Kernels.LastOrDefault();
    }

    /// <summary>Traces of NVIDIA's .run installer.</summary>
    public sealed class InstallMethodFacts : FactSet
    {
        /// <summary>/usr/bin/nvidia-uninstall exists: a runfile driver is installed now.</summary>
        public bool RunfileInstalled { get; set; }
        /// <summary>/var/log/nvidia-installer.log exists: the runfile installer ran at some time.</summary>
        public string? InstallerLog { get; set; }
        /// <summary>"installer version:" from that log.</summary>
        public string? RunfileVersion { get; set; }
    }

    /// <summary>A kernel-log line about module signatures.</summary>
    public sealed class ModuleSignatureEvent
    {
        /// <summary>rejected (the module did not load), unsigned (loaded, kernel tainted), untrusted (signed by a key the kernel does not trust).</summary>
        public string Kind { get; set; } = "";
        /// <summary>The module the line names; null when the kernel did not say ("Loading of unsigned module is rejected").</summary>
        public string? Module { get; set; }
        public string Line { get; set; } = "";
    }

    /// <summary>Module-signature messages in the kernel log (dmesg, else /var/log/kern.log).</summary>
    public sealed class KernelLogFacts : FactSet
    {
        public List<ModuleSignatureEvent> Events { get; } = new List<ModuleSignatureEvent>();
    }
}
