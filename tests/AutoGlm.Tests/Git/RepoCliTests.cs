using System.Linq;
using System.Collections.Generic;
using System.IO;
using AutoGlm.Engine.Git;
using AutoGlm.Tests.Support;
using Xunit;

namespace AutoGlm.Tests.Git
{
    /// <summary>`autoglm repo migrate` and `autoglm repo status` as a user runs them, on an isolated root.</summary>
    public class RepoCliTests
    {
        private static Dictionary<string, string> Env(GitFixture f) => new Dictionary<string, string>
        {
            ["GIT_CONFIG_GLOBAL"] = f.GlobalConfig,
            ["GIT_CONFIG_NOSYSTEM"] = "1",
        };

        [Fact]
        public void WhatIfPrintsThePlanThenMigrateMovesTheRemote()
        {
            using var f = new GitFixture();
            f.CreateRemote("THUDM");
            f.CopyRemote("THUDM", "zai-org");
            f.CloneCheckout("THUDM");
            var before = f.State();

            var whatIf = Cli.Run(null, Env(f), "repo", "migrate", "--root", f.RootDir, "--path", GitFixture.CheckoutHostPath,
                "--to", f.Url("zai-org"), "--allow-local", "--what-if");
            Assert.Equal(0, whatIf.ExitCode);
            Assert.Contains("remote rename origin autoglm-previous", whatIf.Stdout);
            Assert.Contains("Nothing was changed", whatIf.Stdout);
            Assert.Equal(before, f.State());

            var run = Cli.Run(null, Env(f), "repo", "migrate", "--root", f.RootDir, "--path", GitFixture.CheckoutHostPath,
                "--to", f.Url("zai-org"), "--allow-local", "--force", "--format", "json");
            Assert.Equal(0, run.ExitCode);
            Assert.Contains("\"status\": \"changed\"", run.Stdout);
            Assert.Equal(f.Url("zai-org"), f.Git(f.Checkout, "remote", "get-url", "origin"));

            var status = Cli.Run(null, Env(f), "repo", "status", "--root", f.RootDir, "--path", GitFixture.CheckoutHostPath);
            Assert.Equal(0, status.ExitCode);
            Assert.Contains("remote origin: " + f.Url("zai-org"), status.Stdout);
            Assert.Contains("remote autoglm-previous: " + f.Url("THUDM"), status.Stdout);
        }

        [Fact]
        public void AHostileUrlExitsWithUsageAndTheErrorId()
        {
            using var f = new GitFixture();
            f.CreateRemote("THUDM");
            f.CloneCheckout("THUDM");

            var run = Cli.Run(null, Env(f), "repo", "migrate", "--root", f.RootDir, "--path", GitFixture.CheckoutHostPath,
                "--to", "ext::sh -c id", "--force");

            Assert.Equal(2, run.ExitCode);
            Assert.Contains("[RepositoryUrlUnsafe]", run.Stderr);
            Assert.False(Directory.Exists(Path.Combine(f.RootDir, "var")));
        }

        [Fact]
        public void APathThatClimbsOutOfTheRootIsRefusedAndTheRepositoryThereKeepsItsRemote()
        {
            using var f = new GitFixture();
            f.CreateRemote("THUDM");
            f.CopyRemote("THUDM", "zai-org");
            var outside = Path.Combine(Path.GetDirectoryName(f.RootDir)!, "outside");
            f.Git(Path.GetDirectoryName(f.RootDir)!, "clone", "-q", f.Url("THUDM"), outside);

            var run = Cli.Run(null, Env(f), "repo", "migrate", "--root", f.RootDir, "--path", "../outside",
                "--to", f.Url("zai-org"), "--allow-local", "--force");

            Assert.Equal(2, run.ExitCode);
            Assert.Contains("[PathOutsideRoot]", run.Stderr);
            Assert.Equal(f.Url("THUDM"), f.Git(outside, "remote", "get-url", "origin"));
            Assert.False(Directory.Exists(Path.Combine(f.RootDir, "var")));
        }

        [Fact]
        public void ACredentialInTheUrlReachesNoFileWeWrite_AndTheContinuationRepeatsOnlyTheUsersOptions()
        {
            using var f = new GitFixture();
            f.CreateRemote("THUDM");
            f.CopyRemote("THUDM", "zai-org");
            f.CloneCheckout("THUDM");
            const string token = "ghp_SECRETTOKEN0123456789";
            var url = $"https://oauth2:{token}@git.example.invalid/zai-org/app.git";
            // git serves the https URL from the local bare repository; AutoGlm sees only the https URL.
            File.WriteAllText(f.GlobalConfig, $"[url \"{f.Url("zai-org")}\"]\n\tinsteadOf = {url}\n");

            var run = Cli.Run(null, Env(f), "repo", "migrate", "--root", f.RootDir, "--path", GitFixture.CheckoutHostPath,
                "--to", url, "--force", "--format", "json");

            Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
            Assert.DoesNotContain(token, run.Stdout + run.Stderr);
            var journal = Path.Combine(f.RootDir, "var", "lib", "autoglm", "journal", "repo-migrate.json");
            Assert.True(File.Exists(journal));
            var written = Directory.GetFiles(Path.Combine(f.RootDir, "var"), "*", SearchOption.AllDirectories)
                .Concat(Directory.Exists(f.StateDir) ? Directory.GetFiles(f.StateDir, "*", SearchOption.AllDirectories) : new string[0]);
            Assert.All(written, file => Assert.DoesNotContain(token, File.ReadAllText(file)));
            Assert.False(File.Exists(Path.Combine(f.Checkout, ".git", "FETCH_HEAD")) && File.ReadAllText(Path.Combine(f.Checkout, ".git", "FETCH_HEAD")).Contains(token));
            var continuation = ((System.Collections.Generic.IList<object?>)((System.Collections.Generic.IDictionary<string, object?>)
                AutoGlm.Engine.Json.Json.Parse(File.ReadAllText(journal))!)["continuation"]!).Cast<string>().ToList();
            Assert.DoesNotContain("--reboot", continuation);
            Assert.Contains("--resume", continuation);
            Assert.Equal(new[] { "repo", "migrate", "--root", f.RootDir, "--path", GitFixture.CheckoutHostPath, "--to" },
                continuation.SkipWhile(a => a != "repo").Take(7));
        }
    }
}
