using AutoGlm.Engine.Facts;
using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Engine.Facts
{
    /// <summary>One GPU as Get-AutoGlmGpu / `autoglm gpu` show it: what the host reports, plus what the matrix knows of the model.</summary>
    public sealed class GpuInfo
    {
        public int Index { get; set; }
        public string? Name { get; set; }
        public string? Uuid { get; set; }
        public string? PciBusId { get; set; }
        public string? PciDeviceId { get; set; }
        public string? ComputeCapability { get; set; }
        public long? MemoryMiB { get; set; }
        public bool? PersistenceMode { get; set; }
        public bool? EccEnabled { get; set; }
        /// <summary>nvml, nvidia-smi or pci.</summary>
        public string Source { get; set; } = "";
        public string? DriverVersion { get; set; }
        public string? CudaDriverVersion { get; set; }
        /// <summary>The matrix's GPU entry id ("h100-sxm5") and architecture ("hopper"); null when the matrix does not know the model.</summary>
        public string? MatrixId { get; set; }
        public string? Architecture { get; set; }
        /// <summary>Why the driver did not answer, when only PCI saw the GPU ("Driver/library version mismatch").</summary>
        public string? DriverError { get; set; }
        /// <summary>The chip pci.ids names ("AD102GL"), when the GPU catalogue or a host database gave it.</summary>
        public string? Chip { get; set; }
        /// <summary>Where the capability came from: nvml or nvidia-smi, "matrix", "catalogue (SOURCES)" or a host file.</summary>
        public string? IdentifiedBy { get; set; }

        public Dictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["index"] = Index, ["name"] = Name, ["uuid"] = Uuid, ["pciBusId"] = PciBusId, ["pciDeviceId"] = PciDeviceId,
            ["computeCapability"] = ComputeCapability, ["memoryMiB"] = MemoryMiB, ["persistenceMode"] = PersistenceMode,
            ["eccEnabled"] = EccEnabled, ["source"] = Source, ["driverVersion"] = DriverVersion,
            ["cudaDriverVersion"] = CudaDriverVersion, ["matrixId"] = MatrixId, ["architecture"] = Architecture,
            ["driverError"] = DriverError, ["chip"] = Chip, ["identifiedBy"] = IdentifiedBy,
        };
    }
}
