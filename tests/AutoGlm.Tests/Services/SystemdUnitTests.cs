using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Services;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Services
{
    /// <summary>The generated unit: golden text, semantics, and the real systemd-analyze verify and security.</summary>
    public class SystemdUnitTests
    {
        private static ServiceDefinition Define(ServiceRig rig, string profile, string? port = null, bool persistenced = true)
        {
            if (persistenced) rig.File("/usr/lib/systemd/system/nvidia-persistenced.service", "[Service]\nExecStart=/usr/bin/nvidia-persistenced\n");
            var request = new ServiceRequest { Profile = profile, Port = port };
            return ServicePlanner.Define(request, rig.Host(), ServiceRig.Matrix, new List<string>());
        }

        private static string Golden(string name) => Path.Combine(Repo.Root, "tests", "fixtures", "services", name);

        [Fact]
        public void VllmUnitMatchesTheGoldenFile()
        {
            using var rig = new ServiceRig();
            var unit = SystemdUnit.Render(Define(rig, "vllm-server"));
            // AUTOGLM_UPDATE_GOLDEN=1 rewrites the expected file; review its diff before committing it.
            if (Environment.GetEnvironmentVariable("AUTOGLM_UPDATE_GOLDEN") == "1") File.WriteAllText(Golden("autoglm-vllm-server.service"), unit);
            Assert.Equal(File.ReadAllText(Golden("autoglm-vllm-server.service")), unit);
        }

        [Fact]
        public void UnitCarriesTheProfilesLaunchArgumentsThroughTheVenv()
        {
            using var rig = new ServiceRig();
            var d = Define(rig, "sglang-server", port: "8123", persistenced: false);
            var unit = SystemdUnit.Render(d);
            var exec = Line(unit, "ExecStart");
            Assert.StartsWith("/opt/autoglm/venv/bin/python3 -m sglang.launch_server --model-path zai-org/AutoGLM-Phone-9B", exec);
            Assert.Contains("--mm-process-config \"{\\\"image\\\":{\\\"max_pixels\\\":5000000}}\"", exec);
            Assert.EndsWith("--port 8123", exec);
            Assert.Equal("network-online.target", Line(unit, "After"));
            Assert.Equal("/usr/bin/nvidia-smi -L", Line(unit, "ExecStartPre"));
            Assert.Equal("always", Line(unit, "Restart"));
            Assert.Equal("closed", Line(unit, "DevicePolicy"));
            Assert.DoesNotContain("MemoryDenyWriteExecute", unit.Split('\n').Where(l => !l.StartsWith("#")).Select(l => l));
            Assert.Equal(new[] { "/dev/nvidiactl rw", "/dev/nvidia-uvm rw", "/dev/nvidia-uvm-tools rw", "/dev/nvidia-modeset rw", "char-nvidia-frontend rw", "char-nvidia-uvm rw", "char-nvidia-caps rw" },
                Lines(unit, "DeviceAllow"));
            Assert.Equal("/var/cache/autoglm/autoglm-sglang-server", Line(unit, "ReadWritePaths"));
            Assert.Equal("/etc/autoglm/autoglm-sglang-server.env", Line(unit, "EnvironmentFile"));
            Assert.Equal("autoglm", Line(unit, "User"));
        }

        [Fact]
        public void PersistencedJoinsTheOrderingOnlyWhenInstalled()
        {
            using var rig = new ServiceRig();
            var unit = SystemdUnit.Render(Define(rig, "vllm-server", persistenced: true));
            Assert.Equal("network-online.target nvidia-persistenced.service", Line(unit, "After"));
            Assert.Equal("network-online.target nvidia-persistenced.service", Line(unit, "Wants"));
        }

        [Fact]
        public void ExecWordsQuoteSpecifiersDollarsAndQuotes()
        {
            Assert.Equal("--port", SystemdUnit.Quote("--port"));
            Assert.Equal("\"{\\\"image\\\":10}\"", SystemdUnit.Quote("{\"image\":10}"));
            Assert.Equal("100%%", SystemdUnit.Quote("100%"));
            Assert.Equal("\"a b $$HOME\"", SystemdUnit.Quote("a b $HOME"));
        }

        [Fact]
        public void EnvironmentFileEscapesWhatTheParserWouldInterpret()
        {
            var text = SystemdUnit.EnvironmentFileText(new Dictionary<string, string> { ["B_KEY"] = "x\"y$z`\\", ["A_KEY"] = "plain" });
            Assert.Equal(new[] { "A_KEY=\"plain\"", "B_KEY=\"x\\\"y\\$z\\`\\\\\"" }, text.Split('\n').Skip(1).Where(l => l.Length > 0));
        }

        [Theory]
        [InlineData("vllm-server")]
        [InlineData("sglang-server")]
        public void SystemdAnalyzeVerifiesTheUnitAndRatesItAtMostTwo(string profile)
        {
            using var rig = new ServiceRig();
            var d = Define(rig, profile);
            var unit = SystemdUnit.Render(d);
            var root = AnalyzeRoot(rig, d, unit);

            var verify = Run("systemd-analyze", "verify", "--root=" + root, Path.Combine(root, "etc/systemd/system", d.UnitName));
            Assert.True(verify.code == 0 && verify.output.Trim().Length == 0, "systemd-analyze verify: " + verify.output);

            var exposure = Exposure(root, d.UnitName);
            Assert.True(exposure <= 2.0, $"exposure {exposure} > 2.0");
        }

        [Fact]
        public void TheExposureAssertionCanFail_AnUnhardenedUnitRatesHigh()
        {
            using var rig = new ServiceRig();
            var d = Define(rig, "vllm-server");
            var bare = string.Join("\n", SystemdUnit.Render(d).Split('\n').TakeWhile(l => !l.StartsWith("# Sandbox", StringComparison.Ordinal))) + "\n[Install]\nWantedBy=multi-user.target\n";
            var root = AnalyzeRoot(rig, d, bare);
            Assert.True(Exposure(root, d.UnitName) > 8.0);
        }

        internal static string AnalyzeRoot(ServiceRig rig, ServiceDefinition d, string unit)
        {
            rig.File(d.UnitPath, unit);
            rig.File("/usr/bin/nvidia-smi", "#!/bin/sh\n", executable: true);
            // verify resolves the default dependencies of a service (sysinit.target, ...) inside the root.
            foreach (var t in new[] { "sysinit.target", "basic.target", "shutdown.target", "network-online.target", "multi-user.target", "system.slice", "-.slice" })
                rig.File("/usr/lib/systemd/system/" + t, $"[Unit]\nDescription={t}\n");
            return rig.RootPath;
        }

        internal static double Exposure(string root, string unit)
        {
            var r = Run("systemd-analyze", "security", "--offline=true", "--root=" + root, "--no-pager", unit);
            var m = Regex.Match(r.output, @"Overall exposure level for " + Regex.Escape(unit) + @": (\d+\.\d)");
            Assert.True(m.Success, "no exposure in: " + r.output);
            return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        internal static string Line(string unit, string key) => Lines(unit, key).Single();

        internal static string[] Lines(string unit, string key) =>
            unit.Split('\n').Where(l => l.StartsWith(key + "=", StringComparison.Ordinal)).Select(l => l.Substring(key.Length + 1)).ToArray();

        internal static (int code, string output) Run(string tool, params string[] args)
        {
            var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment["SYSTEMD_COLORS"] = "0";
            using var p = Process.Start(psi) ?? throw new InvalidOperationException(tool + " is not installed; the unit tests need systemd-analyze");
            var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output);
        }
    }
}
