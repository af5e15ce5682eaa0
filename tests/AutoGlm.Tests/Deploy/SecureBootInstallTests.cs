using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Deploy;
using AutoGlm.Engine.Install;
using AutoGlm.Engine.Plan;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Deploy
{
    /// <summary>
    /// Issue 22: with Secure Boot on, the install and install-driver plans enrol the DKMS signing key (MOK) before the
    /// driver; off, in setup mode or on a legacy BIOS host they do not. The state comes from the root's EFI variables.
    /// </summary>
    [Collection("apt")]
    public class SecureBootInstallTests
    {
        [Fact]
        public void TheInstallPlanEnrolsTheMokOnlyWhenSecureBootIsOn()
        {
            // One rig (its apt repository and git remote are the slow part); planning changes nothing, so each state is
            // planned on it in turn.
            using var rig = new InstallRig();
            foreach (var (secureBoot, mok) in new[] { ("on", true), ("off", false), ("setup-mode", false), ("legacy-bios", false) })
            {
                var firmware = rig.Real("/sys/firmware");
                if (Directory.Exists(firmware)) Directory.Delete(firmware, true);
                EfiVars.SecureBoot(rig.Root, secureBoot);
                var before = rig.Tree();

                var planned = HostInstaller.Plan(rig.Host(), rig.Request(), NullOutput.Instance);
                var ids = planned.Plan.Steps.Select(s => s.Id).ToList();

                Assert.True(mok == ids.Contains("driver/" + MokStep.StepId), $"{secureBoot}: {string.Join(", ", ids)}");
                Assert.True(mok == planned.NeedsHuman.Any(n => n.Contains("MokManager")), $"{secureBoot}: {string.Join(" | ", planned.NeedsHuman)}");
                // The preflight's check read the same state as the planner.
                var check = planned.Preflight.Single(c => c.Id == "secureboot.state");
                Assert.True(mok == check.Observed.StartsWith("enabled", StringComparison.Ordinal), $"{secureBoot}: {check.Observed}");
                if (mok) Assert.True(ids.IndexOf("driver/" + MokStep.StepId) < ids.IndexOf("driver/driver.install"), string.Join(", ", ids));
                // Planning (what --what-if prints) changes nothing.
                Assert.Equal(before, rig.Tree());
            }
        }

        [Theory]
        [InlineData("on", true)]
        [InlineData("off", false)]
        [InlineData("setup-mode", false)]
        [InlineData("legacy-bios", false)]
        public void InstallDriverWhatIfListsTheMokStepWhenSecureBootIsOn(string secureBoot, bool mok)
        {
            using var root = new TempDir("autoglm-sb-cli");
            using var bin = new TempDir("autoglm-sb-bin");
            EfiVars.SecureBoot(root.Path, secureBoot);
            var facts = Path.Combine(Repo.Root, "tests", "fixtures", "hosts", "h100-ubuntu2204-nodriver.json");
            var mirror = "file://" + Path.Combine(Repo.Root, "tests", "fixtures", "apt-mirror") + "/";

            var run = Cli.Run(bin.Path, "install-driver", "--what-if", "--format", "json", "--root", root.Path, "--facts", facts,
                "--repository-url", mirror, "--profile", "vllm-server");

            Assert.True(run.ExitCode == 0, run.Stderr + run.Stdout);
            var plan = (IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(run.Stdout)!;
            var ids = ((IEnumerable<object?>)plan["steps"]!).Cast<IDictionary<string, object?>>().Select(s => (string)s["id"]!).ToList();
            Assert.Equal(mok, ids.Contains(MokStep.StepId));
            if (mok) Assert.True(ids.IndexOf(MokStep.StepId) < ids.IndexOf("driver.install"));
        }
    }
}
