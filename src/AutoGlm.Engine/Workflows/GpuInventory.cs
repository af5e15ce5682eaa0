using AutoGlm.Engine.Facts;
using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Engine.Workflows
{
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
                GpuCatalogue = () => matrix.Catalogue,
            };
            var facts = FactCollector.Collect(context, GpuProbes.All.Where(p => p.FactType == typeof(GpuFacts)).ToList(), output).Get<GpuFacts>();
            foreach (var problem in facts.DatabaseProblems) output.Warning(problem);
            if (facts.UnknownReason != null) output.Warning(Messages.Format("Warning_GpusNotListed", facts.UnknownReason));
            else if (facts.QueryError != null) output.Warning(Messages.Format("Warning_NvmlNotAnswering", facts.QueryError));
            return facts.Gpus.Select(g =>
            {
                var entry = matrix.FindGpu(g);
                return new GpuInfo
                {
                    Index = g.Index,
                    Name = g.Name ?? entry?.Name,
                    Uuid = g.Uuid,
                    PciBusId = g.PciBusId,
                    PciDeviceId = g.PciDeviceId,
                    ComputeCapability = g.ComputeCapability ?? NullIfEmpty(entry?.ComputeCapability),
                    MemoryMiB = g.MemoryMiB,
                    PersistenceMode = g.PersistenceMode,
                    EccEnabled = g.EccEnabled,
                    Source = g.Source,
                    DriverVersion = facts.DriverVersion,
                    CudaDriverVersion = facts.CudaDriverVersion,
                    MatrixId = entry?.Id,
                    Architecture = NullIfEmpty(entry?.Architecture),
                    DriverError = facts.QueryError,
                    Chip = entry?.Chip,
                    IdentifiedBy = g.ComputeCapability != null ? g.Source : entry?.IdentifiedBy,
                };
            }).ToList();
        }

        private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
    }
}
