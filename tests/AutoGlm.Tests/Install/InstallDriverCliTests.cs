using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Install
{
    /// <summary>`autoglm install-driver` end to end: the JSON plan, applying in an isolated root, exit codes.</summary>
    [Collection("apt")]
    public class InstallDriverCliTests
    {
        private static readonly string Facts = Path.Combine(Repo.Root, "tests", "fixtures", "hosts", "h100-ubuntu2204-nodriver.json");

        [Fact]
        public void WhatIfPrintsThePlanAsJsonAndChangesNothing()
        {
            using var apt = new AptSandbox().WithNvidiaRepository();
            apt.Publish();
            var before = apt.Tree();

            var run = Cli.Run(apt.Path_, "install-driver", "--what-if", "--format", "json", "--root", apt.Root, "--facts", Facts,
                "--repository-url", apt.RepoUrl, "--profile", "vllm-server");

            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Equal(before, apt.Tree());
            var plan = (IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(run.Stdout)!;
            var steps = ((IEnumerable<object?>)plan["steps"]!).Cast<IDictionary<string, object?>>().ToList();
            Assert.All(steps, s => Assert.True(s.ContainsKey("id") && s.ContainsKey("action") && s.ContainsKey("target") && s.ContainsKey("commands") && s.ContainsKey("reboot")));
            var install = steps.Single(s => (string)s["id"]! == "driver.install");
            var argv = ((IEnumerable<object?>)((IEnumerable<object?>)install["commands"]!).Single()!).Cast<string>().ToList();
            Assert.Equal("apt-get", argv[0]);
            Assert.Contains("nvidia-open=595.58.03-1", argv);
        }

        /// <summary>Proxies on a closed local port: any HTTP request the CLI makes fails at once instead of leaving the machine.</summary>
        internal static readonly Dictionary<string, string> NoNetwork = new Dictionary<string, string>
        {
            ["http_proxy"] = "http://127.0.0.1:9", ["https_proxy"] = "http://127.0.0.1:9", ["HTTP_PROXY"] = "http://127.0.0.1:9", ["HTTPS_PROXY"] = "http://127.0.0.1:9",
            ["no_proxy"] = "", ["NO_PROXY"] = "",
        };

        /// <summary>--root probes the root itself: give it an OS and a GPU (an H100 on PCI) the probes can see.</summary>
        private static void StageHost(string root)
        {
            Directory.CreateDirectory(Path.Combine(root, "etc"));
            File.WriteAllText(Path.Combine(root, "etc/os-release"), "ID=ubuntu\nVERSION_ID=\"22.04\"\nPRETTY_NAME=\"Ubuntu 22.04.5 LTS\"\n");
            var pci = Path.Combine(root, "sys/bus/pci/devices/0000:17:00.0");
            Directory.CreateDirectory(pci);
            File.WriteAllText(Path.Combine(pci, "vendor"), "0x10de\n");
            File.WriteAllText(Path.Combine(pci, "device"), "0x2330\n");
            File.WriteAllText(Path.Combine(pci, "class"), "0x030200\n");
        }

        private static List<IDictionary<string, object?>> Steps(IDictionary<string, object?> plan) =>
            ((IEnumerable<object?>)plan["steps"]!).Cast<IDictionary<string, object?>>().ToList();

        [Fact]
        public void WhatIfNeedsNoNetworkTheVersionsAreResolvedAtApplyTimeAndApplyingStillNeedsTheRepository()
        {
            using var apt = new AptSandbox().WithNvidiaRepository();
            apt.Publish();
            var before = apt.Tree();
            const string closed = "http://127.0.0.1:9/compute/cuda/repos/ubuntu2204/x86_64/";
            string[] Args(string command, params string[] extra) => new[] { command, "--what-if", "--format", "json", "--root", apt.Root, "--facts", Facts,
                "--profile", "vllm-server" }.Concat(extra).ToArray();

            var online = (IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(Cli.Run(apt.Path_, Args("install-driver", "--repository-url", apt.RepoUrl)).Stdout)!;
            foreach (var repository in new[] { new[] { "--repository-url", closed }, new string[0] /* NVIDIA's own, through the closed proxy */ })
            {
                var run = Cli.Run(apt.Path_, NoNetwork, Args("install-driver", repository));
                Assert.True(run.ExitCode == 0, run.Stderr);
                var plan = (IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(run.Stdout)!;
                // The plan is complete: the same steps as with the repository, in the same order.
                Assert.Equal(Steps(online).Select(s => s["id"]), Steps(plan).Select(s => s["id"]));
                var url = repository.Length > 0 ? closed : "https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2204/x86_64/";
                foreach (var id in new[] { "repo.keyring", "driver.pin", "driver.install", "driver.record" })
                {
                    var step = Steps(plan).Single(s => (string)s["id"]! == id);
                    Assert.Equal("change", step["status"]);
                    Assert.Equal($"version resolved from {url} at apply time", step["detail"]);
                }
                var install = Steps(plan).Single(s => (string)s["id"]! == "driver.install");
                Assert.Contains("nvidia-open=<version from the index>", ((IEnumerable<object?>)((IEnumerable<object?>)install["commands"]!).Single()!).Cast<string>());
                Assert.Contains(((IEnumerable<object?>)plan["notes"]!).Cast<string>(), n => n.Contains(url + " could not be read"));
                Assert.Equal(true, plan["changed"]);
            }

            // The CUDA toolkit too.
            var cuda = Cli.Run(apt.Path_, NoNetwork, Args("install-cuda", "--repository-url", closed));
            Assert.True(cuda.ExitCode == 0, cuda.Stderr);
            var cudaPlan = (IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(cuda.Stdout)!;
            Assert.Equal(new[] { "repo.keyring", "repo.source", "repo.update", "cuda.install", "cuda.hold", "cuda.environment" }, Steps(cudaPlan).Select(s => (string)s["id"]!));
            Assert.Equal(before, apt.Tree());

            // Applying reads the repository: unreachable, it is refused before anything changes, naming the URL.
            StageHost(apt.Root);
            var staged = apt.Tree();
            var apply = Cli.Run(apt.Path_, NoNetwork, "install-driver", "--root", apt.Root, "--repository-url", closed, "--profile", "vllm-server", "--force");
            Assert.Equal(2, apply.ExitCode);
            Assert.Contains("[RepositoryUnreachable]", apply.Stderr);
            Assert.Contains(closed, apply.Stderr);
            Assert.Equal(staged, apt.Tree());
        }

        [Theory]
        [InlineData("install-driver", "--cuda-version", "12.8")]
        [InlineData("install-cuda", "--driver-branch", "570")]
        [InlineData("install-cuda", "--driver-version", "570.195.03")]
        [InlineData("install-cuda", "--flavor", "open")]
        public void EachCommandTakesOnlyTheOptionsItsPlanUses(string command, string option, string value)
        {
            var run = Cli.Run(null, command, option, value, "--what-if", "--facts", Facts);
            Assert.Equal(2, run.ExitCode);
            Assert.Equal($"autoglm: error: '{command}' has no option '{option}'. See 'autoglm {command} --help'.\n", run.Stderr);
            Assert.DoesNotContain(option, Cli.Run(null, command, "--help").Stdout);
        }

        [Fact]
        public void ApplyWithoutATerminalNeedsForceThenConvergesAndASecondRunSaysSo()
        {
            using var apt = new AptSandbox().WithNvidiaRepository();
            apt.Publish();
            string[] Args(params string[] extra) => new[] { "install-driver", "--root", apt.Root, "--repository-url", apt.RepoUrl,
                "--profile", "vllm-server", "--driver-version", "595.45.04" }.Concat(extra).ToArray();
            StageHost(apt.Root);

            var refused = Cli.Run(apt.Path_, Args());
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains("--force", refused.Stderr);
            Assert.False(apt.Installed().ContainsKey("nvidia-open"));

            var first = Cli.Run(apt.Path_, Args("--force"));
            Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
            Assert.Equal(("595.45.04-1", true), apt.Installed()["nvidia-open"]);

            var second = Cli.Run(apt.Path_, Args("--force", "--format", "json"));
            Assert.Equal(0, second.ExitCode);
            Assert.Contains("\"status\": \"converged\"", second.Stdout);
        }
    }
}
