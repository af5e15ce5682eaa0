using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Plan;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Plan
{
    /// <summary>
    /// -Debug shows every command a step runs (StepContext.Run → IEngineOutput.Debug), with the run's secrets
    /// masked: in the debug line, in a failure's message, in the result and the journal. The tool itself still
    /// gets the real value.
    /// </summary>
    public class DebugStreamTests
    {
        private const string Secret = "sk-live-7f3a9c2e41";

        private sealed class RecordingOutput : IEngineOutput
        {
            public void Error(AutoGlm.Engine.Diagnostics.AutoGlmException error) => throw error;
            public List<string> Lines { get; } = new List<string>();
            public List<string> DebugLines { get; } = new List<string>();
            public void Progress(string activity, string status, int percent) => Lines.Add(activity + " " + status);
            public void Verbose(string message) => Lines.Add(message);
            public void Warning(string message) => Lines.Add(message);
            public void Debug(string message) { DebugLines.Add(message); Lines.Add(message); }
        }

        /// <summary>
        /// A fake login tool that logs its argv and leaves a marker in the root; told to fail, it prints the key
        /// to stderr and exits 3 instead.
        /// </summary>
        private static (string bin, string log) FakeTool(TempDir dir, TempDir root, bool fail)
        {
            var bin = dir.Combine("bin");
            Directory.CreateDirectory(bin);
            var log = dir.Combine("argv.log");
            var script = Path.Combine(bin, "autoglm-fake-login");
            File.WriteAllText(script, "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + log + "'\n" +
                (fail ? "echo \"error: key $3 rejected by the server\" >&2\necho 'line two' >&2\nexit 3\n"
                      : "mkdir -p '" + root.Combine("etc", "autoglm") + "' && touch '" + root.Combine("etc", "autoglm", "logged-in") + "'\n"));
            File.SetUnixFileMode(script, (UnixFileMode)0x1ED);
            return (bin, log);
        }

        private static ChangePlan LoginPlan() => new ChangePlan("login", "log in to the model registry", new PlanStep[]
        {
            new CommandStep("registry.login", "run", "registry", "log in with the site's key",
                new[] { new[] { "autoglm-fake-login", "--user", "svc", Secret } },
                c => c.System.ReadFile("/etc/autoglm/logged-in").Exists ? StepCheck.Satisfied("logged in") : StepCheck.Needed("not logged in")),
        });

        private static ApplyOptions Options()
        {
            var options = new ApplyOptions { CommandTimeout = TimeSpan.FromSeconds(30) };
            options.Secrets.Add(Secret);
            return options;
        }

        private static string Everything(TempDir root, ApplyResult result, RecordingOutput output)
        {
            var state = root.Combine("var", "lib", "autoglm");
            var files = Directory.Exists(state) ? Directory.GetFiles(state, "*", SearchOption.AllDirectories).Select(File.ReadAllText) : Enumerable.Empty<string>();
            return string.Join("\n", output.Lines.Concat(files).Append(AutoGlm.Engine.Json.Json.Serialize(result.ToJson())).Append(result.Message));
        }

        [Fact]
        public void TheDebugStreamShowsTheCommandWithTheSecretMasked()
        {
            using var dir = new TempDir();
            using var root = new TempDir();
            var (bin, log) = FakeTool(dir, root, fail: false);
            var system = new LiveSystem(root.Path, path: bin + ":" + Environment.GetEnvironmentVariable("PATH"));
            var output = new RecordingOutput();

            var result = PlanExecutor.Apply(LoginPlan(), system, Options(), output);

            Assert.Equal("changed", result.Status);
            Assert.Equal("--user svc " + Secret, File.ReadAllText(log).Trim());
            var line = Assert.Single(output.DebugLines, l => l.Contains("autoglm-fake-login"));
            Assert.Equal("run: autoglm-fake-login --user svc ****", line);
            Assert.DoesNotContain(Secret, Everything(root, result, output));
        }

        [Fact]
        public void AFailingCommandsMessageMasksTheSecretItPrinted()
        {
            using var dir = new TempDir();
            using var root = new TempDir();
            var (bin, log) = FakeTool(dir, root, fail: true);
            var system = new LiveSystem(root.Path, path: bin + ":" + Environment.GetEnvironmentVariable("PATH"));
            var output = new RecordingOutput();

            var result = PlanExecutor.Apply(LoginPlan(), system, Options(), output);

            Assert.Contains(Secret, File.ReadAllText(log));
            Assert.NotEqual("changed", result.Status);
            Assert.Contains("rejected by the server", result.Message);
            Assert.Contains("****", result.Message);
            Assert.Contains(output.DebugLines, l => l == "run: autoglm-fake-login --user svc ****");
            Assert.DoesNotContain(Secret, Everything(root, result, output));
        }
    }
}
