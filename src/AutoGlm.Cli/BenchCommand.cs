using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Python;
using AutoGlm.Engine.Resolve;
using AutoGlm.Engine.Facts;

namespace AutoGlm.Cli
{
    /// <summary>In-process benchmarks for docs/perf.md: numbers a unit test must never assert.</summary>
    public static class BenchCommand
    {
        public const string Help =
@"autoglm bench - measure matrix loading and resolving in-process (docs/perf.md)

Usage:
  autoglm bench [--iterations N] [--facts FILE]... [--profile NAME]
  autoglm bench --venv DIR [--iterations N]

Prints the first (cold) load + validate time, then median and p95 over N iterations of
load + validate and of resolve for each facts file, and the bytes allocated per iteration.
With --venv: reading a synced venv from its stamp (the no-op path) against asking its python
(importlib.metadata), which is what a changed venv costs.";

        public static int Run(IReadOnlyList<string> argv)
        {
            var args = Args.Parse(argv, "bench", new[] { "iterations", "facts", "profile", "venv" }, Array.Empty<string>());
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            int n = args.Int("iterations", 1, 100000) ?? 200;
            if (args.One("venv") is string venv) return Venv(Path.GetFullPath(venv), n);
            var facts = args.All("facts").ToList();
            var hosts = facts.Select(f => StackHost.FromJson(File.ReadAllText(f), f)).ToList();

            var watch = Stopwatch.StartNew();
            var matrix = MatrixLoader.LoadDefault();
            Console.WriteLine($"cold load+validate: {watch.Elapsed.TotalMilliseconds:0.0} ms ({matrix.FilesLoaded.Count} files)");
            var profile = matrix.GetProfile(args.One("profile"));

            Report("load+validate", n, () => MatrixLoader.LoadDefault());

            // The GPU catalogue is read only when a GPU without a driver needs it: its first read (cold, with JIT)
            // is what such an `autoglm test` pays on top; a lookup after that is a dictionary hit.
            watch.Restart();
            var catalogue = matrix.Catalogue;
            var hit = matrix.FindGpu("0x2230", null);
            Console.WriteLine($"gpu catalogue cold load+first lookup: {watch.Elapsed.TotalMilliseconds:0.0} ms ({catalogue.Count} devices; 10de:2230 is {hit?.Name}, cc {hit?.ComputeCapability})");
            var path = matrix.CataloguePath!;
            Report("gpu catalogue load", n, () => GpuCatalogue.Parse(path, File.ReadAllText(path)));
            Report("gpu lookup by PCI id (catalogue + chip table)", n, () => matrix.FindGpu("0x2230", null));
            for (int i = 0; i < hosts.Count; i++)
            {
                var host = hosts[i];
                Report($"resolve {Path.GetFileNameWithoutExtension(facts[i])}", n, () => StackService.Resolve(matrix, profile, host));
                Report($"load+validate+resolve {Path.GetFileNameWithoutExtension(facts[i])}", n, () => StackService.Resolve(MatrixLoader.LoadDefault(), profile, host));
            }
            return Program.ExitOk;
        }

        private static int Venv(string venv, int n)
        {
            var host = new Engine.Hosting.LiveHost();
            var timeout = TimeSpan.FromSeconds(60);
            var state = VenvProbe.Probe(host, venv, timeout);
            if (!state.Exists || state.Error != null) throw new UsageException($"'{venv}' is not a venv whose python answers ({state.Error ?? "no bin/python"}).");
            if (!state.FromStamp) Console.WriteLine($"{venv} has no current stamp ({VenvStamp.FileName}); only the python probe is measured.");
            else Report($"venv from stamp ({state.Packages.Count} distributions)", n, () => VenvProbe.Probe(host, venv, timeout));
            var moved = Path.Combine(venv, VenvStamp.FileName);
            var aside = moved + ".bench";
            if (state.FromStamp) File.Move(moved, aside);
            try { Report("venv via python importlib.metadata", n, () => VenvProbe.Probe(host, venv, timeout)); }
            finally { if (state.FromStamp) File.Move(aside, moved); }
            return Program.ExitOk;
        }

        private static void Report(string what, int n, Action action)
        {
            action(); // warm: JIT and file cache
            var times = new double[n];
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < n; i++)
            {
                var w = Stopwatch.StartNew();
                action();
                times[i] = w.Elapsed.TotalMilliseconds;
            }
            allocated = (GC.GetAllocatedBytesForCurrentThread() - allocated) / n;
            Array.Sort(times);
            Console.WriteLine($"{what}: median {times[n / 2]:0.00} ms, p95 {times[(int)(n * 0.95)]:0.00} ms, {allocated / 1024.0:0} KiB allocated per run ({n} runs)");
        }
    }
}
