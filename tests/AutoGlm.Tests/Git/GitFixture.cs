using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using AutoGlm.Engine;
using AutoGlm.Engine.Git;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;
using AutoGlm.Tests.Support;

namespace AutoGlm.Tests.Git
{
    /// <summary>
    /// Real git on temp dirs: bare repositories standing for the old and the new remote (THUDM → zai-org),
    /// and a checkout at /srv/app under an isolated root. Git never reads this machine's global or system
    /// config (GIT_CONFIG_GLOBAL points to an empty file, GIT_CONFIG_NOSYSTEM), and the engine's git gets
    /// no identity, so its own fallback is what the stash uses.
    /// </summary>
    public sealed class GitFixture : IDisposable
    {
        private readonly TempDir _dir = new TempDir("autoglm-git");

        public GitFixture()
        {
            Directory.CreateDirectory(RootDir);
            File.WriteAllText(GlobalConfig, "");
            Environment = new Dictionary<string, string?>
            {
                ["GIT_CONFIG_GLOBAL"] = GlobalConfig,
                ["GIT_CONFIG_NOSYSTEM"] = "1",
                ["GIT_AUTHOR_NAME"] = null, ["GIT_AUTHOR_EMAIL"] = null, ["GIT_COMMITTER_NAME"] = null, ["GIT_COMMITTER_EMAIL"] = null,
                ["EMAIL"] = null,
            };
            System = new LiveSystem(RootDir, stateDirectory: _dir.Combine("state"), environment: Environment);
        }

        public string RootDir => _dir.Combine("root");
        public string GlobalConfig => _dir.Combine("gitconfig");
        public string StateDir => _dir.Combine("state");
        public string Checkout => _dir.Combine("root", "srv", "app");
        public const string CheckoutHostPath = "/srv/app";
        public IReadOnlyDictionary<string, string?> Environment { get; }
        public LiveSystem System { get; }

        public string Bare(string org, string name = "app") => _dir.Combine("remotes", org, name + ".git");
        public string Url(string org, string name = "app") => "file://" + Bare(org, name);

        /// <summary>Runs the test's own git (with an identity), failing the test on error.</summary>
        public string Git(string dir, params string[] args)
        {
            var psi = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir };
            foreach (var a in new[] { "-c", "protocol.file.allow=always", "-c", "init.defaultBranch=master" }.Concat(args)) psi.ArgumentList.Add(a);
            psi.Environment["GIT_CONFIG_GLOBAL"] = GlobalConfig;
            psi.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
            psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
            psi.Environment["GIT_AUTHOR_NAME"] = psi.Environment["GIT_COMMITTER_NAME"] = "Test";
            psi.Environment["GIT_AUTHOR_EMAIL"] = psi.Environment["GIT_COMMITTER_EMAIL"] = "test@example.invalid";
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(" ", args)} failed in {dir}: {stderr.Result}");
            return stdout.Result.Trim();
        }

        /// <summary>A bare remote with a master branch of the given commits (file name → content, one commit each).</summary>
        public string CreateRemote(string org, string name = "app", params (string File, string Content)[] commits)
        {
            var work = _dir.Combine("work-" + org + "-" + name);
            Directory.CreateDirectory(work);
            Git(work, "init", "-q", "-b", "master");
            foreach (var (file, content) in commits.Length > 0 ? commits : new[] { ("README.md", "# app\n"), ("requirements.txt", "openai==2.9.0\n") })
                Commit(work, file, content);
            Directory.CreateDirectory(Path.GetDirectoryName(Bare(org, name))!);
            Git(_dir.Path, "clone", "-q", "--bare", work, Bare(org, name));
            return work;
        }

        public void Commit(string work, string file, string content, string? message = null)
        {
            var path = Path.Combine(work, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
            Git(work, "add", file);
            Git(work, "commit", "-q", "-m", message ?? "change " + file);
        }

        /// <summary>The same history at a new URL (an organisation rename).</summary>
        public void CopyRemote(string fromOrg, string toOrg, string name = "app")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Bare(toOrg, name))!);
            Git(_dir.Path, "clone", "-q", "--bare", Bare(fromOrg, name), Bare(toOrg, name));
        }

        /// <summary>A scratch clone of a remote, to add commits and push them.</summary>
        public string WorkOn(string org, string name = "app")
        {
            var work = _dir.Combine("push-" + org + "-" + name + "-" + Guid.NewGuid().ToString("N").Substring(0, 6));
            Git(_dir.Path, "clone", "-q", Url(org, name), work);
            return work;
        }

        public void CloneCheckout(string org)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Checkout)!);
            Git(_dir.Path, "clone", "-q", Url(org), Checkout);
        }

        public RepositoryMigration Plan(string? to, string? @ref = null, bool accept = false, RepositorySpec? profile = null) =>
            RepositoryMigrator.Plan(System, new MigrationRequest
            {
                Path = CheckoutHostPath, To = to, Ref = @ref, AllowLocal = true, AcceptRewrittenHistory = accept, Profile = profile,
            }, NullOutput.Instance);

        public ApplyResult Apply(ChangePlan plan, Action<string, string>? boundary = null) =>
            PlanExecutor.Apply(plan, System, new ApplyOptions { Boundary = boundary, LockTimeout = TimeSpan.FromSeconds(5) }, NullOutput.Instance);

        /// <summary>Everything a migration may touch: local config, refs, HEAD, index and work tree, stashes, files.</summary>
        public string State()
        {
            var parts = new List<string>
            {
                "config:\n" + string.Join("\n", Git(Checkout, "config", "--list", "--local").Split('\n').OrderBy(l => l, StringComparer.Ordinal)),
                "refs:\n" + Git(Checkout, "for-each-ref", "--format=%(refname) %(objectname) %(symref)"),
                "head: " + Git(Checkout, "rev-parse", "HEAD") + " " + TryGit(Checkout, "symbolic-ref", "-q", "HEAD"),
                "status:\n" + Git(Checkout, "status", "--porcelain", "--untracked-files=all"),
                "stashes: " + Git(Checkout, "stash", "list").Split('\n').Count(l => l.Length > 0),
            };
            foreach (var file in Directory.GetFiles(Checkout, "*", SearchOption.AllDirectories)
                         .Where(f => !f.Contains(Path.DirectorySeparatorChar + ".git" + Path.DirectorySeparatorChar) && !f.EndsWith(Path.DirectorySeparatorChar + ".git"))
                         .OrderBy(f => f, StringComparer.Ordinal))
                parts.Add(file.Substring(Checkout.Length) + ": " + File.ReadAllText(file));
            return string.Join("\n", parts);
        }

        public string TryGit(string dir, params string[] args)
        {
            try { return Git(dir, args); } catch (InvalidOperationException) { return "(none)"; }
        }

        public void Dispose() => _dir.Dispose();
    }

    /// <summary>A step that fails like a command that cannot run, to test rollback mid-plan.</summary>
    internal sealed class FailingStep : PlanStep
    {
        public FailingStep() : base("injected.failure", "run", "nothing", "fails on purpose") { }
        public override StepCheck Test(StepContext context) => StepCheck.Needed("always");
        public override void Set(StepContext context) => context.Run(new[] { "false" });
    }
}
