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
    }
}
