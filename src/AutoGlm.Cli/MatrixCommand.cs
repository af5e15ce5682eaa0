using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine.Matrix;

namespace AutoGlm.Cli
{
    public static class MatrixCommand
    {
        public const string Help =
@"autoglm matrix - show or validate the compatibility matrix (Get-AutoGlmMatrix)

Usage:
  autoglm matrix [--section NAME]... [--id ID]... [--matrix FILE]... [--format table|json]
  autoglm matrix --validate [--matrix FILE]...

Options:
  --section NAME   only this section (repeatable): profiles, operatingSystems, cudaReleases,
                   cudaFamilies, driverBranches, driverPackaging, gpuArchitectures, gpus,
                   wheelCoverage, torchReleases, serverReleases
  --id ID          only entries with this id; '*' wildcards allowed (repeatable)
  --matrix FILE    site matrix file merged over the shipped matrix (repeatable)
  --format F       table (default) or json
  --validate       load and validate, print what was loaded; errors name file:line:column

Exit codes: 0 shown or valid, 2 the matrix is invalid or the command could not run.";

        public static int Run(IReadOnlyList<string> argv)
        {
            var args = Args.Parse(argv, "matrix", new[] { "section", "id", "matrix", "format" }, new[] { "validate" });
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            var format = args.Choice("format", "table", "table", "json");
            var matrix = MatrixLoader.LoadDefault(args.All("matrix").ToList());
            if (args.Flag("validate"))
            {
                var counts = MatrixQuery.Sections.Select(s => (s.Key, n: s.Value(matrix).Count())).Where(x => x.n > 0).Select(x => $"{x.n} {x.Key}");
                Console.WriteLine($"valid: {matrix.FilesLoaded.Count} files ({string.Join(", ", counts)})");
                return Program.ExitOk;
            }
            var entries = MatrixQuery.Select(matrix, args.All("section").ToList(), args.All("id").ToList());
            if (format == "json")
                Console.WriteLine(Engine.Json.Json.Serialize(entries.Select(e => (object?)MatrixQuery.ToJson(e)).ToList()));
            else
                foreach (var e in entries) Console.WriteLine($"{MatrixQuery.SectionOf(e),-17} {e.Id,-30} {Summary(e)}");
            return Program.ExitOk;
        }

        private static string Summary(MatrixEntry e) => e switch
        {
            ProfileEntry p => p.Description ?? "",
            OperatingSystemEntry o => $"{o.Name} ({o.Support})",
            CudaReleaseEntry c => $"{c.Label ?? c.Version}: Linux ≥ {c.LinuxDriver ?? "R" + c.DriverBranch}{(c.WindowsDriver != null ? $", Windows ≥ {c.WindowsDriver}" : "")}",
            CudaFamilyEntry f => $"CUDA {f.Major}.x minor-version compatibility: Linux ≥ {f.LinuxDriver}",
            DriverBranchEntry b => $"R{b.Branch} {b.Type}{(b.EndOfLife != null ? ", EOL " + b.EndOfLife : "")}",
            DriverPackagingEntry d => $"{(d.Os is { Count: > 0 } ? string.Join(",", d.Os) : d.Family)} branches {d.Branches}: {d.RepositoryKind()}{(d.Suite != null ? " " + d.Suite + " " + string.Join(" ", d.Components ?? new List<string>()) : "")}, pin by {d.Pin}",
            GpuArchitectureEntry a => $"{a.Name} cc {string.Join("/", a.ComputeCapabilities)}, kernel modules {a.KernelModules}",
            GpuEntry g => $"{g.Name} cc {g.ComputeCapability}{(g.MemoryGiB != null ? $", {g.MemoryGiB} GiB" : "")}",
            WheelCoverageEntry w => $"{w.Tag}{(w.Torch != null ? " torch " + w.Torch : "")}: sm {string.Join(",", w.Sass)}{(w.Ptx != null ? " + PTX " + w.Ptx : "")}",
            TorchReleaseEntry t => $"torch {string.Join(", ", t.Versions)}; Python {t.Python}; {string.Join(" ", t.Variants)}",
            ServerReleaseEntry s => $"{s.Package} {s.Version}: torch {s.Torch}, {s.Cuda}",
            _ => "",
        };
    }
}
