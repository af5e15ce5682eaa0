using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Tests.Git;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Security
{
    /// <summary>
    /// Every path option of every verb that names a place on the managed host (read and changed under --root)
    /// refuses '..': one engine helper (UntrustedInput.HostPath), one table over all verbs. The other path
    /// options name the operator's own files (a site matrix, a facts file, a report) and are not under --root;
    /// the completeness test makes a new option pick a side.
    /// </summary>
    public class PathConfinementTests
    {
        /// <summary>Options naming a place on the managed host: each must refuse a path that climbs out of --root.</summary>
        private static readonly string[] HostPathOptions = { "path", "install-path", "venv", "repository", "model-path" };

        /// <summary>Options naming the operator's own files, on this machine, not under --root.</summary>
        private static readonly string[] OperatorPathOptions =
            { "root", "snapshot", "matrix", "facts", "out", "lock", "wheelhouse", "installer", "collect-bundle", "model-manifest", "repository-keyring", "driver-repository-keyring",
              // The offline kit is read where the operator put it (this machine), like the wheelhouse.
              "kit" };

        private static readonly string[] NotPaths =
        {
            "accept-rewritten-history", "allow-local", "category", "check", "cuda-toolkit", "cuda-version", "driver-branch", "driver-repository-url",
            "driver-version", "env", "explain", "kernel", "kit-id", "flavor", "force", "format", "health-timeout", "id", "index-url", "iterations", "list-checks",
            "lock-timeout", "minor-version-compatibility", "model-url", "name", "port", "prevent", "profile", "python", "quiet", "ref", "remote",
            "repository-url", "resume", "reboot", "role", "runtime", "section", "service-name", "task", "throttle-limit", "timeout", "to", "today", "user", "validate",
            "verbose", "what-if",
        };

        /// <summary>Every option name the CLI declares: the literals of its Args.Parse calls and PlanRunner's shared options.</summary>
        private static SortedSet<string> DeclaredOptions()
        {
            var names = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var file in Directory.GetFiles(Path.Combine(Repo.Root, "src", "AutoGlm.Cli"), "*.cs"))
            {
                var text = File.ReadAllText(file);
                foreach (Match m in Regex.Matches(text, @"\b(?:Args\.)?Parse\(\s*(?:argv|rest)\b"))
                {
                    int depth = 0, i = text.IndexOf('(', m.Index), j = i;
                    for (; j < text.Length; j++) { if (text[j] == '(') depth++; else if (text[j] == ')' && --depth == 0) break; }
                    var literals = Regex.Matches(text.Substring(i, j - i), "\"([^\"]*)\"").Select(x => x.Groups[1].Value).ToList();
                    foreach (var l in literals.Skip(1).Where(l => Regex.IsMatch(l, "^[a-z][a-z-]*$"))) names.Add(l);
                }
                foreach (Match m in Regex.Matches(text, @"(?:Value|Flag)Options\s*=\s*\{([^}]*)\}"))
                    foreach (Match l in Regex.Matches(m.Groups[1].Value, "\"([a-z-]+)\"")) names.Add(l.Groups[1].Value);
            }
            return names;
        }

        [Fact]
        public void EveryCliOptionIsClassifiedAsHostPathOperatorPathOrNoPath()
        {
            var declared = DeclaredOptions();
            Assert.True(declared.Count > 50, $"only {declared.Count} options found: the scan is broken");
            var classified = HostPathOptions.Concat(OperatorPathOptions).Concat(NotPaths).ToList();
            Assert.Equal(classified.Count, classified.Distinct().Count());
            var unclassified = declared.Where(d => !classified.Contains(d)).ToList();
            Assert.True(unclassified.Count == 0, "classify these options in PathConfinementTests (and confine them if they name a host path): " + string.Join(", ", unclassified));
            // Every host path option of the table below is declared and covered.
            Assert.All(HostPathOptions, o => Assert.Contains(o, declared));
            Assert.Equal(HostPathOptions.OrderBy(o => o), Cases().Select(c => (string)c[1]).Distinct().OrderBy(o => o));
        }

        public static IEnumerable<object[]> Cases()
        {
            const string up = "../../../../outside/work", rootedUp = "/srv/../../../../outside/work";
            yield return new object[] { "repo migrate", "path", new[] { "repo", "migrate", "--path", up, "--to", "https://github.com/zai-org/Open-AutoGLM.git", "--force" } };
            yield return new object[] { "repo migrate", "path", new[] { "repo", "migrate", "--path", rootedUp, "--to", "https://github.com/zai-org/Open-AutoGLM.git", "--force" } };
            yield return new object[] { "repo status", "path", new[] { "repo", "status", "--path", up } };
            yield return new object[] { "venv sync", "path", new[] { "venv", "sync", "--path", rootedUp, "--force" } };
            yield return new object[] { "venv sync", "install-path", new[] { "venv", "sync", "--install-path", rootedUp, "--force" } };
            yield return new object[] { "venv lock", "install-path", new[] { "venv", "lock", "--install-path", rootedUp, "--force" } };
            yield return new object[] { "venv check", "install-path", new[] { "venv", "check", "--install-path", rootedUp } };
            yield return new object[] { "service register", "install-path", new[] { "service", "register", "--install-path", rootedUp, "--force" } };
            yield return new object[] { "service register", "venv", new[] { "service", "register", "--venv", rootedUp, "--force" } };
            yield return new object[] { "service register", "repository", new[] { "service", "register", "--role", "agent", "--task", "open the settings", "--repository", rootedUp, "--force" } };
            yield return new object[] { "install", "install-path", new[] { "install", "--install-path", rootedUp, "--force" } };
            yield return new object[] { "install", "model-path", new[] { "install", "--model-path", rootedUp, "--force" } };
            yield return new object[] { "test", "install-path", new[] { "test", "--install-path", rootedUp } };
            yield return new object[] { "snapshot export", "install-path", new[] { "snapshot", "export", "--install-path", rootedUp, "--out", "SNAP" } };
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void AHostPathOptionThatClimbsOutOfTheRootIsRefusedAndNothingChanges(string verb, string option, string[] argv)
        {
            using var tmp = new TempDir();
            var root = tmp.Combine("a", "b", "c", "root");
            Directory.CreateDirectory(root);
            Directory.CreateDirectory(tmp.Combine("outside", "work"));
            File.WriteAllText(tmp.Combine("outside", "work", "keep"), "mine");
            var args = argv.Select(a => a == "SNAP" ? tmp.Combine("snap") : a).Concat(new[] { "--root", root }).ToArray();

            var run = Cli.Run(null, args);

            Assert.True(run.ExitCode == 2, $"{verb} --{option}: exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
            Assert.Contains("[PathOutsideRoot]", run.Stderr);
            Assert.Contains("'..'", run.Stderr);
            Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
            Assert.Empty(Directory.EnumerateFileSystemEntries(root));
            Assert.Equal(new[] { "keep" }, Directory.GetFileSystemEntries(tmp.Combine("outside", "work")).Select(Path.GetFileName));
            Assert.False(Directory.Exists(tmp.Combine("snap")));
        }

        [Theory]
        [InlineData("/opt/../etc")]
        [InlineData("..")]
        [InlineData("/opt/autoglm/..")]
        [InlineData("\\opt\\..\\etc")]
        [InlineData("/opt/auto\nglm")]
        public void TheHelperRefusesWhatCouldLeaveTheRoot(string path)
        {
            var ex = Assert.Throws<AutoGlmException>(() => UntrustedInput.HostPath(path, "install path"));
            Assert.Equal("PathOutsideRoot", ex.ErrorId);
            Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
            Assert.DoesNotContain("\n", ex.Message);
        }

        [Theory]
        [InlineData("/opt/autoglm")]
        [InlineData("/opt/autoglm..old/x")]
        [InlineData("/")]
        [InlineData("srv/app")]
        public void TheHelperKeepsOrdinaryPaths(string path) => Assert.Equal(path, UntrustedInput.HostPath(path, "install path"));
    }
}
