using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Json;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.EndToEnd
{
    /// <summary>`autoglm resolve` and `autoglm matrix` as a user runs them: exit codes, JSON contract, errors.</summary>
    public class ResolveCliTests
    {
        private static string Host(string name) => Path.Combine(Repo.Root, "tests", "fixtures", "hosts", name + ".json");

        private static Dictionary<string, object?> Object(string json) => (Dictionary<string, object?>)Json.Parse(json)!;

        [Fact]
        public void AResolvedStackExitsZeroWithTheContractFields()
        {
            var r = Cli.Run(null, "resolve", "--profile", "vllm-server", "--facts", Host("rtx5090-ubuntu2404-nodriver"), "--format", "json", "--today", "2026-11-21");
            Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
            var o = Object(r.Stdout);
            foreach (var key in new[] { "profile", "driver", "cuda", "python", "packages", "indexUrls", "conflicts" }) Assert.True(o.ContainsKey(key), key);
            var driver = (Dictionary<string, object?>)o["driver"]!;
            Assert.Equal("open", driver["flavor"]);
            Assert.NotNull(driver["minimum"]);
            Assert.NotNull(driver["branch"]);
            var packages = (Dictionary<string, object?>)o["packages"]!;
            Assert.Contains("vllm", packages.Keys);
            Assert.Contains("torch", packages.Keys);
            Assert.Empty((List<object?>)o["conflicts"]!);
        }

        [Fact]
        public void NoStackExitsOneAndTheConflictsAreSentences()
        {
            var r = Cli.Run(null, "resolve", "--facts", Host("h100x8-ubuntu2204-535-held"), "--format", "json");
            Assert.Equal(1, r.ExitCode);
            var conflicts = ((List<object?>)Object(r.Stdout)["conflicts"]!).Cast<string>().ToList();
            Assert.Contains(conflicts, c => c.Contains("is held (apt-hold)"));

            var table = Cli.Run(null, "resolve", "--facts", Host("h100x8-ubuntu2204-535-held"), "--explain");
            Assert.Equal(1, table.ExitCode);
            Assert.Contains("no stack fits", table.Stdout);
            Assert.Contains("why:", table.Stdout);
        }

        [Fact]
        public void MinorVersionCompatibilityIsAnOptIn()
        {
            var r = Cli.Run(null, "resolve", "--facts", Host("h100x8-ubuntu2204-535-held"), "--minor-version-compatibility");
            Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
            Assert.Contains("keep (installed 535.183.01)", r.Stdout);
        }

        [Theory]
        [InlineData(new[] { "resolve", "--profile", "no-such" }, "ProfileNotFound")]
        [InlineData(new[] { "resolve", "--facts", "/nonexistent/host.json" }, "FactsFileNotFound")]
        [InlineData(new[] { "resolve", "--root", "/", "--snapshot", "/tmp" }, "HostSourceConflict")]
        [InlineData(new[] { "resolve", "--today", "yesterday" }, "not a date")]
        [InlineData(new[] { "matrix", "--section", "nonsense" }, "UnknownMatrixSection")]
        [InlineData(new[] { "matrix", "--validate", "--matrix", "/nonexistent/site.yaml" }, "MatrixOverrideNotFound")]
        public void BadInputExitsTwoWithOneLineNamingIt(string[] args, string marker)
        {
            var r = Cli.Run(null, args);
            Assert.Equal(2, r.ExitCode);
            Assert.StartsWith("autoglm: error: ", r.Stderr);
            Assert.Contains(marker, r.Stderr);
            Assert.Equal("", r.Stdout);
        }

        [Fact]
        public void ABrokenFactsFileIsBadInput()
        {
            using var tmp = new TempDir();
            var file = tmp.Combine("host.json");
            File.WriteAllText(file, "{\"gpus\": \"many\"}");
            var r = Cli.Run(null, "resolve", "--facts", file);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("FactsFileInvalid", r.Stderr);
            Assert.Contains(file, r.Stderr);
        }

        [Fact]
        public void MatrixShowsSectionsAsJsonWithWhereEachEntryIsDefined()
        {
            var r = Cli.Run(null, "matrix", "--section", "gpus", "--id", "*5090*", "--format", "json");
            Assert.True(r.ExitCode == 0, r.Stderr);
            var entries = ((List<object?>)Json.Parse(r.Stdout)!).Cast<Dictionary<string, object?>>().ToList();
            var e = Assert.Single(entries);
            Assert.Equal("gpus", e["section"]);
            Assert.Equal("12.0", e["computeCapability"]);
            Assert.Matches(@"gpus\.yaml:\d+:\d+$", (string)e["definedAt"]!);
            Assert.StartsWith("http", (string)e["source"]!);
        }

        [Fact]
        public void MatrixValidateNamesTheBrokenLine()
        {
            using var tmp = new TempDir();
            var file = tmp.Combine("site.yaml");
            File.WriteAllText(file, "schemaVersion: 1\ngpus:\n  - id: g\n    source: s\n    name: G\n    architecture: hopper\n    computeCapability: nine\n");
            var r = Cli.Run(null, "matrix", "--validate", "--matrix", file);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains($"{file}:3:5:", r.Stderr);
            Assert.Contains("not a compute capability", r.Stderr);

            var ok = Cli.Run(null, "matrix", "--validate");
            Assert.Equal(0, ok.ExitCode);
            Assert.Matches(@"valid: \d+ files \(.*\d+ gpus", ok.Stdout);
        }
    }
}
