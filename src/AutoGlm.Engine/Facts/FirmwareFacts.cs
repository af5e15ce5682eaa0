using System.Collections.Generic;

namespace AutoGlm.Engine.Facts
{
    /// <summary>PCI resources of one NVIDIA GPU: its BAR1 aperture and SR-IOV capability.</summary>
    public sealed class GpuPciResources
    {
        public string PciBusId { get; set; } = "";
        public string? PciDeviceId { get; set; }
        /// <summary>BAR1 (the framebuffer aperture) in bytes; 0 when the firmware left it unassigned; null when unknown.</summary>
        public long? Bar1Bytes { get; set; }
        /// <summary>Where <see cref="Bar1Bytes"/> came from: "sysfs resource" or "nvidia-smi -q".</summary>
        public string? Bar1Source { get; set; }
        /// <summary>GPU memory in MiB as nvidia-smi -q reports it (FB Memory Usage Total), when it was asked.</summary>
        public long? FramebufferMiB { get; set; }
        /// <summary>sriov_totalvfs: virtual functions the device supports; null when it has no SR-IOV capability.</summary>
        public int? SriovTotalVfs { get; set; }
        /// <summary>sriov_numvfs: virtual functions enabled now.</summary>
        public int? SriovNumVfs { get; set; }
    }

    /// <summary>Platform firmware: DMI identity and BIOS, and the PCI resources it gave the GPUs.</summary>
    public sealed class FirmwareFacts : FactSet
    {
        /// <summary>DMI sys_vendor / Win32_ComputerSystem.Manufacturer, e.g. "Supermicro", "Dell Inc.".</summary>
        public string? SystemVendor { get; set; }
        /// <summary>DMI product_name / Win32_ComputerSystem.Model.</summary>
        public string? ProductName { get; set; }
        public string? BiosVendor { get; set; }
        public string? BiosVersion { get; set; }
        /// <summary>As the firmware writes it: DMI "MM/DD/YYYY", CIM converted to "YYYY-MM-DD".</summary>
        public string? BiosDate { get; set; }
        public List<GpuPciResources> Gpus { get; } = new List<GpuPciResources>();

        /// <summary>"Supermicro SYS-421GE-TNRT" or whatever part of it is known; null when nothing is.</summary>
        public string? SystemName =>
            SystemVendor == null && ProductName == null ? null : (SystemVendor + " " + ProductName).Trim();
    }

    /// <summary>What the venv's torch says at run time (only with -IncludeRuntime / --runtime: importing torch takes seconds).</summary>
    public sealed class RuntimeFacts : FactSet
    {
        /// <summary>The runtime probe was asked for; when false nothing else here is set.</summary>
        public bool Requested { get; set; }
        /// <summary>The venv's interpreter as a host path.</summary>
        public string? Python { get; set; }
        /// <summary>The venv (or its interpreter) does not exist.</summary>
        public bool VenvMissing { get; set; }
        public string? TorchVersion { get; set; }
        /// <summary>torch.version.cuda; null for a CPU-only build.</summary>
        public string? TorchCuda { get; set; }
        public bool? CudaAvailable { get; set; }
        public int? DeviceCount { get; set; }
        /// <summary>Compute capability per device, "9.0".</summary>
        public List<string> Capabilities { get; } = new List<string>();
        public List<string> DeviceNames { get; } = new List<string>();
        /// <summary>torch.cuda.get_arch_list(): "sm_80", "sm_90", "compute_90"...</summary>
        public List<string> ArchList { get; } = new List<string>();
        /// <summary>`import torch` failed: the exception, "ModuleNotFoundError: No module named 'torch'".</summary>
        public string? ImportError { get; set; }
        /// <summary>torch.cuda.init() failed: its exception text (the real cause behind is_available() == False).</summary>
        public string? CudaError { get; set; }
        /// <summary>The tiny kernel launch (ones * 2, summed) worked; null when not tried.</summary>
        public bool? KernelOk { get; set; }
        public string? KernelError { get; set; }
        /// <summary>Warnings torch emitted (e.g. "... with CUDA capability sm_120 is not compatible ...").</summary>
        public List<string> Warnings { get; } = new List<string>();
        /// <summary>The interpreter ran out of time (a hung CUDA init or import).</summary>
        public bool TimedOut { get; set; }
        /// <summary>The interpreter failed in another way (crash, no JSON): why.</summary>
        public string? RunError { get; set; }
    }
}
