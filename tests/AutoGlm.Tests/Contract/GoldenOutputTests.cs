using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Contract
{
    /// <summary>
    /// The CLI's JSON over every fixture host (resolve for each profile, install-driver and install-cuda plans against
    /// the fixture apt mirror, the matrix, the check list) is what tests/fixtures/golden recorded: exit code, stdout and
    /// stderr, byte for byte. The goldens were written by tools/golden/generate.sh from the build before the one-workflow
    /// refactoring (issue 21), so a refactoring that changes an answer fails here; an intended change regenerates them.
    /// </summary>
    public class GoldenOutputTests
    {
        private static string Folder => Path.Combine(Repo.Root, "tests", "fixtures", "golden");

        public static IEnumerable<object[]> Cases() =>
            Directory.GetFiles(Path.Combine(Repo.Root, "tests", "fixtures", "golden"), "*.txt")
                .Select(f => new object[] { Path.GetFileNameWithoutExtension(f) }).OrderBy(c => (string)c[0], StringComparer.Ordinal);

        [Fact]
        public void EveryFixtureHostHasItsGoldens()
        {
            var hosts = Directory.GetFiles(Path.Combine(Repo.Root, "tests", "fixtures", "hosts"), "*.json").Select(Path.GetFileNameWithoutExtension).ToList();
            Assert.NotEmpty(hosts);
            foreach (var host in hosts)
            {
                Assert.True(File.Exists(Path.Combine(Folder, $"install-driver.{host}.txt")), host + ": run tools/golden/generate.sh");
                Assert.Contains(Directory.GetFiles(Folder, $"resolve.{host}.*.txt"), f => f.EndsWith(".vllm-server.txt", StringComparison.Ordinal));
            }
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void TheCliAnswersAsRecorded(string name)
        {
            var expected = File.ReadAllText(Path.Combine(Folder, name + ".txt"));
            var argvLine = expected.Substring(0, expected.IndexOf('\n'));
            Assert.StartsWith("argv:\t", argvLine);
            var argv = argvLine.Substring("argv:\t".Length).Split('\t').Select(a => a.Replace("<repo>", Repo.Root)).ToArray();

            var run = Cli.Run(null, argv);
            var actual = argvLine + "\n" + $"exit: {run.ExitCode}\n--- stdout\n" + run.Stdout.Replace(Repo.Root, "<repo>")
                + "--- stderr\n" + run.Stderr.Replace(Repo.Root, "<repo>");
            Assert.Equal(expected, actual);
        }
    }
}
