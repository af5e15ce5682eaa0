using System;
using System.Collections.Generic;
using System.IO;
using AutoGlm.Engine;
using AutoGlm.Engine.Plan;
using AutoGlm.Engine.Workflows;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Workflows
{
    /// <summary>The one plan session both faces run: dry run, confirmation, force and resume, on an isolated root.</summary>
    public class PlanSessionTests
    {
        /// <summary>A face that records what it was asked and answers as told.</summary>
        private sealed class RecordingFace : ISessionFace
        {
            public bool WhatIf { get; set; }
            public bool Answer { get; set; }
            public List<string> Calls { get; } = new List<string>();
            public void Previewed(PlanPreview preview) => Calls.Add("previewed " + preview.ChangeCount);
            public void ShowPreview(PlanPreview preview) => Calls.Add("show");
            public bool Confirm(ChangePlan plan, PlanPreview preview) { Calls.Add("confirm " + plan.Name); return Answer; }
        }

        private static ChangePlan Plan() => new ChangePlan("session-plan", "one file", new PlanStep[]
        {
            new WriteFileStep("one", "a file", new PlannedFile("/etc/autoglm/one.conf", "one=1\n")),
        });

        private static SessionOptions Options(bool force = false) =>
            new SessionOptions { Command = "test", Force = force, LockTimeout = TimeSpan.FromSeconds(5), CommandTimeout = TimeSpan.FromSeconds(30) };

        [Fact]
        public void ADryRunShowsThePlanAndChangesNothing()
        {
            using var root = new TempDir();
            var face = new RecordingFace { WhatIf = true, Answer = true };
            var outcome = PlanSession.Run(Plan(), new LiveSystem(root.Path), Options(), face, NullOutput.Instance);
            Assert.Equal(SessionEnd.Previewed, outcome.End);
            Assert.Null(outcome.Result);
            Assert.Equal(new[] { "previewed 1", "show" }, face.Calls);
            Assert.Empty(Directory.GetFileSystemEntries(root.Path));
        }

        [Fact]
        public void ADeclinedConfirmationChangesNothing()
        {
            using var root = new TempDir();
            var face = new RecordingFace { Answer = false };
            var outcome = PlanSession.Run(Plan(), new LiveSystem(root.Path), Options(), face, NullOutput.Instance);
            Assert.Equal(SessionEnd.Declined, outcome.End);
            Assert.Equal(new[] { "previewed 1", "confirm session-plan" }, face.Calls);
            Assert.False(File.Exists(root.Combine("etc", "autoglm", "one.conf")));
        }

        [Fact]
        public void ForceAppliesWithoutAskingAndASecondRunHasNothingToAsk()
        {
            using var root = new TempDir();
            var face = new RecordingFace { Answer = false };
            var outcome = PlanSession.Run(Plan(), new LiveSystem(root.Path), Options(force: true), face, NullOutput.Instance);
            Assert.Equal(SessionEnd.Applied, outcome.End);
            Assert.Equal("changed", outcome.Result!.Status);
            Assert.Equal("one=1\n", File.ReadAllText(root.Combine("etc", "autoglm", "one.conf")));
            Assert.DoesNotContain(face.Calls, c => c.StartsWith("confirm", StringComparison.Ordinal));

            // Converged: nothing would change, so even without -Force nobody is asked.
            var again = new RecordingFace { Answer = false };
            var second = PlanSession.Run(Plan(), new LiveSystem(root.Path), Options(), again, NullOutput.Instance);
            Assert.Equal(SessionEnd.Applied, second.End);
            Assert.Equal("converged", second.Result!.Status);
            Assert.Equal(new[] { "previewed 0" }, again.Calls);
        }

        [Fact]
        public void AConfirmedPlanIsApplied()
        {
            using var root = new TempDir();
            var face = new RecordingFace { Answer = true };
            var outcome = PlanSession.Run(Plan(), new LiveSystem(root.Path), Options(), face, NullOutput.Instance);
            Assert.Equal(SessionEnd.Applied, outcome.End);
            Assert.True(outcome.Result!.Succeeded);
            Assert.True(File.Exists(root.Combine("etc", "autoglm", "one.conf")));
        }
    }
}
