using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Resolve;
using AutoGlm.Tests.Deploy;
using AutoGlm.Tests.Python;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.EndToEnd
{
    /// <summary>`autoglm install` run as a process: bad input, and --what-if --format json as the Ansible example reads it.</summary>
    [Collection("apt")]
    public class InstallCliTests
    {
        [Theory]
        [InlineData("--profile", "no-such-profile", "ProfileNotFound", "no-such-profile")]
        [InlineData("--port", "70000", "ServicePortInvalid", "70000")]
        [InlineData("--port", "80a", "ServicePortInvalid", "80a")]
        [InlineData("--repository-url", "ext::sh -c touch% /tmp/pwned", "RepositoryUrlUnsafe", "ext::sh")]
        [InlineData("--repository-url", "https://github.com/zai-org/Open-AutoGLM.git;rm -rf /", "RepositoryUrlUnsafe", "Open-AutoGLM")]
        public void BadInputExitsTwoWithOneLineNamingItAndChangesNothing(string option, string value, string errorId, string named)
        {
            using var root = new TempDir("autoglm-install-cli");
            File.WriteAllText(root.Combine("marker"), "untouched");
            var args = new List<string> { "install", "--root", root.Path, "--install-path", "/opt/autoglm", "--force" };
            if (option != "--profile") args.AddRange(new[] { "--profile", "vllm-server" });
            args.AddRange(new[] { option, value });
            var r = Cli.Run(null, args.ToArray());
            Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}\n{r.Stderr}\n{r.Stdout}");
            Assert.Equal("", r.Stdout);
            var line = Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
            Assert.StartsWith("autoglm: error: ", line);
            Assert.EndsWith($"[{errorId}]", line);
            Assert.Contains(named, line);
            Assert.Equal(new[] { root.Combine("marker") }, Directory.GetFileSystemEntries(root.Path, "*", SearchOption.AllDirectories));
        }

        [Fact]
        public void WhatIfWithTheDriverRepositoryUnreachableIsCompleteAndSaysWhichVersionsWaitForTheApply()
        {
            using var rig = new InstallRig();
            var stack = StackService.Resolve(new ResolveRequest { Profile = "vllm-server", Root = rig.Root }, NullOutput.Instance);
            foreach (var p in stack.Packages) Wheels.Build(rig.Wheelhouse, p.Name, p.Version);
            var before = rig.Tree();
            // Every HTTP request outside this machine's loopback would fail at the closed proxy; the driver repository itself is a closed port.
            var env = new Dictionary<string, string>(AutoGlm.Tests.Install.InstallDriverCliTests.NoNetwork)
            {
                ["GIT_CONFIG_GLOBAL"] = rig.Environment["GIT_CONFIG_GLOBAL"]!, ["GIT_CONFIG_NOSYSTEM"] = "1", ["no_proxy"] = "127.0.0.1", ["NO_PROXY"] = "127.0.0.1",
            };
            const string closed = "http://127.0.0.1:9/cuda/";
            var r = Cli.Run(rig.Apt.Path_, env, "install", "--root", rig.Root, "--profile", "vllm-server", "--install-path", "/opt/autoglm",
                "--repository-url", "file://" + rig.Remote, "--ref", rig.Commit, "--allow-local", "--port", "auto", "--wheelhouse", rig.Wheelhouse,
                "--driver-repository-url", closed, "--model-path", InstallRig.ModelPath, "--model-manifest", rig.Manifest,
                "--model-url", $"http://127.0.0.1:{rig.Server.Port}/models/", "--what-if", "--format", "json");
            Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\n{r.Stderr}\n{r.Stdout}");
            var json = (IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(r.Stdout)!;
            var steps = ((IList<object?>)json["steps"]!).Cast<IDictionary<string, object?>>().ToList();
            var install = steps.Single(s => (string)s["id"]! == "driver/driver.install");
            Assert.Equal($"version resolved from {closed} at apply time", install["detail"]);
            Assert.Contains(steps, s => (string)s["id"]! == "python/python.venv");
            Assert.Equal("proof/proof.chat", steps.Last()["id"]);
            Assert.Equal(before, rig.Tree());
        }

        [Fact]
        public void WhatIfAsJsonSaysChangedAsTheAnsibleExampleReadsItAndChangesNothing()
        {
            using var rig = new InstallRig();
            // A wheelhouse with a stand-in wheel of every package the resolved stack pins: the lock is made at plan time.
            var stack = StackService.Resolve(new ResolveRequest { Profile = "vllm-server", Root = rig.Root }, NullOutput.Instance);
            Assert.True(stack.Resolved, string.Join("; ", stack.Conflicts));
            foreach (var p in stack.Packages) Wheels.Build(rig.Wheelhouse, p.Name, p.Version);
            var before = rig.Tree();

            var env = new Dictionary<string, string> { ["GIT_CONFIG_GLOBAL"] = rig.Environment["GIT_CONFIG_GLOBAL"]!, ["GIT_CONFIG_NOSYSTEM"] = "1" };
            var r = Cli.Run(rig.Apt.Path_, env, "install", "--root", rig.Root, "--profile", "vllm-server", "--install-path", "/opt/autoglm",
                "--repository-url", "file://" + rig.Remote, "--ref", rig.Commit, "--allow-local", "--port", "auto", "--wheelhouse", rig.Wheelhouse,
                "--driver-repository-url", rig.Apt.RepoUrl, "--model-path", InstallRig.ModelPath, "--model-manifest", rig.Manifest,
                "--model-url", $"http://127.0.0.1:{rig.Server.Port}/models/", "--what-if", "--format", "json");
            Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\n{r.Stderr}\n{r.Stdout}");

            // One JSON object on stdout; `changed` is a bool, true on this fresh host, and agrees with the step count.
            var json = (IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(r.Stdout)!;
            Assert.Equal("install-host", json["plan"]);
            Assert.True(json["changed"] is bool changed && changed, r.Stdout);
            Assert.True((long)json["changes"]! > 0);
            var steps = ((IList<object?>)json["steps"]!).Cast<IDictionary<string, object?>>().Select(s => (string)s["id"]!).ToList();
            Assert.Contains("driver/driver.install", steps);
            Assert.Equal("proof/proof.chat", steps.Last());
            // The Ansible role decides changed from that key, in check mode (--what-if) too.
            var role = File.ReadAllText(Path.Combine(Repo.Root, "ansible", "roles", "autoglm", "tasks", "main.yml"));
            Assert.Contains("'--what-if'", role);
            Assert.Contains("(autoglm_install_run.stdout | from_json).changed", role);

            // Nothing changed in the isolated root.
            Assert.Equal(before, rig.Tree());
            Assert.False(Directory.Exists(rig.Real("/var/lib/autoglm")));
            Assert.False(Directory.Exists(rig.Real("/opt/autoglm")));
        }
    }
}
