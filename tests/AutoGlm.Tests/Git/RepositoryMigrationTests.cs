using System;
using System.IO;
using System.Linq;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Git;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;
using Xunit;

namespace AutoGlm.Tests.Git
{
    /// <summary>Repository migration with real git and local bare remotes: the moves, the refusals, what-if, idempotence, rollback.</summary>
    public class RepositoryMigrationTests
    {
        private static GitFixture OrgRename()
        {
            var f = new GitFixture();
            f.CreateRemote("THUDM");
            f.CopyRemote("THUDM", "zai-org");
            f.CloneCheckout("THUDM");
            return f;
        }

        /// <summary>The new remote renamed master to main and moved on: one more commit, with new requirements.</summary>
        private static GitFixture DefaultBranchRenamed()
        {
            var f = OrgRename();
            var work = f.WorkOn("zai-org");
            f.Commit(work, "requirements.txt", "openai==2.9.0\nrequests==2.31.0\n", "pin requests");
            f.Git(work, "push", "-q", "origin", "master:main");
            f.Git(f.Bare("zai-org"), "symbolic-ref", "HEAD", "refs/heads/main");
            f.Git(f.Bare("zai-org"), "branch", "-D", "master");
            return f;
        }

        [Fact]
        public void AnOrganisationRenameMovesTheRemoteAndKeepsTheOldOne()
        {
            using var f = OrgRename();
            var head = f.Git(f.Checkout, "rev-parse", "HEAD");

            var migration = f.Plan(f.Url("zai-org"));
            var result = f.Apply(migration.Plan);

            Assert.Equal("changed", result.Status);
            Assert.Equal(f.Url("zai-org"), f.Git(f.Checkout, "remote", "get-url", "origin"));
            Assert.Equal(f.Url("THUDM"), f.Git(f.Checkout, "remote", "get-url", RepositoryMigrator.PreviousRemote));
            Assert.Equal(head, f.Git(f.Checkout, "rev-parse", "HEAD"));
            Assert.Equal("master", f.Git(f.Checkout, "symbolic-ref", "--short", "HEAD"));
            Assert.Equal("origin/master", f.Git(f.Checkout, "rev-parse", "--abbrev-ref", "@{upstream}"));
            Assert.Equal("", f.Git(f.Checkout, "for-each-ref", RepositoryMigrator.TempRefs));
            Assert.False(migration.RequirementsChanged);
            Assert.Equal(f.Url("THUDM"), migration.From);
        }

        [Fact]
        public void ASecondRunChangesNothing()
        {
            using var f = DefaultBranchRenamed();
            Assert.Equal("changed", f.Apply(f.Plan(f.Url("zai-org")).Plan).Status);
            var after = f.State();

            var second = f.Apply(f.Plan(f.Url("zai-org")).Plan);

            Assert.Equal("converged", second.Status);
            Assert.Equal(0, second.Changed);
            Assert.Equal(after, f.State());
        }

        [Fact]
        public void WhatIfShowsTheCommandsAndChangesNothing()
        {
            using var f = DefaultBranchRenamed();
            File.AppendAllText(Path.Combine(f.Checkout, "README.md"), "local edit\n");
            File.WriteAllText(Path.Combine(f.Checkout, "notes.txt"), "untracked\n");
            var before = f.State();

            var migration = f.Plan(f.Url("zai-org"));
            var preview = PlanExecutor.Preview(migration.Plan, f.System, AutoGlm.Engine.NullOutput.Instance, TimeSpan.FromSeconds(30));

            Assert.Equal(before, f.State());
            Assert.False(Directory.Exists(f.StateDir));
            var lines = preview.Steps.SelectMany(s => s.CommandLines).ToList();
            Assert.Contains(lines, l => l.EndsWith("remote rename origin autoglm-previous"));
            Assert.Contains(lines, l => l.EndsWith("remote add origin " + f.Url("zai-org")));
            Assert.Contains(lines, l => l.Contains("fetch --no-tags " + f.Url("zai-org")));
            Assert.Equal("change", preview.Steps.Single(s => s.Id == "repo.remote").Status);
            Assert.Equal("change", preview.Steps.Single(s => s.Id == "repo.keep-work").Status);
        }

        [Fact]
        public void ARenamedDefaultBranchIsFollowedAndRequirementChangesReported()
        {
            using var f = DefaultBranchRenamed();
            var newHead = f.Git(f.Bare("zai-org"), "rev-parse", "main");

            var migration = f.Plan(f.Url("zai-org"));
            var result = f.Apply(migration.Plan);

            Assert.Equal("changed", result.Status);
            Assert.Equal("main", f.Git(f.Checkout, "symbolic-ref", "--short", "HEAD"));
            Assert.Equal("origin/main", f.Git(f.Checkout, "rev-parse", "--abbrev-ref", "@{upstream}"));
            Assert.Equal(newHead, f.Git(f.Checkout, "rev-parse", "HEAD"));
            Assert.Equal("origin/main", f.Git(f.Checkout, "symbolic-ref", "--short", "refs/remotes/origin/HEAD"));
            Assert.True(migration.RequirementsChanged);
            Assert.Equal(new[] { "requirements.txt" }, migration.ChangedRequirementFiles);
            Assert.Contains("requirements changed", result.Steps.Single(s => s.Id == "repo.requirements").Detail);
        }

        [Fact]
        public void UncommittedStagedAndUntrackedWorkSurvivesTheMove()
        {
            using var f = DefaultBranchRenamed();
            File.AppendAllText(Path.Combine(f.Checkout, "README.md"), "local edit\n");
            File.WriteAllText(Path.Combine(f.Checkout, "staged.txt"), "staged\n");
            f.Git(f.Checkout, "add", "staged.txt");
            File.WriteAllText(Path.Combine(f.Checkout, "notes.txt"), "untracked\n");

            var result = f.Apply(f.Plan(f.Url("zai-org")).Plan);

            Assert.Equal("changed", result.Status);
            Assert.Equal("changed", result.Steps.Single(s => s.Id == "repo.keep-work").Outcome);
            Assert.Equal("# app\nlocal edit\n", File.ReadAllText(Path.Combine(f.Checkout, "README.md")));
            Assert.Equal("untracked\n", File.ReadAllText(Path.Combine(f.Checkout, "notes.txt")));
            Assert.Contains("A  staged.txt", f.Git(f.Checkout, "status", "--porcelain"));
            Assert.Equal("", f.Git(f.Checkout, "stash", "list"));
            Assert.Equal(f.Git(f.Bare("zai-org"), "rev-parse", "main"), f.Git(f.Checkout, "rev-parse", "HEAD"));
        }

        [Fact]
        public void LocalCommitsStayOnTheirBranch()
        {
            using var f = OrgRename();
            f.Commit(f.Checkout, "local.txt", "mine\n", "local work");
            var head = f.Git(f.Checkout, "rev-parse", "HEAD");
            File.WriteAllText(Path.Combine(f.Checkout, "scratch.txt"), "untracked\n");

            var migration = f.Plan(f.Url("zai-org"));
            Assert.Single(migration.Before.LocalCommits);
            var result = f.Apply(migration.Plan);

            Assert.Equal("changed", result.Status);
            Assert.Equal(head, f.Git(f.Checkout, "rev-parse", "HEAD"));
            Assert.Equal("unchanged", result.Steps.Single(s => s.Id == "repo.keep-work").Outcome);
            Assert.Equal("untracked\n", File.ReadAllText(Path.Combine(f.Checkout, "scratch.txt")));
            Assert.Equal("1", f.Git(f.Checkout, "rev-list", "--count", "origin/master..HEAD"));
        }

        [Fact]
        public void APinnedRefIsCheckedOutFromTheNewHistory()
        {
            using var f = DefaultBranchRenamed();
            f.Git(f.Bare("zai-org"), "tag", "v1.0", "main");

            var result = f.Apply(f.Plan(f.Url("zai-org"), @ref: "v1.0").Plan);

            Assert.Equal("changed", result.Status);
            Assert.Equal(f.Git(f.Bare("zai-org"), "rev-parse", "main"), f.Git(f.Checkout, "rev-parse", "HEAD"));
            Assert.Equal("converged", f.Apply(f.Plan(f.Url("zai-org"), @ref: "v1.0").Plan).Status);
        }

        [Fact]
        public void ASubmoduleThatMovedWithTheRepositoryFollowsIt()
        {
            using var f = new GitFixture();
            f.CreateRemote("THUDM", "sub", ("lib.py", "x = 1\n"));
            f.CopyRemote("THUDM", "zai-org", "sub");
            var work = f.CreateRemote("THUDM");
            f.Git(work, "submodule", "add", "-q", f.Url("THUDM", "sub"), "third_party/sub");
            f.Git(work, "commit", "-q", "-m", "add submodule");
            f.Git(work, "push", "-q", f.Bare("THUDM"), "master");
            f.CopyRemote("THUDM", "zai-org");
            f.CloneCheckout("THUDM");
            f.Git(f.Checkout, "-c", "protocol.file.allow=always", "submodule", "update", "-q", "--init");

            var result = f.Apply(f.Plan(f.Url("zai-org")).Plan);

            Assert.Equal("changed", result.Status);
            Assert.Equal("changed", result.Steps.Single(s => s.Id == "repo.submodules").Outcome);
            Assert.Equal(f.Url("zai-org", "sub"), f.Git(f.Checkout, "config", "--file", ".gitmodules", "submodule.third_party/sub.url"));
            Assert.Equal(f.Url("zai-org", "sub"), f.Git(f.Checkout, "config", "submodule.third_party/sub.url"));
            Assert.Equal(f.Url("zai-org", "sub"), f.Git(Path.Combine(f.Checkout, "third_party", "sub"), "remote", "get-url", "origin"));
            Assert.Equal("converged", f.Apply(f.Plan(f.Url("zai-org")).Plan).Status);
        }

        [Fact]
        public void ARewrittenHistoryIsRefusedThenAcceptedOnRequest()
        {
            using var f = new GitFixture();
            f.CreateRemote("THUDM");
            f.CreateRemote("zai-org", "app", ("README.md", "# rewritten\n"));
            f.CloneCheckout("THUDM");
            f.Commit(f.Checkout, "local.txt", "mine\n", "local work");
            var before = f.State();

            var refused = f.Apply(f.Plan(f.Url("zai-org")).Plan);

            Assert.Equal("rolled-back", refused.Status);
            Assert.Equal("repo.verify", refused.FailedStep);
            Assert.Contains("shares no commit", refused.Message);
            Assert.Contains("git cherry-pick", refused.Message);
            Assert.Contains("--accept-rewritten-history", refused.Message);
            Assert.Equal(before, f.State());

            var head = f.Git(f.Checkout, "rev-parse", "HEAD");
            var accepted = f.Apply(f.Plan(f.Url("zai-org"), accept: true).Plan);

            Assert.Equal("changed", accepted.Status);
            Assert.Equal(f.Url("zai-org"), f.Git(f.Checkout, "remote", "get-url", "origin"));
            Assert.Equal(head, f.Git(f.Checkout, "rev-parse", "HEAD"));
        }

        [Fact]
        public void AForkWithRewrittenCommitsIsRefused()
        {
            using var f = OrgRename();
            var work = f.WorkOn("zai-org");
            f.Git(work, "commit", "-q", "--amend", "-m", "rewritten tip");
            f.Git(work, "push", "-q", "--force", "origin", "master");
            var before = f.State();

            var result = f.Apply(f.Plan(f.Url("zai-org")).Plan);

            Assert.Equal("rolled-back", result.Status);
            Assert.Contains("not in the history", result.Message);
            Assert.Equal(before, f.State());
            // Nothing left behind: no FETCH_HEAD (git records the fetched URL there), no journal of a run with nothing to resume.
            Assert.False(File.Exists(Path.Combine(f.Checkout, ".git", "FETCH_HEAD")));
            Assert.False(File.Exists(result.JournalPath));
        }

        [Theory]
        [InlineData("repo.remote")]
        [InlineData("repo.tracking")]
        [InlineData("repo.restore-work")]
        public void AFailureMidwayRestoresEverythingExactly(string after)
        {
            using var f = DefaultBranchRenamed();
            File.AppendAllText(Path.Combine(f.Checkout, "README.md"), "local edit\n");
            File.WriteAllText(Path.Combine(f.Checkout, "notes.txt"), "untracked\n");
            f.Git(f.Checkout, "stash", "push", "-q", "--include-untracked");   // a stash of the user's own survives too
            File.AppendAllText(Path.Combine(f.Checkout, "README.md"), "local edit\n");
            File.WriteAllText(Path.Combine(f.Checkout, "notes.txt"), "untracked\n");
            var before = f.State();

            var plan = f.Plan(f.Url("zai-org")).Plan;
            var index = plan.Steps.ToList().FindIndex(s => s.Id == after) + 1;
            var broken = new ChangePlan(plan.Name, plan.Title, plan.Steps.Take(index).Append(new FailingStep()).Concat(plan.Steps.Skip(index)));
            var result = f.Apply(broken);

            Assert.Equal("rolled-back", result.Status);
            Assert.Equal("injected.failure", result.FailedStep);
            Assert.Equal(before, f.State());
        }

        [Fact]
        public void ARemoteThatDisappearsHalfwayLeavesEverythingAsItWas()
        {
            using var f = DefaultBranchRenamed();
            File.AppendAllText(Path.Combine(f.Checkout, "README.md"), "local edit\n");
            var before = f.State();

            var result = f.Apply(f.Plan(f.Url("zai-org")).Plan, (step, at) =>
            {
                if (step == "repo.verify" && at == "after-step") Directory.Delete(f.Bare("zai-org"), recursive: true);
            });

            Assert.Equal("rolled-back", result.Status);
            Assert.Equal("repo.remote", result.FailedStep);
            Assert.Equal(before, f.State());
        }

        [Fact]
        public void TheProfileKnowsTheMoveInAnotherSpelling()
        {
            using var f = OrgRename();
            // The profile lists the old location without file:// and .git, in other case: the same repository.
            var profile = new RepositorySpec { Url = f.Url("zai-org"), MovedFrom = new() { f.Bare("thudm").Replace(".git", "") } };

            var migration = f.Plan(to: null, profile: profile);
            Assert.Equal(f.Url("zai-org"), migration.To);
            Assert.Equal("changed", f.Apply(migration.Plan).Status);
            Assert.Equal(f.Url("zai-org"), f.Git(f.Checkout, "remote", "get-url", "origin"));
        }

        [Fact]
        public void AnOldRemoteThatNoLongerAnswersIsMovedToTheProfilesRepository()
        {
            using var f = OrgRename();
            Directory.Delete(f.Bare("THUDM"), recursive: true);
            var profile = new RepositorySpec { Url = f.Url("zai-org") };

            var migration = f.Plan(to: null, profile: profile);

            Assert.Contains(migration.Plan.Notes, n => n.Contains("cannot be fetched"));
            Assert.Equal("changed", f.Apply(migration.Plan).Status);
        }

        [Fact]
        public void AnAnsweringUnknownRemoteIsNotMovedWithoutTo()
        {
            using var f = OrgRename();
            var profile = new RepositorySpec { Url = "https://github.com/zai-org/Open-AutoGLM" };
            var before = f.State();

            var ex = Assert.Throws<AutoGlmException>(() => f.Plan(to: null, profile: profile));

            Assert.Equal("RepositoryTargetUnknown", ex.ErrorId);
            Assert.Contains("--to", ex.Message);
            Assert.Equal(before, f.State());
        }

        [Fact]
        public void CredentialsNeverReachThePlanTheJournalOrTheResult()
        {
            using var f = OrgRename();
            const string token = "ghp_S3cretT0ken";
            var url = $"https://oauth2:{token}@127.0.0.1:9/zai-org/app.git";

            var migration = f.Plan(url);
            var preview = PlanExecutor.Preview(migration.Plan, f.System, AutoGlm.Engine.NullOutput.Instance, TimeSpan.FromSeconds(30));
            var result = f.Apply(migration.Plan);

            var json = AutoGlm.Engine.Json.Json.Serialize(preview.ToJson()) + AutoGlm.Engine.Json.Json.Serialize(result.ToJson());
            Assert.Contains("https://****@127.0.0.1:9/zai-org/app.git", json);
            Assert.DoesNotContain(token, json);
            Assert.DoesNotContain(token, migration.Plan.Title + string.Join(" ", migration.Plan.Notes));
            Assert.Equal("rolled-back", result.Status);   // nothing listens on port 9
            Assert.False(File.Exists(result.JournalPath)); // all put back: no journal left, so no credential in one
            Assert.Equal(f.Url("THUDM"), f.Git(f.Checkout, "remote", "get-url", "origin"));
        }

        [Fact]
        public void ACredentialInTheCurrentRemoteIsMaskedInTheInspection()
        {
            using var f = OrgRename();
            f.Git(f.Checkout, "remote", "set-url", "origin", "https://deploy:t0psecret@example.invalid/THUDM/app.git");

            var (_, inspection) = RepositoryInspector.Inspect(f.System, GitFixture.CheckoutHostPath);

            var text = inspection.ToText() + AutoGlm.Engine.Json.Json.Serialize(inspection.ToJson());
            Assert.DoesNotContain("t0psecret", text);
            Assert.Contains("https://****@example.invalid/THUDM/app.git", text);
            Assert.True(inspection.Remotes.Single().HasCredentials);
        }

        [Theory]
        [InlineData("ext::sh -c touch% /tmp/pwned", "RepositoryUrlUnsafe")]
        [InlineData("fd::17", "RepositoryUrlUnsafe")]
        [InlineData("--upload-pack=touch /tmp/pwned", "RepositoryUrlUnsafe")]
        [InlineData("-oProxyCommand=x", "RepositoryUrlUnsafe")]
        [InlineData("ssh://-oProxyCommand=touch/x/y", "RepositoryUrlUnsafe")]
        [InlineData("https://github.com/zai-org/app;rm -rf ~", "RepositoryUrlUnsafe")]
        [InlineData("https://github.com/zai-org/$(id)", "RepositoryUrlUnsafe")]
        [InlineData("git@github.com:zai-org/app`id`", "RepositoryUrlUnsafe")]
        [InlineData("https://github.com/zai-org/app\n", "RepositoryUrlUnsafe")]
        [InlineData("https://github.com/../../etc", "RepositoryUrlUnsafe")]
        [InlineData("http://github.com/zai-org/app", "RepositoryUrlUnsafe")]
        [InlineData("git://github.com/zai-org/app", "RepositoryUrlUnsafe")]
        [InlineData("relative/path", "RepositoryUrlInvalid")]
        [InlineData("", "RepositoryUrlInvalid")]
        public void HostileOrUnusableUrlsAreRefusedAndNothingChanges(string url, string errorId)
        {
            using var f = OrgRename();
            var before = f.State();

            var ex = Assert.Throws<AutoGlmException>(() => f.Plan(url));

            Assert.Equal(errorId, ex.ErrorId);
            Assert.Contains("Nothing was changed", ex.Message);
            Assert.Equal(before, f.State());
            Assert.False(Directory.Exists(f.StateDir));
        }

        [Fact]
        public void LocalRemotesNeedTheAllowance()
        {
            using var f = OrgRename();
            var ex = Assert.Throws<AutoGlmException>(() => RepositoryMigrator.Plan(f.System,
                new MigrationRequest { Path = GitFixture.CheckoutHostPath, To = f.Url("zai-org") }, AutoGlm.Engine.NullOutput.Instance));
            Assert.Equal("RepositoryUrlLocalNotAllowed", ex.ErrorId);

            var notGit = Path.Combine(f.RootDir, "not-a-repo");
            Directory.CreateDirectory(notGit);
            var ex2 = Assert.Throws<AutoGlmException>(() => f.Plan(notGit));
            Assert.Equal("RepositoryUrlNotARepository", ex2.ErrorId);
        }

        [Fact]
        public void APathThatIsNoCheckoutIsAClearError()
        {
            using var f = new GitFixture();
            Directory.CreateDirectory(f.Checkout);
            var ex = Assert.Throws<AutoGlmException>(() => f.Plan("https://github.com/zai-org/Open-AutoGLM"));
            Assert.Equal("RepositoryNotFound", ex.ErrorId);
            Assert.Contains("/srv/app", ex.Message);

            var bad = Assert.Throws<AutoGlmException>(() => RepositoryMigrator.Plan(f.System,
                new MigrationRequest { Path = "/srv/missing", To = "https://github.com/zai-org/Open-AutoGLM" }, AutoGlm.Engine.NullOutput.Instance));
            Assert.Equal("RepositoryNotFound", bad.ErrorId);
        }

        [Fact]
        public void AnOptionDisguisedAsARefIsRefused()
        {
            using var f = OrgRename();
            var ex = Assert.Throws<AutoGlmException>(() => f.Plan(f.Url("zai-org"), @ref: "--upload-pack=x"));
            Assert.Equal("RepositoryRefInvalid", ex.ErrorId);
        }
    }
}
