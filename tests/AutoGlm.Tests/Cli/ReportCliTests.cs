using System.IO;
using System.Linq;
using System.Xml.Linq;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.EndToEnd
{
    /// <summary>`autoglm test --format junit|prometheus [--out FILE]` on a fixture root with fake tools.</summary>
    public class ReportCliTests
    {
        [Fact]
        public void PrometheusGoesAtomicallyToTheTextfileAndTheExitCodeStillAnswers()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Python("python3", "3.10.12", venv: true, ensurepip: false);
            using var dir = new TempDir();
            var prom = dir.Combine("autoglm.prom");
            var r = Cli.Run(fx.PathVariable, "test", "--root", fx.RootPath, "--format", "prometheus", "--out", prom);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal("", r.Stdout);
            Assert.Equal(new[] { "autoglm.prom" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName));
            var text = File.ReadAllText(prom);
            Assert.Contains("autoglm_check_status{id=\"python.venv.available\",category=\"python\",severity=\"high\",status=\"fail\"} 1\n", text);
            Assert.Contains("autoglm_checks{status=\"fail\"} 1\n", text);
            Assert.Contains("autoglm_info{version=\"", text);
            Assert.Contains("profile=\"vllm-server\"} 1\n", text);
        }

        [Fact]
        public void JUnitOnStdoutParsesAndCarriesTheProfile()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            var r = Cli.Run(fx.PathVariable, "test", "--root", fx.RootPath, "--format", "junit", "--category", "gpu", "--category", "driver");
            Assert.Equal(0, r.ExitCode);
            var doc = XDocument.Parse(r.Stdout);
            Assert.Equal(new[] { "autoglm.gpu", "autoglm.driver" }, doc.Root!.Elements("testsuite").Select(s => (string)s.Attribute("name")!));
            Assert.Equal("0", (string)doc.Root.Attribute("failures")!);
            Assert.Contains(doc.Descendants("property"), p => (string)p.Attribute("name")! == "profile" && (string)p.Attribute("value")! == "vllm-server");
        }

        [Theory]
        [InlineData("test --out x.json", "--out writes a report: pass --format json, junit or prometheus")]
        [InlineData("test --list-checks --format junit", "--list-checks prints a table or JSON, not junit")]
        [InlineData("test --format json --out /nonexistent/dir/r.json", "The folder '/nonexistent/dir' does not exist")]
        public void ReportMisuseExitsTwo(string commandLine, string expected)
        {
            var r = Cli.Run(null, commandLine.Split(' '));
            Assert.Equal(2, r.ExitCode);
            Assert.Contains(expected, r.Stderr);
        }
    }
}
