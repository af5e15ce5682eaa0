using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Plan
{
    /// <summary>The plan/apply engine on an isolated root: what-if, idempotence, journal, resume, rollback, lock.</summary>
    public class PlanExecutorTests
    {
        private sealed class Crash : Exception { }

        /// <summary>A step that fails on demand: its Set throws, like a package that will not install.</summary>
        private sealed class FailingStep : PlanStep
        {
            public FailingStep() : base("broken", "run", "nothing", "a step that fails") { }
            public override StepCheck Test(StepContext context) => StepCheck.Needed("always needed");
            public override void Set(StepContext context) => context.Run(new[] { "false" });
        }

        /// <summary>A step whose change needs a reboot: done when the marker file exists and the boot id changed.</summary>
        private sealed class RebootStep : PlanStep
        {
            public RebootStep() : base("kernel.module", "run", "/etc/module", "load the new module") { }
            public override bool RequiresReboot => true;
            public override StepCheck Test(StepContext context) =>
                context.System.ReadFile("/etc/module").Text == context.System.BootId() ? StepCheck.Satisfied("loaded") : StepCheck.Needed("not loaded");
            public override void Set(StepContext context) => context.System.WriteFile("/etc/module-installed", "yes\n");
        }

        private static ChangePlan FilesPlan(params PlanStep[] extra)
        {
            var steps = new List<PlanStep>
            {
                new WriteFileStep("one", "first file", new PlannedFile("/etc/autoglm/one.conf", "one=1\n", 0x1A4)),
                new WriteFileStep("two", "second file", new PlannedFile("/etc/autoglm/two.conf", "two=2\n")),
                new WriteFileStep("secret", "a secret", new PlannedFile("/etc/autoglm/secret.env", "API_KEY=s3cr3t\n", 0x180, sensitive: true)),
            };
            steps.AddRange(extra);
            return new ChangePlan("test-plan", "three files", steps);
        }

        private static Dictionary<string, string> Tree(string root) =>
            Directory.GetFiles(root, "*", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.Combine("var", "lib", "autoglm")))
                .ToDictionary(f => f.Substring(root.Length), File.ReadAllText);

        [Fact]
        public void WhatIfShowsEveryStepAndChangesNothing()
        {
            using var root = new TempDir();
            Directory.CreateDirectory(root.Combine("etc", "autoglm"));
            File.WriteAllText(root.Combine("etc", "autoglm", "two.conf"), "two=old\n");
            var before = Tree(root.Path);
            var system = new LiveSystem(root.Path);

            var preview = PlanExecutor.Preview(FilesPlan(), system, NullOutput.Instance, TimeSpan.FromSeconds(5));

            Assert.Equal(before, Tree(root.Path));
            Assert.False(Directory.Exists(root.Combine("var", "lib", "autoglm")));
            Assert.Equal(new[] { "change", "change", "change" }, preview.Steps.Select(s => s.Status));
            Assert.Equal("-two=old\n+two=2\n", string.Join("", preview.Steps[1].Diffs["/etc/autoglm/two.conf"].Split('\n').Skip(2).Select(l => l + "\n")).TrimEnd('\n') + "\n");
            var json = AutoGlm.Engine.Json.Json.Serialize(preview.ToJson());
            Assert.Contains("\"mode\": \"0644\"", json);
            Assert.DoesNotContain("s3cr3t", json);
            Assert.Contains("masked", json);
        }

        [Fact]
        public void ApplyConvergesAndASecondRunChangesNothing()
        {
            using var root = new TempDir();
            var system = new LiveSystem(root.Path);

            var first = PlanExecutor.Apply(FilesPlan(), system, new ApplyOptions(), NullOutput.Instance);
            var second = PlanExecutor.Apply(FilesPlan(), system, new ApplyOptions(), NullOutput.Instance);

            Assert.Equal("changed", first.Status);
            Assert.Equal(3, first.Changed);
            Assert.Equal("one=1\n", File.ReadAllText(root.Combine("etc", "autoglm", "one.conf")));
            Assert.Equal("converged", second.Status);
            Assert.Equal(0, second.Changed);
            Assert.StartsWith("Nothing to change", second.Message);
            var journal = Journal.Load(second.JournalPath)!;
            Assert.Equal("complete", journal.Status);
            Assert.All(journal.Steps, s => Assert.Equal("unchanged", s.State));
        }

        [Fact]
        public void SecretsAreWrittenWithTheirModeAndNeverCopiedIntoTheJournal()
        {
            if (OperatingSystem.IsWindows()) return;
            using var root = new TempDir();
            Directory.CreateDirectory(root.Combine("etc", "autoglm"));
            File.WriteAllText(root.Combine("etc", "autoglm", "secret.env"), "API_KEY=old-secret\n");
            var result = PlanExecutor.Apply(FilesPlan(), new LiveSystem(root.Path), new ApplyOptions(), NullOutput.Instance);

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(root.Combine("etc", "autoglm", "secret.env")));
            var journalText = File.ReadAllText(result.JournalPath);
            Assert.DoesNotContain("old-secret", journalText);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(result.JournalPath));
        }

        [Fact]
        public void AFailedStepRollsBackTheStepsBeforeIt()
        {
            using var root = new TempDir();
            Directory.CreateDirectory(root.Combine("etc", "autoglm"));
            File.WriteAllText(root.Combine("etc", "autoglm", "two.conf"), "two=old\n");
            var before = Tree(root.Path);

            var result = PlanExecutor.Apply(FilesPlan(new FailingStep()), new LiveSystem(root.Path), new ApplyOptions(), NullOutput.Instance);

            Assert.Equal("rolled-back", result.Status);
            Assert.Equal("broken", result.FailedStep);
            Assert.Contains("'false' exited with code 1", result.Message);
            Assert.Equal(before, Tree(root.Path));
            Assert.Equal(new[] { "rolled-back", "rolled-back", "rolled-back", "failed" }, result.Steps.Select(s => s.Outcome));
            // A rolled-back run is finished: the next run starts fresh without -Resume.
            var again = PlanExecutor.Apply(FilesPlan(), new LiveSystem(root.Path), new ApplyOptions(), NullOutput.Instance);
            Assert.Equal("changed", again.Status);
        }

        [Fact]
        public void AStepDeferredForAPreviewShowsWhyAndIsNeverApplied()
        {
            using var root = new TempDir();
            var before = Tree(root.Path);
            var deferred = new DeferredStep("driver.install", "install-packages", "nvidia-open", "Install the driver.", "version resolved from http://mirror.example/ at apply time");
            var preview = PlanExecutor.Preview(FilesPlan(deferred), new LiveSystem(root.Path), NullOutput.Instance, System.TimeSpan.FromSeconds(10));
            Assert.Equal(("change", "version resolved from http://mirror.example/ at apply time"), (preview.Steps.Last().Status, preview.Steps.Last().Detail));

            // Should such a plan ever reach apply, the step fails and the steps before it are rolled back.
            var result = PlanExecutor.Apply(FilesPlan(deferred), new LiveSystem(root.Path), new ApplyOptions(), NullOutput.Instance);
            Assert.Equal("rolled-back", result.Status);
            Assert.Equal("driver.install", result.FailedStep);
            Assert.Contains("planned for a preview only", result.Message);
            Assert.Equal(before, Tree(root.Path));
        }

        public static IEnumerable<object[]> Boundaries()
        {
            foreach (var id in new[] { "one", "two", "secret" })
                foreach (var phase in new[] { "before-set", "after-set", "after-step" })
                    yield return new object[] { id, phase };
        }

        [Theory]
        [MemberData(nameof(Boundaries))]
        public void ARunStoppedAtAnyBoundaryResumesAndConverges(string stepId, string phase)
        {
            using var root = new TempDir();
            Directory.CreateDirectory(root.Combine("etc", "autoglm"));
            File.WriteAllText(root.Combine("etc", "autoglm", "one.conf"), "one=original\n");
            var system = new LiveSystem(root.Path);
            var crashing = new ApplyOptions { Boundary = (id, p) => { if (id == stepId && p == phase) throw new Crash(); } };

            Assert.Throws<Crash>(() => PlanExecutor.Apply(FilesPlan(), system, crashing, NullOutput.Instance));
            // Without -Resume the interrupted run is reported, not silently restarted.
            var refused = Assert.Throws<AutoGlmException>(() => PlanExecutor.Apply(FilesPlan(), system, new ApplyOptions(), NullOutput.Instance));
            Assert.Equal("RunInterrupted", refused.ErrorId);
            Assert.Contains("--resume", refused.Message);
            Assert.Contains(Journal.PathFor(system.StateDirectory, FilesPlan().Name), refused.Message); // where the run stands

            var resumed = PlanExecutor.Apply(FilesPlan(), system, new ApplyOptions { Resume = true }, NullOutput.Instance);
            var after = PlanExecutor.Apply(FilesPlan(), system, new ApplyOptions(), NullOutput.Instance);

            Assert.True(resumed.Resumed);
            Assert.Equal("changed", resumed.Status);
            Assert.Equal(3, resumed.Changed);
            Assert.Equal("converged", after.Status);
            Assert.Equal("two=2\n", File.ReadAllText(root.Combine("etc", "autoglm", "two.conf")));
        }

        [Fact]
        public void AResumedRunRollsBackToTheOriginalNotToItsOwnFirstAttempt()
        {
            using var root = new TempDir();
            Directory.CreateDirectory(root.Combine("etc", "autoglm"));
            File.WriteAllText(root.Combine("etc", "autoglm", "one.conf"), "one=original\n");
            var system = new LiveSystem(root.Path);
            var crashing = new ApplyOptions { Boundary = (id, p) => { if (id == "two" && p == "before-set") throw new Crash(); } };
            Assert.Throws<Crash>(() => PlanExecutor.Apply(FilesPlan(), system, crashing, NullOutput.Instance));

            var result = PlanExecutor.Apply(FilesPlan(new FailingStep()), system, new ApplyOptions { Resume = true }, NullOutput.Instance);

            Assert.Equal("rolled-back", result.Status);
            Assert.Equal("one=original\n", File.ReadAllText(root.Combine("etc", "autoglm", "one.conf")));
            Assert.False(File.Exists(root.Combine("etc", "autoglm", "two.conf")));
        }

        [Fact]
        public void AStepThatNeedsARebootStopsTheRunUntilTheHostHasRebooted()
        {
            using var root = new TempDir();
            Directory.CreateDirectory(root.Combine("proc", "sys", "kernel", "random"));
            var bootIdPath = root.Combine("proc", "sys", "kernel", "random", "boot_id");
            File.WriteAllText(bootIdPath, "boot-1\n");
            var system = new LiveSystem(root.Path);
            var plan = FilesPlan(new RebootStep(), new WriteFileStep("after", "after the reboot", new PlannedFile("/etc/after", "x\n")));

            var first = PlanExecutor.Apply(plan, system, new ApplyOptions(), NullOutput.Instance);
            Assert.Equal("reboot-required", first.Status);
            Assert.Contains("reboot, then run again with --resume", first.Message);
            Assert.Equal("not-run", first.Steps.Last().Outcome);
            Assert.False(File.Exists(root.Combine("etc", "after")));

            var tooEarly = Assert.Throws<AutoGlmException>(() => PlanExecutor.Apply(plan, system, new ApplyOptions { Resume = true }, NullOutput.Instance));
            Assert.Equal("RebootPending", tooEarly.ErrorId);

            // "Reboot": a new boot id, and the module came up with it.
            File.WriteAllText(bootIdPath, "boot-2\n");
            File.WriteAllText(root.Combine("etc", "module"), "boot-2");
            var resumed = PlanExecutor.Apply(plan, system, new ApplyOptions { Resume = true }, NullOutput.Instance);

            Assert.Equal("changed", resumed.Status);
            Assert.Equal("changed", resumed.Steps.Single(s => s.Id == "kernel.module").Outcome);
            Assert.True(File.Exists(root.Combine("etc", "after")));
        }

        [Fact]
        public void WithRebootAllowedTheContinuationIsScheduledAsAOneShotUnit()
        {
            using var root = new TempDir();
            using var bin = new TempDir();
            var log = bin.Combine("systemctl.log");
            File.WriteAllText(bin.Combine("systemctl"), $"#!/bin/sh\necho \"$@\" >> {log}\n");
            File.SetUnixFileMode(bin.Combine("systemctl"), (UnixFileMode)0x1ED);
            var system = new LiveSystem(root.Path, bin.Path + ":/usr/bin:/bin");
            var options = new ApplyOptions { Reboot = true, Continuation = new[] { "/usr/local/bin/autoglm", "install-driver", "--resume", "--force" } };

            var result = PlanExecutor.Apply(FilesPlan(new RebootStep()), system, options, NullOutput.Instance);

            Assert.Equal("reboot-scheduled", result.Status);
            var unit = File.ReadAllText(root.Combine("etc", "systemd", "system", "autoglm-resume.service"));
            Assert.Contains("ExecStart=/usr/local/bin/autoglm install-driver --resume --force\n", unit);
            Assert.Contains("Type=oneshot", unit);
            Assert.Equal(new[] { "daemon-reload", "enable autoglm-resume.service", "reboot" }, File.ReadAllLines(log));
        }

        [Fact]
        public void AContinuationHoldingACredentialIsJournaledMaskedAndNeverScheduled()
        {
            using var root = new TempDir();
            using var bin = new TempDir();
            var log = bin.Combine("systemctl.log");
            File.WriteAllText(bin.Combine("systemctl"), $"#!/bin/sh\necho \"$@\" >> {log}\n");
            File.SetUnixFileMode(bin.Combine("systemctl"), (UnixFileMode)0x1ED);
            var system = new LiveSystem(root.Path, bin.Path + ":/usr/bin:/bin");
            var options = new ApplyOptions
            {
                Reboot = true,
                Continuation = new[] { "/usr/local/bin/autoglm", "install", "--repository-url", "https://me:TOKEN123@git.example/x.git", "--env", "HF_TOKEN=hf_abcdef", "--reboot", "--resume", "--force" },
            };
            options.Secrets.Add("hf_abcdef");
            var warnings = new List<string>();

            var result = PlanExecutor.Apply(FilesPlan(new RebootStep()), system, options, new ListOutput(warnings));

            Assert.Equal("reboot-required", result.Status);
            Assert.False(File.Exists(root.Combine("etc", "systemd", "system", "autoglm-resume.service")));
            Assert.False(File.Exists(log));
            Assert.Contains(warnings, w => w.Contains("holds a credential"));
            foreach (var file in Directory.GetFiles(root.Path, "*", SearchOption.AllDirectories))
            {
                Assert.DoesNotContain("TOKEN123", File.ReadAllText(file));
                Assert.DoesNotContain("hf_abcdef", File.ReadAllText(file));
            }
            Assert.Equal(new[] { "/usr/local/bin/autoglm", "install", "--repository-url", "https://****@git.example/x.git", "--env", "HF_TOKEN=****", "--reboot", "--resume", "--force" },
                PlanExecutor.SafeContinuation(options.Continuation, options.Secrets, out var masked));
            Assert.True(masked);
        }

        [Fact]
        public void ASecondRunWaitsForTheLockThenFailsNamingTheHolder()
        {
            using var root = new TempDir();
            var system = new LiveSystem(root.Path);
            var warnings = new List<string>();
            using (HostLock.Acquire(system.StateDirectory, "install-driver: the first run", TimeSpan.FromSeconds(1), NullOutput.Instance))
            {
                var ex = Assert.Throws<AutoGlmException>(() => PlanExecutor.Apply(FilesPlan(), system,
                    new ApplyOptions { LockTimeout = TimeSpan.FromMilliseconds(600) }, new ListOutput(warnings)));
                Assert.Equal("HostLockTimeout", ex.ErrorId);
                Assert.Contains("install-driver: the first run", ex.Message);
            }
            Assert.Contains(warnings, w => w.StartsWith("Waiting up to 1 s for the host lock"));
            Assert.False(File.Exists(root.Combine("etc", "autoglm", "one.conf")));
            Assert.Equal("changed", PlanExecutor.Apply(FilesPlan(), system, new ApplyOptions(), NullOutput.Instance).Status);
        }

        private sealed class ListOutput : IEngineOutput
        {
            public void Error(AutoGlm.Engine.Diagnostics.AutoGlmException error) => throw error;
            private readonly List<string> _warnings;
            public ListOutput(List<string> warnings) { _warnings = warnings; }
            public void Progress(string activity, string status, int percent) { }
            public void Verbose(string message) { }
            public void Warning(string message) => _warnings.Add(message);
            public void Debug(string message) { }
        }

        [Fact]
        public void AtomicWritesLeaveNoTemporaryFilesAndReplaceInPlace()
        {
            using var dir = new TempDir();
            var path = dir.Combine("sub", "file.conf");
            AtomicFile.Write(path, "a\n");
            AtomicFile.Write(path, "b\n");
            Assert.Equal("b\n", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(dir.Combine("sub")));
        }

        [Fact]
        public void ADamagedJournalIsAnErrorNamingTheFile()
        {
            using var root = new TempDir();
            var system = new LiveSystem(root.Path);
            var path = Journal.PathFor(system.StateDirectory, "test-plan");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "{ not json");
            var ex = Assert.Throws<AutoGlmException>(() => PlanExecutor.Apply(FilesPlan(), system, new ApplyOptions(), NullOutput.Instance));
            Assert.Equal("JournalUnreadable", ex.ErrorId);
            Assert.Contains(path, ex.Message);
            Assert.False(File.Exists(root.Combine("etc", "autoglm", "one.conf")));
        }
    }
}
