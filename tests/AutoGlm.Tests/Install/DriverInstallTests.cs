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
    /// <summary>
    /// install-driver with real apt and dpkg in an isolated root: install, hold, a forced move, the re-run
    /// that restores the pin, a failed install that rolls back, a bad signature, and -WhatIf.
    /// </summary>
    [Collection("apt")]
    public class DriverInstallTests
    {
        private static readonly string Facts = Path.Combine(Repo.Root, "tests", "fixtures", "hosts", "h100-ubuntu2204-nodriver.json");

        private static DriverInstallRequest Request(AptSandbox apt, string? version = null) => new DriverInstallRequest
        {
            Profile = "vllm-server", FactsFile = Facts, RepositoryUrl = apt.RepoUrl, Version = version,
            Today = new DateTime(2026, 11, 21), CommandTimeout = TimeSpan.FromSeconds(120),
        };

        private static ApplyResult Apply(AptSandbox apt, DriverInstallRequest request)
        {
            var system = new LiveSystem(apt.Root, apt.Path_);
            var plan = DriverPlanner.PlanDriver(request, system, NullOutput.Instance);
            return PlanExecutor.Apply(plan, system, new ApplyOptions { CommandTimeout = TimeSpan.FromSeconds(120) }, NullOutput.Instance);
        }

        private static string HostDpkgStatus() => File.Exists("/var/lib/dpkg/status") ? File.ReadAllText("/var/lib/dpkg/status") : "";

        [Fact]
        public void InstallsPinsHoldsAndRestoresThePinnedVersionAfterAForcedMove()
        {
            var hostBefore = HostDpkgStatus();
            using var apt = new AptSandbox().WithNvidiaRepository();
            apt.Publish();

            var first = Apply(apt, Request(apt, "595.45.04"));
            Assert.True(first.Status == "changed", first.Message + string.Join("\n", first.Steps.Select(s => s.Id + " " + s.Outcome + " " + s.Detail)));
            var installed = apt.Installed();
            Assert.Equal(("595.45.04-1", true), installed["nvidia-open"]);
            Assert.True(installed.ContainsKey("nvidia-driver-pinning-595"));
            Assert.True(installed.ContainsKey("cuda-keyring"));
            Assert.True(installed.ContainsKey("linux-headers-5.15.0-119-generic"));
            Assert.Contains("blacklist nouveau", File.ReadAllText(Path.Combine(apt.Root, "etc/modprobe.d/autoglm-blacklist-nouveau.conf")));
            Assert.Contains("\"libnvidia-\";", File.ReadAllText(Path.Combine(apt.Root, "etc/apt/apt.conf.d/51autoglm-nvidia")));
            Assert.Contains("update-initramfs -u", apt.ToolsLog);
            Assert.Equal("changed", first.Steps.Single(s => s.Id == "driver.install").Outcome);
            Assert.NotEqual("failed", first.Steps.Single(s => s.Id == "driver.verify").Outcome);

            // A second run with no version given keeps the recorded pin and changes nothing.
            var second = Apply(apt, Request(apt));
            Assert.Equal("converged", second.Status);

            // The hold stops a plain upgrade...
            apt.AptGet("upgrade", "-y");
            Assert.Equal("595.45.04-1", apt.Installed()["nvidia-open"].Version);
            // ...so simulate what moves a driver anyway: an upgrade that overrides holds.
            apt.AptGet("install", "-y", "--allow-change-held-packages", "nvidia-open=595.58.03-1");
            Assert.Equal("595.58.03-1", apt.Installed()["nvidia-open"].Version);

            var repair = Apply(apt, Request(apt));
            Assert.Equal("changed", repair.Status);
            Assert.Equal(("595.45.04-1", true), apt.Installed()["nvidia-open"]);
            Assert.Equal("changed", repair.Steps.Single(s => s.Id == "driver.install").Outcome);
            Assert.Equal(hostBefore, HostDpkgStatus());
        }

        [Fact]
        public void ADriverThatFailsToLoadIsRolledBackToThePreviousPackagesAndHeldAgain()
        {
            using var apt = new AptSandbox().WithNvidiaRepository();
            apt.Add(FakePackage.Driver("nvidia-open", "595.71.05-1", broken: true));
            apt.Publish();
            Assert.Equal("changed", Apply(apt, Request(apt, "595.45.04")).Status);

            var result = Apply(apt, Request(apt, "595.71.05"));

            Assert.Equal("rolled-back", result.Status);
            Assert.Equal("driver.verify", result.FailedStep);
            Assert.Contains("couldn't communicate with the NVIDIA driver", result.Message);
            Assert.Equal(("595.45.04-1", true), apt.Installed()["nvidia-open"]);
            Assert.Contains("nvidia-open=595.45.04-1", File.ReadAllText(Path.Combine(apt.Root, "var/lib/autoglm/pins/driver")));
        }

        [Fact]
        public void ARepositorySignedByAnotherKeyIsRefusedAndTheRepositoryStepsAreUndone()
        {
            using var apt = new AptSandbox().WithNvidiaRepository();
            var otherKey = apt.GenerateKey("Someone Else <else@autoglm.test>");
            apt.Publish(keyringOverride: otherKey);

            var result = Apply(apt, Request(apt, "595.45.04"));

            Assert.Equal("rolled-back", result.Status);
            Assert.Equal("repo.update", result.FailedStep);
            Assert.False(apt.Installed().ContainsKey("nvidia-open"));
            Assert.False(apt.Installed().ContainsKey("cuda-keyring"));
            Assert.False(File.Exists(Path.Combine(apt.Root, "etc/apt/sources.list.d/autoglm-cuda.list")));
        }

        [Fact]
        public void WhatIfShowsTheWholePlanWithExactVersionsAndChangesNothing()
        {
            using var apt = new AptSandbox().WithNvidiaRepository();
            apt.Publish();
            var before = apt.Tree();
            var system = new LiveSystem(apt.Root, apt.Path_);

            var preview = PlanExecutor.Preview(DriverPlanner.PlanDriver(Request(apt), system, NullOutput.Instance), system, NullOutput.Instance, TimeSpan.FromSeconds(60));

            Assert.Equal(before, apt.Tree());
            Assert.Equal(new[] { "repo.keyring", "repo.source", "repo.update", "driver.pin", "kernel.headers", "nouveau.blacklist",
                "driver.unattended-upgrades", "driver.install", "driver.hold", "driver.record", "driver.verify" }, preview.Steps.Select(s => s.Id));
            // Without a recorded pin the newest of the branch is chosen, by exact version.
            Assert.Equal("nvidia-open=595.58.03-1", preview.Steps.Single(s => s.Id == "driver.install").Target);
            Assert.All(preview.Steps, s => Assert.Equal("change", s.Status));
            Assert.Contains(preview.Steps.SelectMany(s => s.Commands), c => c.Contains("hold") && c.Contains("nvidia-open"));
        }

        [Fact]
        public void NouveauLoadedMakesTheVerificationWaitForAReboot()
        {
            using var apt = new AptSandbox().WithNvidiaRepository();
            apt.Publish();
            Directory.CreateDirectory(Path.Combine(apt.Root, "sys/module/nouveau"));
            // While nouveau holds the GPU the new driver cannot answer.
            apt.Script("nvidia-smi", "#!/bin/sh\necho 'NVIDIA-SMI has failed because it couldn'\\''t communicate with the NVIDIA driver.' >&2\nexit 9\n");

            var result = Apply(apt, Request(apt, "595.45.04"));

            Assert.Equal("reboot-required", result.Status);
            Assert.Equal("reboot-pending", result.Steps.Single(s => s.Id == "driver.verify").Outcome);
            Assert.Contains("nouveau", result.Steps.Single(s => s.Id == "driver.verify").Detail);
            Assert.Equal(("595.45.04-1", true), apt.Installed()["nvidia-open"]);
        }

        private sealed class Killed : Exception { }

        [Theory]
        [InlineData("repo.keyring")]
        [InlineData("repo.source")]
        [InlineData("repo.update")]
        [InlineData("driver.pin")]
        [InlineData("kernel.headers")]
        [InlineData("nouveau.blacklist")]
        [InlineData("driver.unattended-upgrades")]
        [InlineData("driver.install")]
        [InlineData("driver.hold")]
        [InlineData("driver.record")]
        public void ARunKilledAfterAnyStepResumesAndConverges(string stepId)
        {
            using var apt = new AptSandbox().WithNvidiaRepository();
            apt.Publish();
            var system = new LiveSystem(apt.Root, apt.Path_);
            var request = Request(apt, "595.45.04");
            // Stopped right after the step's change, before the journal records it: the worst moment for a kill.
            var killing = new ApplyOptions { CommandTimeout = TimeSpan.FromSeconds(120), Boundary = (id, phase) => { if (id == stepId && phase == "after-set") throw new Killed(); } };
            Assert.Throws<Killed>(() => PlanExecutor.Apply(DriverPlanner.PlanDriver(request, system, NullOutput.Instance), system, killing, NullOutput.Instance));

            var resumed = PlanExecutor.Apply(DriverPlanner.PlanDriver(request, system, NullOutput.Instance), system,
                new ApplyOptions { Resume = true, CommandTimeout = TimeSpan.FromSeconds(120) }, NullOutput.Instance);
            var again = PlanExecutor.Apply(DriverPlanner.PlanDriver(Request(apt), system, NullOutput.Instance), system,
                new ApplyOptions { CommandTimeout = TimeSpan.FromSeconds(120) }, NullOutput.Instance);

            Assert.True(resumed.Status == "changed", resumed.Message);
            Assert.Equal("converged", again.Status);
            Assert.Equal(("595.45.04-1", true), apt.Installed()["nvidia-open"]);
        }
    }
}
