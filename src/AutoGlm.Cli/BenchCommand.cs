using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Resolve;

namespace AutoGlm.Cli
{
    /// <summary>In-process benchmarks for docs/perf.md: numbers a unit test must never assert.</summary>
    public static class BenchCommand
    {
        public const string Help =
@"autoglm bench - measure matrix loading and resolving in-process (docs/perf.md)

Usage:
  autoglm bench [--iterations N] [--facts FILE]... [--profile NAME]

Prints the first (cold) load + validate time, then median and p95 over N iterations of
load + validate and of resolve for each facts file, and the bytes allocated per iteration.";

        public static int Run(IReadOnlyList<string> argv)
        {
            var args = Args.Parse(argv, "bench", new[] { "iterations", "facts", "profile" }, Array.Empty<string>());
            if (args.Flag("help")) { Console.WriteLine(Help); return Program.ExitOk; }
            int n = args.Int("iterations", 1, 100000) ?? 200;
            var facts = args.All("facts").ToList();
            var hosts = facts.Select(f => StackHost.FromJson(File.ReadAllText(f), f)).ToList();

            var watch = Stopwatch.StartNew();
            var matrix = MatrixLoader.LoadDefault();
            Console.WriteLine($"cold load+validate: {watch.Elapsed.TotalMilliseconds:0.0} ms ({matrix.FilesLoaded.Count} files)");
            var profile = matrix.GetProfile(args.One("profile"));

            Report("load+validate", n, () => MatrixLoader.LoadDefault());
            for (int i = 0; i < hosts.Count; i++)
            {
                var host = hosts[i];
                Report($"resolve {Path.GetFileNameWithoutExtension(facts[i])}", n, () => StackService.Resolve(matrix, profile, host));
                Report($"load+validate+resolve {Path.GetFileNameWithoutExtension(facts[i])}", n, () => StackService.Resolve(MatrixLoader.LoadDefault(), profile, host));
            }
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
