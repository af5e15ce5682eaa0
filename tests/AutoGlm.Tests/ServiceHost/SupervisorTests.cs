using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using AutoGlm.ServiceHost;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.ServiceHost
{
    /// <summary>
    /// Run alone: these tests fork many children and send signals, and a fork while another test has just written a
    /// script it is about to run can make that exec fail with "Text file busy".
    /// </summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class ChildProcessCollection
    {
        public const string Name = "service host child processes";
    }

    /// <summary>The supervisor with real children: sh scripts that serve, crash, ignore signals and flood the log.</summary>
    [Collection(ChildProcessCollection.Name)]
    public sealed class SupervisorTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir("autoglm-svchost");

        public void Dispose() => _dir.Dispose();

        private string LogPath => Path.Combine(_dir.Path, "logs", "svc.log");
        private string Log => File.Exists(LogPath) ? ReadShared(LogPath) : "";

        private static string ReadShared(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new StreamReader(stream).ReadToEnd();
        }

        private HostConfig Config(string script, double stopTimeout = 5, double maxMb = 10, int keep = 5, string? envFile = null) => new HostConfig
        {
            Name = "svc",
            Executable = "/bin/sh",
            Arguments = new[] { "-c", script },
            WorkingDirectory = _dir.Path,
            EnvironmentFile = envFile,
            Environment = new Dictionary<string, string> { ["PLAIN"] = "plain value" },
            StopTimeout = TimeSpan.FromSeconds(stopTimeout),
            RestartDelay = TimeSpan.FromMilliseconds(50),
            MaxRestartDelay = TimeSpan.FromMilliseconds(200),
            ResetAfter = TimeSpan.FromMinutes(1),
            LogDirectory = Path.Combine(_dir.Path, "logs"),
            LogFile = "svc.log",
            LogMaxBytes = (long)(maxMb * 1024 * 1024),
            LogKeepFiles = keep,
        };

        private static Supervisor Start(HostConfig config, out RotatingLog log)
        {
            log = new RotatingLog(config.LogDirectory, config.LogFile, config.LogMaxBytes, config.LogKeepFiles);
            var supervisor = new Supervisor(config, new SystemProcessLauncher(), log);
            supervisor.Start();
            return supervisor;
        }

        private void WaitFor(Func<bool> condition, string what, int seconds = 20)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(seconds)) throw new TimeoutException($"waited {seconds} s for {what}; log:\n{Log}");
                Thread.Sleep(25);
            }
        }

        [Fact]
        public void TheChildGetsItsArgvDirectoryAndEnvironmentAndTheSecretsStayOutOfTheHostsLines()
        {
            var env = Path.Combine(_dir.Path, "svc.env");
            File.WriteAllText(env, "# secrets\nHF_TOKEN=\"hf_super_secret_42\"\n");
            var config = Config("echo \"cwd=$(pwd)\"; echo \"token=${HF_TOKEN:+set}\"; echo \"plain=$PLAIN\"; echo \"args=$0\" >&2; exec sleep 30", envFile: env);
            config.Arguments = config.Arguments.Concat(new[] { "{\"max_pixels\":5000000}" }).ToList();
            var supervisor = Start(config, out var log);
            using (log)
            {
                WaitFor(() => Log.Contains("\nargs="), "the child's output"); // at a line start: the host's "started" line quotes the script
                supervisor.Stop();
            }
            var text = Log;
            Assert.Contains($"cwd={_dir.Path}\n", text);
            Assert.Contains("token=set\n", text);
            Assert.Contains("plain=plain value\n", text);
            Assert.Contains("args={\"max_pixels\":5000000}\n", text);
            Assert.Contains($"environment: 1 value(s) from {env} (not shown)", text);
            Assert.DoesNotContain("hf_super_secret_42", text);
            Assert.False(supervisor.Killed);
            Assert.Equal(1, supervisor.Starts);
        }

        [Fact]
        public void StopAsksFirstAndAChildThatListensExitsCleanly()
        {
            var supervisor = Start(Config("trap 'echo graceful-exit; exit 0' TERM; echo ready; while :; do sleep 0.1; done"), out var log);
            using (log)
            {
                WaitFor(() => Log.Contains("\nready\n"), "the child to start");
                var clock = Stopwatch.StartNew();
                supervisor.Stop();
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"stop took {clock.Elapsed}");
            }
            Assert.False(supervisor.Killed);
            Assert.Contains("\ngraceful-exit\n", Log);
            Assert.Contains("process exited with code 0 after the stop request", Log);
            Assert.DoesNotContain("restarting", Log);
        }

        [Fact]
        public void AChildThatIgnoresTheStopIsKilledWithItsChildrenAfterTheTimeout()
        {
            // An ignored SIGTERM is inherited: the background sleep ignores it too, like a stuck worker process.
            var supervisor = Start(Config("trap '' TERM; sleep 300 & echo \"grandchild=$!\"; while :; do sleep 0.1; done", stopTimeout: 1), out var log);
            int grandchild;
            using (log)
            {
                WaitFor(() => Regex.IsMatch(Log, @"grandchild=\d+"), "the grandchild's pid");
                grandchild = int.Parse(Regex.Match(Log, @"grandchild=(\d+)").Groups[1].Value);
                var clock = Stopwatch.StartNew();
                supervisor.Stop();
                Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 8);
            }
            Assert.True(supervisor.Killed);
            Assert.Contains("did not exit within 1 s: ending it and its children", Log);
            WaitFor(() => Gone(grandchild), $"grandchild {grandchild} to be gone", 5);
        }

        private static bool Gone(int pid)
        {
            var stat = $"/proc/{pid}/stat";
            if (!File.Exists(stat)) return true;
            try { return File.ReadAllText(stat).Split(") ")[1].StartsWith("Z"); } // a zombie waits only for its reaper
            catch (IOException) { return true; }
        }

        [Fact]
        public void ACrashingChildIsRestartedWithGrowingDelays()
        {
            var supervisor = Start(Config("echo crash-now; exit 3"), out var log);
            using (log)
            {
                WaitFor(() => supervisor.Starts >= 5, "five starts");
                supervisor.Stop();
            }
            Assert.Equal(new[] { 50.0, 100, 200, 200 }, supervisor.RestartDelays.Take(4).Select(d => d.TotalMilliseconds));
            Assert.Contains("process exited with code 3", Log);
            Assert.True(Regex.Matches(Log, "^crash-now$", RegexOptions.Multiline).Count >= 5);
            Assert.Contains("restarting in 0.2 s", Log);
        }

        [Fact]
        public void AMissingExecutableIsLoggedAndRetriedNotThrown()
        {
            var config = Config("unused");
            config.Executable = Path.Combine(_dir.Path, "no-such-python");
            var supervisor = Start(config, out var log);
            using (log)
            {
                WaitFor(() => supervisor.RestartDelays.Count >= 3, "three retries");
                supervisor.Stop();
            }
            Assert.Equal(0, supervisor.Starts);
            Assert.Contains($"could not start {config.Executable}", Log);
        }

        [Fact]
        public void AFloodOfOutputIsRotatedByTheSizeLimitWithoutLosingTheEnd()
        {
            var script = "i=0; while [ $i -lt 20000 ]; do echo \"line $i " + new string('x', 90) + "\"; i=$((i+1)); done; echo end-of-flood >&2; exec sleep 30";
            var supervisor = Start(Config(script, maxMb: 0.25, keep: 3), out var log);
            using (log)
            {
                WaitFor(() => Log.Contains("\nend-of-flood\n"), "the end of the flood", 60);
                supervisor.Stop();
            }
            var files = Directory.GetFiles(Path.GetDirectoryName(LogPath)!).Select(Path.GetFileName).OrderBy(n => n).ToList();
            Assert.Equal(new[] { "svc.log", "svc.log.1", "svc.log.2", "svc.log.3" }, files);
            foreach (var f in files) Assert.InRange(new FileInfo(Path.Combine(Path.GetDirectoryName(LogPath)!, f!)).Length, 1, 256 * 1024);
            var kept = new[] { ".3", ".2", ".1", "" }.SelectMany(s => File.ReadAllLines(LogPath + s)).Where(l => l.StartsWith("line ")).ToList();
            Assert.All(kept, l => Assert.Matches(@"^line \d+ x{90}$", l));
            Assert.Equal("line 19999 " + new string('x', 90), kept.Last());
        }

        [Fact]
        public void TheRuntimeRefusesABadDefinitionOrAnUnreadableSecretsFileBeforeStarting()
        {
            var path = Path.Combine(_dir.Path, "svc.json");
            File.WriteAllText(path, "{ \"name\": \"svc\" ");
            var ex = Assert.Throws<HostConfigException>(() => HostRuntime.Start(path, new SystemProcessLauncher()));
            Assert.Contains(path, ex.Message);
            File.WriteAllText(path, "{\"name\":\"svc\",\"executable\":\"/bin/true\",\"environmentFile\":\"" + _dir.Combine("missing.env") + "\",\"log\":{\"directory\":\"" + _dir.Combine("logs") + "\",\"file\":\"svc.log\"}}");
            ex = Assert.Throws<HostConfigException>(() => HostRuntime.Start(path, new SystemProcessLauncher()));
            Assert.Contains("missing.env", ex.Message);
            Assert.False(File.Exists(LogPath));
        }

        [Fact]
        public void ArgumentsSurviveTheWindowsCommandLineRoundTrip()
        {
            var args = new[] { "plain", "", "two words", "{\"image\":10}", @"C:\Program Files\AutoGlm\", "a\\\\\"b", "tab\there", @"end\" };
            var psi = new ProcessStartInfo("/bin/sh", CommandLine.Join(new[] { "-c", "for a; do printf '[%s]\\n' \"$a\"; done", "sh" }.Concat(args)))
            { RedirectStandardOutput = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.Equal(args.Select(a => "[" + a + "]"), output.TrimEnd('\n').Split('\n'));
            Assert.Equal("\"{\\\"image\\\":10}\"", CommandLine.Quote("{\"image\":10}"));
            Assert.Equal("\"C:\\Program Files\\AutoGlm\\\\\"", CommandLine.Quote(@"C:\Program Files\AutoGlm\"));
        }
    }
}
