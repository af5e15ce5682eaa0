using System;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Install;
using AutoGlm.Engine.Plan;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Install
{
    /// <summary>Golden plans per OS family, and bad input refused before anything changes.</summary>
    public class DriverPlanTests
    {
        private static string Host(string name) => Path.Combine(Repo.Root, "tests", "fixtures", "hosts", name + ".json");
        private static readonly string Mirror = "file://" + Path.Combine(Repo.Root, "tests", "fixtures", "apt-mirror") + "/";

        private static DriverInstallRequest Request(string host, string? installer = null) => new DriverInstallRequest
        {
            // vLLM runs on Linux only; the Windows host gets the profile that runs there.
            Profile = installer == null ? "vllm-server" : "legacy-transformers", FactsFile = Host(host), RepositoryUrl = Mirror, InstallerPath = installer,
            Today = new DateTime(2026, 11, 21),
        };

        private static (ChangePlan Plan, LiveSystem System, TempDir Root) Plan(DriverInstallRequest request, bool cuda = false, string kernel = "5.15.0-119-generic")
        {
            var root = new TempDir();
            Directory.CreateDirectory(root.Combine("proc", "sys", "kernel"));
            File.WriteAllText(root.Combine("proc", "sys", "kernel", "osrelease"), kernel + "\n");
            var system = new LiveSystem(root.Path, "/nonexistent");
            var plan = cuda ? DriverPlanner.PlanCuda(request, system, NullOutput.Instance) : DriverPlanner.PlanDriver(request, system, NullOutput.Instance);
            return (plan, system, root);
        }

        [Theory]
        [InlineData("ubuntu-22.04", "h100-ubuntu2204-nodriver", null, "5.15.0-119-generic")]
        [InlineData("debian-12", "a100-debian12-nodriver", null, "6.1.0-26-amd64")]
        [InlineData("rhel-9", "l4x2-rhel9-550-versionlock", null, "5.14.0-427.13.1.el9_4.x86_64")]
        [InlineData("windows-server-2022", "l4-winserver2022-nodriver", @"C:\Installers\595.45.04-data-center-tesla-desktop-win10-win11-64bit-dch-international.exe", "")]
        public void TheDriverPlanMatchesTheGoldenPlan(string os, string host, string? installer, string kernel)
        {
            var request = Request(host, installer);
            // Only the apt hosts read the fixture mirror; dnf and Windows plans name NVIDIA's own sources.
            if (!os.StartsWith("ubuntu") && !os.StartsWith("debian")) request.RepositoryUrl = null;
            var (plan, system, root) = Plan(request, kernel: kernel);
            using (root)
            {
                var json = AutoGlm.Engine.Json.Json.Serialize(PlanExecutor.Preview(plan, system, NullOutput.Instance, TimeSpan.FromSeconds(5)).ToJson())
                    .Replace(root.Path, "<root>").Replace(Repo.Root, "<repo>") + "\n";
                var golden = Path.Combine(Repo.Root, "tests", "fixtures", "plans", $"install-driver.{os}.json");
                if (Environment.GetEnvironmentVariable("AUTOGLM_UPDATE_GOLDEN") == "1") File.WriteAllText(golden, json);
                Assert.Equal(File.ReadAllText(golden), json);
            }
        }

        [Fact]
        public void TheUbuntuPlanPinsBeforeItInstallsAndVerifiesLast()
        {
            var (plan, _, root) = Plan(Request("h100-ubuntu2204-nodriver"));
            using (root)
            {
                var ids = plan.Steps.Select(s => s.Id).ToList();
                Assert.True(ids.IndexOf("driver.pin") < ids.IndexOf("driver.install"));
                Assert.True(ids.IndexOf("driver.install") < ids.IndexOf("driver.hold"));
                Assert.Equal("driver.verify", ids.Last());
                Assert.Contains("nvidia-open=595.45.04-1", plan.Steps.Single(s => s.Id == "driver.install").Target);
            }
        }

        [Fact]
        public void TheRhelPlanUsesTheModuleStreamForBranchesBefore590()
        {
            var request = Request("l4x2-rhel9-550-versionlock");
            request.Branch = 580;
            var (plan, _, root) = Plan(request);
            using (root)
                Assert.Contains(plan.Steps.SelectMany(s => s.Commands), c => c.SequenceEqual(new[] { "dnf", "module", "install", "-y", "nvidia-driver:580-open" }));
        }

        [Fact]
        public void WindowsInstallerExitCodesAreMapped()
        {
            Assert.Equal("installed", WindowsInstallerStep.Meaning(0));
            Assert.Contains("reboot", WindowsInstallerStep.Meaning(3010));
            Assert.Contains("reboot", WindowsInstallerStep.Meaning(1));
            Assert.Contains("another installation", WindowsInstallerStep.Meaning(1618));
        }

        [Theory]
        [InlineData("h100-ubuntu2204-nodriver", 123, null, "UnknownDriverBranch")]
        [InlineData("h100-ubuntu2204-nodriver", 535, null, "DriverBranchTooOld")]
        [InlineData("rtx5090-ubuntu2404-nodriver", null, "proprietary", "DriverFlavorUnsupported")]
        [InlineData("v100-ubuntu2204", null, "open", "DriverFlavorUnsupported")]
        [InlineData("nogpu-ubuntu2404", null, null, "NoNvidiaGpu")]
        public void BadInputIsRefusedBeforeAnythingChanges(string host, int? branch, string? flavor, string errorId)
        {
            var request = Request(host);
            request.Branch = branch;
            request.Flavor = flavor;
            using var root = new TempDir();
            var system = new LiveSystem(root.Path, "/nonexistent");
            var ex = Assert.Throws<AutoGlmException>(() => DriverPlanner.PlanDriver(request, system, NullOutput.Instance));
            Assert.Equal(errorId, ex.ErrorId);
            Assert.Empty(Directory.GetFileSystemEntries(root.Path));
        }

        [Fact]
        public void ACudaVersionTheInstalledDriverCannotServeIsRefused()
        {
            var request = Request("h100-ubuntu2204-535");
            request.CudaVersion = "13.0";
            request.Branch = 595;
            using var root = new TempDir();
            var ex = Assert.Throws<AutoGlmException>(() => DriverPlanner.PlanCuda(request, new LiveSystem(root.Path, "/nonexistent"), NullOutput.Instance));
            Assert.Equal("CudaNeedsNewerDriver", ex.ErrorId);
            Assert.Contains("535.183.01", ex.Message);
        }

        [Fact]
        public void HostileOrUnsupportedRepositoryUrlsAreRefused()
        {
            foreach (var (url, id) in new[] { ("ftp://mirror.example/cuda/", "RepositoryUrlInvalid"), ("https://user:secret@mirror.example/cuda/", "RepositoryUrlHasCredentials"),
                ("https://mirror.example/cuda/ ] [trusted=yes", "RepositoryUrlInvalid"), ("file:///nonexistent/mirror/", "RepositoryUnreachable") })
            {
                var request = Request("h100-ubuntu2204-nodriver");
                request.RepositoryUrl = url;
                using var root = new TempDir();
                var ex = Assert.Throws<AutoGlmException>(() => DriverPlanner.PlanDriver(request, new LiveSystem(root.Path, "/nonexistent"), NullOutput.Instance));
                Assert.Equal(id, ex.ErrorId);
                Assert.DoesNotContain("secret", ex.Message);
            }
        }

        [Fact]
        public void AnUnsupportedOperatingSystemIsRefused()
        {
            using var dir = new TempDir();
            var facts = dir.Combine("facts.json");
            File.WriteAllText(facts, "{\"platform\": \"linux\", \"os\": {\"distro\": \"gentoo\", \"version\": \"2.15\", \"architecture\": \"x86_64\"}, \"gpus\": [{\"name\": \"NVIDIA H100 80GB HBM3\", \"pciDeviceId\": \"0x2330\", \"computeCapability\": \"9.0\", \"memoryMiB\": 81559}]}");
            var request = Request("h100-ubuntu2204-nodriver");
            request.FactsFile = facts;
            var ex = Assert.Throws<AutoGlmException>(() => DriverPlanner.PlanDriver(request, new LiveSystem(dir.Path, "/nonexistent"), NullOutput.Instance));
            Assert.Equal("UnsupportedOperatingSystem", ex.ErrorId);
            Assert.Contains("gentoo 2.15", ex.Message);
        }
    }
}
