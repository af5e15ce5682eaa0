using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;
using AutoGlm.Tests.Support;
using Xunit;
using AutoGlm.Engine.Workflows;

namespace AutoGlm.Tests.Engine
{
    public class GpuInventoryTests
    {
        private sealed class Captured : IEngineOutput
        {
            public void Error(AutoGlm.Engine.Diagnostics.AutoGlmException error) => throw error;
            public List<string> Warnings { get; } = new List<string>();
            public void Progress(string activity, string status, int percent) { }
            public void Verbose(string message) { }
            public void Warning(string message) => Warnings.Add(message);
            public void Debug(string message) { }
        }

        private static (IReadOnlyList<GpuInfo> gpus, Captured output) List(FixtureHost fx)
        {
            var matrix = MatrixLoader.LoadDefault();
            var output = new Captured();
            var gpus = GpuInventory.List(new LiveHost(fx.RootPath, fx.PathVariable), matrix, matrix.GetProfile(null), new TestRequest(), output);
            return (gpus, output);
        }

        [Fact]
        public void AHealthyHostListsItsGpuFromTheDriverWithTheMatrixModel()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            var (gpus, output) = List(fx);
            var gpu = Assert.Single(gpus);
            Assert.Equal("nvidia-smi", gpu.Source);
            Assert.Contains("H100", gpu.Name);
            Assert.Equal("590.48.01", gpu.DriverVersion);
            Assert.Equal("9.0", gpu.ComputeCapability);
            Assert.Equal("hopper", gpu.Architecture);
            Assert.NotNull(gpu.MatrixId);
            Assert.True(gpu.MemoryMiB > 80000);
            Assert.Null(gpu.DriverError);
            Assert.Empty(output.Warnings);
            Assert.Equal(gpu.PciBusId, gpu.ToJson()["pciBusId"]);
        }

        [Fact]
        public void AGpuTheDriverCannotReachIsListedFromPciWithTheCauseAsAWarning()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Smi("nvidia-smi--driver-library-mismatch-535-rc18.txt", exitCode: 18);
            var (gpus, output) = List(fx);
            var gpu = Assert.Single(gpus);
            Assert.Equal("pci", gpu.Source);
            Assert.Equal("0x2330", gpu.PciDeviceId);
            Assert.Equal("hopper", gpu.Architecture);            // the matrix knows the model by its device id
            Assert.Equal("9.0", gpu.ComputeCapability);
            Assert.Contains("mismatch", gpu.DriverError);
            Assert.Contains(output.Warnings, w => w.Contains("PCI only") && w.Contains("mismatch"));
        }

        [Fact]
        public void AHostWithoutNvidiaGpusListsNone()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            fx.Tool("nvidia-smi", "echo 'NVIDIA-SMI has failed because it couldn'\"'\"'t communicate with the NVIDIA driver.'; exit 9");
            Directory.Delete(Path.Combine(fx.RootPath, "sys", "bus", "pci"), recursive: true);
            var (gpus, _) = List(fx);
            Assert.Empty(gpus);
        }

        [Fact]
        public void RootAndSnapshotTogetherAreRefused()
        {
            var ex = Assert.Throws<AutoGlmException>(() => GpuInventory.List(new TestRequest { Root = "/tmp", Snapshot = "/tmp" }));
            Assert.Equal("RootAndSnapshot", ex.ErrorId);
        }
    }
}

namespace AutoGlm.Tests.Engine
{
    public class GpuCliTests
    {
        [Fact]
        public void GpuListsTheFixtureGpuAsJson()
        {
            using var fx = FixtureHost.HealthyUbuntu();
            var r = Cli.Run(fx.PathVariable, "gpu", "--root", fx.RootPath, "--format", "json");
            Assert.True(r.ExitCode == 0, r.Stderr);
            var list = Assert.IsType<List<object?>>(AutoGlm.Engine.Json.Json.Parse(r.Stdout));
            var gpu = Assert.IsType<Dictionary<string, object?>>(Assert.Single(list));
            Assert.Equal("hopper", gpu["architecture"]);
            Assert.Equal("590.48.01", gpu["driverVersion"]);
        }

        [Fact]
        public void GpuRefusesRootAndSnapshotTogetherWithExitTwo()
        {
            var r = Cli.Run(null, "gpu", "--root", "/tmp", "--snapshot", "/tmp");
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("RootAndSnapshot", r.Stderr);
        }
    }
}
