using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using AutoGlm.Engine;
using AutoGlm.Engine.Deploy;
using AutoGlm.Engine.Plan;
using Xunit;
using Xunit.Abstractions;

namespace AutoGlm.Tests.Deploy
{
    /// <summary>Runs only when the variable is set (bench/install-noop.sh sets it): a benchmark, not a test.</summary>
    public sealed class BenchFactAttribute : FactAttribute
    {
        public const string RunsVariable = "AUTOGLM_BENCH_INSTALL_RUNS";

        public BenchFactAttribute(string variable = RunsVariable, string script = "bench/install-noop.sh")
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
                Skip = $"benchmark: run {script} (sets {variable})";
        }
    }

    /// <summary>
    /// The no-op Install-AutoGlmHost on a converged host (docs/perf.md), on the end-to-end test's rig: one
    /// real install into the isolated root, then N second runs, each plan + apply as `autoglm install` and
    /// the cmdlet do, each asserted converged with the tree unchanged. Timings go to AUTOGLM_BENCH_OUT.
    /// </summary>
    [Collection("apt")]
    public class InstallNoOpBenchmark
    {
        private readonly ITestOutputHelper _log;
        public InstallNoOpBenchmark(ITestOutputHelper log) => _log = log;

        [BenchFact]
        public void NoOpInstallOnAConvergedHost()
        {
            int runs = int.Parse(Environment.GetEnvironmentVariable(BenchFactAttribute.RunsVariable)!, CultureInfo.InvariantCulture);
            using var rig = new InstallRig();
            var watch = Stopwatch.StartNew();
            var (_, first, _) = rig.Apply();
            var firstSeconds = watch.Elapsed.TotalSeconds;
            Assert.True(first.Status == "changed", first.Message);
            var tree = rig.Tree();

            var wall = new double[runs];
            var preflight = new double[runs];
            int steps = 0;
            for (int i = 0; i < runs; i++)
            {
                watch.Restart();
                var (plan, result, summary) = rig.Apply();
                wall[i] = watch.Elapsed.TotalSeconds;
                preflight[i] = plan.PreflightSeconds;
                steps = result.Steps.Count;
                Assert.True(result.Status == "converged", result.Message);
                Assert.False(summary.HostChanged);
            }
            Assert.Equal(tree, rig.Tree());

            string Stats(double[] v)
            {
                var s = v.OrderBy(x => x).ToArray();
                return string.Format(CultureInfo.InvariantCulture, "min {0:0.000} s, median {1:0.000} s, max {2:0.000} s", s[0], s[s.Length / 2], s[s.Length - 1]);
            }
            var report = new StringBuilder()
                .AppendLine(string.Format(CultureInfo.InvariantCulture, "first install: {0:0.00} s", firstSeconds))
                .AppendLine($"no-op install (plan + apply, {steps} steps unchanged), {runs} runs: {Stats(wall)}")
                .AppendLine($"  of which preflight: {Stats(preflight)}")
                .AppendLine($"  all runs: {string.Join(" ", wall.Select(w => w.ToString("0.000", CultureInfo.InvariantCulture)))}")
                .ToString();
            _log.WriteLine(report);
            var outFile = Environment.GetEnvironmentVariable("AUTOGLM_BENCH_OUT");
            if (!string.IsNullOrEmpty(outFile)) File.WriteAllText(outFile, report);
        }
    }
}
