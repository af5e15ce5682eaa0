using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine;
using AutoGlm.Engine.Deploy;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using Xunit;

namespace AutoGlm.Tests.Deploy
{
    /// <summary>
    /// What the person running the install sees while it runs: a preflight event, then "phase i/N NAME: ..." per
    /// step with the phases in plan order and a percent that only grows, the per-phase callback (the CLI's
    /// stderr line) once per phase, and a final completion event.
    /// </summary>
    [Collection("apt")]
    public class InstallProgressTests
    {
        private sealed class RecordingOutput : IEngineOutput
        {
            public void Error(AutoGlm.Engine.Diagnostics.AutoGlmException error) => throw error;
            public List<(string Activity, string Status, int Percent)> Events { get; } = new List<(string, string, int)>();
            public void Progress(string activity, string status, int percent) => Events.Add((activity, status, percent));
            public void Verbose(string message) { }
            public void Warning(string message) { }
            public void Debug(string message) { }
        }

        private static readonly Regex PhaseLine = new Regex(@"^phase (\d+)/(\d+) ([a-z]+): (\d+)/(\d+) ", RegexOptions.CultureInvariant);

        [Fact]
        public void EachPhaseIsAnnouncedInPlanOrderWithGrowingPercentThenDone()
        {
            using var rig = new InstallRig();
            var system = rig.Host();
            var output = new RecordingOutput();
            var started = new List<(int Index, int Count, string Phase)>();

            var plan = HostInstaller.Plan(system, rig.Request(), output);
            int planned = output.Events.Count;
            var result = PlanExecutor.Apply(plan.Plan, system, InstallRig.Options(),
                HostInstaller.PhaseProgress(output, plan, (k, n, phase) => started.Add((k, n, phase))));
            Assert.True(result.Status == "changed", result.Message);

            // Planning: the preflight event comes first, the plan's end last.
            Assert.Equal((HostInstaller.Activity, "preflight: checking the host", 0), output.Events[0]);
            Assert.Equal((HostInstaller.Activity, "planned", -1), output.Events[planned - 1]);

            // Applying: one event per step, each naming its phase by position among the plan's phases.
            var phases = plan.Phases;
            int count = phases.Count;
            var applying = output.Events.Skip(planned).Where(e => e.Activity == HostInstaller.Activity).ToList();
            Assert.Equal(plan.Plan.Steps.Count, applying.Count);
            int lastIndex = 0, lastPercent = 0;
            var seen = new List<string>();
            for (int i = 0; i < applying.Count; i++)
            {
                var e = applying[i];
                var m = PhaseLine.Match(e.Status);
                Assert.True(m.Success, e.Status);
                int index = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                var name = m.Groups[3].Value;
                Assert.Equal(count, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
                Assert.Equal(i + 1, int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture));
                Assert.Equal(plan.Plan.Steps.Count, int.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture));
                Assert.Equal(PhaseStep.PhaseOf(plan.Plan.Steps[i].Id), name);
                Assert.Equal(phases[index - 1], name);
                Assert.True(index >= lastIndex, $"phase {index} after {lastIndex}");
                Assert.InRange(e.Percent, lastPercent, 100);
                lastIndex = index;
                lastPercent = e.Percent;
                if (seen.Count == 0 || seen[^1] != name) seen.Add(name);
            }
            // Every phase after the preflight (which ran while planning) shows, in order, ending with phase N of N.
            Assert.Equal(phases.Skip(1), seen);
            Assert.Equal(count, lastIndex);
            Assert.Equal(phases.Skip(1).Select((p, i) => (i + 2, count, p)), started);

            // Done: the executor's completion event is the last one, after every phase line.
            var last = output.Events[^1];
            Assert.Equal(("done", -1), (last.Status, last.Percent));
            Assert.StartsWith("Applying ", last.Activity);
        }

        [Fact]
        public void ADriverThatNeedsARebootStopsTheInstall_ResumeWaitsForANewBootThenFinishes()
        {
            using var rig = new InstallRig();
            rig.File("/proc/sys/kernel/random/boot_id", "1b3c6f0e-0000-4000-8000-000000000001\n");
            // nouveau holds the GPU: the new driver answers only after a reboot (its blacklist then keeps nouveau out).
            Directory.CreateDirectory(rig.Real("/sys/module/nouveau"));
            var nouveau = rig.Real("/sys/module/nouveau");
            rig.Apt.Script("nvidia-smi", "#!/bin/sh\n" +
                $"if [ -d '{nouveau}' ] || [ ! -x '{rig.Real("/usr/bin/nvidia-smi")}' ]; then\n" +
                "  echo \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\" >&2; exit 9\nfi\n" +
                $"exec '{rig.Real("/usr/bin/nvidia-smi")}' \"$@\"\n");
            var request = rig.Request();

            var (plan, first, summary) = rig.Apply(request);

            Assert.Equal("reboot-required", first.Status);
            Assert.Contains("--resume", first.Message);
            var verify = first.Steps.Single(s => s.Id == "driver/driver.verify");
            Assert.Equal("reboot-pending", verify.Outcome);
            Assert.Contains("nouveau", verify.Detail);
            // Nothing after the driver phase ran or touched the host.
            Assert.All(first.Steps.Where(s => PhaseStep.PhaseOf(s.Id) != "driver"), s => Assert.Equal("not-run", s.Outcome));
            Assert.True(first.Steps.Where(s => PhaseStep.PhaseOf(s.Id) == "driver").All(s => s.Outcome != "not-run"));
            Assert.False(Directory.Exists(rig.Real("/opt/autoglm")));
            Assert.False(File.Exists(rig.Real(plan.ConfigPath)));
            Assert.False(File.Exists(rig.Real(InstallRig.ModelPath + "/config.json")));
            Assert.Equal((InstallRig.Driver + "-1", true), rig.Apt.Installed()["nvidia-open"]);
            Assert.Equal("reboot-pending", Journal.Load(first.JournalPath!)!.Status);
            Assert.Equal("reboot-pending", summary.Phases.Single(p => p.Name == "driver").Status);
            Assert.All(summary.Phases.Where(p => p.Name != "preflight" && p.Name != "driver"), p => Assert.Equal("not-run", p.Status));
            Assert.Contains(summary.NeedsHuman, n => n.Contains("Reboot the host") && n.Contains("--resume"));

            // Same boot: a resume is refused, and nothing changes.
            var before = rig.Tree();
            var early = Assert.Throws<AutoGlmException>(() => rig.Apply(request, InstallRig.Options(resume: true)));
            Assert.Equal("RebootPending", early.ErrorId);
            Assert.Contains("driver/driver.verify", early.Message);
            Assert.Equal(before, rig.Tree());

            // The reboot: a new boot id, nouveau gone, the nvidia module loaded.
            rig.File("/proc/sys/kernel/random/boot_id", "1b3c6f0e-0000-4000-8000-000000000002\n");
            Directory.Delete(nouveau);
            rig.File("/sys/module/nvidia/version", InstallRig.Driver + "\n");
            var (_, resumed, resumedSummary) = rig.Apply(request, InstallRig.Options(resume: true));

            Assert.True(resumed.Status == "changed", resumed.Message + "\n" + string.Join("\n", resumed.Steps.Select(s => $"{s.Id} {s.Outcome} {s.Detail}")));
            Assert.True(resumed.Resumed);
            Assert.True(resumedSummary.Succeeded);
            Assert.Equal("changed", resumed.Steps.Single(s => s.Id == "driver/driver.verify").Outcome);
            Assert.Equal("changed", resumedSummary.Phases.Single(p => p.Name == "driver").Status);
            foreach (var phase in new[] { "python", "repository", "model", "config", "service" })
                Assert.Equal("changed", resumedSummary.Phases.Single(p => p.Name == phase).Status);
            // The proof checks, it changes nothing.
            Assert.Equal("unchanged", resumedSummary.Phases.Single(p => p.Name == "proof").Status);
            Assert.True(File.Exists(rig.Real(plan.ConfigPath)));
            Assert.Equal("complete", Journal.Load(resumed.JournalPath!)!.Status);
            Assert.Equal("converged", rig.Apply(request).Result.Status);
        }
    }
}
