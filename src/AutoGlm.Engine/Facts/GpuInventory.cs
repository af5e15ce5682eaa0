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

        public Dictionary<string, object?> ToJson() => new Dictionary<string, object?>
        {
            ["index"] = Index, ["name"] = Name, ["uuid"] = Uuid, ["pciBusId"] = PciBusId, ["pciDeviceId"] = PciDeviceId,
            ["computeCapability"] = ComputeCapability, ["memoryMiB"] = MemoryMiB, ["persistenceMode"] = PersistenceMode,
            ["eccEnabled"] = EccEnabled, ["source"] = Source, ["driverVersion"] = DriverVersion,
            ["cudaDriverVersion"] = CudaDriverVersion, ["matrixId"] = MatrixId, ["architecture"] = Architecture,
            ["driverError"] = DriverError,
        };
    }

    /// <summary>Lists the host's NVIDIA GPUs with only the GPU probe: NVML, then nvidia-smi, then PCI.</summary>
    public static class GpuInventory
    {
        public static IReadOnlyList<GpuInfo> List(TestRequest request, IEngineOutput? output = null)
        {
            output ??= NullOutput.Instance;
            if (request.Root != null && request.Snapshot != null)
                throw new AutoGlmException("RootAndSnapshot", ErrorKind.InvalidArgument,
                    Messages.Format("RootAndSnapshot"));
            var (matrix, profile) = request.LoadProfile();
            IHost host = request.Snapshot != null ? new SnapshotHost(request.Snapshot) : new LiveHost(request.Root ?? "/");
            return List(host, matrix, profile, request, output);
        }

        internal static IReadOnlyList<GpuInfo> List(IHost host, CompatibilityMatrix matrix, ProfileEntry profile, TestRequest request, IEngineOutput output)
        {
            var context = new ProbeContext(host, profile, commandTimeout: request.CommandTimeout)
            {
                NvmlLibrary = request.NvmlLibrary ?? EnvironmentTester.NvmlLibraryFor(host),
            };
            var facts = FactCollector.Collect(context, GpuProbes.All.Where(p => p.FactType == typeof(GpuFacts)).ToList(), output).Get<GpuFacts>();
            if (facts.UnknownReason != null) output.Warning(Messages.Format("Warning_GpusNotListed", facts.UnknownReason));
            else if (facts.QueryError != null) output.Warning(Messages.Format("Warning_NvmlNotAnswering", facts.QueryError));
            return facts.Gpus.Select(g =>
            {
                var entry = matrix.FindGpu(g.PciDeviceId, g.Name);
                return new GpuInfo
                {
                    Index = g.Index,
                    Name = g.Name ?? entry?.Name,
                    Uuid = g.Uuid,
                    PciBusId = g.PciBusId,
                    PciDeviceId = g.PciDeviceId,
                    ComputeCapability = g.ComputeCapability ?? entry?.ComputeCapability,
                    MemoryMiB = g.MemoryMiB,
                    PersistenceMode = g.PersistenceMode,
                    EccEnabled = g.EccEnabled,
                    Source = g.Source,
                    DriverVersion = facts.DriverVersion,
                    CudaDriverVersion = facts.CudaDriverVersion,
                    MatrixId = entry?.Id,
                    Architecture = entry?.Architecture,
                    DriverError = facts.QueryError,
                };
            }).ToList();
        }
    }
}
