using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;

// The migration's steps that move HEAD and what follows it (keep work, move, restore, submodules, clean-up).
namespace AutoGlm.Engine.Git
{
    /// <summary>5. Uncommitted and untracked work goes into a stash while HEAD moves (only when it moves).</summary>
    internal sealed class KeepWorkStep : MigrationStep
    {
        public KeepWorkStep(Migration m) : base(m, "repo.keep-work", "stash", "work tree",
            "Keep uncommitted and untracked changes aside (git stash) while HEAD moves; restored after the move.") { }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new[]
            { Repo.Argv("stash", "push", "--include-untracked", "-m", RepositoryMigrator.StashMessage) };

        public override StepCheck Test(StepContext context)
        {
            if (M.OurStash() != null) return StepCheck.Satisfied("the uncommitted work is kept aside");
            var (modified, untracked) = Repo.Status();
            if (modified.Count + untracked.Count == 0) return StepCheck.Satisfied("no uncommitted changes");
            if ((M.Migrated || M.Fetched) && M.MoveTarget() == null) return StepCheck.Satisfied($"HEAD does not move: the {modified.Count} changed and {untracked.Count} untracked file(s) stay as they are");
            return StepCheck.Needed($"{modified.Count} changed and {untracked.Count} untracked file(s) to keep aside if HEAD moves");
        }

        public override void Set(StepContext context) =>
            Repo.Change(context, Repo.IdentityArgs().Concat(new[] { "stash", "push", "--include-untracked", "-m", RepositoryMigrator.StashMessage }).ToArray());

        public override IDictionary<string, string> Capture(StepContext context) => new Dictionary<string, string> { ["stash"] = RepositoryMigrator.StashMessage };

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            if (M.OurStash() is { } stash) Repo.Change(context, "stash", "pop", "--index", stash.Ref);
        }
    }

    /// <summary>6. HEAD moves to the pinned ref, or the branch fast-forwards to its new upstream.</summary>
    internal sealed class MoveStep : MigrationStep
    {
        public MoveStep(Migration m) : base(m, "repo.checkout", "checkout", m.Ref ?? "HEAD",
            m.Ref != null ? $"Check out {m.Ref} from the new history (detached)." : "Fast-forward the branch to its upstream on the new remote when that is ahead; a detached HEAD or a diverged branch stays where it is.") { }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new[]
            { M.Ref != null ? Repo.Argv("checkout", "--detach", M.Ref + "^{commit}") : Repo.Argv("merge", "--ff-only", "@{upstream}") };

        public override StepCheck Test(StepContext context)
        {
            var head = RepositoryInspection.Short(Repo.Head() ?? "");
            if (!M.Migrated && !M.Fetched)
                return M.Ref != null || Repo.Branch() != null
                    ? StepCheck.Needed(M.Ref != null ? $"HEAD is at {head}; it moves to {M.Ref} once fetched" : $"HEAD is at {head}; the branch fast-forwards if the new remote is ahead")
                    : StepCheck.Satisfied($"HEAD is detached at {head} and no ref was given: it stays");
            var target = M.MoveTarget();
            if (target == null && M.Ref != null && M.ResolveRef(M.Ref) == null)
                return StepCheck.Needed($"{M.Ref} is not in the new history");
            return target == null
                ? StepCheck.Satisfied($"HEAD is at {head}")
                : StepCheck.Needed($"HEAD is at {head}; it moves to {RepositoryInspection.Short(target.Value.Commit)}");
        }

        public override void Set(StepContext context)
        {
            var target = M.MoveTarget();
            if (target == null)
            {
                if (M.Ref != null) throw new AutoGlmException("RepositoryRefNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("RepositoryRefNotFound_Checkout", M.Ref, M.Target.Display), M.Ref);
                return;
            }
            if (target.Value.FastForward) Repo.Change(context, "merge", "--ff-only", "@{upstream}");
            else Repo.Change(context, "checkout", "--detach", target.Value.Commit);
        }

        public override IDictionary<string, string> Capture(StepContext context) =>
            new Dictionary<string, string> { ["branch"] = Repo.Branch() ?? "", ["head"] = Repo.Head() ?? "" };

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            // The work tree holds no uncommitted work here: it is in the stash, restored by keep-work's rollback.
            if (captured["branch"].Length > 0)
            {
                Repo.Change(context, "checkout", "-q", "-f", captured["branch"]);
                Repo.Change(context, "reset", "-q", "--hard", captured["head"]);
            }
            else Repo.Change(context, "checkout", "-q", "-f", "--detach", captured["head"]);
        }
    }

    /// <summary>7. The work kept aside comes back onto the moved HEAD.</summary>
    internal sealed class RestoreWorkStep : MigrationStep
    {
        public RestoreWorkStep(Migration m) : base(m, "repo.restore-work", "stash-pop", "work tree",
            "Restore the uncommitted and untracked changes kept aside (git stash pop --index).") { }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new[] { Repo.Argv("stash", "pop", "--index", "stash@{N}") };

        public override StepCheck Test(StepContext context)
        {
            if (M.OurStash() is { } stash) return StepCheck.Needed($"the work kept aside is in {stash.Ref}");
            if (!M.Migrated && !M.Fetched && Repo.IsDirty()) return StepCheck.Needed("the uncommitted work comes back after the move, if it had to be kept aside");
            return StepCheck.Satisfied("no work kept aside");
        }

        public override void Set(StepContext context)
        {
            if (M.OurStash() is { } stash) Repo.Change(context, "stash", "pop", "--index", stash.Ref);
        }

        public override IDictionary<string, string> Capture(StepContext context) => new Dictionary<string, string> { ["restore"] = RepositoryMigrator.StashMessage };

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            if (M.OurStash() != null) Repo.Change(context, "reset", "-q", "--hard");   // a pop that failed half-way: the stash still holds it all
            else if (Repo.IsDirty()) Repo.Change(context, Repo.IdentityArgs().Concat(new[] { "stash", "push", "--include-untracked", "-m", RepositoryMigrator.StashMessage }).ToArray());
        }
    }

    /// <summary>8. Submodules that lived beside the old repository (same host and owner) follow it, when the new location answers.</summary>
    internal sealed class SubmodulesStep : MigrationStep
    {
        private List<(string Name, string Path, string From, string To)>? _moves;

        public SubmodulesStep(Migration m) : base(m, "repo.submodules", "set-url", ".gitmodules, .git/config",
            "Point submodules that moved with the repository (same host and owner) at their new location, in .gitmodules, .git/config and the submodule's own remote.") { }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new[]
        {
            Repo.Argv("config", "--file", ".gitmodules", "submodule.<name>.url", "<new url>"),
            Repo.Argv("config", "submodule.<name>.url", "<new url>"),
            new List<string> { "git", "-C", "<submodule path>", "remote", "set-url", "origin", "<new url>" },
        };

        /// <summary>Submodule URLs under the old owner, and where they go: the new owner's URL, in the new remote's form, without credentials.</summary>
        private List<(string Name, string Path, string From, string To)> Candidates(bool probe)
        {
            var list = new List<(string, string, string, string)>();
            if (M.Old == null) return list;
            var newBase = Regex.Replace(M.Target.Raw, @"://[^/@]+@", "://");
            newBase = newBase.Substring(0, newBase.TrimEnd('/').LastIndexOf('/') + 1);
            if (M.Target.Kind == GitUrlKind.Scp && newBase.Length == 0)
                newBase = M.Target.Raw.Substring(0, M.Target.Raw.IndexOf(':') + 1);
            foreach (var sub in RepositoryInspector.Submodules(Repo))
            {
                var raw = Repo.Output("config", "--file", ".gitmodules", "--get", $"submodule.{sub.Name}.url") ?? "";
                var url = RepositoryMigrator.Lenient(raw);
                if (url == null || url.HasCredentials || url.ParentKey != M.Old.ParentKey) continue;
                var to = newBase + url.Path.Split('/').Last();
                if (RepositoryMigrator.Lenient(to) is not GitUrl parsed || parsed.SameRepository(url)) continue;
                if (probe && !Repo.System.Run(Repo.NetworkArgv("ls-remote", "--heads", to), TimeSpan.FromSeconds(60)).Succeeded) continue;
                list.Add((sub.Name, sub.Path, raw, to));
            }
            return list;
        }

        public override StepCheck Test(StepContext context)
        {
            var moves = Candidates(probe: M.Migrated || M.Fetched);
            if (M.Migrated || M.Fetched) _moves = moves;
            return moves.Count == 0
                ? StepCheck.Satisfied("no submodule lives at the old location")
                : StepCheck.Needed(string.Join("; ", moves.Select(x => $"submodule {x.Name}: {x.From} → {x.To}")));
        }

        public override void Set(StepContext context)
        {
            foreach (var (name, path, _, to) in _moves ?? Candidates(probe: true))
            {
                Repo.Change(context, "config", "--file", ".gitmodules", $"submodule.{name}.url", to);
                if (Repo.GetLocal($"submodule.{name}.url") != null) Repo.Change(context, "config", "--local", $"submodule.{name}.url", to);
                var subDir = System.IO.Path.Combine(Repo.WorkTree, path);
                if (System.IO.File.Exists(System.IO.Path.Combine(subDir, ".git")) || System.IO.Directory.Exists(System.IO.Path.Combine(subDir, ".git")))
                    context.Run(new[] { "git", "-C", subDir, "remote", "set-url", "origin", to }, check: false);
            }
            _moves = null;
        }

        public override IDictionary<string, string> Capture(StepContext context)
        {
            var captured = new Dictionary<string, string> { [".gitmodules"] = System.IO.File.ReadAllText(System.IO.Path.Combine(Repo.WorkTree, ".gitmodules")) };
            foreach (var (name, path, _, _) in _moves ?? Candidates(probe: true))
            {
                if (Repo.GetLocal($"submodule.{name}.url") is { } configured) captured["config:" + name] = configured;
                var subDir = System.IO.Path.Combine(Repo.WorkTree, path);
                var own = Repo.System.Run(new[] { "git", "-C", subDir, "config", "--get", "remote.origin.url" }, TimeSpan.FromSeconds(30));
                if (own.Succeeded && System.IO.Directory.Exists(subDir)) captured["sub:" + path] = own.Stdout.Trim();
            }
            return captured;
        }

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            System.IO.File.WriteAllText(System.IO.Path.Combine(Repo.WorkTree, ".gitmodules"), captured[".gitmodules"]);
            foreach (var kv in captured)
            {
                if (kv.Key.StartsWith("config:", StringComparison.Ordinal))
                    Repo.Change(context, "config", "--local", $"submodule.{kv.Key.Substring(7)}.url", kv.Value);
                else if (kv.Key.StartsWith("sub:", StringComparison.Ordinal))
                    context.Run(new[] { "git", "-C", System.IO.Path.Combine(Repo.WorkTree, kv.Key.Substring(4)), "remote", "set-url", "origin", kv.Value }, check: false);
            }
        }
    }

    /// <summary>9. The temporary refs go once the remote holds the new history.</summary>
    internal sealed class CleanupStep : MigrationStep
    {
        public CleanupStep(Migration m) : base(m, "repo.cleanup", "delete-refs", RepositoryMigrator.TempRefs + "*",
            $"Delete the temporary refs under {RepositoryMigrator.TempRefs}.") { }

        public override bool CanRollBack => false;

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new[] { Repo.Argv("update-ref", "-d", RepositoryMigrator.TempRefs + "<each>") };

        public override StepCheck Test(StepContext context)
        {
            var count = Repo.Refs(RepositoryMigrator.TempRefs).Count;
            if (count == 0 && !M.Migrated) return StepCheck.Needed("the temporary refs are deleted after the move");
            return count == 0 ? StepCheck.Satisfied("no temporary refs") : StepCheck.Needed($"{count} temporary ref(s)");
        }

        public override void Set(StepContext context) => DeleteTempRefs(Repo, context);

        internal static void DeleteTempRefs(GitRepository repo, StepContext context)
        {
            // The symbolic HEAD first: deleting through it would delete the branch it points to.
            if (repo.RefExists(RepositoryMigrator.TempRefs + "HEAD")) repo.Change(context, "symbolic-ref", "--delete", RepositoryMigrator.TempRefs + "HEAD");
            foreach (var r in repo.Refs(RepositoryMigrator.TempRefs)) repo.Change(context, "update-ref", "-d", r);
        }
    }

    /// <summary>10. Report whether requirement files changed between the old and the new HEAD; changes nothing.</summary>
    internal sealed class RequirementsStep : MigrationStep
    {
        public RequirementsStep(Migration m) : base(m, "repo.requirements", "report", "requirements",
            "Report whether requirement files (requirements*.txt, pyproject.toml, setup.py, setup.cfg) changed between the old and the new HEAD, for the venv re-sync.") { }

        public override bool CanRollBack => false;

        public override IReadOnlyList<IReadOnlyList<string>> Commands =>
            new[] { Repo.Argv(new[] { "diff", "--name-only", M.OldHead, "HEAD", "--" }.Concat(RepositoryMigrator.RequirementPaths).ToArray()) };

        public override StepCheck Test(StepContext context)
        {
            var head = Repo.Head() ?? M.OldHead;
            if (!M.Migrated && head == M.OldHead) return StepCheck.Satisfied("compared once HEAD has moved");
            var files = Repo.Lines(new[] { "diff", "--name-only", M.OldHead, head, "--" }.Concat(RepositoryMigrator.RequirementPaths).ToArray());
            if (M.Result != null)
            {
                M.Result.RequirementsChanged = files.Count > 0;
                M.Result.ChangedRequirementFiles.Clear();
                M.Result.ChangedRequirementFiles.AddRange(files);
            }
            if (files.Count == 0) return StepCheck.Satisfied($"no requirement file changed between {RepositoryInspection.Short(M.OldHead)} and {RepositoryInspection.Short(head)}");
            var text = $"requirements changed between {RepositoryInspection.Short(M.OldHead)} and {RepositoryInspection.Short(head)}: {string.Join(", ", files)}; re-sync the venv and restart the service";
            context.Output.Warning(Messages.Format("Warning_RequirementsChanged", RepositoryInspection.Short(M.OldHead), RepositoryInspection.Short(head), string.Join(", ", files)));
            return StepCheck.Satisfied(text);
        }

        public override void Set(StepContext context) { }
    }
}
