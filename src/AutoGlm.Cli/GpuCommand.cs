using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Workflows;

namespace AutoGlm.Cli
{
    public static class GpuCommand
    {
        public const string Help =
@"autoglm gpu - list this host's NVIDIA GPUs (Get-AutoGlmGpu)

Usage:
  autoglm gpu [--root DIR | --snapshot DIR] [--matrix FILE]... [--timeout SEC] [--format table|json]

Sources, best first: NVML, nvidia-smi, PCI (sysfs). A GPU the driver cannot reach is still
listed from PCI, with the driver's error on stderr. The matrix adds the model's architecture.

Exit codes: 0 listed (possibly none), 2 the command could not run.";

        public static int Run(IReadOnlyList<string> argv)
        {
            var args = Args.Parse(argv, "gpu", new[] { "root", "snapshot", "matrix", "timeout", "format" }, Array.Empty<string>());
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            var format = args.Choice("format", "table", "table", "json");
            var request = new TestRequest
            {
                Root = args.One("root"),
                Snapshot = args.One("snapshot"),
                MatrixPaths = args.All("matrix").ToList(),
                CommandTimeout = args.Int("timeout", 1, 3600) is int t ? TimeSpan.FromSeconds(t) : (TimeSpan?)null,
            };
            var gpus = GpuInventory.List(request, new ConsoleOutput(verbose: false, quiet: format == "json"));
            if (format == "json")
                Console.WriteLine(Engine.Json.Json.Serialize(gpus.Select(g => (object?)g.ToJson()).ToList()));
            else
                foreach (var g in gpus)
                    Console.WriteLine($"{g.Index,2}  {g.Name ?? "NVIDIA GPU",-32} {g.PciBusId ?? "-",-17} {(g.MemoryMiB is long m ? m + " MiB" : "-"),-11} cc {g.ComputeCapability ?? "?",-5} {g.Architecture ?? "-",-10} {g.Source}");
            return Program.ExitOk;
        }
    }
}
