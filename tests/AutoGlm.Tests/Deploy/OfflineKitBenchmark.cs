using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using AutoGlm.Engine;
using AutoGlm.Engine.Deploy;
using AutoGlm.Engine.Kit;
using AutoGlm.Engine.Plan;
using AutoGlm.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AutoGlm.Tests.Deploy
{
    /// <summary>
    /// The offline kit's times (docs/perf.md): export, the first install from it, and N no-op second runs both
    /// in-process (plan + apply, what the cmdlet does) and as `autoglm install --kit` processes. Runs only when
    /// AUTOGLM_BENCH_KIT_RUNS is set (bench/offline-kit.sh).
    /// </summary>
    [Collection("apt")]
    public class OfflineKitBenchmark
    {
        public const string RunsVariable = "AUTOGLM_BENCH_KIT_RUNS";
        private readonly ITestOutputHelper _log;
        public OfflineKitBenchmark(ITestOutputHelper log) => _log = log;

        [BenchFact(RunsVariable, "bench/offline-kit.sh")]
        public void ExportInstallAndNoOpFromAKit()
        {
            int runs = int.Parse(Environment.GetEnvironmentVariable(RunsVariable)!, CultureInfo.InvariantCulture);
            using var rig = new InstallRig();
            using var tmp = new TempDir();
            var kitDir = tmp.Combine("kit");
            var watch = Stopwatch.StartNew();
            var kit = KitExporter.Export(OfflineKitTests.ExportRequest(rig, tmp, kitDir), NullOutput.Instance);
            var exportSeconds = watch.Elapsed.TotalSeconds;
            watch.Restart();
            var verifySeconds = Time(() => OfflineKit.Open(kitDir));

            HostInstallRequest Request() => new HostInstallRequest
            {
                Kit = kitDir, InstallPath = "/opt/autoglm", Port = rig.Server.Port.ToString(CultureInfo.InvariantCulture), ModelPath = InstallRig.ModelPath,
                HealthTimeout = TimeSpan.FromSeconds(5), CommandTimeout = TimeSpan.FromSeconds(120),
            };
            watch.Restart();
            var (_, first, _) = rig.Apply(Request());
            var firstSeconds = watch.Elapsed.TotalSeconds;
            Assert.True(first.Status == "changed", first.Message);
            var tree = rig.Tree();

            var inProcess = new double[runs];
            for (int i = 0; i < runs; i++)
            {
                watch.Restart();
                var (_, result, summary) = rig.Apply(Request());
                inProcess[i] = watch.Elapsed.TotalSeconds;
                Assert.True(result.Status == "converged", result.Message);
                Assert.False(summary.HostChanged);
            }
            var cli = new double[runs];
            var env = new System.Collections.Generic.Dictionary<string, string> { ["GIT_CONFIG_GLOBAL"] = rig.Environment["GIT_CONFIG_GLOBAL"]!, ["GIT_CONFIG_NOSYSTEM"] = "1" };
            for (int i = 0; i < runs; i++)
            {
                watch.Restart();
                var r = Cli.Run(rig.Apt.Path_, env, "install", "--root", rig.Root, "--kit", kitDir, "--install-path", "/opt/autoglm",
                    "--port", rig.Server.Port.ToString(CultureInfo.InvariantCulture), "--model-path", InstallRig.ModelPath, "--health-timeout", "5", "--force", "--format", "json");
                cli[i] = watch.Elapsed.TotalSeconds;
                Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
            }
            Assert.Equal(tree, rig.Tree());

            string Stats(double[] v)
            {
                var s = v.OrderBy(x => x).ToArray();
                return string.Format(CultureInfo.InvariantCulture, "min {0:0.000} s, median {1:0.000} s, max {2:0.000} s", s[0], s[s.Length / 2], s[s.Length - 1]);
            }
            var report = new StringBuilder()
                .AppendLine(string.Format(CultureInfo.InvariantCulture, "kit: {0} files, {1:0.00} MB", kit.Files.Count, kit.Files.Sum(f => f.Size) / 1e6))
                .AppendLine(string.Format(CultureInfo.InvariantCulture, "export (in-process): {0:0.00} s; verify: {1:0.000} s", exportSeconds, verifySeconds))
                .AppendLine(string.Format(CultureInfo.InvariantCulture, "first install from the kit (in-process): {0:0.00} s", firstSeconds))
                .AppendLine($"no-op install from the kit, in-process (plan + apply), {runs} runs: {Stats(inProcess)}")
                .AppendLine($"no-op install from the kit, `autoglm install --kit` process, {runs} runs: {Stats(cli)}")
                .ToString();
            _log.WriteLine(report);
            var outFile = Environment.GetEnvironmentVariable("AUTOGLM_BENCH_OUT");
            if (!string.IsNullOrEmpty(outFile)) File.WriteAllText(outFile, report);
        }

        private static double Time(Action action)
        {
            var watch = Stopwatch.StartNew();
            action();
            return watch.Elapsed.TotalSeconds;
        }
    }
}
