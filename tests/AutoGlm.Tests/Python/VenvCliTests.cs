using System.IO;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Python
{
    /// <summary>`autoglm venv` end to end: lock from a facts file and a wheelhouse, what-if, idempotence, bad input.</summary>
    public class VenvCliTests
    {
        private static string Facts => Path.Combine(Repo.Root, "tests", "fixtures", "hosts", "rtx5090-ubuntu2404-570-proprietary.json");

        [Fact]
        public void LockWritesTheResolvedStackOnceAndWhatIfWritesNothing()
        {
            using var root = new TempDir();
            using var tmp = new TempDir();
            var wh = Wheels.Wheelhouse(tmp.Combine("wheels"));
            Wheels.Build(wh, "nvidia-cudnn-cu12", "9.16.0.29");
            var common = new[] { "venv", "lock", "--profile", "sglang-server", "--facts", Facts, "--wheelhouse", wh, "--root", root.Path };

            var whatIf = Cli.Run(null, Concat(common, "--what-if"));
            Assert.True(whatIf.ExitCode == 0, whatIf.Stderr);
            Assert.Contains("torch==2.9.1+cu128", whatIf.Stdout); // PyPI's torch 2.9.1 is cu128: the labelled file is taken
            Assert.Contains("nvidia-cudnn-cu12==9.16.0.29", whatIf.Stdout);
            Assert.Empty(Directory.GetFileSystemEntries(root.Path));

            Assert.Equal(0, Cli.Run(null, Concat(common, "--force")).ExitCode);
            var lockText = File.ReadAllText(Path.Combine(root.Path, "opt", "autoglm", "requirements.lock"));
            Assert.Contains("--find-links " + wh, lockText);
            Assert.Contains("transformers==5.0.0rc0", File.ReadAllText(Path.Combine(root.Path, "opt", "autoglm", "requirements-override.lock")));
            var again = Cli.Run(null, Concat(common, "--force", "--format", "json"));
            Assert.Contains("\"status\": \"converged\"", again.Stdout);
        }

        [Theory]
        [InlineData("WheelhouseNotFound", "venv", "lock", "--profile", "sglang-server", "--wheelhouse", "/nonexistent/wheels")]
        [InlineData("IndexUrlInvalid", "venv", "lock", "--profile", "sglang-server", "--index-url", "ftp://mirror.example/simple")]
        [InlineData("ProfileNotFound", "venv", "sync", "--profile", "no-such-profile", "--wheelhouse", "/tmp")]
        [InlineData("PythonOutsideProfile", "venv", "sync", "--profile", "sglang-server", "--python", "3.9", "--wheelhouse", "/tmp")]
        [InlineData("LockFileNotFound", "venv", "sync", "--profile", "sglang-server", "--lock", "/nonexistent/requirements.lock")]
        public void BadInputExitsTwoNamingItAndChangesNothing(string errorId, params string[] args)
        {
            using var root = new TempDir();
            var r = Cli.Run(null, Concat(Concat(args, "--root", root.Path), "--facts", Facts));
            Assert.Equal(2, r.ExitCode);
            Assert.Contains(errorId, r.Stderr);
            Assert.Empty(Directory.GetFileSystemEntries(root.Path));
        }

        [Fact]
        public void SyncWhatIfNeedsNoIndexTheLockIsMadeAtApplyTimeAndApplyingStillNeedsTheIndex()
        {
            using var root = new TempDir();
            var args = new[] { "venv", "sync", "--profile", "sglang-server", "--facts", Facts, "--root", root.Path, "--index-url", "http://127.0.0.1:9/simple/" };
            var preview = Cli.Run(null, AutoGlm.Tests.Install.InstallDriverCliTests.NoNetwork, Concat(args, "--what-if", "--format", "json"));
            Assert.True(preview.ExitCode == 0, preview.Stderr);
            var plan = (System.Collections.Generic.IDictionary<string, object?>)AutoGlm.Engine.Json.Json.Parse(preview.Stdout)!;
            var steps = System.Linq.Enumerable.ToList(System.Linq.Enumerable.Cast<System.Collections.Generic.IDictionary<string, object?>>((System.Collections.IEnumerable)plan["steps"]!));
            foreach (var id in new[] { "python.lock", "python.venv" })
            {
                var step = System.Linq.Enumerable.Single(steps, s => (string)s["id"]! == id);
                Assert.Equal("change", step["status"]);
                Assert.StartsWith("lock made from the package index at apply time (", (string)step["detail"]!);
                Assert.Contains("127.0.0.1:9", (string)step["detail"]!);
            }
            Assert.Empty(Directory.GetFileSystemEntries(root.Path));

            var apply = Cli.Run(null, AutoGlm.Tests.Install.InstallDriverCliTests.NoNetwork, Concat(args, "--force"));
            Assert.Equal(2, apply.ExitCode);
            Assert.Contains("[IndexUnavailable]", apply.Stderr);
            Assert.Empty(Directory.GetFileSystemEntries(root.Path));
        }

        private static string[] Concat(string[] a, params string[] b) => ArrayExtensions.Concat(a, b);
    }
}
