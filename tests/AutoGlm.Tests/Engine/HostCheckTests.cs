using System;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    public class HostCheckTests
    {
        internal static TestRun Evaluate(IHost host, string profile = "vllm-server", TestRequest? request = null)
        {
            var matrix = MatrixLoader.LoadDefault();
            return EnvironmentTester.Evaluate(host, matrix, matrix.GetProfile(profile), request ?? new TestRequest(), NullOutput.Instance);
        }

        internal static TestRun Evaluate(FixtureHost fx, string profile = "vllm-server", TestRequest? request = null) =>
            Evaluate(new LiveHost(fx.RootPath, fx.PathVariable), profile, request);

        private static CheckResult Get(TestRun run, string id) => run.Results.Single(r => r.Id == id);

        [Fact]
        public void HealthyServerPassesEveryCheck()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            var run = Evaluate(fx);
            // The host checks; the GPU and stack checks have their own fixtures.
            var hostChecks = run.Results.Where(r => HostChecks.All.Any(h => h.Info.Id == r.Id)).ToList();
            Assert.Equal(HostChecks.All.Count, hostChecks.Count);
            Assert.All(hostChecks, r => Assert.True(r.Status == CheckStatus.Pass, $"{r.Id}: {r.Status} {r.Message}"));
            Assert.Equal("Ubuntu 22.04.4 LTS", Get(run, "os.supported").Observed);
            Assert.Equal("5.15.0-91-generic", Get(run, "os.kernel").Observed);
            Assert.Equal("NVMe (/dev/nvme0n1p2)", Get(run, "disk.media").Observed);
        }

        [Fact]
        public void UnknownOsFailsAndNamesTheSupportedOnes()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/etc/os-release", "ID=arch\nPRETTY_NAME=\"Arch Linux\"\n");
            var r = Get(Evaluate(fx), "os.supported");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("Ubuntu 22.04 LTS", r.Expected);
            Assert.Contains("--matrix", r.Remediation);
        }

        [Fact]
        public void DeprecatedOsWarns()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/etc/os-release", "ID=ubuntu\nVERSION_ID=\"20.04\"\nPRETTY_NAME=\"Ubuntu 20.04.6 LTS\"\n");
            Assert.Equal(CheckStatus.Warn, Get(Evaluate(fx), "os.supported").Status);
        }

        [Fact]
        public void RhelPointReleaseMatchesItsMajorEntry()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/etc/os-release", "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\nPRETTY_NAME=\"Rocky Linux 9.4 (Blue Onyx)\"\n");
            Assert.Equal(CheckStatus.Pass, Get(Evaluate(fx), "os.supported").Status);
        }

        [Fact]
        public void MissingOsReleaseIsUnknownWithTheReason()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            System.IO.File.Delete(System.IO.Path.Combine(fx.RootPath, "etc/os-release"));
            var r = Get(Evaluate(fx), "os.supported");
            Assert.Equal(CheckStatus.Unknown, r.Status);
            Assert.Contains("/etc/os-release", r.Message);
        }

        [Fact]
        public void ArchitectureFallsBackToUnameAndFailsOnUnsupported()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            System.IO.File.Delete(System.IO.Path.Combine(fx.RootPath, "proc/sys/kernel/arch"));
            fx.ToolPrints("uname", "ppc64le");
            var r = Get(Evaluate(fx), "os.architecture");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Equal("ppc64le", r.Observed);
            Assert.Contains("uname -m", r.Source);
        }

        [Theory]
        [InlineData(2, CheckStatus.Fail)]
        [InlineData(6, CheckStatus.Warn)]
        [InlineData(8, CheckStatus.Pass)]
        public void CoresAgainstMinimumAndRecommendation(int cores, CheckStatus expected)
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/proc/cpuinfo", FixtureHost.CpuInfo(cores, "vmx"));
            Assert.Equal(expected, Get(Evaluate(fx), "cpu.cores").Status);
        }

        [Theory]
        [InlineData(16L * 1024 * 1024, CheckStatus.Fail)]
        [InlineData(48L * 1024 * 1024, CheckStatus.Warn)]
        [InlineData(128L * 1024 * 1024, CheckStatus.Pass)]
        public void MemoryAgainstMinimumAndRecommendation(long kb, CheckStatus expected)
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/proc/meminfo", $"MemTotal:       {kb} kB\nMemAvailable:   {kb / 2} kB\n");
            var r = Get(Evaluate(fx), "memory.total");
            Assert.Equal(expected, r.Status);
            Assert.Contains("32 GiB", r.Expected);
        }

        [Fact]
        public void VirtualizationAbsentInAVmPassesForAProfileThatDoesNotNeedIt()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/proc/cpuinfo", FixtureHost.CpuInfo(8, null, hypervisor: true));
            var r = Get(Evaluate(fx), "cpu.virtualization");
            Assert.Equal(CheckStatus.Pass, r.Status);
            Assert.Contains("virtual machine", r.Observed);
        }

        [Fact]
        public void DiskFreeIsMeasuredAtTheNearestExistingParentAndFailsWhenShort()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Tool("df", "printf 'Filesystem 1024-blocks Used Available Capacity Mounted on\\n/dev/sda1 104857600 94371840 10485760 90%% /\\n'\necho \"$@\" > /dev/null");
            fx.Partition("pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block", "sda", "sda1", rotational: true);
            var run = Evaluate(fx);
            var free = Get(run, "disk.free");
            Assert.Equal(CheckStatus.Fail, free.Status);
            Assert.Equal("10 GiB", free.Observed);
            Assert.Contains("measured at /opt", free.Message);
            var media = Get(run, "disk.media");
            Assert.Equal(CheckStatus.Warn, media.Status);
            Assert.Equal("HDD (/dev/sda1)", media.Observed);
        }

        [Fact]
        public void GarbageFromDfIsUnknownNotACrash()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.ToolPrints("df", "\x01\x02 not df output at all");
            var r = Get(Evaluate(fx), "disk.free");
            Assert.Equal(CheckStatus.Unknown, r.Status);
            Assert.Contains("df", r.Message);
        }

        [Fact]
        public void HungDfMakesOnlyDiskChecksUnknown_AndTheRunStaysBounded()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Tool("df", "sleep 300");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var run = Evaluate(fx, request: new TestRequest { CommandTimeout = TimeSpan.FromSeconds(1) });
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
            var r = Get(run, "disk.free");
            Assert.Equal(CheckStatus.Unknown, r.Status);
            Assert.Contains("timed out after 1 s", r.Message);
            Assert.Equal(CheckStatus.Pass, Get(run, "memory.total").Status);
        }

        [Fact]
        public void PythonTooOldFailsWithAnInstallCommandForTheFamily()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Python("python3", "3.8.10", venv: true, ensurepip: true);
            var run = Evaluate(fx);
            var r = Get(run, "python.interpreter");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("python3 3.8.10", r.Observed);
            Assert.Equal("sudo apt-get install -y python3.12 python3.12-venv", r.Remediation);
            Assert.Equal(CheckStatus.Skip, Get(run, "python.venv.available").Status);
        }

        [Fact]
        public void NewerInterpreterBesideTheSystemOneIsFound()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Python("python3", "3.8.10", venv: true, ensurepip: true);
            fx.Python("python3.11", "3.11.9", venv: true, ensurepip: true);
            var r = Get(Evaluate(fx), "python.interpreter");
            Assert.Equal(CheckStatus.Pass, r.Status);
            Assert.Contains("python3.11 (3.11.9", r.Message);
        }

        [Fact]
        public void DebianVenvTrapIsDetectedAndTheVersionedPackageNamed()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Python("python3", "3.10.12", venv: true, ensurepip: false);
            var r = Get(Evaluate(fx), "python.venv.available");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("ensurepip", r.Message);
            Assert.Equal("sudo apt-get install -y python3.10-venv", r.Remediation);
        }

        [Fact]
        public void BrokenInterpreterIsReportedNotTrusted()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Tool("python3", "echo 'Segmentation fault' >&2; exit 139");
            var r = Get(Evaluate(fx), "python.interpreter");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("broken", r.Observed);
        }

        [Fact]
        public void AnInterpreterThatTimesOutIsUnknownWithNoInstallProposed()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Tool("python3", "sleep 5; echo version=3.10.12");
            var run = Evaluate(fx, request: new TestRequest { CommandTimeout = TimeSpan.FromSeconds(1) });
            var r = Get(run, "python.interpreter");
            Assert.Equal(CheckStatus.Unknown, r.Status);
            Assert.True(r.Message.Contains("timed out") || r.Message.Contains("did not finish"), r.Message);
            Assert.DoesNotContain("install", r.Remediation ?? "", StringComparison.OrdinalIgnoreCase);
            Assert.NotEqual(CheckStatus.Fail, Get(run, "python.venv.available").Status);
        }

        [Fact]
        public void ATimedOutInterpreterBesideAGoodOneStillPasses()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Tool("python3", "sleep 5");
            fx.Python("python3.11", "3.11.9", venv: true, ensurepip: true);
            var r = Get(Evaluate(fx, request: new TestRequest { CommandTimeout = TimeSpan.FromSeconds(1) }), "python.interpreter");
            Assert.Equal(CheckStatus.Pass, r.Status);
        }

        [Fact]
        public void NotRootWarnsThatInstallNeedsRoot()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/proc/self/status", "Name:\tautoglm\nUid:\t1000\t1000\t1000\t1000\n");
            var r = Get(Evaluate(fx), "privileges.administrator");
            Assert.Equal(CheckStatus.Warn, r.Status);
            Assert.Equal("uid 1000", r.Observed);
        }

        [Fact]
        public void PortHeldIsAFailureThatNamesTheProcess()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            // 0x1F40 = 8000, listening (0A) on 0.0.0.0, socket inode 4242 owned by pid 777 (python3).
            fx.File("/proc/net/tcp", FixtureHost.TcpHeader + "   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0\n");
            fx.Dir("/proc/777/fd").Link("/proc/777/fd/5", "socket:[4242]").File("/proc/777/comm", "python3\n");
            fx.Dir("/proc/778/fd").Link("/proc/778/fd/1", "/dev/null");
            var r = Get(Evaluate(fx), "network.port.available");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("python3 (pid 777) on 0.0.0.0:8000", r.Message);
            Assert.Contains("--port auto", r.Remediation);
        }

        [Fact]
        public void PortHeldOnIpv6ByAnInvisibleProcessSaysSo()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.File("/proc/net/tcp6", FixtureHost.Tcp6Header + "   0: 00000000000000000000000000000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 999 1 0000000000000000 100 0 0 10 0\n");
            var r = Get(Evaluate(fx), "network.port.available");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("[::]:8000", r.Observed);
            Assert.Contains("cannot see", r.Observed);
        }

        [Fact]
        public void ClientProfileSkipsThePortCheck()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            var run = Evaluate(fx, "phone-agent");
            Assert.Equal(CheckStatus.Skip, Get(run, "network.port.available").Status);
        }

        [Fact]
        public void ExplicitPortOverridesTheProfile()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            // The fixture's tcp table has 127.0.0.1:3306 (0x0CEA) listening.
            var r = Get(Evaluate(fx, request: new TestRequest { Port = 3306 }), "network.port.available");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("127.0.0.1:3306", r.Observed);
        }

        [Fact]
        public void CategoryAndIdSelectASubset()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            var run = Evaluate(fx, request: new TestRequest { Categories = new[] { "python" } });
            Assert.Equal(new[] { "python.interpreter", "python.venv.available", "python.venv.drift", "python.torch.cuda" }, run.Results.Select(r => r.Id));
            run = Evaluate(fx, request: new TestRequest { Ids = new[] { "os.*" } });
            Assert.Equal(new[] { "os.supported", "os.kernel", "os.architecture", "os.cuda" }, run.Results.Select(r => r.Id));
        }
    }
}
