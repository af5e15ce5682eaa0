using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Services
{
    /// <summary>`autoglm service` as a process, on an isolated root with the fake tools on PATH.</summary>
    public class ServiceCliTests
    {
        private static IDictionary<string, object?> Json(string text) => (IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(text)!;

        [Fact]
        public void RegisterStatusUnregisterThroughTheCli()
        {
            using var server = CannedHttpServer.OpenAi();
            using var rig = new ServiceRig();
            var before = rig.Tree();
            var port = server.Port.ToString();

            var whatIf = Cli.Run(rig.BinPath, "service", "register", "--root", rig.RootPath, "--port", port, "--env", "HF_TOKEN=hf_cli_secret", "--what-if");
            Assert.True(whatIf.ExitCode == 0, whatIf.Stderr + whatIf.Stdout);
            Assert.Contains("ExecStart=/opt/autoglm/venv/bin/python3", whatIf.Stdout);
            Assert.Contains("run: useradd --system", whatIf.Stdout);
            Assert.DoesNotContain("hf_cli_secret", whatIf.Stdout);
            Assert.Equal(before, rig.Tree());

            var register = Cli.Run(rig.BinPath, "service", "register", "--root", rig.RootPath, "--port", port, "--env", "HF_TOKEN=hf_cli_secret", "--force", "--format", "json");
            Assert.True(register.ExitCode == 0, register.Stderr + register.Stdout);
            Assert.Equal("changed", Json(register.Stdout)["status"]);
            Assert.DoesNotContain("hf_cli_secret", register.Stdout + register.Stderr);
            var journal = Directory.GetFiles(rig.Real("/var/lib/autoglm/journal"), "*.json").Single();
            Assert.DoesNotContain("hf_cli_secret", File.ReadAllText(journal));

            var status = Cli.Run(rig.BinPath, "service", "status", "--root", rig.RootPath, "--format", "json");
            Assert.True(status.ExitCode == 0, status.Stderr + status.Stdout);
            var s = Json(status.Stdout);
            Assert.Equal("active", s["active"]);
            Assert.Equal("enabled", s["enabled"]);
            Assert.Equal(true, s["healthy"]);

            var unregister = Cli.Run(rig.BinPath, "service", "unregister", "--root", rig.RootPath, "--force");
            Assert.True(unregister.ExitCode == 0, unregister.Stderr + unregister.Stdout);
            Assert.False(File.Exists(rig.Real("/etc/systemd/system/autoglm-vllm-server.service")));
            var after = Cli.Run(rig.BinPath, "service", "status", "--root", rig.RootPath);
            Assert.Equal(1, after.ExitCode);
            Assert.Contains("not healthy", after.Stdout);
        }

        [Fact]
        public void AProfileDefinedOnlyInASiteMatrixNamesTheServiceForStatusAndUnregister()
        {
            using var rig = new ServiceRig();
            using var site = new TempDir();
            var file = site.Combine("site.yaml");
            File.WriteAllText(file, "schemaVersion: 1\nprofiles:\n  - id: site-server\n    extends: vllm-server\n    source: test\n");

            var status = Cli.Run(rig.BinPath, "service", "status", "--root", rig.RootPath, "--profile", "site-server", "--matrix", file, "--format", "json");
            Assert.True(status.ExitCode == 1, status.Stderr + status.Stdout); // not registered: not healthy, but found
            Assert.Equal("autoglm-site-server", Json(status.Stdout)["name"]);

            var unregister = Cli.Run(rig.BinPath, "service", "unregister", "--root", rig.RootPath, "--profile", "site-server", "--matrix", file, "--what-if");
            Assert.True(unregister.ExitCode == 0, unregister.Stderr + unregister.Stdout);
            Assert.Contains("autoglm-site-server", unregister.Stdout);

            // Without the site file the profile does not exist, and the error says so.
            var without = Cli.Run(rig.BinPath, "service", "status", "--root", rig.RootPath, "--profile", "site-server");
            Assert.Equal(2, without.ExitCode);
            Assert.Contains("[ProfileNotFound]", without.Stderr);
        }

        [Theory]
        [InlineData("--port", "99999", "ServicePortInvalid")]
        [InlineData("--name", "x/../../etc", "ServiceNameInvalid")]
        [InlineData("--venv", "/nowhere", "ServiceVenvNotFound")]
        public void BadInputExitsTwoNamingTheErrorAndChangesNothing(string option, string value, string errorId)
        {
            using var rig = new ServiceRig();
            var before = rig.Tree();
            var r = Cli.Run(rig.BinPath, "service", "register", "--root", rig.RootPath, option, value, "--force");
            Assert.Equal(2, r.ExitCode);
            Assert.Contains($"[{errorId}]", r.Stderr);
            Assert.Equal(before, rig.Tree());
            Assert.Empty(rig.Calls);
        }
    }
}
