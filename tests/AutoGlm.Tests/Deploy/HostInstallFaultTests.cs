using System;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Deploy;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using Xunit;

namespace AutoGlm.Tests.Deploy
{
    /// <summary>A run killed at each phase boundary resumes and converges; a failed proof rolls back what its run changed.</summary>
    [Collection("apt")]
    public class HostInstallFaultTests
    {
        private sealed class Kill : Exception { }

        [Fact]
        public void AKillAtEveryPhaseBoundaryResumesAndConverges_ThenAFailedProofRollsBackItsRun()
        {
            using var rig = new InstallRig();
            var request = rig.Request();
            var phases = new[] { "driver", "python", "repository", "model", "config", "service" };
            for (int i = 0; i < phases.Length; i++)
            {
                // Alternately before and after the phase's first change: the journal says started, the host may or may not have it.
                var stage = i % 2 == 0 ? "before-set" : "after-set";
                var phase = phases[i];
                bool killed = false;
                Action<string, string> boundary = (id, at) =>
                {
                    if (!killed && id.StartsWith(phase + "/", StringComparison.Ordinal) && at == stage) { killed = true; throw new Kill(); }
                };
                Assert.Throws<Kill>(() => rig.Apply(request, InstallRig.Options(resume: i > 0, boundary: boundary)));
                Assert.True(killed);
                if (i == 0)
                {
                    // Without -Resume the unfinished run is refused, naming where it stopped.
                    var refused = Assert.Throws<AutoGlmException>(() => rig.Apply(request));
                    Assert.Equal("RunInterrupted", refused.ErrorId);
                    Assert.Contains("driver/", refused.Message);
                }
            }
            var (_, resumed, summary) = rig.Apply(request, InstallRig.Options(resume: true));
            Assert.True(resumed.Status == "changed", resumed.Message + "\n" + string.Join("\n", resumed.Steps.Select(s => $"{s.Id} {s.Outcome} {s.Detail}")));
            Assert.True(resumed.Resumed);
            Assert.True(summary.Succeeded);
            Assert.Equal(rig.ModelFiles["model-00001-of-00001.safetensors"], File.ReadAllBytes(rig.Real(InstallRig.ModelPath + "/model-00001-of-00001.safetensors")));
            Assert.Equal("converged", rig.Apply(request).Result.Status);

            // A changed input, and a server that can no longer generate: the proof fails, and this run's change is undone.
            var config = rig.Real("/etc/autoglm/autoglm-vllm-server.conf");
            var before = File.ReadAllText(config);
            rig.Server.ChatWorks = false;
            var changed = rig.Request();
            changed.HealthTimeout = TimeSpan.FromSeconds(2);
            var (_, failed, failedSummary) = rig.Apply(changed);
            Assert.Equal("rolled-back", failed.Status);
            Assert.Equal("proof/proof.chat", failed.FailedStep);
            Assert.Equal(before, File.ReadAllText(config));
            Assert.Contains("config/config.env", failedSummary.RolledBack);
            Assert.Contains(failedSummary.NeedsHuman, n => n.Contains("CUDA out of memory"));
            Assert.Equal("failed", failedSummary.Phases.Single(p => p.Name == "proof").Status);
            // Fixed, the same request converges on the next run.
            rig.Server.ChatWorks = true;
            Assert.Equal("changed", rig.Apply(changed).Result.Status);
        }
    }

    /// <summary>Bad input and a host no plan can fix: a stable error id, the input and the fix named, nothing changed.</summary>
    public class HostInstallInputTests
    {
        private static (string Root, LiveSystem System) Bare(Support.TempDir dir, bool nvidia = false)
        {
            var root = dir.Combine("root");
            void W(string p, string c) { var f = Path.Combine(root, p.TrimStart('/')); Directory.CreateDirectory(Path.GetDirectoryName(f)!); File.WriteAllText(f, c); }
            W("/etc/os-release", "ID=ubuntu\nVERSION_ID=\"22.04\"\n");
            W("/proc/self/status", "Uid:\t0\t0\t0\t0\n");
            // A network card only: no NVIDIA GPU.
            W("/sys/bus/pci/devices/0000:00:03.0/vendor", "0x8086\n");
            W("/sys/bus/pci/devices/0000:00:03.0/device", "0x100e\n");
            W("/sys/bus/pci/devices/0000:00:03.0/class", "0x020000\n");
            return (root, new LiveSystem(root, "/usr/bin:/bin"));
        }

        private static string[] Tree(string root) => Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).OrderBy(x => x).ToArray();

        [Theory]
        [InlineData("port", "70000", "ServicePortInvalid")]
        [InlineData("install", "opt/autoglm", "ServicePathInvalid")]
        [InlineData("install", "/opt/auto glm", "ServicePathInvalid")]
        [InlineData("url", "ext::sh -c touch% /tmp/pwned", "RepositoryUrlUnsafe")]
        [InlineData("url", "-u/tmp/evil", "RepositoryUrlUnsafe")]
        [InlineData("url", "file:///srv/mirror/Open-AutoGLM.git", "RepositoryUrlLocalNotAllowed")]
        [InlineData("ref", "--upload-pack=touch /tmp/x", "RepositoryRefInvalid")]
        [InlineData("profile", "no-such-profile", "ProfileNotFound")]
        [InlineData("service", "../../etc/passwd", "ServiceNameInvalid")]
        [InlineData("modelurl", "https://mirror.example/m/", "ModelOptionsIncomplete")]
        [InlineData("timeout", "0", "InstallTimeoutInvalid")]
        public void BadInputIsRefusedBeforeAnythingChanges(string what, string value, string errorId)
        {
            using var dir = new Support.TempDir();
            var (root, system) = Bare(dir);
            var before = Tree(root);
            var r = new HostInstallRequest { Profile = "vllm-server" };
            switch (what)
            {
                case "port": r.Port = value; break;
                case "install": r.InstallPath = value; break;
                case "url": r.RepositoryUrl = value; break;
                case "ref": r.Ref = value; break;
                case "profile": r.Profile = value; break;
                case "service": r.ServiceName = value; break;
                case "modelurl": r.ModelPath = "/srv/models/m"; r.ModelUrl = value; break;
                case "timeout": r.HealthTimeout = TimeSpan.FromSeconds(int.Parse(value)); break;
            }
            var ex = Assert.Throws<AutoGlmException>(() => HostInstaller.Plan(system, r, NullOutput.Instance));
            Assert.Equal(errorId, ex.ErrorId);
            Assert.Contains(what == "timeout" ? "timeout" : what == "modelurl" ? "--model-manifest" : what == "url" ? GitUrlShown(value) : value.Split(' ')[0].Split('%')[0], ex.Message);
            Assert.Equal(before, Tree(root));
        }

        private static string GitUrlShown(string value) => value.Substring(0, Math.Min(5, value.Length));

        [Theory]
        [InlineData("{\"files\": []}", "no \"files\" array")]
        [InlineData("{\"files\": [{\"path\": \"../etc/shadow\", \"size\": 1, \"sha256\": \"0000000000000000000000000000000000000000000000000000000000000000\"}]}", "not a relative path")]
        [InlineData("{\"files\": [{\"path\": \"config.json\", \"size\": 1, \"sha256\": \"abc\"}]}", "64 hex digits")]
        [InlineData("not json", "not JSON")]
        public void AManifestThatCannotBeTrustedIsRefused(string manifest, string why)
        {
            using var dir = new Support.TempDir();
            var (root, system) = Bare(dir);
            var file = dir.Combine("manifest.json");
            File.WriteAllText(file, manifest);
            var ex = Assert.Throws<AutoGlmException>(() => HostInstaller.Plan(system, new HostInstallRequest { ModelPath = "/srv/models/m", ModelManifest = file }, NullOutput.Instance));
            Assert.Equal("ModelManifestInvalid", ex.ErrorId);
            Assert.Contains(why, ex.Message);
        }

        [Fact]
        public void MissingWeightsWithoutAMirrorStopWithTheDownloadCommand()
        {
            using var dir = new Support.TempDir();
            var (root, system) = Bare(dir);
            var file = dir.Combine("manifest.json");
            File.WriteAllText(file, "{\"model\": \"zai-org/AutoGLM-Phone-9B\", \"files\": [{\"path\": \"config.json\", \"size\": 2, \"sha256\": \"" + new string('a', 64) + "\"}]}");
            var before = Tree(root);
            var ex = Assert.Throws<AutoGlmException>(() => HostInstaller.Plan(system, new HostInstallRequest { ModelPath = "/srv/models/m", ModelManifest = file }, NullOutput.Instance));
            Assert.Equal("ModelWeightsMissing", ex.ErrorId);
            Assert.Contains("huggingface-cli download zai-org/AutoGLM-Phone-9B --local-dir /srv/models/m", ex.Message);
            Assert.Contains("--model-url", ex.Message);
            Assert.Equal(before, Tree(root));
        }

        [Fact]
        public void AServerProfileOnAHostWithoutAnNvidiaGpuStopsInPreflightWithTheFix()
        {
            using var dir = new Support.TempDir();
            var (root, system) = Bare(dir);
            var before = Tree(root);
            var ex = Assert.Throws<AutoGlmException>(() => HostInstaller.Plan(system, new HostInstallRequest { Profile = "vllm-server" }, NullOutput.Instance));
            Assert.Equal("PreflightFailed", ex.ErrorId);
            Assert.Contains("- gpu.present:", ex.Message);
            Assert.Contains("Nothing was changed", ex.Message);
            // A "fix:" line says something its check's line does not already say.
            var lines = ex.Message.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            for (int i = 1; i < lines.Count; i++)
                if (lines[i].TrimStart().StartsWith("fix: ", StringComparison.Ordinal))
                    Assert.DoesNotContain(lines[i].TrimStart().Substring(5).Trim(), lines[i - 1]);
            Assert.Equal(before, Tree(root));
        }

        [Fact]
        public void FirmwareFailuresBlockWithBiosInstructions_DriverFailuresDoNot()
        {
            var iommu = new AutoGlm.Engine.Checks.CheckResult { Id = "iommu.state", Category = "firmware", Status = AutoGlm.Engine.Checks.CheckStatus.Fail };
            var above4g = new AutoGlm.Engine.Checks.CheckResult { Id = "firmware.above-4g", Category = "firmware", Status = AutoGlm.Engine.Checks.CheckStatus.Fail };
            var driver = new AutoGlm.Engine.Checks.CheckResult { Id = "driver.minimum", Category = "driver", Status = AutoGlm.Engine.Checks.CheckStatus.Fail };
            var secureBoot = new AutoGlm.Engine.Checks.CheckResult { Id = "secureboot.state", Category = "firmware", Status = AutoGlm.Engine.Checks.CheckStatus.Fail };
            Assert.True(HostInstaller.IsBlocking(iommu, server: true));
            Assert.True(HostInstaller.IsBlocking(above4g, server: true));
            Assert.False(HostInstaller.IsBlocking(driver, server: true));
            Assert.False(HostInstaller.IsBlocking(secureBoot, server: true));
            Assert.Equal("driver", HostInstaller.FixingPhase(driver));
            Assert.Null(HostInstaller.FixingPhase(iommu));
        }

        [Fact]
        public void TheSummarySurvivesAJsonRoundTrip()
        {
            var s = new InstallSummary
            {
                Profile = "vllm-server", Plan = "install-host", Title = "Open-AutoGLM vllm-server in /opt/autoglm", Status = "rolled-back", Message = "Step 26 failed: \"quoted\"\nline two",
                Resumed = true, FailedStep = "proof/proof.chat", JournalPath = "/var/lib/autoglm/journal/install-host.json", ConfigPath = "/etc/autoglm/x.conf", Port = 8001, Seconds = 12.345,
            };
            s.Phases.Add(new PhaseSummary { Name = "preflight", Status = "passed", Seconds = 1.5 });
            s.Phases.Add(new PhaseSummary { Name = "driver", Status = "changed", Steps = 11, Changed = 10, Unchanged = 1, Seconds = 3.25 });
            s.Changed.Add("driver/driver.install: nvidia-open=595.45.04-1 installed");
            s.AlreadyRight.Add("python/python.lock: ok");
            s.NeedsHuman.Add("Reboot ünd resume");
            s.RolledBack.Add("config/config.env");
            s.NotRolledBack.Add("driver/repo.update: kept");

            var text = AutoGlm.Engine.Json.Json.Serialize(s.ToJson());
            var back = InstallSummary.FromJson((System.Collections.Generic.IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(text)!);

            Assert.Equal(text, AutoGlm.Engine.Json.Json.Serialize(back.ToJson()));
            Assert.Equal(8001, back.Port);
            Assert.Equal(10, back.Phases[1].Changed);
            Assert.True(back.HostChanged);
            Assert.Contains("\"changed\": true", text);
            // An empty summary too: nulls and empty lists.
            var empty = new InstallSummary();
            var emptyText = AutoGlm.Engine.Json.Json.Serialize(empty.ToJson());
            Assert.Equal(emptyText, AutoGlm.Engine.Json.Json.Serialize(InstallSummary.FromJson((System.Collections.Generic.IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(emptyText)!).ToJson()));
        }
    }
}
