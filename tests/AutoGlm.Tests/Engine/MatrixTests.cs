using System;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Matrix;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Engine
{
    public class MatrixTests
    {
        private const string Profile = @"schemaVersion: 1
profiles:
  - id: tiny
    source: https://example.org/tiny
    requires:
      python: "">=3.10""
";

        private static string Write(TempDir tmp, string name, string text)
        {
            var path = tmp.Combine(name);
            File.WriteAllText(path, text);
            return path;
        }

        [Fact]
        public void ShippedMatrixLoadsAndEveryEntryHasASource()
        {
            var m = MatrixLoader.LoadDefault();
            Assert.Contains(m.Profiles, p => p.Id == "vllm-server" && p.Port == 8000);
            Assert.Contains(m.Profiles, p => p.Id == "phone-agent" && !p.Requires.Gpu);
            Assert.All(m.Profiles, p => Assert.StartsWith("https://", p.Source));
            Assert.All(m.OperatingSystems, o => Assert.StartsWith("https://", o.Source));
            Assert.Equal("vllm-server", m.GetProfile(null).Id);
        }

        [Fact]
        public void EveryShippedFileReferencesTheSchema()
        {
            foreach (var file in Directory.GetFiles(Path.Combine(Repo.Root, "matrices"), "*.yaml"))
                Assert.StartsWith("# yaml-language-server: $schema=./schema/matrix.schema.json", File.ReadAllText(file));
        }

        [Theory]
        [InlineData("schemaVersion: 1\nprofiles:\n  - id: x\n    source: s\n    requires: {python: '>=3.10'}\n    colour: blue\n", 6, 5, "unknown key 'colour'")]
        [InlineData("schemaVersion: 1\nprofiles:\n  - id: x\n    source: s\n    port: eight\n    requires: {python: '>=3.10'}\n", 5, 11, "eight")]
        [InlineData("schemaVersion: 1\nprofiles:\n  - id: x\n    source: [unclosed\n", 4, 13, "")]
        [InlineData("schemaVersion: 1\nprofiles:\n  - id: x\n    requires: {python: '>=3.10'}\n", 3, 5, "no 'source'")]
        [InlineData("schemaVersion: 1\nprofiles:\n  - id: x\n    source: s\n    port: 70000\n    requires: {python: '>=3.10'}\n", 3, 5, "outside 1-65535")]
        [InlineData("schemaVersion: 1\nprofiles:\n  - id: x\n    source: s\n    requires:\n      python: 'three point ten'\n", 6, 7, "not a PEP 440 specifier")]
        [InlineData("schemaVersion: 1\nprofiles:\n  - id: x\n    source: s\n    requires:\n      python: '>=3.10'\n      memory: {minimum: 64, recommended: 32}\n", 7, 15, "impossible amount")]
        [InlineData("schemaVersion: 1\nschemaVersion: 1\n", 2, 1, "")]
        [InlineData("schemaVersion: 2\n", 1, 1, "schemaVersion is 2")]
        public void BrokenFilesAreErrorsThatPointAtTheLine(string yaml, int line, int column, string problem)
        {
            using var tmp = new TempDir();
            var file = Write(tmp, "site.yaml", yaml);
            var ex = Assert.Throws<MatrixException>(() => MatrixLoader.Load(new[] { file }, Array.Empty<string>()));
            Assert.Equal(file, ex.Location.File);
            Assert.Equal((line, column), ((int)ex.Location.Line, (int)ex.Location.Column));
            Assert.StartsWith($"{file}:{line}:{column}: ", ex.Message);
            Assert.Contains(problem, ex.Message);
            Assert.Equal("MatrixInvalid", ex.ErrorId);
        }

        // Each error class of the stack sections, as a site override over the shipped files (so references can resolve).
        [Theory]
        [InlineData("profiles:\n  - id: x\n    source: s\n    requires: {python: '>=3.10', gpu: true}\n    stack:\n      server: {package: tgi, version: '>=1'}\n", 7, 15, "names server package 'tgi'")]
        [InlineData("profiles:\n  - id: x\n    source: s\n    requires: {python: '>=3.10', gpu: true}\n    stack:\n      server: {package: vllm, version: '>=99'}\n", 7, 15, "no serverReleases entry matches")]
        [InlineData("profiles:\n  - id: a\n    extends: b\n    source: s\n  - id: b\n    extends: a\n    source: s\n", 3, 5, "extends itself through a → b → a")]
        [InlineData("profiles:\n  - id: a\n    extends: nobody\n    source: s\n", 3, 5, "extends 'nobody', which is no profile")]
        [InlineData("gpus:\n  - id: g\n    source: s\n    name: G\n    architecture: nope\n    computeCapability: '9.0'\n", 3, 5, "architecture 'nope'")]
        [InlineData("gpus:\n  - id: g\n    source: s\n    name: G\n    architecture: hopper\n    computeCapability: '8.6'\n", 3, 5, "is not one of hopper's")]
        [InlineData("cudaReleases:\n  - id: c\n    source: s\n    version: '12.2'\n    linuxDriver: abc\n", 3, 5, "linuxDriver 'abc' is not an NVIDIA driver version")]
        [InlineData("serverReleases:\n  - id: v\n    source: s\n    package: vllm\n    version: 9.9.9\n    torch: 9.9.9\n    cuda: cu129\n", 3, 5, "torch 9.9.9 is in no torchReleases entry")]
        [InlineData("wheelCoverage:\n  - id: w\n    source: s\n    tag: cuda12\n    sass: ['8.0']\n", 3, 5, "tag 'cuda12' is not a CUDA wheel tag")]
        [InlineData("driverBranches:\n  - id: r\n    source: s\n    branch: five\n", 5, 13, "five")]
        [InlineData("driverBranches:\n  - id: r\n    source: s\n    branch: 999\n    type: beta\n", 3, 5, "'type' is 'beta'")]
        [InlineData("torchReleases:\n  - id: t\n    source: s\n    series: '9.9'\n    versions: [9.9.0]\n    python: '>=3.10'\n    variants: [cu128]\n    pypiDefault: cu130\n", 3, 5, "pypiDefault 'cu130' is not one of its variants")]
        [InlineData("driverPackaging:\n  - id: p\n    source: s\n    family: debian\n    os: [rhel-9]\n    branches: '==535'\n    pin: apt-hold\n", 3, 5, "driverPackaging names OS 'rhel-9', which is no debian entry")]
        [InlineData("driverPackaging:\n  - id: p\n    source: s\n    family: debian\n    os: [debian-12]\n    branches: '==535'\n    pin: apt-hold\n    repository: debian-archive\n    open: nvidia-driver\n", 3, 5, "needs family debian, os, suite, components")]
        [InlineData("driverPackaging:\n  - id: p\n    source: s\n    family: debian\n    branches: '==535'\n    pin: apt-hold\n    repository: ppa\n", 3, 5, "'repository' is 'ppa'")]
        public void BrokenStackEntriesPointAtTheirLine(string body, int line, int column, string problem)
        {
            using var tmp = new TempDir();
            var file = Write(tmp, "site.yaml", "schemaVersion: 1\n" + body);
            var shipped = Directory.GetFiles(Path.Combine(Repo.Root, "matrices"), "*.yaml");
            var ex = Assert.Throws<MatrixException>(() => MatrixLoader.Load(shipped, new[] { file }));
            Assert.Equal(file, ex.Location.File);
            Assert.Contains(problem, ex.Message);
            Assert.Equal((line, column), ((int)ex.Location.Line, (int)ex.Location.Column));
            Assert.Equal("MatrixInvalid", ex.ErrorId);
        }

        [Fact]
        public void AProfileInheritsWhatItLeavesOutAndKeepsWhatItSets()
        {
            using var tmp = new TempDir();
            var file = Write(tmp, "site.yaml", "schemaVersion: 1\nprofiles:\n  - id: vllm-9000\n    extends: vllm-server\n    source: s\n    port: 9000\n");
            var m = MatrixLoader.Load(Directory.GetFiles(Path.Combine(Repo.Root, "matrices"), "*.yaml"), new[] { file });
            var child = m.GetProfile("vllm-9000");
            var parent = m.GetProfile("vllm-server");
            Assert.Equal(9000, child.Port);
            Assert.Same(parent.Stack, child.Stack);
            Assert.Equal(parent.Requires.Python, child.Requires.Python);
            Assert.Equal(parent.Launch, child.Launch);
        }

        [Fact]
        public void EveryShippedStackEntryHasASourceAndTheReferencesResolve()
        {
            var m = MatrixLoader.LoadDefault();
            foreach (var section in MatrixQuery.Sections)
                Assert.All(section.Value(m), e => Assert.False(string.IsNullOrWhiteSpace(e.Source), $"{section.Key} {e.Id} has no source"));
            Assert.NotEmpty(m.CudaReleases);
            Assert.NotEmpty(m.Gpus);
            Assert.All(m.ServerReleases, s => Assert.NotNull(m.FindTorch(s.Torch)));
            Assert.All(m.Gpus, g => Assert.Contains(m.GpuArchitectures, a => a.Id == g.Architecture));
        }

        [Fact]
        public void DuplicateIdAcrossShippedFilesIsAnErrorNamingBothPlaces()
        {
            using var tmp = new TempDir();
            var a = Write(tmp, "a.yaml", Profile);
            var b = Write(tmp, "b.yaml", Profile);
            var ex = Assert.Throws<MatrixException>(() => MatrixLoader.Load(new[] { a, b }, Array.Empty<string>()));
            Assert.Contains("duplicate profile id 'tiny'", ex.Message);
            Assert.Contains($"{a}:3:5", ex.Message);
            Assert.Equal(b, ex.Location.File);
        }

        [Fact]
        public void OverrideFileReplacesAnEntryAndAddsNewOnes()
        {
            using var tmp = new TempDir();
            var site = Write(tmp, "site.yaml", @"schemaVersion: 1
profiles:
  - id: vllm-server
    source: our runbook
    port: 9000
    requires: { python: '>=3.11' }
  - id: lab
    source: our runbook
    requires: { python: '>=3.12' }
");
            var shipped = Directory.GetFiles(Path.Combine(Repo.Root, "matrices"), "*.yaml");
            var m = MatrixLoader.Load(shipped, new[] { site });
            Assert.Equal(9000, m.GetProfile("vllm-server").Port);
            Assert.Equal(">=3.12", m.GetProfile("lab").Requires.Python);
        }

        [Fact]
        public void MissingOverrideFileIsAClearError()
        {
            var ex = Assert.Throws<AutoGlmException>(() => MatrixLoader.LoadDefault(new[] { "/nonexistent/site.yaml" }));
            Assert.Equal("MatrixOverrideNotFound", ex.ErrorId);
            Assert.Contains("/nonexistent/site.yaml", ex.Message);
        }

        [Fact]
        public void UnknownProfileListsTheKnownOnes()
        {
            var ex = Assert.Throws<AutoGlmException>(() => MatrixLoader.LoadDefault().GetProfile("vllm-sever"));
            Assert.Equal("ProfileNotFound", ex.ErrorId);
            Assert.Equal(ErrorKind.ObjectNotFound, ex.Kind);
            Assert.Contains("'vllm-sever'", ex.Message);
            Assert.Contains("vllm-server", ex.Message);
            Assert.Contains("phone-agent", ex.Message);
        }

        // Limits on an untrusted site file, far above the shipped ones (docs/security.md): measured, the largest shipped
        // file is 24,922 bytes, 1,096 nodes and 6 levels deep.
        [Fact]
        public void TheShippedFilesAreFarBelowTheLimits()
        {
            foreach (var file in Directory.GetFiles(Path.Combine(Repo.Root, "matrices"), "*.yaml"))
                Assert.True(new FileInfo(file).Length * 100 < MatrixLoader.MaxFileBytes, file);
            Assert.True(MatrixLoader.MaxNodes >= 100 * 1096 && MatrixLoader.MaxDepth >= 10 * 6);
        }

        [Fact]
        public void AFileOverTheSizeLimitIsRefusedBeforeParsing()
        {
            using var tmp = new TempDir();
            var site = tmp.Combine("huge.yaml");
            using (var w = new StreamWriter(site))
            {
                w.WriteLine("schemaVersion: 1");
                var line = "# " + new string('x', 1021);
                for (long n = 0; n <= MatrixLoader.MaxFileBytes / 1024; n++) w.WriteLine(line);
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var ex = Assert.Throws<MatrixException>(() => MatrixLoader.LoadDefault(new[] { site }));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
            Assert.Equal("MatrixInvalid", ex.ErrorId);
            Assert.Contains(site, ex.Message);
            Assert.Contains("4 MiB", ex.Message);
        }

        [Fact]
        public void AFileWithTooManyNodesIsStoppedWhileParsing()
        {
            using var tmp = new TempDir();
            var site = tmp.Combine("many.yaml");
            using (var w = new StreamWriter(site))
            {
                w.WriteLine("schemaVersion: 1\nprofiles:");
                for (int n = 0; n < 60000; n++) w.WriteLine($"  - {{id: p{n}, source: s}}");
            }
            Assert.True(new FileInfo(site).Length < MatrixLoader.MaxFileBytes);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var ex = Assert.Throws<MatrixException>(() => MatrixLoader.LoadDefault(new[] { site }));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
            Assert.Contains(site, ex.Message);
            Assert.Contains("200000 nodes", ex.Message.Replace(",", ""));
        }

        [Theory]
        [InlineData("[", "]")]
        [InlineData("{a: ", "}")]
        [InlineData("- ", "")]
        public void DeepNestingIsOurMessageNotADotNetOne(string open, string close)
        {
            using var tmp = new TempDir();
            var site = tmp.Combine("deep.yaml");
            var depth = 20000;
            var body = open == "- "
                ? "\n  " + string.Concat(Enumerable.Repeat("- ", depth)) + "x"
                : string.Concat(Enumerable.Repeat(open, depth)) + "x" + string.Concat(Enumerable.Repeat(close, depth));
            File.WriteAllText(site, "schemaVersion: 1\nprofiles: " + body + "\n");
            var ex = Assert.Throws<MatrixException>(() => MatrixLoader.LoadDefault(new[] { site }));
            Assert.Contains(site, ex.Message);
            Assert.True(ex.Message.Contains("64 levels"), ex.Message);
            Assert.DoesNotContain("System.", ex.Message);
            Assert.DoesNotContain("Exception", ex.Message);
        }

        [Theory]
        [InlineData("schemaVersion: 1\nprofiles: [[x]]\n", "profile entry")]
        [InlineData("schemaVersion: 1\nprofiles: {a: b}\n", "a list")]
        [InlineData("schemaVersion: 1\nprofiles:\n  - id: x\n    source: s\n    requires: [1]\n", "")]
        public void AValueOfTheWrongShapeNamesNoDotNetType(string yaml, string expected)
        {
            using var tmp = new TempDir();
            var file = Write(tmp, "site.yaml", yaml);
            var ex = Assert.Throws<MatrixException>(() => MatrixLoader.Load(new[] { file }, Array.Empty<string>()));
            Assert.Contains(expected, ex.Message);
            Assert.DoesNotMatch(@"PublicKeyToken|Version=|AutoGlm\.Engine\.|System\.|SequenceStart|MappingStart", ex.Message);
        }
    }
}
