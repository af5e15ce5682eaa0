using System;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
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

        private static (ChangePlan Plan, LiveSystem System, TempDir Root) Plan(DriverInstallRequest request, bool cuda = false, string kernel = "5.15.0-119-generic", string? secureBoot = null)
        {
            var root = new TempDir();
            if (secureBoot != null) EfiVars.SecureBoot(root.Path, secureBoot);
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

        // ------------------------------------------------------------------ Secure Boot (issue 22)

        [Theory]
        [InlineData("h100-ubuntu2204-nodriver", "on", true)]
        [InlineData("h100-ubuntu2204-nodriver", "off", false)]
        [InlineData("h100-ubuntu2204-nodriver", "setup-mode", false)]
        [InlineData("h100-ubuntu2204-nodriver", "shim-validation-off", false)]
        [InlineData("h100-ubuntu2204-nodriver", "legacy-bios", false)]
        [InlineData("l4x2-rhel9-550-versionlock", "on", true)]
        [InlineData("l4x2-rhel9-550-versionlock", "setup-mode", false)]
        [InlineData("l4x2-rhel9-550-versionlock", "legacy-bios", false)]
        public void SecureBootOnPlansTheMokEnrolmentBeforeTheDriverIsInstalled(string host, string secureBoot, bool mok)
        {
            var request = Request(host);
            if (host.Contains("rhel")) request.RepositoryUrl = null;
            var (plan, _, root) = Plan(request, secureBoot: secureBoot);
            using (root)
            {
                var ids = plan.Steps.Select(s => s.Id).ToList();
                Assert.Equal(mok, ids.Contains(MokStep.StepId));
                // Secure Boot's state is known in each of these roots: no "unknown" note.
                Assert.DoesNotContain(plan.Notes, n => n.StartsWith("Secure Boot state unknown", StringComparison.Ordinal));
                if (!mok) return;
                // The key is queued before the module that needs it is installed, and the verification waits for the enrolment's reboot.
                Assert.True(ids.IndexOf(MokStep.StepId) < ids.IndexOf("driver.install"), string.Join(", ", ids));
                var cert = host.Contains("ubuntu") ? "/var/lib/shim-signed/mok/MOK.der" : "/var/lib/dkms/mok.pub";
                Assert.Contains(plan.Steps.Single(s => s.Id == MokStep.StepId).Commands, c => c.SequenceEqual(new[] { "mokutil", "--import", cert, "--root-pw" }));
                var verify = PlanExecutor.Preview(plan, new LiveSystem(root.Path, "/nonexistent"), NullOutput.Instance, TimeSpan.FromSeconds(5)).ToJson();
                Assert.Contains("the new module signing key is enrolled at the next boot", AutoGlm.Engine.Json.Json.Serialize(verify));
            }
        }

        [Fact]
        public void AnEfiRootWithoutTheVariableOrMokutilSaysSecureBootIsUnknownInTheNotes()
        {
            using var efi = new TempDir();
            Directory.CreateDirectory(efi.Combine("sys", "firmware", "efi", "efivars"));
            Directory.CreateDirectory(efi.Combine("proc", "sys", "kernel"));
            File.WriteAllText(efi.Combine("proc", "sys", "kernel", "osrelease"), "5.15.0-119-generic\n");
            var unknown = DriverPlanner.PlanDriver(Request("h100-ubuntu2204-nodriver"), new LiveSystem(efi.Path, "/nonexistent"), NullOutput.Instance);
            Assert.DoesNotContain(unknown.Steps, s => s.Id == MokStep.StepId);
            Assert.Contains(unknown.Notes, n => n.StartsWith("Secure Boot state unknown", StringComparison.Ordinal) && n.Contains("mokutil"));
        }

        [Theory]
        [InlineData("on", true, true)]
        [InlineData("off", true, false)]
        [InlineData("setup-mode", true, false)]
        [InlineData("shim-validation-off", true, false)]
        [InlineData("legacy-bios", false, false)]
        public void TheSharedReaderFollowsTheKernelsRule(string state, bool uefi, bool enforced)
        {
            using var root = new TempDir();
            EfiVars.SecureBoot(root.Path, state);
            var facts = SecureBootState.Read(new LiveSystem(root.Path, "/nonexistent"), TimeSpan.FromSeconds(5));
            Assert.True(facts.Known, facts.UnknownReason);
            Assert.Equal(uefi, facts.Uefi);
            Assert.Equal(enforced, facts.EnforcesModuleSignatures);
            Assert.Equal(state == "setup-mode", facts.SetupMode);
            Assert.Equal(state == "shim-validation-off", facts.ShimValidationDisabled);
            if (uefi) Assert.Contains(EfiVariables.SecureBoot, facts.Sources);
        }

        [Fact]
        public void TheEfiVariableLayoutIsAttributesThenData()
        {
            var v = EfiVariables.Parse("\u0006\0\0\0\u0001")!;
            Assert.Equal(6u, v.Attributes);
            Assert.True(v.IsOne);
            Assert.False(EfiVariables.Parse("\u0007\0\0\0\0")!.IsOne);
            // Attributes only, no data byte: not a UINT8 variable.
            Assert.Null(EfiVariables.Parse("\u0006\0\0\0"));
            // An attribute byte the text decoding lost does not hide the value.
            var lost = EfiVariables.Parse("\uFFFD\0\0\0\u0001")!;
            Assert.Null(lost.Attributes);
            Assert.True(lost.IsOne);
            // One name and GUID for each variable, the UEFI specification's EFI_GLOBAL_VARIABLE.
            Assert.Equal("/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", EfiVariables.SecureBoot);
            Assert.Equal("/sys/firmware/efi/efivars/SetupMode-8be4df61-93ca-11d2-aa0d-00e098032b8c", EfiVariables.SetupMode);
        }

        [Fact]
        public void NoOtherSourceFileSpellsAnEfiVariablePathOrGuid()
        {
            // Each EFI GUID and variable path is one constant (EfiVariables); a second spelling is how a wrong GUID hid.
            var src = Path.Combine(Repo.Root, "src");
            foreach (var file in Directory.GetFiles(src, "*.cs", SearchOption.AllDirectories))
            {
                if (file.EndsWith("SecureBootState.cs", StringComparison.Ordinal) || file.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar)) continue;
                var text = File.ReadAllText(file);
                Assert.DoesNotContain("efivars", text);
                Assert.DoesNotContain("8be4df61", text);
                Assert.DoesNotContain("605dab50", text);
            }
        }
    }
}
