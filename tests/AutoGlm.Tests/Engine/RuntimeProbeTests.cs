using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Facts;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    /// <summary>
    /// The runtime probe against a real python3 venv holding a generated fake `torch` package that answers
    /// like torch does in each classic failure (texts from tests/fixtures/realworld/torch--*).
    /// </summary>
    public class RuntimeProbeTests
    {
        private static CheckResult Get(TestRun run, string id) => run.Results.Single(r => r.Id == id);

        /// <summary>A real venv at /opt/autoglm/venv under the fixture root, with torch/__init__.py as given.</summary>
        private static void Venv(FixtureHost fx, string torchInit)
        {
            var venv = Path.Combine(fx.RootPath, "opt", "autoglm", "venv");
            var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-m", "venv", "--without-pip", venv }) psi.ArgumentList.Add(a);
            using (var p = Process.Start(psi)!)
            {
                var err = p.StandardError.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, "python3 -m venv failed: " + err);
            }
            var site = Directory.GetDirectories(Path.Combine(venv, "lib")).Single();
            var torch = Path.Combine(site, "site-packages", "torch");
            Directory.CreateDirectory(torch);
            File.WriteAllText(Path.Combine(torch, "__init__.py"), torchInit);
        }

        private static string FakeTorch(string version, string? cuda, bool available, string[] archList, string[] caps,
            string? initError = null, string? warning = null, string? kernelError = null) =>
            "import warnings\n" +
            $"__version__ = '{version}'\n" +
            $"class version:\n    cuda = {(cuda == null ? "None" : "'" + cuda + "'")}\n" +
            "class _T:\n" +
            "    def __mul__(self, k): return self\n" +
            "    def sum(self): return self\n" +
            "    def item(self): return 16.0\n" +
            "def ones(n, device=None):\n" +
            (kernelError != null ? $"    raise RuntimeError({Py(kernelError)})\n" : "    return _T()\n") +
            "class cuda:\n" +
            "    @staticmethod\n" +
            "    def is_available():\n" +
            (warning != null ? $"        warnings.warn({Py(warning)}, UserWarning)\n" : "") +
            $"        return {(available ? "True" : "False")}\n" +
            "    @staticmethod\n" +
            $"    def get_arch_list(): return {Py(archList)}\n" +
            "    @staticmethod\n" +
            $"    def device_count(): return {caps.Length}\n" +
            "    @staticmethod\n" +
            $"    def get_device_capability(i): return {Py(caps)}[i]\n" +
            "    @staticmethod\n" +
            "    def get_device_name(i): return 'NVIDIA GeForce RTX 5090'\n" +
            "    @staticmethod\n" +
            "    def init():\n" +
            (initError != null ? $"        raise {initError}\n" : "        pass\n");

        private static string Py(string s) => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'").Replace("\n", "\\n") + "'";
        private static string Py(string[] items) => "[" + string.Join(", ", items.Select(i => i.Contains('.') ? "(" + i.Replace('.', ',') + ")" : Py(i))) + "]";

        private static TestRun Evaluate(FixtureHost fx, bool runtime = true, int timeoutSec = 20, TimeSpan? runtimeTimeout = null) =>
            HostCheckTests.Evaluate(fx, "vllm-server", new TestRequest
            {
                IncludeRuntime = runtime, CommandTimeout = TimeSpan.FromSeconds(timeoutSec), RuntimeTimeout = runtimeTimeout,
            });

        [Fact]
        public void WithoutTheSwitchNothingIsImported()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            Venv(fx, "raise SystemExit('imported although not asked')\n");
            var run = Evaluate(fx, runtime: false);
            Assert.Equal(CheckStatus.Skip, Get(run, "runtime.torch.cuda").Status);
            Assert.Contains("--runtime", Get(run, "runtime.torch.cuda").Message);
            Assert.False(run.Facts.Get<RuntimeFacts>().Requested);
        }

        [Fact]
        public void HealthyTorchPassesBothChecks()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            Venv(fx, FakeTorch("2.8.0+cu128", "12.8", true, new[] { "sm_80", "sm_90", "sm_100", "sm_120" }, new[] { "9.0" }));
            var run = Evaluate(fx);
            var cuda = Get(run, "runtime.torch.cuda");
            Assert.True(cuda.Status == CheckStatus.Pass, cuda.Message);
            Assert.Equal("torch 2.8.0+cu128 (CUDA 12.8); 1 device(s)", cuda.Observed);
            var arch = Get(run, "runtime.torch.arch");
            Assert.Equal(CheckStatus.Pass, arch.Status);
            Assert.Contains("sm_90", arch.Observed);
            var facts = run.Facts.Get<RuntimeFacts>();
            Assert.True(facts.KernelOk);
            Assert.Equal(new[] { "9.0" }, facts.Capabilities);
        }

        [Fact]
        public void Sm120MissingFromTheArchListFailsWithNoKernelImage()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            // torch 2.6 cu124 on an RTX 5090: the UserWarning and the kernel error torch really prints.
            var warning = File.ReadAllText(FixtureHost.Realworld("torch--sm120-rtx5090-not-compatible-message-only-cu124.txt")).Trim();
            Venv(fx, FakeTorch("2.6.0+cu124", "12.4", true, new[] { "sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90" }, new[] { "12.0" },
                warning: warning, kernelError: "CUDA error: no kernel image is available for execution on the device"));
            var run = Evaluate(fx);
            var arch = Get(run, "runtime.torch.arch");
            Assert.Equal(CheckStatus.Fail, arch.Status);
            Assert.Contains("sm_120 (capability 12.0)", arch.Message);
            Assert.Contains("CUDA 12.8+", arch.Message);
            var cuda = Get(run, "runtime.torch.cuda");
            Assert.Equal(CheckStatus.Fail, cuda.Status);
            Assert.Contains("no kernel image", cuda.Observed);
            Assert.Contains("autoglm venv sync --profile vllm-server --force", cuda.Remediation);
        }

        [Fact]
        public void DriverTooOldIsClassifiedWithTheCudaVersionItServes()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            var text = File.ReadAllText(FixtureHost.Realworld("torch--driver-too-old-11040-runtimeerror.txt"));
            var message = text.Substring(text.IndexOf("The NVIDIA driver", StringComparison.Ordinal)).Trim();
            Venv(fx, FakeTorch("2.1.0+cu121", "12.1", false, new[] { "sm_80", "sm_90" }, Array.Empty<string>(), initError: $"RuntimeError({Py(message)})"));
            var run = Evaluate(fx);
            var cuda = Get(run, "runtime.torch.cuda");
            Assert.Equal(CheckStatus.Fail, cuda.Status);
            Assert.Contains("serves CUDA 11.4 (found version 11040)", cuda.Message);
            Assert.Contains("install-driver", cuda.Remediation);
            // CUDA did not start: the arch check falls back to the host's GPU (H100, 9.0) and finds sm_90.
            var arch = Get(run, "runtime.torch.arch");
            Assert.Equal(CheckStatus.Pass, arch.Status);
        }

        [Fact]
        public void CpuOnlyWheelFails()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            Venv(fx, FakeTorch("2.8.0+cpu", null, false, Array.Empty<string>(), Array.Empty<string>(), initError: "AssertionError('Torch not compiled with CUDA enabled')"));
            var run = Evaluate(fx);
            var cuda = Get(run, "runtime.torch.cuda");
            Assert.Equal(CheckStatus.Fail, cuda.Status);
            Assert.Contains("CPU-only", cuda.Message);
            Assert.Equal(CheckStatus.Skip, Get(run, "runtime.torch.arch").Status);
        }

        [Fact]
        public void AnImportErrorIsReportedWithItsText()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            Venv(fx, "raise ImportError('libcudnn.so.9: cannot open shared object file: No such file or directory')\n");
            var cuda = Get(Evaluate(fx), "runtime.torch.cuda");
            Assert.Equal(CheckStatus.Fail, cuda.Status);
            Assert.Contains("libcudnn.so.9", cuda.Message);
        }

        [Fact]
        public void AHangingImportTimesOutAsUnknown()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            Venv(fx, "import time\ntime.sleep(120)\n");
            var watch = Stopwatch.StartNew();
            // The import gets 2 s of its own; every other probe keeps a generous 60 s, so that on a busy machine
            // the interpreter and venv probes the runtime probe depends on still finish and only the import times out.
            var run = Evaluate(fx, timeoutSec: 60, runtimeTimeout: TimeSpan.FromSeconds(2));
            watch.Stop();
            var cuda = Get(run, "runtime.torch.cuda");
            Assert.Equal(CheckStatus.Unknown, cuda.Status);
            Assert.Contains("did not finish", cuda.Message);
            Assert.True(run.Facts.Get<RuntimeFacts>().TimedOut);
            // Killed at its own 2 s limit, far below the 120 s the import would take (and below the other probes' 60 s).
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(100), $"took {watch.Elapsed}");
        }

        [Fact]
        public void TheCliRunsTheProbeWithRuntime()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            Venv(fx, FakeTorch("2.7.1+cu128", "12.8", true, new[] { "sm_90", "sm_120" }, new[] { "12.0" }));
            var with = Cli.Run(fx.PathVariable, "test", "--root", fx.RootPath, "--runtime", "--id", "runtime.*", "--format", "json");
            Assert.True(with.ExitCode == 0, with.Stderr + with.Stdout);
            Assert.Contains("\"status\": \"pass\"", with.Stdout);
            Assert.DoesNotContain("\"status\": \"skip\"", with.Stdout);
            var without = Cli.Run(fx.PathVariable, "test", "--root", fx.RootPath, "--id", "runtime.*", "--format", "json");
            Assert.DoesNotContain("\"status\": \"pass\"", without.Stdout);
            Assert.Contains("--runtime", without.Stdout);
        }

        [Fact]
        public void NoVenvSkips()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            var cuda = Get(Evaluate(fx), "runtime.torch.cuda");
            Assert.Equal(CheckStatus.Skip, cuda.Status);
            Assert.Contains("No venv interpreter", cuda.Message);
        }
    }
}
