using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Engine.Resolve
{
    /// <summary>What Resolve-AutoGlmStack and `autoglm resolve` ask.</summary>
    public sealed class ResolveRequest : ProfileRequest
    {
        public string? Root { get; set; }
        public string? Snapshot { get; set; }
        /// <summary>A facts file describing a host (see docs/resolve.md) instead of probing one.</summary>
        public string? FactsFile { get; set; }
        public bool AllowMinorVersionCompatibility { get; set; }
        public TimeSpan? CommandTimeout { get; set; }
        /// <summary>The date end-of-life is judged against; today when null.</summary>
        public DateTime? Today { get; set; }
    }

    public static class StackService
    {
        /// <summary>The facts the resolver reads; only their probes run.</summary>
        private static readonly Type[] Needed = { typeof(OsFacts), typeof(GpuFacts), typeof(DriverFacts), typeof(PythonFacts) };

        public static ResolvedStack Resolve(ResolveRequest request, IEngineOutput? output = null)
        {
            output ??= NullOutput.Instance;
            int sources = (request.Root != null ? 1 : 0) + (request.Snapshot != null ? 1 : 0) + (request.FactsFile != null ? 1 : 0);
            if (sources > 1)
                throw new AutoGlmException("HostSourceConflict", ErrorKind.InvalidArgument,
                    Messages.Format("HostSourceConflict"));
            var (matrix, profile) = request.LoadProfile();
            var host = Host(request, profile, output, matrix);
            return Resolve(matrix, profile, host, request);
        }

        /// <summary>The host's facts as the resolver sees them: from a facts file, a snapshot or a (live) root.</summary>
        public static StackHost Host(ResolveRequest request, ProfileEntry profile, IEngineOutput output, CompatibilityMatrix? matrix = null)
        {
            if (request.FactsFile != null)
            {
                if (!File.Exists(request.FactsFile))
                    throw new AutoGlmException("FactsFileNotFound", ErrorKind.ObjectNotFound,
                        Messages.Format("FactsFileNotFound", request.FactsFile), request.FactsFile);
                output.Verbose(Messages.Format("Verbose_FactsFromFile", request.FactsFile));
                return StackHost.FromJson(File.ReadAllText(request.FactsFile), request.FactsFile);
            }
            IHost source = request.Snapshot != null ? new SnapshotHost(request.Snapshot) : new LiveHost(request.Root ?? "/");
            var context = new ProbeContext(source, profile, commandTimeout: request.CommandTimeout)
            {
                GpuCatalogue = matrix == null ? (Func<GpuCatalogue>?)null : () => matrix.Catalogue,
            };
            var facts = FactCollector.Collect(context, LinuxProbes.All.Where(p => Needed.Contains(p.FactType)).ToList(), output);
            output.Verbose(Messages.Format("Verbose_FactsProbed", source.Kind, request.Snapshot ?? source.Root));
            return StackHost.FromFacts(facts);
        }

        public static ResolvedStack Resolve(CompatibilityMatrix matrix, ProfileEntry profile, StackHost host, ResolveRequest? request = null)
        {
            var options = new ResolveOptions { AllowMinorVersionCompatibility = request?.AllowMinorVersionCompatibility ?? false };
            if (request?.Today is DateTime today) options.Today = today;
            return new StackResolver(matrix, options).Resolve(profile, host);
        }
    }
}
