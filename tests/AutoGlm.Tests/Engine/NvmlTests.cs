using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Facts;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    /// <summary>The real P/Invoke path (dlopen, dlsym, struct layouts, return codes) against the fake libnvidia-ml.</summary>
    public class NvmlTests
    {
        private static CheckResult Get(TestRun run, string id) => run.Results.Single(r => r.Id == id);

        private const string TwoH100 = "driver=590.48.01\ncuda=13010\n";

        private static string Config(string extra = "") =>
            TwoH100
            + FakeNvml.Gpu("NVIDIA H100 80GB HBM3", "00000000:00:09.0", "2330", "9.0", 81559)
            + FakeNvml.Gpu("NVIDIA H100 80GB HBM3", "00000000:0A:00.0", "2330", "9.0", 81559, persistence: 0, ecc: -1)
            + extra;

        [Fact]
        public void NvmlDescribesEveryGpu()
        {
            using var dir = new TempDir();
            var answer = Nvml.Query(FakeNvml.Create(dir.Path, Config()), TimeSpan.FromSeconds(10));
            Assert.True(answer.Ok, answer.Error);
            Assert.Equal("590.48.01", answer.DriverVersion);
            Assert.Equal(13010, answer.CudaDriverVersion);
            Assert.Equal(2, answer.Gpus.Count);
            var first = answer.Gpus[0];
            Assert.Equal("NVIDIA H100 80GB HBM3", first.Name);
            Assert.Equal("00000000:00:09.0", first.PciBusId);
            Assert.Equal("0x2330", first.PciDeviceId);   // high 16 bits of pciDeviceId
            Assert.Equal("9.0", first.ComputeCapability);
            Assert.Equal(81559, first.MemoryMiB);
            Assert.True(first.PersistenceMode);
            Assert.True(first.EccEnabled);
            Assert.StartsWith("GPU-", first.Uuid);
            Assert.False(answer.Gpus[1].PersistenceMode);
            Assert.Null(answer.Gpus[1].EccEnabled);   // NVML_ERROR_NOT_SUPPORTED: no value
        }

        [Theory]
        [InlineData(9, "not loaded")]
        [InlineData(18, "Driver/library version mismatch")]
        [InlineData(4, "permission")]
        [InlineData(999, "unknown")]
        public void InitReturnCodesMapToCauses(int rc, string cause)
        {
            using var dir = new TempDir();
            var answer = Nvml.Query(FakeNvml.Create(dir.Path, Config($"init={rc}\n")), TimeSpan.FromSeconds(10));
            Assert.False(answer.Ok);
            Assert.Equal(rc, answer.ReturnCode);
            Assert.Equal("nvmlInit_v2", answer.FailedCall);
            Assert.Contains(cause, answer.Error, StringComparison.OrdinalIgnoreCase);
        }

        [Fact]
        public void ALostGpuDoesNotHideTheOthers()
        {
            using var dir = new TempDir();
            var answer = Nvml.Query(FakeNvml.Create(dir.Path, Config("handle.1=15\n")), TimeSpan.FromSeconds(10));
            Assert.Equal(Nvml.GpuIsLost, answer.ReturnCode);
            Assert.Equal(2, answer.Gpus.Count);
            Assert.Equal("0x2330", answer.Gpus[0].PciDeviceId);
            Assert.Contains("fallen off the bus", answer.Error);
        }

        [Fact]
        public void MissingLibraryIsLibraryNotFound()
        {
            var answer = Nvml.Query("/nonexistent/libnvidia-ml.so.1", TimeSpan.FromSeconds(10));
            Assert.Equal(Nvml.LibraryNotFound, answer.ReturnCode);
            Assert.Contains("could not be loaded", answer.Error);
        }

        [Fact]
        public void EngineUsesNvmlAndItsAnswerDrivesTheChecks()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            using var dir = new TempDir();
            var lib = FakeNvml.Create(dir.Path, Config());
            var run = HostCheckTests.Evaluate(fx, request: new TestRequest { NvmlLibrary = lib });
            var gpu = run.Facts.Get<GpuFacts>();
            Assert.Equal("nvml", gpu.QuerySource);
            Assert.Equal("13.1", gpu.CudaDriverVersion);
            Assert.All(gpu.Gpus, g => Assert.Equal("nvml", g.Source));
            Assert.Equal(CheckStatus.Pass, Get(run, "gpu.nvml").Status);
            Assert.Contains("NVML", Get(run, "gpu.nvml").Source);
            Assert.Equal(CheckStatus.Warn, Get(run, "driver.persistence").Status);   // the second GPU has it off
        }

        [Fact]
        public void NvmlMismatchKeepsItsCodeWhenNvidiaSmiAlsoFails()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Smi("nvidia-smi--driver-library-mismatch-550-rc18.txt", exitCode: 18);
            using var dir = new TempDir();
            var run = HostCheckTests.Evaluate(fx, request: new TestRequest { NvmlLibrary = FakeNvml.Create(dir.Path, Config("init=18\n")) });
            var r = Get(run, "gpu.nvml");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("nvmlInit_v2 returned 18", r.Message);
            Assert.Contains("550.144", r.Observed);   // the library version nvidia-smi printed
            Assert.Contains("rmmod", r.Remediation);
        }

        [Fact]
        public void DriverNotLoadedFromNvml()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Smi("nvidia-smi--no-driver-couldnt-communicate.txt", exitCode: 9);
            using var dir = new TempDir();
            var run = HostCheckTests.Evaluate(fx, request: new TestRequest { NvmlLibrary = FakeNvml.Create(dir.Path, Config("init=9\n")) });
            var r = Get(run, "gpu.nvml");
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("NVML_ERROR_DRIVER_NOT_LOADED", r.Observed);
        }

        private static Dictionary<string, string> NvmlEnv(string lib) => new Dictionary<string, string> { [Nvml.LibraryVariable] = lib };

        [Fact]
        public void CliUsesTheLibraryNamedByTheEnvironment()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            using var dir = new TempDir();
            var lib = FakeNvml.Create(dir.Path, TwoH100 + FakeNvml.Gpu("NVIDIA H100 80GB HBM3", "00000000:00:09.0", "2330", "9.0", 81559));
            var r = Cli.Run(fx.PathVariable, NvmlEnv(lib), "test", "--root", fx.RootPath, "--format", "json", "--category", "gpu");
            Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
            Assert.Contains("via nvml", r.Stdout);
        }

        [Fact]
        public void HungNvmlIsBoundedAndNvidiaSmiAnswersInstead()
        {
            // In a separate process: the hung NVML thread cannot be killed, only abandoned.
            using var fx = FixtureHost.HealthyUbuntu();
            using var dir = new TempDir();
            var lib = FakeNvml.Create(dir.Path, Config("hang_ms=30000\n"));
            var watch = Stopwatch.StartNew();
            var r = Cli.Run(fx.PathVariable, NvmlEnv(lib), "test", "--root", fx.RootPath, "--format", "json", "--category", "gpu", "--timeout", "2");
            watch.Stop();
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
            Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
            Assert.Contains("via nvidia-smi", r.Stdout);
        }

        [Fact]
        public void HungNvmlWithoutNvidiaSmiIsUnknown()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            System.IO.File.Delete(System.IO.Path.Combine(fx.BinPath, "nvidia-smi"));
            using var dir = new TempDir();
            var lib = FakeNvml.Create(dir.Path, Config("hang_ms=30000\n"));
            var r = Cli.Run(fx.PathVariable, NvmlEnv(lib), "test", "--root", fx.RootPath, "--format", "json", "--id", "gpu.nvml", "--timeout", "2");
            var check = AutoGlm.Tests.EndToEnd.CliEndToEndTests.Checks(r.Stdout).Single();
            Assert.Equal("unknown", check["status"]);
            Assert.Contains("did not answer within 2 s", (string)check["message"]!);
        }

        [Fact]
        public void FixtureRootsAndSnapshotsNeverLoadTheRealLibrary()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            Assert.Null(EnvironmentTester.NvmlLibraryFor(new AutoGlm.Engine.Hosting.LiveHost(fx.RootPath, fx.PathVariable)));
            Assert.Null(EnvironmentTester.NvmlLibraryFor(new AutoGlm.Engine.Hosting.RecordingHost(new AutoGlm.Engine.Hosting.LiveHost("/"))));
        }
    }
}
