using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Reports;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    /// <summary>
    /// A folder of five snapshots recorded from fixture hosts: one healthy, two without venv support, one of
    /// them also short of memory, one with too few cores, and one whose index is broken. Built once.
    /// </summary>
    public sealed class FleetFolder : IDisposable
    {
        private readonly TempDir _tmp = new TempDir("autoglm-fleet");

        public FleetFolder()
        {
            Folder = _tmp.Combine("snapshots");
            Directory.CreateDirectory(Folder);
            Record("gpu-a", "gpu01", fx => { });
            Record("gpu-b", "gpu02", fx => fx.Python("python3", "3.10.12", venv: true, ensurepip: false));
            Record("gpu-c", null, fx =>
            {
                fx.Python("python3", "3.10.12", venv: true, ensurepip: false);
                fx.File("/proc/meminfo", "MemTotal: 1024 kB\n");
            });
            Record("gpu-d", "gpu04", fx => fx.File("/proc/cpuinfo", FixtureHost.CpuInfo(2, null)));
            Record("gpu-e", "gpu05", fx => { });
            File.WriteAllText(Path.Combine(Folder, "gpu-e", "index.jsonl"), "{broken\n");
            // Not hosts: a hidden folder and a stray file.
            Directory.CreateDirectory(Path.Combine(Folder, ".trash"));
            File.WriteAllText(Path.Combine(Folder, "README.txt"), "snapshots from the GPU fleet\n");
        }

        public string Folder { get; }
        /// <summary>What each well-formed snapshot gives evaluated alone.</summary>
        public Dictionary<string, TestRun> Single { get; } = new Dictionary<string, TestRun>();

        public string Host(string name) => Path.Combine(Folder, name);

        private void Record(string name, string? hostname, Action<FixtureHost> setup)
        {
            using var fx = FixtureHost.HealthyUbuntu();
            setup(fx);
            var recording = new RecordingHost(new LiveHost(fx.RootPath, fx.PathVariable));
            HostCheckTests.Evaluate(recording);
            SnapshotFormat.Write(recording, Host(name), force: false, DateTimeOffset.UtcNow, hostname);
            Single[name] = HostCheckTests.Evaluate(new SnapshotHost(Host(name)));
        }

        public void Dispose() => _tmp.Dispose();
    }

    public class FleetTriageTests : IClassFixture<FleetFolder>
    {
        private readonly FleetFolder _fleet;
        public FleetTriageTests(FleetFolder fleet) => _fleet = fleet;

        private FleetTriage Triage(int? parallel = null) => FleetTriager.Run(new[] { _fleet.Folder }, new TestRequest(), null, parallel);

        private static string Stable(FleetTriage t)
        {
            var json = t.ToJson();
            json.Remove("seconds");
            return AutoGlm.Engine.Json.Json.Serialize(json);
        }

        [Fact]
        public void AFolderOfSnapshotsIsRecognisedAndASnapshotIsNot()
        {
            Assert.True(FleetTriager.IsFleetFolder(_fleet.Folder));
            Assert.False(FleetTriager.IsFleetFolder(_fleet.Host("gpu-a")));
            Assert.True(FleetTriager.IsSnapshot(_fleet.Host("gpu-a")));
        }

        [Fact]
        public void OneSnapshotCommandsRefuseAFleetFolderAndTellSnapshotInputErrorsFromBadParameters()
        {
            using var tmp = new TempDir();
            var empty = tmp.Combine("empty");
            Directory.CreateDirectory(empty);
            // The CLI's choice between one snapshot's checks and a triage.
            Assert.False(FleetTriager.IsTriage(new[] { _fleet.Host("gpu-a") }));
            Assert.True(FleetTriager.IsTriage(new[] { _fleet.Folder }));
            Assert.True(FleetTriager.IsTriage(new[] { empty }));
            Assert.True(FleetTriager.IsTriage(new[] { _fleet.Host("gpu-a"), _fleet.Host("gpu-b") }));
            Assert.False(FleetTriager.IsTriage(new[] { tmp.Combine("nope") })); // one snapshot's own SnapshotNotFound

            // Test-AutoGlmEnvironment -Snapshot without -Triage: the message names the path as the user wrote it.
            FleetTriager.RequireOneSnapshot(_fleet.Host("gpu-a"), "gpu-a");
            var fleet = Assert.Throws<AutoGlmException>(() => FleetTriager.RequireOneSnapshot(_fleet.Folder, "./snapshots"));
            Assert.Equal("SnapshotIsFleetFolder", fleet.ErrorId);
            Assert.Contains("'./snapshots' is a folder of snapshots", fleet.Message);
            Assert.Contains("-Triage", fleet.Message);
            Assert.Equal("SnapshotFolderEmpty", Assert.Throws<AutoGlmException>(() => FleetTriager.RequireOneSnapshot(empty, "empty")).ErrorId);

            // Which failures a cmdlet reports per piped snapshot (non-terminating) and which stop it.
            Assert.True(FleetTriager.IsAboutOneSnapshot(fleet));
            Assert.True(FleetTriager.IsAboutOneSnapshot(Assert.Throws<AutoGlmException>(() => new SnapshotHost(_fleet.Host("gpu-e")))));
            Assert.True(FleetTriager.IsAboutOneSnapshot(Assert.Throws<AutoGlmException>(() => new SnapshotHost(tmp.Combine("nope")))));
            Assert.False(FleetTriager.IsAboutOneSnapshot(Assert.Throws<AutoGlmException>(() => FleetTriager.Run(new[] { _fleet.Folder }, new TestRequest { Profile = "nope" }, null, null))));
        }

        [Fact]
        public void FailuresAreGroupedByCheckAcrossHosts_MostHostsFirst()
        {
            var t = Triage();
            var fails = t.Groups.Where(g => g.Status == "fail").ToList();
            Assert.Equal(new[] { "python.venv.available", "cpu.cores", "memory.total" }, fails.Select(g => g.Id));
            Assert.Equal(new[] { "gpu-b", "gpu-c" }, fails[0].Hosts);
            Assert.Equal(new[] { "gpu-d" }, fails[1].Hosts);
            Assert.Equal(new[] { "gpu-c" }, fails[2].Hosts);
            Assert.Equal(2, fails[0].HostCount);
            // The group carries the check's catalog title, its category and the fix, once.
            var venv = CheckCatalog.All.Single(c => c.Info.Id == "python.venv.available").Info;
            Assert.Equal(venv.Description, fails[0].Title);
            Assert.Equal("python", fails[0].Category);
            var single = _fleet.Single["gpu-b"].Results.Single(r => r.Id == "python.venv.available");
            Assert.Equal(single.Remediation, fails[0].Remediation);
            Assert.Contains("python3.10-venv", fails[0].Remediation);
            Assert.Equal(single.Message, fails[0].Message);
            // Fail groups come first; any warn or unknown groups after them, by hosts then id.
            var order = t.Groups.Select(g => Array.IndexOf(new[] { "fail", "warn", "unknown" }, g.Status)).ToList();
            Assert.Equal(order.OrderBy(o => o), order);
            Assert.DoesNotContain(t.Groups, g => g.Status == "pass" || g.Status == "skip");
        }

        [Fact]
        public void EachHostHasTheCountsItsSnapshotGivesAloneAndTheMalformedOneIsAnError()
        {
            var t = Triage();
            Assert.Equal(new[] { "gpu-a", "gpu-b", "gpu-c", "gpu-d", "gpu-e" }, t.Hosts.Select(h => h.Name));
            foreach (var h in t.Hosts.Where(h => h.Name != "gpu-e"))
            {
                var results = _fleet.Single[h.Name].Results;
                Assert.Equal(results.Count(r => r.Status == CheckStatus.Pass), h.Pass);
                Assert.Equal(results.Count(r => r.Status == CheckStatus.Warn), h.Warn);
                Assert.Equal(results.Count(r => r.Status == CheckStatus.Fail), h.Fail);
                Assert.Equal(results.Count(r => r.Status == CheckStatus.Skip), h.Skip);
                Assert.Equal(results.Count(r => r.Status == CheckStatus.Unknown), h.Unknown);
                Assert.Equal(results.Where(r => r.Status == CheckStatus.Fail).Select(r => r.Id), h.Failing);
                Assert.Equal(Path.GetFullPath(_fleet.Host(h.Name)), h.Path);
                Assert.Null(h.Error);
            }
            Assert.Equal(new[] { "pass", "fail", "fail", "fail", "error" }, t.Hosts.Select(h => h.Status));
            Assert.Equal(new[] { "gpu01", "gpu02", null, "gpu04", "gpu05" }, t.Hosts.Select(h => h.Hostname));
            Assert.Equal(new[] { "memory.total", "python.venv.available" }, t.Hosts[2].Failing.OrderBy(i => i, StringComparer.Ordinal));

            var bad = t.Hosts.Single(h => h.Name == "gpu-e");
            Assert.Equal("SnapshotInvalid", bad.ErrorId);
            Assert.Contains("index.jsonl line 1", bad.Error);
            Assert.Contains(_fleet.Host("gpu-e"), bad.Error);
            Assert.Equal(0, bad.Pass + bad.Fail + bad.Warn + bad.Unknown + bad.Skip);

            Assert.Equal((1, 0, 3, 0, 1), (t.Pass, t.Warn, t.Fail, t.Unknown, t.Error));
            Assert.Equal("fail", t.Status);
            Assert.True(t.AnyFailed);
            Assert.Equal("vllm-server", t.Profile);
            Assert.Equal(Path.GetFullPath(_fleet.Folder), t.Folder);
        }

        [Fact]
        public void ParallelAndOneAtATimeGiveTheSameTriage()
        {
            Assert.Equal(Stable(Triage(1)), Stable(Triage(8)));
        }

        [Fact]
        public void TheTriageSurvivesAJsonRoundTrip()
        {
            var t = Triage();
            var text = AutoGlm.Engine.Json.Json.Serialize(t.ToJson());
            var back = FleetTriage.FromJson((IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(text)!);
            Assert.Equal(text, AutoGlm.Engine.Json.Json.Serialize(back.ToJson()));
            Assert.Equal(t.Groups[0].Hosts, back.Groups[0].Hosts);
            Assert.Equal(t.Hosts.Select(h => h.ErrorId), back.Hosts.Select(h => h.ErrorId));
            Assert.Throws<FormatException>(() => FleetTriage.FromJson(new Dictionary<string, object?> { ["kind"] = "something-else" }));
        }

        [Fact]
        public void AnExplicitListTriagesThoseSnapshots_AMissingOneIsAnErrorHost_SameNamesKeepTheirPaths()
        {
            using var tmp = new TempDir();
            var copy = tmp.Combine("elsewhere", "gpu-a");
            CopyDir(_fleet.Host("gpu-a"), copy);
            var missing = tmp.Combine("gone");
            var t = FleetTriager.Run(new[] { _fleet.Host("gpu-b"), _fleet.Host("gpu-a"), copy, missing }, new TestRequest(), null, null);
            Assert.Equal("", t.Folder);
            Assert.Equal(new[] { Path.GetFullPath(_fleet.Host("gpu-a")), Path.GetFullPath(copy), "gone", "gpu-b" }.OrderBy(n => n, StringComparer.Ordinal), t.Hosts.Select(h => h.Name));
            Assert.Equal("SnapshotNotFound", t.Hosts.Single(h => h.Name == "gone").ErrorId);
            Assert.Equal(new[] { "gpu-b" }, t.Groups.Single(g => g.Id == "python.venv.available").Hosts);
        }

        [Fact]
        public void TheRequestsFiltersApplyToEveryHost()
        {
            var t = FleetTriager.Run(new[] { _fleet.Folder }, new TestRequest { Categories = new[] { "memory" } }, null, null);
            Assert.Equal(new[] { "memory.total" }, t.Groups.Select(g => g.Id));
            Assert.Equal(new[] { "pass", "pass", "fail", "pass", "error" }, t.Hosts.Select(h => h.Status));
        }

        [Fact]
        public void AnEmptyFolderOrAMissingOneIsBadInputNamingIt()
        {
            using var tmp = new TempDir();
            var empty = tmp.Combine("empty");
            Directory.CreateDirectory(Path.Combine(empty, "not-a-snapshot"));
            var ex = Assert.Throws<AutoGlmException>(() => FleetTriager.Run(new[] { empty }, new TestRequest(), null, null));
            Assert.Equal("SnapshotFolderEmpty", ex.ErrorId);
            Assert.Equal(ErrorKind.ObjectNotFound, ex.Kind);
            Assert.Contains(empty, ex.Message);
            Assert.Contains("autoglm snapshot export", ex.Message);
            var gone = Assert.Throws<AutoGlmException>(() => FleetTriager.Run(new[] { tmp.Combine("nope") }, new TestRequest(), null, null));
            Assert.Equal("SnapshotNotFound", gone.ErrorId);
            Assert.Equal("RootAndSnapshot", Assert.Throws<AutoGlmException>(() => FleetTriager.Run(new[] { _fleet.Folder }, new TestRequest { Root = "/" }, null, null)).ErrorId);
            Assert.Equal("ProfileNotFound", Assert.Throws<AutoGlmException>(() => FleetTriager.Run(new[] { _fleet.Folder }, new TestRequest { Profile = "nope" }, null, null)).ErrorId);
        }

        [Fact]
        public void TheTextReportListsGroupsThenHosts()
        {
            var text = Triage().Render();
            var venv = text.IndexOf("[FAIL] python.venv.available", StringComparison.Ordinal);
            var cores = text.IndexOf("[FAIL] cpu.cores", StringComparison.Ordinal);
            var hosts = text.IndexOf("HOSTS", StringComparison.Ordinal);
            Assert.True(venv > 0 && cores > venv && hosts > cores, text);
            Assert.Contains("2 hosts  gpu-b, gpu-c", text);
            Assert.Contains("fix: sudo apt-get install -y python3.10-venv", text);
            Assert.Matches(@"gpu-e\s+gpu05\s+error\s+The snapshot '.*gpu-e' is malformed: index.jsonl line 1", text);
            Assert.Contains("5 hosts: 3 fail, 0 warn, 0 unknown, 1 pass, 1 error", text);
        }

        [Fact]
        public void ExportRecordsTheHostnameFromTheRoot()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/etc/hostname", "# set by cloud-init\ngpu-node-17\n");
            using var tmp = new TempDir();
            var dir = tmp.Combine("snap");
            EnvironmentTester.ExportSnapshot(dir, new TestRequest { Root = fx.RootPath }, force: false);
            Assert.Equal("gpu-node-17", new SnapshotHost(dir).Hostname);
        }

        internal static void CopyDir(string from, string to)
        {
            foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
                Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
            Directory.CreateDirectory(to);
            foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
                File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    /// <summary>`autoglm test --snapshot FOLDER` run as a process over the same folder.</summary>
    public class FleetTriageCliTests : IClassFixture<FleetFolder>
    {
        private readonly FleetFolder _fleet;
        public FleetTriageCliTests(FleetFolder fleet) => _fleet = fleet;

        [Fact]
        public void AFolderOfSnapshotsPrintsTheTriageAndExitsOne()
        {
            var r = Cli.Run(null, "test", "--snapshot", _fleet.Folder);
            Assert.True(r.ExitCode == 1, r.Stderr + r.Stdout);
            Assert.Contains("fleet triage of 5 snapshots in " + Path.GetFullPath(_fleet.Folder), r.Stdout);
            Assert.Contains("[FAIL] python.venv.available", r.Stdout);
            Assert.Contains("5 hosts: 3 fail, 0 warn, 0 unknown, 1 pass, 1 error", r.Stdout);
            Assert.Equal("", r.Stderr);
        }

        [Fact]
        public void JsonIsTheTriageObject_AndQuietAnswersWithTheExitCode()
        {
            var r = Cli.Run(null, "test", "--snapshot", _fleet.Folder, "--format", "json");
            Assert.Equal(1, r.ExitCode);
            var parsed = (IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(r.Stdout)!;
            Assert.Equal("autoglm-fleet-triage", parsed["kind"]);
            var t = FleetTriage.FromJson(parsed);
            Assert.Equal(new[] { "gpu-a", "gpu-b", "gpu-c", "gpu-d", "gpu-e" }, t.Hosts.Select(h => h.Name));
            Assert.Equal("python.venv.available", t.Groups[0].Id);
            Assert.Equal("SnapshotInvalid", t.Hosts[4].ErrorId);

            var quiet = Cli.Run(null, "test", "--snapshot", _fleet.Folder, "--quiet");
            Assert.Equal((1, ""), (quiet.ExitCode, quiet.Stdout));
        }

        [Fact]
        public void AHealthyFleetExitsZero_AndRepeatedSnapshotOptionsAreAList()
        {
            using var tmp = new TempDir();
            var healthy = tmp.Combine("healthy");
            FleetTriageTests.CopyDir(_fleet.Host("gpu-a"), Path.Combine(healthy, "one"));
            FleetTriageTests.CopyDir(_fleet.Host("gpu-a"), Path.Combine(healthy, "two"));
            var r = Cli.Run(null, "test", "--snapshot", healthy);
            Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
            Assert.Contains("2 hosts: 0 fail, 0 warn, 0 unknown, 2 pass, 0 error", r.Stdout);

            var list = Cli.Run(null, "test", "--snapshot", _fleet.Host("gpu-a"), "--snapshot", _fleet.Host("gpu-d"), "--format", "json");
            Assert.Equal(1, list.ExitCode);
            var t = FleetTriage.FromJson((IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(list.Stdout)!);
            Assert.Equal(new[] { "gpu-a", "gpu-d" }, t.Hosts.Select(h => h.Name));
            Assert.Equal(new[] { "cpu.cores" }, t.Groups.Where(g => g.Status == "fail").Select(g => g.Id));
        }

        [Fact]
        public void ThrottleLimitBoundsTheTriage_AndIsRefusedForOneSnapshot()
        {
            var all = Cli.Run(null, "test", "--snapshot", _fleet.Folder, "--format", "json");
            var one = Cli.Run(null, "test", "--snapshot", _fleet.Folder, "--format", "json", "--throttle-limit", "1");
            Assert.True(one.ExitCode == 1, one.Stderr + one.Stdout);
            Assert.Equal(
                FleetTriage.FromJson((IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(all.Stdout)!).Hosts.Select(h => (h.Name, h.Fail, h.ErrorId)),
                FleetTriage.FromJson((IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(one.Stdout)!).Hosts.Select(h => (h.Name, h.Fail, h.ErrorId)));

            var single = Cli.Run(null, "test", "--snapshot", _fleet.Host("gpu-a"), "--throttle-limit", "2");
            Assert.Equal(2, single.ExitCode);
            Assert.Contains("--throttle-limit is for a fleet triage", single.Stderr);
            var zero = Cli.Run(null, "test", "--snapshot", _fleet.Folder, "--throttle-limit", "0");
            Assert.Equal(2, zero.ExitCode);
            Assert.Contains("--throttle-limit must be a whole number from 1 to 256", zero.Stderr);
        }

        [Fact]
        public void AnEmptyFolderExitsTwoNamingTheFolderAndTheFix()
        {
            using var tmp = new TempDir();
            var empty = tmp.Combine("incoming");
            Directory.CreateDirectory(empty);
            var r = Cli.Run(null, "test", "--snapshot", empty);
            Assert.Equal(2, r.ExitCode);
            Assert.Equal("", r.Stdout);
            Assert.Contains($"The folder '{empty}' holds no snapshot", r.Stderr);
            Assert.Contains("one such subfolder per host", r.Stderr);
            Assert.Contains("[SnapshotFolderEmpty]", r.Stderr);

            var junit = Cli.Run(null, "test", "--snapshot", _fleet.Folder, "--format", "junit");
            Assert.Equal(2, junit.ExitCode);
            Assert.Contains("A fleet triage prints a table or JSON", junit.Stderr);
        }
    }
}
