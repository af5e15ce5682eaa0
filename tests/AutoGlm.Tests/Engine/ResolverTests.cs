using System;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Resolve;
using AutoGlm.Engine.Versions;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    /// <summary>
    /// The resolver on realistic hosts (tests/fixtures/hosts/*.json) against the shipped matrix. Expectations
    /// are stated as the sourced facts say them: Table 3 minimums, compute-capability windows, kernel-module rules.
    /// </summary>
    public class ResolverTests
    {
        private static readonly DateTime Today = new DateTime(2026, 11, 21);
        private static readonly CompatibilityMatrix Shipped = MatrixLoader.LoadDefault();

        private static StackHost Host(string name)
        {
            var path = Path.Combine(Repo.Root, "tests", "fixtures", "hosts", name + ".json");
            return StackHost.FromJson(File.ReadAllText(path), path);
        }

        private static ResolvedStack Resolve(string profile, string host, bool minorCompat = false, CompatibilityMatrix? matrix = null)
        {
            var m = matrix ?? Shipped;
            return StackService.Resolve(m, m.GetProfile(profile), Host(host),
                new ResolveRequest { Today = Today, AllowMinorVersionCompatibility = minorCompat });
        }

        /// <summary>The shipped matrix with one site profile that extends vllm-server and changes its server range.</summary>
        private static CompatibilityMatrix WithSiteProfile(TempDir tmp, string id, string serverVersion)
        {
            var file = tmp.Combine("site.yaml");
            File.WriteAllText(file, $@"schemaVersion: 1
profiles:
  - id: {id}
    extends: vllm-server
    source: https://intranet.example/autoglm/site-pins
    stack:
      server: {{ package: vllm, version: ""{serverVersion}"" }}
");
            return MatrixLoader.LoadDefault(new[] { file });
        }

        private static string All(ResolvedStack s) => string.Join("\n", s.Conflicts.Concat(s.Explanation));

        /// <summary>The Table 3 Linux minimum for a CUDA minor: the GA release's driver.</summary>
        private static NvidiaDriverVersion TableMinimum(string cuda)
        {
            var v = CudaVersion.Parse(cuda);
            var ga = Shipped.CudaReleases.Select(r => (r, cv: CudaVersion.Parse(r.Version)))
                .Where(x => x.cv.Major == v.Major && x.cv.Minor == v.Minor && x.r.LinuxDriver != null)
                .OrderBy(x => x.cv).First();
            return NvidiaDriverVersion.Parse(ga.r.LinuxDriver!);
        }

        [Fact]
        public void H100WithHeld535CannotTakeVllmAndTheAnswerSaysWhy()
        {
            var s = Resolve("vllm-server", "h100x8-ubuntu2204-535-held");
            Assert.False(s.Resolved);
            var text = string.Join("\n", s.Conflicts);
            Assert.Contains("535.183.01 is held (apt-hold)", text);
            Assert.Contains("525.60.13 with minor-version compatibility", text);
            Assert.Contains("vllm 0.12.0", text); // the oldest accepted release is tried too
        }

        [Fact]
        public void H100WithHeld535RunsThroughMinorVersionCompatibilityWhenAllowed()
        {
            var s = Resolve("vllm-server", "h100x8-ubuntu2204-535-held", minorCompat: true);
            Assert.True(s.Resolved, All(s));
            Assert.Equal("keep", s.Driver!.Action);
            Assert.Equal(12, CudaVersion.Parse(s.Cuda!).Major); // 535 is a CUDA 12 driver: no cu13x build
            Assert.Contains(s.Explanation, e => e.Contains("PTX JIT"));
        }

        [Fact]
        public void H100WithUnheld535GetsANewerBranchThatIsStillSupported()
        {
            var s = Resolve("vllm-server", "h100-ubuntu2204-535");
            Assert.True(s.Resolved, All(s));
            Assert.Equal("replace", s.Driver!.Action);
            var branch = Shipped.DriverBranches.Single(b => b.Branch == s.Driver.Branch);
            Assert.True(branch.EndOfLife == null || string.CompareOrdinal(branch.EndOfLife, "2026-11") > 0, $"R{branch.Branch} ends {branch.EndOfLife}");
            Assert.True(NvidiaDriverVersion.Parse(s.Driver.Minimum) >= TableMinimum(s.Cuda!));
            Assert.Equal("open", s.Driver.Flavor); // Hopper: either works; open is NVIDIA's default from R560
            Assert.StartsWith("vllm", s.Packages.Select(p => p.Name).Single(n => n == "vllm"));
            Assert.Contains(s.Packages, p => p.Name == "transformers" && p.Version == "5.0.0rc0" && p.Stage == "override");
            Assert.Equal("x86_64", s.Architecture); // from the facts; the lock evaluates its markers for it
            Assert.Equal("x86_64", s.ToJson()["architecture"]);
        }

        [Fact]
        public void Rtx4090OnWindowsCannotRunVllmButRunsTheLegacyStackOnItsDriver()
        {
            var vllm = Resolve("vllm-server", "rtx4090-windows-546");
            Assert.False(vllm.Resolved);
            Assert.Contains(vllm.Conflicts, c => c.Contains("linux only, not windows"));

            var legacy = Resolve("legacy-transformers", "rtx4090-windows-546");
            Assert.True(legacy.Resolved, All(legacy));
            Assert.Equal("keep", legacy.Driver!.Action); // 31.0.15.4633 = 546.33 ≥ the CUDA 11.8 Windows minimum
            Assert.Equal("cu118", legacy.CudaTag);
            Assert.Contains(legacy.Packages, p => p.Name == "torch" && p.Version == "2.0.1+cu118");
            Assert.Contains("https://download.pytorch.org/whl/cu118", legacy.IndexUrls);
            Assert.Equal("3.11", legacy.Python!.Version);
        }

        [Fact]
        public void T4OnUbuntu2004WithPython38IsExplainedNotGuessed()
        {
            var s = Resolve("vllm-server", "t4-ubuntu2004-py38");
            Assert.False(s.Resolved);
            var text = string.Join("\n", s.Conflicts);
            Assert.Contains("Tesla T4 with 15 GiB", text); // 16 GB card, model needs a 24 GB one
            Assert.Contains("3.8.10", text);
            Assert.Contains("packages Python 3.8", text);

            var client = Resolve("phone-agent", "t4-ubuntu2004-py38");
            Assert.False(client.Resolved);
            Assert.Contains(">=3.10", client.Conflicts.Single());
        }

        [Fact]
        public void Rtx5090NeedsOpenModulesAndACu128OrNewerBuild()
        {
            var s = Resolve("vllm-server", "rtx5090-ubuntu2404-nodriver");
            Assert.True(s.Resolved, All(s));
            Assert.Equal("open", s.Driver!.Flavor);
            Assert.Equal("install", s.Driver.Action);
            Assert.True(CudaVersion.Parse(s.Cuda!) >= CudaVersion.Parse("12.8"), s.Cuda);
            Assert.True(s.Driver.Branch >= 570);
            Assert.NotNull(s.Driver.Package);
        }

        [Fact]
        public void Rtx5090OnAProprietaryDriverIsReplacedWithTheOpenFlavour()
        {
            var s = Resolve("vllm-server", "rtx5090-ubuntu2404-570-proprietary");
            Assert.True(s.Resolved, All(s));
            Assert.Equal("replace", s.Driver!.Action);
            Assert.Equal("open", s.Driver.Flavor);
            Assert.Contains(s.Explanation, e => e.Contains("proprietary kernel modules and these GPUs need open ones"));
        }

        [Fact]
        public void GraceHopperNeedsOpenModulesThoughHopperRunsEither()
        {
            const string facts = @"{""platform"": ""linux"", ""os"": {""distro"": ""ubuntu"", ""version"": ""22.04""},
                ""gpus"": [{""name"": ""NVIDIA GH200 480GB"", ""computeCapability"": ""9.0"", ""memoryMiB"": 97871}],
                ""driver"": {""version"": ""580.95.05"", ""flavor"": ""proprietary""}, ""pythons"": [""3.10.12""]}";
            var gh200 = StackService.Resolve(Shipped, Shipped.GetProfile("vllm-server"), StackHost.FromJson(facts, "gh200.json"), new ResolveRequest { Today = Today });
            Assert.True(gh200.Resolved, All(gh200));
            Assert.Equal("replace", gh200.Driver!.Action);
            Assert.Equal("open", gh200.Driver.Flavor);
            Assert.Equal("keep", Resolve("vllm-server", "h200-ubuntu2404-580-open").Driver!.Action);
        }

        [Fact]
        public void V100GetsNoCuda13BuildAndStaysOnABranchThatSupportsVolta()
        {
            var s = Resolve("vllm-server", "v100-ubuntu2204");
            Assert.True(s.Resolved, All(s));
            Assert.Equal(12, CudaVersion.Parse(s.Cuda!).Major);
            Assert.True(s.Driver!.Branch <= 580, $"R{s.Driver.Branch}");
            Assert.Equal("proprietary", s.Driver.Flavor);
            Assert.Contains(s.Explanation, e => e.StartsWith("Passed over:") && e.Contains("Volta"));
            var torch = s.Packages.Single(p => p.Name == "torch").Version;
            Assert.DoesNotContain("cu13", torch);
        }

        [Fact]
        public void NoGpuResolvesTheClientAndExplainsTheServer()
        {
            var client = Resolve("phone-agent", "nogpu-ubuntu2404");
            Assert.True(client.Resolved, All(client));
            Assert.Null(client.Driver);
            Assert.Null(client.Cuda);
            Assert.Equal(new[] { "Pillow", "openai", "requests" }, client.Packages.Select(p => p.Name));
            Assert.Equal("3.12.3", client.Python!.Installed);

            var server = Resolve("vllm-server", "nogpu-ubuntu2404");
            Assert.False(server.Resolved);
            Assert.Contains("this host has none", server.Conflicts.Single());
        }

        [Fact]
        public void VersionLockedL4On550IsExplainedAndRunsUnderMinorCompatibility()
        {
            var strict = Resolve("vllm-server", "l4x2-rhel9-550-versionlock");
            Assert.False(strict.Resolved);
            Assert.Contains(strict.Conflicts, c => c.Contains("550.54.15 is held (dnf-versionlock)"));

            var relaxed = Resolve("vllm-server", "l4x2-rhel9-550-versionlock", minorCompat: true);
            Assert.True(relaxed.Resolved, All(relaxed));
            Assert.Equal("keep", relaxed.Driver!.Action);
            Assert.Equal("3.11.7", relaxed.Python!.Installed); // the newest installed that fits
        }

        [Fact]
        public void A100OnDebianWithoutDriverIsKnownByPciIdAndGetsAPackage()
        {
            var s = Resolve("vllm-server", "a100-debian12-nodriver");
            Assert.True(s.Resolved, All(s));
            Assert.Contains(s.Explanation, e => e.Contains("cc 8.0"));
            Assert.Equal("install", s.Driver!.Action);
            Assert.False(string.IsNullOrEmpty(s.Driver.Pin));
        }

        [Fact]
        public void MixedVoltaAndBlackwellCannotShareOneKernelModule()
        {
            var s = Resolve("vllm-server", "v100-plus-rtx5090");
            Assert.False(s.Resolved);
            Assert.Contains(s.Conflicts, c => c.Contains("open kernel modules") && c.Contains("proprietary"));
        }

        [Fact]
        public void H200OnR580KeepsItsDriver()
        {
            var s = Resolve("vllm-server", "h200-ubuntu2404-580-open");
            Assert.True(s.Resolved, All(s));
            Assert.Equal("keep", s.Driver!.Action);
            Assert.Equal(580, s.Driver.Branch);
            Assert.True(NvidiaDriverVersion.Parse("580.95.05") >= NvidiaDriverVersion.Parse(s.Driver.Minimum));
        }

        [Fact]
        public void SglangStaysOnTheCuda12LaneWithTheReadmesCudnnPin()
        {
            var s = Resolve("sglang-server", "h200-ubuntu2404-580-open");
            Assert.True(s.Resolved, All(s));
            Assert.Equal(12, CudaVersion.Parse(s.Cuda!).Major);
            Assert.Contains(s.Packages, p => p.Name == "nvidia-cudnn-cu12" && p.Version == "9.16.0.29" && p.Stage == "override");
            Assert.Contains(s.Packages, p => p.Name == "sglang");
        }

        [Fact]
        public void LegacyTorchOnUbuntu2404HasNoPythonOldEnough()
        {
            var s = Resolve("legacy-transformers", "a100-ubuntu2404-py312");
            Assert.False(s.Resolved);
            Assert.Contains(s.Conflicts, c => c.Contains("<3.12") && c.Contains("3.12.3"));
        }

        [Fact]
        public void AnUnknownGpuAsksForAMatrixEntry()
        {
            var s = Resolve("vllm-server", "unknown-gpu");
            Assert.False(s.Resolved);
            Assert.Contains("Unknown GPU 10de:9999", s.Conflicts.Single());
            Assert.Contains("site file passed with --matrix", s.Conflicts.Single());
            Assert.Contains("pciDeviceIds: [\"0x9999\"]", s.Conflicts.Single());
        }

        [Fact]
        public void ASiteOverrideCanPinAnOlderVllm()
        {
            using var tmp = new TempDir("autoglm-override");
            var m = WithSiteProfile(tmp, "vllm-site", "==0.11.0");
            var site = m.GetProfile("vllm-site");
            Assert.Equal(8000, site.Port); // inherited
            var s = Resolve("vllm-site", "h100-ubuntu2204-535", matrix: m);
            Assert.True(s.Resolved, All(s));
            Assert.Equal("vllm 0.11.0", s.Server);
            Assert.Contains(s.Packages, p => p.Name == "vllm" && p.Version == "0.11.0");
            Assert.StartsWith("2.8.0", s.Packages.Single(p => p.Name == "torch").Version);
            Assert.Null(site.Stack!.Packages); // the override replaced the whole stack, pins included
        }

        [Fact]
        public void AnOlderVllmPinnedOnAnRtx5090IsRefusedForLackOfSm120()
        {
            using var tmp = new TempDir("autoglm-override");
            var m = WithSiteProfile(tmp, "vllm-old", "<0.9");
            var s = Resolve("vllm-old", "rtx5090-ubuntu2404-570-proprietary", matrix: m);
            Assert.False(s.Resolved);
            // Blackwell's first CUDA is 12.8; vLLM < 0.9 ships cu124 (and cu121) builds.
            Assert.Contains(s.Conflicts, c => c.Contains("RTX 5090") && c.Contains("cc 12.0) needs CUDA 12.8 or newer"));
            Assert.DoesNotContain(s.Conflicts, c => c.Contains("cu128") || c.Contains("cu13"));
        }

        [Theory]
        [InlineData("2026-11-21")]
        [InlineData("2027-06-01")]
        public void TheChosenBranchIsNotPastItsEndOfLifeOnTheGivenDay(string day)
        {
            var s = StackService.Resolve(Shipped, Shipped.GetProfile("vllm-server"), Host("rtx5090-ubuntu2404-nodriver"),
                new ResolveRequest { Today = DateTime.Parse(day, System.Globalization.CultureInfo.InvariantCulture) });
            Assert.True(s.Resolved, All(s));
            var branch = Shipped.DriverBranches.Single(b => b.Branch == s.Driver!.Branch);
            Assert.True(branch.EndOfLife == null || string.CompareOrdinal(branch.EndOfLife, day.Substring(0, 7)) >= 0,
                $"R{branch.Branch} ended {branch.EndOfLife}, before {day}");
            Assert.Contains(branch.Type, new[] { "ltsb", "production" });
        }

        [Theory]
        [InlineData("{", "not")]
        [InlineData("[]", "not a JSON object")]
        [InlineData("{\"gpus\": 3}", "'gpus' is not a list")]
        [InlineData("{\"platform\": \"beos\"}", "platform is 'beos'")]
        [InlineData("{\"gpu\": []}", "unknown key 'gpu'")]
        [InlineData("{\"os\": \"ubuntu\"}", "'os' is not an object")]
        [InlineData("{\"driver\": \"535\"}", "'driver' is not an object")]
        public void ABrokenFactsFileIsNamedWithItsProblem(string text, string problem)
        {
            var ex = Assert.Throws<AutoGlmException>(() => StackHost.FromJson(text, "host.json"));
            Assert.Equal("FactsFileInvalid", ex.ErrorId);
            Assert.Contains("host.json", ex.Message);
            Assert.Contains(problem, ex.Message);
        }

        [Fact]
        public void EightIdenticalUnknownGpusMakeOneConflictSentence()
        {
            var gpu = @"{""name"": ""NVIDIA Future GPU"", ""pciDeviceId"": ""10de:ffff""}";
            var facts = @"{""platform"": ""linux"", ""os"": {""distro"": ""ubuntu"", ""version"": ""22.04""},
                ""gpus"": [" + string.Join(", ", Enumerable.Repeat(gpu, 8)) + @"], ""pythons"": [""3.10.12""]}";
            var s = StackService.Resolve(Shipped, Shipped.GetProfile("vllm-server"), StackHost.FromJson(facts, "future.json"), new ResolveRequest { Today = Today });
            Assert.False(s.Resolved);
            var about = s.Conflicts.Where(c => c.Contains("NVIDIA Future GPU")).ToList();
            var sentence = Assert.Single(about);
            Assert.StartsWith("8 GPUs: Unknown GPU 10de:ffff (NVIDIA Future GPU)", sentence);
        }
    }
}
