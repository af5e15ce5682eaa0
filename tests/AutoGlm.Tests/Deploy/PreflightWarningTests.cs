using System;
using System.Collections.Generic;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Deploy;
using Xunit;

namespace AutoGlm.Tests.Deploy
{
    /// <summary>
    /// The install's preflight does not stop on a Warn, but each Warn reaches the warning stream once, with its
    /// check id and message (Install-AutoGlmHost's WriteWarning, autoglm install's "WARNING:" on stderr).
    /// </summary>
    [Collection("apt")]
    public class PreflightWarningTests
    {
        private sealed class RecordingOutput : IEngineOutput
        {
            public void Error(AutoGlm.Engine.Diagnostics.AutoGlmException error) => throw error;
            public List<string> Warnings { get; } = new List<string>();
            public void Progress(string activity, string status, int percent) { }
            public void Verbose(string message) { }
            public void Warning(string message) => Warnings.Add(message);
            public void Debug(string message) { }
        }

        [Fact]
        public void EachPreflightWarnIsOneWarningWithItsIdAndMessage()
        {
            using var rig = new InstallRig();
            // 48 GiB: above vllm-server's 32 GiB minimum, below its 64 GiB recommendation, so memory.total warns.
            rig.File("/proc/meminfo", "MemTotal:       50331648 kB\nMemFree:        40000000 kB\nMemAvailable:   45000000 kB\n");
            var output = new RecordingOutput();

            var planned = HostInstaller.Plan(rig.Host(), rig.Request(), output);

            var memory = planned.Preflight.Single(c => c.Id == "memory.total");
            Assert.Equal(CheckStatus.Warn, memory.Status);
            var warns = planned.Preflight.Where(c => c.Status == CheckStatus.Warn).ToList();
            var preflightWarnings = output.Warnings.Where(w => w.StartsWith("Preflight: ", StringComparison.Ordinal)).ToList();
            Assert.Equal(warns.Select(c => $"Preflight: {c.Id} warns: {c.Message} The install goes on."), preflightWarnings);
            Assert.Single(output.Warnings, w => w.Contains("memory.total") && w.Contains(memory.Message));
            // Passing, skipped and failing checks are not warnings (a non-blocking Fail is in the summary's NeedsHuman).
            foreach (var other in planned.Preflight.Where(c => c.Status != CheckStatus.Warn))
                Assert.DoesNotContain(output.Warnings, w => w.StartsWith($"Preflight: {other.Id} ", StringComparison.Ordinal));
        }
    }
}
