using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Python
{
    /// <summary>
    /// `autoglm venv sync` SIGKILLed (with its process group, pip included) while real pip is downloading from a
    /// local index that stalls one wheel: nothing of the engine's runs after the kill, and the old venv must still work.
    /// </summary>
    public class VenvKillTests
    {
        private static string Facts => Path.Combine(Repo.Root, "tests", "fixtures", "hosts", "rtx5090-ubuntu2404-570-proprietary.json");

        /// <summary>
        /// A PEP 503 index over a directory (http.server), on a free port written to STATE/port. Every request path is
        /// appended to STATE/requests.log. While STATE/slow exists, a .whl whose path contains its text gets its headers
        /// and half its body, then STATE/stalled is written and the rest waits until STATE/slow is removed (at most 120 s).
        /// </summary>
        private const string Server = @"
import functools, http.server, os, sys, time
root, state = sys.argv[1], sys.argv[2]
slow = os.path.join(state, 'slow')
class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass
    def do_GET(self):
        with open(os.path.join(state, 'requests.log'), 'a') as log: log.write(self.path + '\n')
        try: pattern = open(slow).read().strip()
        except OSError: pattern = None
        if not (pattern and self.path.endswith('.whl') and pattern in self.path): return super().do_GET()
        data = open(self.translate_path(self.path), 'rb').read()
        self.send_response(200)
        self.send_header('Content-Type', 'application/octet-stream')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data[:len(data) // 2]); self.wfile.flush()
        with open(os.path.join(state, 'stalled'), 'w') as f: f.write(self.path)
        end = time.time() + 120
        while os.path.exists(slow) and time.time() < end: time.sleep(0.1)
        try: self.wfile.write(data[len(data) // 2:])
        except OSError: pass
http.server.ThreadingHTTPServer.daemon_threads = True
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Handler, directory=root))
with open(os.path.join(state, 'port.tmp'), 'w') as f: f.write(str(server.server_address[1]))
os.rename(os.path.join(state, 'port.tmp'), os.path.join(state, 'port'))
server.serve_forever()
";

        private static void WaitFor(Func<bool> condition, TimeSpan timeout, Func<string> what)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.Elapsed > timeout) throw new TimeoutException($"waited {timeout.TotalSeconds:0} s for {what()}");
                Thread.Sleep(100);
            }
        }

        /// <summary>The command lines of the live processes in a process group (Linux /proc).</summary>
        private static List<string> GroupCommands(int group)
        {
            var found = new List<string>();
            foreach (var dir in Directory.GetDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out _)) continue;
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' '); // state ppid pgrp ...
                    if (fields[0] == "Z" || int.Parse(fields[2]) != group) continue;
                    found.Add(File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim());
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is FormatException) { } // gone meanwhile
            }
            return found;
        }

        private static void KillGroup(int group)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-KILL", "--", "-" + group }, RedirectStandardError = true, UseShellExecute = false })!;
            kill.WaitForExit(10_000);
        }

        /// <summary>Every distribution of the venv with its version, as its own python reports it after importing each.</summary>
        private static string Imported(string python)
        {
            var (code, output) = VenvSyncTests.Run(python, "-c",
                "import importlib, importlib.metadata as m\n" +
                "for d in sorted(m.distributions(), key=lambda d: d.metadata['Name']):\n" +
                "    name = d.metadata['Name']; importlib.import_module(name.replace('-', '_'))\n" +
                "    print(name, d.version)");
            Assert.True(code == 0, output);
            return output;
        }

        [Fact]
        public void ASyncKilledWhilePipDownloadsLeavesTheOldVenvAndResumes()
        {
            using var root = new TempDir();
            using var tmp = new TempDir();
            var v1 = Wheels.Wheelhouse(tmp.Combine("wheels"));
            Wheels.Build(v1, "nvidia-cudnn-cu12", "9.16.0.29");
            // v2: a newer requests and tokenizers, served by a local index (PEP 658 metadata beside each wheel).
            var v2 = Wheels.Wheelhouse(tmp.Combine("wheels2"));
            Wheels.Build(v2, "nvidia-cudnn-cu12", "9.16.0.29");
            Wheels.Build(v2, "requests", "2.33.0");
            Wheels.Build(v2, "tokenizers", "0.22.2");
            IndexLockTests.FileIndex(tmp, v2);
            var state = Directory.CreateDirectory(tmp.Combine("server")).FullName;
            var venv = root.Combine("opt", "autoglm", "venv");
            var python = Path.Combine(venv, "bin", "python");
            var journal = root.Combine("var", "lib", "autoglm", "journal", "python-venv.json");
            var environment = new Dictionary<string, string>
            {
                ["AUTOGLM_INSTALLER"] = "pip", ["PIP_CACHE_DIR"] = tmp.Combine("pip-cache"), ["PIP_TIMEOUT"] = "120", ["PIP_CONFIG_FILE"] = "/dev/null",
            };
            string[] Sync(params string[] more) => new[] { "venv", "sync", "--profile", "sglang-server", "--facts", Facts, "--root", root.Path, "--timeout", "120" }.Concat(more).ToArray();

            var first = Cli.Run(null, environment, Sync("--wheelhouse", v1, "--force"));
            Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
            var v1Set = Imported(python);
            Assert.Contains("requests 2.32.0\n", v1Set);
            Assert.Contains("transformers 5.0.0rc0\n", v1Set);
            var before = VenvSyncTests.Tree(venv);

            Process? server = null, cli = null;
            try
            {
                var serverStart = new ProcessStartInfo("python3") { UseShellExecute = false, RedirectStandardError = true, ArgumentList = { "-c", Server, tmp.Path, state } };
                server = Process.Start(serverStart)!;
                var portFile = Path.Combine(state, "port");
                WaitFor(() => File.Exists(portFile) || server.HasExited, TimeSpan.FromSeconds(30), () => "the index server's port");
                Assert.False(server.HasExited, server.HasExited ? server.StandardError.ReadToEnd() : "");
                var index = $"http://127.0.0.1:{File.ReadAllText(portFile)}/simple";

                // The override phase's wheel stalls mid-body: the base phase is installed in the new folder by then,
                // and pip is downloading the second phase when the kill lands.
                File.WriteAllText(Path.Combine(state, "slow"), "transformers-5.0.0rc0");
                var psi = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var a in new[] { "dotnet", Repo.CliDll }.Concat(Sync("--index-url", index, "--force"))) psi.ArgumentList.Add(a);
                foreach (var kv in environment) psi.Environment[kv.Key] = kv.Value;
                cli = Process.Start(psi)!; // setsid execs in place (the child is no group leader): its pid leads the new group
                cli.StandardInput.Close();
                var stdout = cli.StandardOutput.ReadToEndAsync();
                var stderr = cli.StandardError.ReadToEndAsync();
                var stalled = Path.Combine(state, "stalled");
                WaitFor(() => File.Exists(stalled) || cli.HasExited, TimeSpan.FromSeconds(150), () => "pip to fetch the stalled wheel");
                Assert.False(cli.HasExited, "the sync ended before the kill: " + (cli.HasExited ? stdout.Result + stderr.Result : ""));
                var running = GroupCommands(cli.Id);
                Assert.Contains(running, c => c.Contains(" -m pip ") && c.Contains(" install ") && c.EndsWith("requirements-override.lock"));

                KillGroup(cli.Id);
                Assert.True(cli.WaitForExit(30_000), "the killed sync did not exit");
                WaitFor(() => GroupCommands(cli.Id).Count == 0, TimeSpan.FromSeconds(30), () => "pip to die with its group: " + string.Join("; ", GroupCommands(cli.Id)));
                File.Delete(Path.Combine(state, "slow"));

                // The old venv is as it was and imports every v1 distribution at its v1 version; the half-built one
                // (base phase done, override not) is left beside it, and the journal says the run did not finish.
                Assert.Equal(before, VenvSyncTests.Tree(venv));
                Assert.Equal(v1Set, Imported(python));
                var site = Directory.GetDirectories(Path.Combine(venv + ".autoglm-new", "lib"), "python3*").Single() + "/site-packages";
                Assert.True(Directory.Exists(Path.Combine(site, "requests-2.33.0.dist-info")));
                Assert.True(Directory.Exists(Path.Combine(site, "transformers-4.57.1.dist-info")));
                Assert.Contains("\"status\": \"running\"", File.ReadAllText(journal));

                // Without --resume the next sync refuses, naming the run and where it stopped; nothing changes.
                var refused = Cli.Run(null, environment, Sync("--index-url", index, "--force"));
                Assert.Equal(2, refused.ExitCode);
                Assert.Contains("[RunInterrupted]", refused.Stderr);
                Assert.Contains("'python-venv' run did not finish: it stopped at step 'python.venv' (started)", refused.Stderr);
                Assert.Contains("--resume", refused.Stderr);
                Assert.Equal(before, VenvSyncTests.Tree(venv));
                Assert.True(Directory.Exists(venv + ".autoglm-new"));

                // --resume finishes it: v2 swapped in, the leftover folder cleared, the journal finished.
                var resumed = Cli.Run(null, environment, Sync("--index-url", index, "--resume"));
                Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
                var v2Set = Imported(python);
                Assert.Contains("requests 2.33.0\n", v2Set);
                Assert.Contains("tokenizers 0.22.2\n", v2Set);
                Assert.Contains("transformers 5.0.0rc0\n", v2Set);
                Assert.Equal(v1Set.Split('\n').Length, v2Set.Split('\n').Length);
                Assert.False(Directory.Exists(venv + ".autoglm-new"));
                Assert.False(Directory.Exists(venv + ".autoglm-old"));
                Assert.DoesNotContain("\"status\": \"running\"", File.ReadAllText(journal));
                var again = Cli.Run(null, environment, Sync("--index-url", index, "--force", "--format", "json"));
                Assert.Contains("\"status\": \"converged\"", again.Stdout);
            }
            finally
            {
                if (cli != null && !cli.HasExited) KillGroup(cli.Id);
                if (server != null && !server.HasExited) { server.Kill(true); server.WaitForExit(10_000); }
                cli?.Dispose();
                server?.Dispose();
            }
        }
    }
}
