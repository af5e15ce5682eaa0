using System.Collections.Generic;

namespace AutoGlm.Engine.Facts
{
    /// <summary>One line of `dkms status`.</summary>
    public sealed class DkmsEntry
    {
        public string Module { get; set; } = "";
        public string Version { get; set; } = "";
        /// <summary>null for the "added" state, which names no kernel.</summary>
        public string? Kernel { get; set; }
        public string? Arch { get; set; }
        /// <summary>added, built, installed (with any parenthesised note kept).</summary>
        public string State { get; set; } = "";
    }

    /// <summary>What DKMS has built, and for which kernels.</summary>
    public sealed class DkmsFacts : FactSet
    {
        /// <summary>The running kernel release (/proc/sys/kernel/osrelease).</summary>
        public string? RunningKernel { get; set; }
        /// <summary>False when the dkms tool is not installed (precompiled modules need none).</summary>
        public bool DkmsInstalled { get; set; }
        public List<DkmsEntry> Entries { get; } = new List<DkmsEntry>();
        /// <summary>dkms ran but reported an error (e.g. a missing dkms.conf).</summary>
        public string? DkmsError { get; set; }
    }

    /// <summary>UEFI Secure Boot state.</summary>
    public sealed class SecureBootFacts : FactSet
    {
        /// <summary>The host booted through UEFI (/sys/firmware/efi exists); false for legacy BIOS boot.</summary>
        public bool Uefi { get; set; }
        public bool Enabled { get; set; }
        public bool SetupMode { get; set; }
        /// <summary>"SecureBoot validation is disabled in shim": enforcement is off although firmware says enabled.</summary>
        public bool ShimValidationDisabled { get; set; }
        /// <summary>
        /// The kernel accepts only signed modules: UEFI, SecureBoot = 1, not in setup mode, shim validating (the
        /// kernel's own rule in efi_get_secureboot). This is when a DKMS-built module needs an enrolled MOK.
        /// </summary>
        public bool EnforcesModuleSignatures => Known && Uefi && Enabled && !SetupMode && !ShimValidationDisabled;
    }

    /// <summary>Whether an IOMMU is in effect, and what the kernel command line asks for.</summary>
    public sealed class IommuFacts : FactSet
    {
        /// <summary>Entries of /sys/class/iommu (dmar0, ivhd0, ...): IOMMU units the kernel drives.</summary>
        public List<string> Units { get; } = new List<string>();
        /// <summary>Number of /sys/kernel/iommu_groups entries; 0 when the IOMMU is off.</summary>
        public int Groups { get; set; }
        /// <summary>ACPI DMAR (Intel) or IVRS (AMD) table present: the firmware describes an IOMMU.</summary>
        public string? AcpiTable { get; set; }
        public string? CommandLine { get; set; }
        /// <summary>IOMMU-related command-line parameters (intel_iommu=, amd_iommu=, iommu=).</summary>
        public List<string> CommandLineFlags { get; } = new List<string>();
        /// <summary>Set where the OS reports IOMMU state directly instead of through groups (Windows: Win32_DeviceGuard DMA protection).</summary>
        public bool? Reported { get; set; }
        /// <summary>How the OS reported it, for messages (e.g. "Win32_DeviceGuard: DMA protection available").</summary>
        public string? ReportedBy { get; set; }
        public bool Active => Reported ?? Groups > 0;
    }
}
