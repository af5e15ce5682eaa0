using System.IO;
using System.Linq;
using AutoGlm.Engine.Checks;
using AutoGlm.Engine.Facts;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    /// <summary>The matrix-backed checks, on facts as the probes would deliver them.</summary>
    public class StackCheckTests
    {
        private static readonly CompatibilityMatrix Shipped = MatrixLoader.LoadDefault();

        private sealed class Facts
        {
            public OsFacts Os = new OsFacts { Distro = "ubuntu", VersionId = "22.04", PrettyName = "Ubuntu 22.04.4 LTS", Architecture = "x86_64" };
            public GpuFacts Gpus = new GpuFacts();
            public DriverFacts Driver = new DriverFacts();
            public PythonFacts Python = new PythonFacts();

            public Facts() { Python.Interpreters.Add(new PythonInterpreter { Command = "python3", Version = "3.10.12" }); }

            public Facts Gpu(string name, string cc, long mib, int count = 1)
            {
                for (int i = 0; i < count; i++)
                    Gpus.Gpus.Add(new GpuDevice { Index = Gpus.Gpus.Count, Name = name, ComputeCapability = cc, MemoryMiB = mib, Source = "nvidia-smi" });
                return this;
            }
        }

        private static CheckResult Run(string id, Facts f, string profile = "vllm-server", CompatibilityMatrix? matrix = null)
        {
            var m = matrix ?? Shipped;
            var facts = new HostFacts(new LiveHost("/"));
            facts.Set(typeof(OsFacts), f.Os);
            facts.Set(typeof(GpuFacts), f.Gpus);
            facts.Set(typeof(DriverFacts), f.Driver);
            facts.Set(typeof(PythonFacts), f.Python);
            var check = CheckCatalog.All.Single(c => c.Info.Id == id);
            var v = check.Evaluate(new CheckContext(facts, m, m.GetProfile(profile)));
            return new CheckResult { Id = id, Status = v.Status, Observed = v.Observed, Expected = v.Expected, Message = v.Message, Remediation = v.Remediation };
        }

        private static Facts H100(string driver, string? pinnedBy = null)
        {
            var f = new Facts().Gpu("NVIDIA H100 80GB HBM3", "9.0", 81559);
            f.Gpus.DriverVersion = driver;
            f.Driver.PinnedBy = pinnedBy;
            return f;
        }

        [Fact]
        public void AnUnpinnedOldDriverResolvesButFailsTheMinimumWithThePackageToInstall()
        {
            var f = H100("535.183.01");
            Assert.Equal(CheckStatus.Pass, Run("stack.resolved", f).Status);
            var d = Run("driver.minimum", f);
            Assert.Equal(CheckStatus.Fail, d.Status);
            Assert.Equal("535.183.01", d.Observed);
            Assert.Contains("Install nvidia-open", d.Remediation);
            Assert.Equal(CheckStatus.Pass, Run("gpu.memory", f).Status);
            Assert.Equal(CheckStatus.Pass, Run("gpu.wheel-coverage", f).Status);
            Assert.Equal(CheckStatus.Pass, Run("os.cuda", f).Status);
        }

        [Fact]
        public void AHeldOldDriverFailsTheStackWithTheConflict()
        {
            var r = Run("stack.resolved", H100("535.183.01", "apt-hold"));
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("fits this host", r.Message);
            Assert.Contains("held (apt-hold)", r.Remediation);
            Assert.Contains("autoglm resolve --explain", r.Remediation);
        }

        [Fact]
        public void ACurrentDriverPasses()
        {
            var f = H100("580.95.05");
            Assert.Equal(CheckStatus.Pass, Run("driver.minimum", f).Status);
            Assert.Equal(CheckStatus.Pass, Run("stack.resolved", f).Status);
        }

        [Fact]
        public void ASixteenGigabyteGpuFailsTheMemoryCheck()
        {
            var f = new Facts().Gpu("Tesla T4", "7.5", 15360);
            var r = Run("gpu.memory", f);
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("Tesla T4", r.Observed);
            var ok = Run("gpu.memory", new Facts().Gpu("NVIDIA L4", "8.9", 23034));
            Assert.Equal(CheckStatus.Warn, ok.Status); // fits, below the recommendation
        }

        [Fact]
        public void AWheelWithoutSm120FailsCoverageOnAnRtx5090()
        {
            using var tmp = new TempDir("autoglm-override");
            var file = tmp.Combine("old.yaml");
            File.WriteAllText(file, "schemaVersion: 1\nprofiles:\n  - id: vllm-old\n    extends: vllm-server\n    source: https://intranet.example/pins\n    stack:\n      server: { package: vllm, version: \"<0.9\" }\n");
            var m = MatrixLoader.LoadDefault(new[] { file });
            var f = new Facts().Gpu("NVIDIA GeForce RTX 5090", "12.0", 32607);
            var r = Run("gpu.wheel-coverage", f, "vllm-old", m);
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("cc 12.0", r.Observed);
            Assert.Equal(CheckStatus.Pass, Run("gpu.wheel-coverage", f).Status); // the shipped profile's build covers it
        }

        [Fact]
        public void AnOsOutsideTheCudaRangeFails()
        {
            using var tmp = new TempDir("autoglm-override");
            var file = tmp.Combine("os.yaml");
            File.WriteAllText(file, "schemaVersion: 1\noperatingSystems:\n  - id: ubuntu-22.04\n    distro: ubuntu\n    version: \"22.04\"\n    name: Ubuntu 22.04 LTS\n    family: debian\n    cuda: \"<12\"\n    pythons: [\"3.10\"]\n    source: https://intranet.example/os\n");
            var m = MatrixLoader.LoadDefault(new[] { file });
            var f = H100("580.95.05");
            var r = Run("os.cuda", f, matrix: m);
            Assert.Equal(CheckStatus.Fail, r.Status);
            Assert.Contains("<12", r.Observed);
        }

        [Fact]
        public void UnknownGpusMakeTheStackUnknownAndTheClientProfileSkipsGpuChecks()
        {
            var f = new Facts();
            f.Gpus.UnknownReason = "nvidia-smi timed out after 10 s";
            Assert.Equal(CheckStatus.Unknown, Run("stack.resolved", f).Status);
            Assert.Equal(CheckStatus.Unknown, Run("gpu.memory", f).Status);
            foreach (var id in new[] { "driver.minimum", "gpu.memory", "gpu.wheel-coverage", "os.cuda" })
                Assert.Equal(CheckStatus.Skip, Run(id, f, "phone-agent").Status);
            Assert.Equal(CheckStatus.Pass, Run("stack.resolved", f, "phone-agent").Status);
        }
    }
}
