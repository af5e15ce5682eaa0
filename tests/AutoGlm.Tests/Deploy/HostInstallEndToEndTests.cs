using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Deploy;
using AutoGlm.Engine.Plan;
using AutoGlm.Tests.Python;
using Xunit;
using Xunit.Abstractions;

namespace AutoGlm.Tests.Deploy
{
    /// <summary>
    /// Install-AutoGlmHost from a fresh isolated root to a serving, verified deployment: real apt and dpkg,
    /// real git, real venv and pip offline, real systemd-analyze verify; fake systemctl and user tools.
    /// </summary>
    [Collection("apt")]
    public class HostInstallEndToEndTests
    {
        private readonly ITestOutputHelper _log;
        public HostInstallEndToEndTests(ITestOutputHelper log) => _log = log;

        [Fact]
        public void WhatIfThenInstallThenANoOpSecondRun()
        {
            using var rig = new InstallRig();
            // A model download that broke off: half the weights in .partial, resumed with a Range request.
            var weights = rig.ModelFiles["model-00001-of-00001.safetensors"];
            rig.File(InstallRig.ModelPath + "/config.json", "");
            File.WriteAllBytes(rig.Real(InstallRig.ModelPath + "/model-00001-of-00001.safetensors.partial"), weights.Take(100_000).ToArray());
            var system = rig.Host();

            // -WhatIf: the whole plan, every phase, and nothing changes (not even the state directory).
            var before = rig.Tree();
            var planned = HostInstaller.Plan(system, rig.Request(), NullOutput.Instance);
            var preview = PlanExecutor.Preview(planned.Plan, system, NullOutput.Instance, TimeSpan.FromSeconds(60));
            Assert.Equal(before, rig.Tree());
            Assert.False(Directory.Exists(rig.Real("/var/lib/autoglm")));
            Assert.Equal(new[] { "preflight", "driver", "python", "repository", "model", "config", "service", "proof" }, planned.Phases);
            var ids = preview.Steps.Select(s => s.Id).ToList();
            Assert.Contains("driver/driver.install", ids);
            Assert.Contains("python/python.venv", ids);
            Assert.Contains("repository/repo.clone", ids);
            Assert.Contains("repository/repo.editable", ids);
            Assert.Contains("model/model.weights", ids);
            Assert.Contains("config/config.env", ids);
            Assert.Contains("service/service.unit", ids);
            Assert.Equal("proof/proof.chat", ids.Last());
            Assert.Equal("nvidia-open=" + InstallRig.Driver + "-1", preview.Steps.Single(s => s.Id == "driver/driver.install").Target);
            Assert.Contains("PHONE_AGENT_BASE_URL=http://127.0.0.1:" + rig.Server.Port + "/v1", preview.Steps.Single(s => s.Id == "config/config.env").Files[0].Content);

            var watch = Stopwatch.StartNew();
            var (plan, result, summary) = rig.Apply();
            _log.WriteLine($"first run {watch.Elapsed.TotalSeconds:0.0} s\n{summary.Render()}");
            Assert.True(result.Status == "changed", result.Message + "\n" + string.Join("\n", result.Steps.Select(s => $"{s.Id} {s.Outcome} {s.Detail}")));

            // The driver: installed from the signed repository, held.
            Assert.Equal((InstallRig.Driver + "-1", true), rig.Apt.Installed()["nvidia-open"]);
            // The venv imports the locked wheel and the editable stand-in from the checkout at the pinned commit.
            var python = rig.Real("/opt/autoglm/venv/bin/python");
            var imported = VenvSyncTests.Run(python, "-c", "import phone_agent, requests; print(phone_agent.STANDIN, phone_agent.__file__, requests.__version__)");
            Assert.Equal((0, $"True {rig.Real("/opt/autoglm/Open-AutoGLM/phone_agent/__init__.py")} 2.32.0\n"), imported);
            Assert.Equal(rig.Commit, rig.Git(rig.Real("/opt/autoglm/Open-AutoGLM"), "rev-parse", "HEAD").Trim());
            Assert.False(Directory.Exists(rig.Real("/opt/autoglm/Open-AutoGLM.autoglm-clone")));
            // The weights: resumed from byte 100000, verified, stamped, no .partial left.
            Assert.Equal(weights, File.ReadAllBytes(rig.Real(InstallRig.ModelPath + "/model-00001-of-00001.safetensors")));
            Assert.Contains(rig.Server.Requests, r => r == "GET /models/model-00001-of-00001.safetensors bytes=100000-");
            Assert.False(File.Exists(rig.Real(InstallRig.ModelPath + "/model-00001-of-00001.safetensors.partial")));
            // config.json was empty (damaged): fetched again.
            Assert.Equal(rig.ModelFiles["config.json"], File.ReadAllBytes(rig.Real(InstallRig.ModelPath + "/config.json")));
            // The configuration and the unit.
            var config = File.ReadAllText(rig.Real("/etc/autoglm/autoglm-vllm-server.conf"));
            Assert.Contains("PHONE_AGENT_MODEL=autoglm-phone-9b\n", config);
            Assert.Contains("AUTOGLM_MODEL_PATH=" + InstallRig.ModelPath + "\n", config);
            var unitPath = rig.Real("/etc/systemd/system/autoglm-vllm-server.service");
            var unit = File.ReadAllText(unitPath);
            Assert.Contains("--model " + InstallRig.ModelPath, unit);
            Assert.Contains("--port " + rig.Server.Port, unit);
            // The proof: Open-AutoGLM's check_deployment request.
            Assert.Contains("POST /v1/chat/completions", rig.Server.Requests);
            // The summary: every phase, what changed, nothing for a person.
            Assert.Equal(plan.Phases, summary.Phases.Select(p => p.Name));
            Assert.All(summary.Phases.Skip(1).SkipLast(1), p => Assert.Equal("changed", p.Status));
            // The stand-in answered from the start, so the proof held at once.
            Assert.Equal("unchanged", summary.Phases.Last().Status);
            Assert.Contains(summary.Changed, c => c.StartsWith("driver/driver.install", StringComparison.Ordinal));
            Assert.True(summary.HostChanged);
            Assert.Empty(summary.NeedsHuman);

            // The second run on the converged host changes nothing.
            var tree = rig.Tree();
            watch.Restart();
            var (_, again, againSummary) = rig.Apply();
            _log.WriteLine($"no-op run {watch.Elapsed.TotalSeconds:0.00} s\n{againSummary.Render()}");
            Assert.True(again.Status == "converged", again.Message + "\n" + string.Join("\n", again.Steps.Where(s => s.Outcome != "unchanged").Select(s => $"{s.Id} {s.Outcome} {s.Detail}")));
            Assert.False(againSummary.HostChanged);
            Assert.Equal(tree, rig.Tree());
            Assert.Contains(againSummary.AlreadyRight, a => a.StartsWith("driver:", StringComparison.Ordinal));

            // The unit passes the real systemd-analyze verify inside the root. The venv's interpreter links to this
            // machine's Python outside the root: a stub at the link's target stands for it there.
            var target = new FileInfo(rig.Real("/opt/autoglm/venv/bin/python3")).ResolveLinkTarget(true)!.FullName;
            if (!File.Exists(rig.Real(target))) { rig.File(target, "#!/bin/sh\n"); File.SetUnixFileMode(rig.Real(target), (UnixFileMode)0x1ED); }
            var verify = VenvSyncTests.Run("systemd-analyze", "verify", "--root=" + rig.Root, unitPath);
            Assert.True(verify.code == 0 && verify.output.Trim().Length == 0, "systemd-analyze verify: " + verify.output);
        }
    }
}
