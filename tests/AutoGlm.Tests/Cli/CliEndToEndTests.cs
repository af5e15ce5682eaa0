using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.EndToEnd
{
    /// <summary>The built `autoglm` run as a process, as scripts and monitoring will run it.</summary>
    public class CliEndToEndTests
    {
        /// <summary>The check objects of a JSON report (an object with "checks"), or of --list-checks (an array).</summary>
        internal static List<IDictionary<string, object?>> Checks(string json)
        {
            var parsed = AutoGlm.Engine.Json.Json.Parse(json);
            var list = parsed is IDictionary<string, object?> report ? (IList<object?>)report["checks"]! : (IList<object?>)parsed!;
            return list.Cast<IDictionary<string, object?>>().ToList();
        }

        [Fact]
        public void JsonOutputHasTheContractFieldsAndLowerCaseStatuses()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            var r = Cli.Run(fx.PathVariable, "test", "--root", fx.RootPath, "--format", "json");
            Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
            var checks = Checks(r.Stdout);
            Assert.Equal(AutoGlm.Engine.Checks.CheckCatalog.All.Count, checks.Count);
            var fields = new[] { "id", "category", "status", "severity", "observed", "expected", "message", "remediation", "source" };
            Assert.All(checks, c => Assert.Equal(fields, c.Keys));
            // The fixture has no GPU tooling: host checks pass, GPU and stack checks may only be skipped or unknown.
            var hostIds = AutoGlm.Engine.Checks.HostChecks.All.Select(h => h.Info.Id).ToList();
            Assert.All(checks.Where(c => hostIds.Contains((string)c["id"]!)), c => Assert.Equal("pass", c["status"]));
            Assert.All(checks, c => Assert.Contains((string)c["status"]!, new[] { "pass", "skip", "unknown" }));
            Assert.Contains(checks, c => (string)c["id"]! == "python.venv.available" && (string)c["category"]! == "python");
        }

        [Fact]
        public void AFailedCheckExitsOneAndTheTableShowsTheFix()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Python("python3", "3.10.12", venv: true, ensurepip: false);
            var r = Cli.Run(fx.PathVariable, "test", "--root", fx.RootPath);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("[FAIL] python.venv.available", r.Stdout);
            Assert.Contains("fix: sudo apt-get install -y python3.10-venv", r.Stdout);
            var n = AutoGlm.Engine.Checks.CheckCatalog.All.Count;
            // The venv checks skip (the fixture has no venv), and so do the runtime checks (no --runtime).
            Assert.Contains($"{n} checks: {n - 5} pass, 1 fail, 4 skip", r.Stdout);
        }

        [Fact]
        public void QuietPrintsNothingAndAnswersWithTheExitCode()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            var ok = Cli.Run(fx.PathVariable, "test", "--root", fx.RootPath, "--quiet");
            Assert.Equal(0, ok.ExitCode);
            Assert.Equal("", ok.Stdout);
            fx.File("/proc/meminfo", "MemTotal: 1024 kB\n");
            Assert.Equal(1, Cli.Run(fx.PathVariable, "test", "--root", fx.RootPath, "--quiet").ExitCode);
        }

        [Fact]
        public void CategoryFilterAndListChecks()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            var r = Cli.Run(fx.PathVariable, "test", "--root", fx.RootPath, "--format", "json", "--category", "os", "--category", "network");
            Assert.Equal(new[] { "os.supported", "os.kernel", "os.architecture", "os.cuda", "network.port.available" }, Checks(r.Stdout).Select(c => c["id"]));
            var list = Cli.Run(null, "test", "--list-checks");
            Assert.Equal(0, list.ExitCode);
            Assert.Contains("python.venv.available", list.Stdout);
        }

        [Fact]
        public void ListChecksAsJsonNamesIdCategoryAndDescription()
        {
            var r = Cli.Run(null, "test", "--list-checks", "--format", "json", "--category", "python");
            Assert.Equal(0, r.ExitCode);
            var checks = Checks(r.Stdout);
            Assert.Equal(new[] { "python.interpreter", "python.venv.available", "python.venv.drift", "python.torch.cuda" }, checks.Select(c => c["id"]));
            Assert.All(checks, c => Assert.Equal(new[] { "id", "category", "description" }, c.Keys));
        }

        [Fact]
        public void SnapshotExportThenEvaluateEqualsLive_EndToEnd()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/proc/cpuinfo", FixtureHost.CpuInfo(2, null));
            using var tmp = new TempDir();
            var snap = tmp.Combine("host1");
            var export = Cli.Run(fx.PathVariable, "snapshot", "export", "--out", snap, "--root", fx.RootPath, "--format", "json");
            Assert.True(export.ExitCode == 0, export.Stderr);
            var live = Cli.Run(fx.PathVariable, "test", "--root", fx.RootPath, "--format", "json");
            // Evaluated with an empty PATH: the snapshot alone must answer.
            var replay = Cli.Run(tmp.Path, "test", "--snapshot", snap, "--format", "json");
            Assert.Equal(1, live.ExitCode);
            Assert.Equal(live.ExitCode, replay.ExitCode);
            // The checks are the same; the report's generated time and target differ by nature.
            Assert.Equal(AutoGlm.Engine.Json.Json.Serialize(Checks(live.Stdout)), AutoGlm.Engine.Json.Json.Serialize(Checks(replay.Stdout)));
        }

        [Fact]
        public void LiveMachineRunsForRealAndTellsTheTruth()
        {
            var r = Cli.Run(null, "test", "--format", "json");
            Assert.True(r.ExitCode == 0 || r.ExitCode == 1, r.Stderr);
            var checks = Checks(r.Stdout);
            var kernel = checks.Single(c => (string)c["id"]! == "os.kernel");
            Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), kernel["observed"]);
            var cores = checks.Single(c => (string)c["id"]! == "cpu.cores");
            Assert.Equal($"{System.Environment.ProcessorCount} cores", cores["observed"]);
            Assert.Equal(r.ExitCode == 1, checks.Any(c => (string)c["status"]! == "fail"));
        }

        [Theory]
        [InlineData("test --profile no-such-profile", "Unknown profile 'no-such-profile'")]
        [InlineData("test --root /nonexistent/root", "The root directory '/nonexistent/root' does not exist")]
        [InlineData("test --snapshot /nonexistent/snap", "The snapshot directory '/nonexistent/snap' does not exist")]
        [InlineData("test --matrix /nonexistent/site.yaml", "The matrix override file '/nonexistent/site.yaml' does not exist")]
        [InlineData("test --category gpu-magic", "Unknown check category 'gpu-magic'")]
        [InlineData("test --port 70000", "--port must be a whole number from 1 to 65535")]
        [InlineData("test --format xml", "--format must be one of: table, json")]
        [InlineData("test --bogus", "'test' has no option '--bogus'")]
        [InlineData("frobnicate", "unknown command 'frobnicate'")]
        [InlineData("snapshot export", "'snapshot export' needs --out DIR")]
        public void BadInputExitsTwoWithOneLineNamingTheInput(string commandLine, string expected)
        {
            var r = Cli.Run(null, commandLine.Split(' '));
            Assert.Equal(2, r.ExitCode);
            Assert.Equal("", r.Stdout);
            var lines = r.Stderr.TrimEnd('\n').Split('\n');
            Assert.Single(lines);
            Assert.StartsWith("autoglm: error: ", lines[0]);
            Assert.Contains(expected, lines[0]);
        }

        [Fact]
        public void MalformedMatrixAndSnapshotExitTwoAndNameTheFileAndLine()
        {
            using var tmp = new TempDir();
            var site = tmp.Combine("site.yaml");
            File.WriteAllText(site, "schemaVersion: 1\nprofiles:\n  - id: x\n    source: s\n    requires: {python: '>=3.10'}\n    colour: blue\n");
            var r = Cli.Run(null, "test", "--matrix", site);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains($"{site}:6:5: unknown key 'colour'", r.Stderr);

            var snap = tmp.Combine("snap");
            Directory.CreateDirectory(snap);
            File.WriteAllText(Path.Combine(snap, "snapshot.json"), "{\"format\":\"autoglm-snapshot\",\"formatVersion\":1}");
            File.WriteAllText(Path.Combine(snap, "index.jsonl"), "{broken\n");
            r = Cli.Run(null, "test", "--snapshot", snap);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("index.jsonl line 1", r.Stderr);
        }

        [Fact]
        public void FailedExportWritesNothing()
        {
            using var tmp = new TempDir();
            var target = tmp.Combine("snap");
            var r = Cli.Run(null, "snapshot", "export", "--out", target, "--profile", "nope");
            Assert.Equal(2, r.ExitCode);
            Assert.Empty(Directory.GetFileSystemEntries(tmp.Path));
        }

        [Fact]
        public void VersionAndHelp()
        {
            var v = Cli.Run(null, "--version");
            Assert.Equal(0, v.ExitCode);
            Assert.Equal("autoglm " + AutoGlm.Engine.EngineInfo.Version + "\n", v.Stdout);
            foreach (var cmd in new[] { new[] { "--help" }, new[] { "test", "--help" }, new[] { "snapshot", "export", "--help" }, new[] { "snapshot", "--help" } })
            {
                var h = Cli.Run(null, cmd);
                Assert.Equal(0, h.ExitCode);
                Assert.Contains("Usage:", h.Stdout);
            }
        }
    }
}
