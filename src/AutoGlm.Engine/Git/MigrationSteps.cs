using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;

// The migration's shared state and its first four steps (fetch, verify, remote, tracking); RepositoryMigrator plans them.
namespace AutoGlm.Engine.Git
{
    /// <summary>What the steps share: the repository, the remote, the target, and what the planner saw.</summary>
    internal sealed class Migration
    {
        public Migration(GitRepository repo, string remote, GitUrl target, GitUrl? old, string? pinnedRef, bool acceptRewritten, string oldHead)
        {
            Repo = repo;
            Remote = remote;
            Target = target;
            Old = old;
            Ref = pinnedRef;
            AcceptRewritten = acceptRewritten;
            OldHead = oldHead;
        }

        public GitRepository Repo { get; }
        public string Remote { get; }
        public GitUrl Target { get; }
        public GitUrl? Old { get; }
        public string? Ref { get; }
        public bool AcceptRewritten { get; }
        public string OldHead { get; }
        public List<string> Secrets { get; } = new List<string>();
        public RepositoryMigration? Result { get; set; }

        public void Mask(StepContext context)
        {
            foreach (var s in Secrets.Where(s => s.Length > 0)) context.Secrets.Add(s);
        }

        /// <summary>The remote already points to the target.</summary>
        public bool Migrated
        {
            get
            {
                var url = Repo.RemoteUrl(Remote);
                return url != null && RepositoryMigrator.Lenient(url) is GitUrl u && u.SameRepository(Target);
            }
        }

        public bool Fetched => Repo.Refs(RepositoryMigrator.TempRefs + "heads/").Count > 0;

        public string? ResolveRef(string r)
        {
            foreach (var candidate in new[] { RepositoryMigrator.TempRefs + "tags/" + r, RepositoryMigrator.TempRefs + "heads/" + r, "refs/tags/" + r, $"refs/remotes/{Remote}/{r}" })
                if (Repo.RefExists(candidate)) return Repo.Commit(candidate);
            return Regex.IsMatch(r, "^[0-9a-fA-F]{4,40}$") ? Repo.Commit(r) : null;
        }

        /// <summary>Where HEAD should go, and how; null when it stays (or cannot be known before the fetch).</summary>
        public (string Commit, bool FastForward)? MoveTarget()
        {
            var head = Repo.Head();
            if (head == null) return null;
            if (Ref != null)
            {
                var sha = ResolveRef(Ref);
                return sha == null || sha == head ? ((string, bool)?)null : (sha, false);
            }
            var branch = Repo.Branch();
            if (branch == null || Repo.GetLocal($"branch.{branch}.remote") != Remote || !Migrated) return null;
            var merge = Repo.GetLocal($"branch.{branch}.merge");
            if (merge == null) return null;
            var up = Repo.Commit($"refs/remotes/{Remote}/{RepositoryInspector.StripHeads(merge)}");
            if (up == null || up == head || Repo.IsAncestor(up, head) || !Repo.IsAncestor(head, up)) return null;
            return (up, true);
        }

        public (string Ref, int Index)? OurStash()
        {
            var entries = Repo.Lines("stash", "list", "--format=%gd %gs");
            for (int i = 0; i < entries.Count; i++)
                if (entries[i].EndsWith(RepositoryMigrator.StashMessage, StringComparison.Ordinal)) return ($"stash@{{{i}}}", i);
            return null;
        }

        public List<string> Display(params string[] args) => Repo.Argv(args).ToList();
    }

    internal abstract class MigrationStep : PlanStep
    {
        protected MigrationStep(Migration m, string id, string action, string target, string description)
            : base(id, action, target, description) { M = m; }

        protected Migration M { get; }
        protected GitRepository Repo => M.Repo;
        public override bool CanRollBack => true;
    }

    /// <summary>1. Fetch the new URL's branches and tags into refs/autoglm/migrate/*, and its default branch.</summary>
    internal sealed class FetchStep : MigrationStep
    {
        public FetchStep(Migration m) : base(m, "repo.fetch", "fetch", m.Target.Display,
            $"Fetch the history at {m.Target.Display} into temporary refs ({RepositoryMigrator.TempRefs}*), changing no branch or remote.") { }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new[]
        {
            Repo.Argv("fetch", "--no-tags", M.Target.Display, $"+refs/heads/*:{RepositoryMigrator.TempRefs}heads/*", $"+refs/tags/*:{RepositoryMigrator.TempRefs}tags/*"),
            Repo.Argv("ls-remote", "--symref", M.Target.Display, "HEAD"),
            Repo.Argv("symbolic-ref", RepositoryMigrator.TempRefs + "HEAD", RepositoryMigrator.TempRefs + "heads/<the new remote's default branch>"),
        };

        public override StepCheck Test(StepContext context)
        {
            M.Mask(context);
            if (M.Migrated) return StepCheck.Satisfied($"{M.Remote} already points to {M.Target.Display}");
            return StepCheck.Needed($"{M.Remote} points to {M.Old?.Display ?? "another URL"}; the new history is not fetched yet");
        }

        public override void Set(StepContext context)
        {
            M.Mask(context);
            Repo.KeepingFetchHead(() => context.Run(Repo.NetworkArgv("fetch", "--no-tags", M.Target.Raw, $"+refs/heads/*:{RepositoryMigrator.TempRefs}heads/*", $"+refs/tags/*:{RepositoryMigrator.TempRefs}tags/*")));
            var head = context.Run(Repo.NetworkArgv("ls-remote", "--symref", M.Target.Raw, "HEAD"));
            var match = Regex.Match(head.Stdout, @"^ref: refs/heads/(?<branch>\S+)\s+HEAD", RegexOptions.Multiline);
            if (match.Success && Repo.RefExists(RepositoryMigrator.TempRefs + "heads/" + match.Groups["branch"].Value))
                Repo.Change(context, "symbolic-ref", RepositoryMigrator.TempRefs + "HEAD", RepositoryMigrator.TempRefs + "heads/" + match.Groups["branch"].Value);
        }

        public override StepCheck Verify(StepContext context)
        {
            var heads = Repo.Refs(RepositoryMigrator.TempRefs + "heads/").Count;
            return heads > 0
                ? StepCheck.Satisfied($"fetched {heads} branch(es) and {Repo.Refs(RepositoryMigrator.TempRefs + "tags/").Count} tag(s) from {M.Target.Display}")
                : StepCheck.Needed($"{M.Target.Display} has no branches");
        }

        public override IDictionary<string, string> Capture(StepContext context) => new Dictionary<string, string> { ["refs"] = RepositoryMigrator.TempRefs };

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured) => CleanupStep.DeleteTempRefs(Repo, context);
    }

    /// <summary>2. The new history must contain the current one (or the pinned ref); otherwise refuse and say what would be needed.</summary>
    internal sealed class VerifyStep : MigrationStep
    {
        private string _verdict = "";

        public VerifyStep(Migration m) : base(m, "repo.verify", "verify", m.Ref != null ? "ref " + m.Ref : "HEAD",
            m.Ref != null
                ? $"Check that {m.Ref} is a commit of the new history: the same project, not a rewritten history or another fork."
                : "Check that every commit of HEAD that the old remote had is in the new history: the same project, not a rewritten history or another fork.") { }

        public override bool CanRollBack => false;

        public override IReadOnlyList<IReadOnlyList<string>> Commands => M.Ref != null
            ? new[] { Repo.Argv("for-each-ref", "--contains", M.Ref, RepositoryMigrator.TempRefs) }
            : new[]
            {
                Repo.Argv("rev-list", "HEAD", "--not", "--glob=" + RepositoryMigrator.TempRefs + "*"),
                Repo.Argv("rev-list", "HEAD", "--not", "--remotes=" + M.Remote),
            };

        public override StepCheck Test(StepContext context)
        {
            if (M.Migrated) return StepCheck.Satisfied($"{M.Remote} already points to {M.Target.Display}");
            return StepCheck.Needed("checked once the new history is fetched");
        }

        public override void Set(StepContext context)
        {
            M.Mask(context);
            var problem = M.Ref != null ? CheckRef() : CheckHead();
            if (problem == null) return;
            if (!M.AcceptRewritten)
                throw new AutoGlmException("RepositoryNotSameProject", ErrorKind.InvalidData,
                    Messages.Format("RepositoryNotSameProject", problem), M.Target.Display);
            context.Output.Warning(Messages.Format("Warning_RewrittenHistoryAccepted", problem));
            _verdict = "accepted a different history (-AcceptRewrittenHistory)";
        }

        public override StepCheck Verify(StepContext context) => StepCheck.Satisfied(_verdict);

        private string? CheckRef()
        {
            var sha = M.ResolveRef(M.Ref!);
            if (sha == null)
                throw new AutoGlmException("RepositoryRefNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("RepositoryRefNotFound", M.Ref, M.Target.Display), M.Ref);
            if (Repo.Lines("for-each-ref", "--contains", sha, "--format=%(refname)", RepositoryMigrator.TempRefs).Count > 0)
            {
                _verdict = $"{M.Ref} ({RepositoryInspection.Short(sha)}) is in the history of {M.Target.Display}";
                return null;
            }
            return $"The pinned ref {M.Ref} ({RepositoryInspection.Short(sha)}) is not in the history of {M.Target.Display}: its history was rewritten, or it is another project or fork.";
        }

        private string? CheckHead()
        {
            var total = int.Parse(Repo.Output("rev-list", "--count", "HEAD") ?? "0");
            var missing = Repo.Lines("rev-list", "HEAD", "--not", "--glob=" + RepositoryMigrator.TempRefs + "*");
            var local = new HashSet<string>(Repo.Lines("rev-list", "HEAD", "--not", "--remotes=" + M.Remote));
            var foreign = missing.Where(c => !local.Contains(c)).ToList();
            if (foreign.Count == 0 && missing.Count < total)
            {
                _verdict = local.Count == 0
                    ? $"HEAD ({RepositoryInspection.Short(M.OldHead)}) is in the history of {M.Target.Display}"
                    : $"the history of {M.Target.Display} contains HEAD's {total - local.Count} upstream commit(s); the {local.Count} local one(s) stay on top";
                return null;
            }
            var examples = string.Join(", ", foreign.Take(3).Select(c => RepositoryInspection.Short(c) + " " + (Repo.Output("log", "-1", "--format=%s", c) ?? "")));
            var text = missing.Count >= total
                ? $"{M.Target.Display} shares no commit with HEAD ({RepositoryInspection.Short(M.OldHead)}): it is another project, or its whole history was rewritten."
                : $"{foreign.Count} commit(s) of HEAD that {M.Remote} had are not in the history of {M.Target.Display} (e.g. {examples}): its history was rewritten, or it is another fork.";
            if (local.Count > 0)
            {
                var ordered = Repo.Lines("rev-list", "--reverse", "--topo-order", "HEAD", "--not", "--remotes=" + M.Remote);
                var basis = Repo.Output("rev-parse", "--short", ordered[0] + "^") ?? "<the commit your work started from>";
                var branch = Repo.Branch() ?? "HEAD";
                var newHead = Repo.Output("symbolic-ref", "--short", RepositoryMigrator.TempRefs + "HEAD")?.Replace("autoglm/migrate/heads/", "") ?? "main";
                text += $" Your {local.Count} local commit(s) would have to be carried over by hand after the switch: " +
                        $"git rebase --onto {M.Remote}/{newHead} {basis} {branch}, or git cherry-pick {string.Join(" ", ordered.Select(c => RepositoryInspection.Short(c)))} on a branch from {M.Remote}/{newHead}.";
            }
            return text;
        }
    }

    /// <summary>3. Keep the old remote as autoglm-previous (its refs and settings with it) and point the remote at the new URL.</summary>
    internal sealed class RemoteStep : MigrationStep
    {
        public RemoteStep(Migration m) : base(m, "repo.remote", "set-remote", m.Remote,
            $"Rename the remote {m.Remote} to {RepositoryMigrator.PreviousRemote} (kept, with its refs), add {m.Remote} for {m.Target.Display}, fetch it and record its default branch.") { }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new[]
        {
            Repo.Argv("remote", "rename", M.Remote, RepositoryMigrator.PreviousRemote),
            Repo.Argv("remote", "add", M.Remote, M.Target.Display),
            Repo.Argv("fetch", M.Remote),
            Repo.Argv("remote", "set-head", M.Remote, "--auto"),
        };

        public override StepCheck Test(StepContext context)
        {
            M.Mask(context);
            return M.Migrated
                ? StepCheck.Satisfied($"{M.Remote} points to {M.Target.Display}")
                : StepCheck.Needed($"{M.Remote} points to {M.Old?.Display ?? "another URL"}");
        }

        public override void Set(StepContext context)
        {
            M.Mask(context);
            Repo.Change(context, "remote", "rename", M.Remote, RepositoryMigrator.PreviousRemote);
            Repo.Change(context, "remote", "add", M.Remote, M.Target.Raw);
            Repo.KeepingFetchHead(() => context.Run(Repo.NetworkArgv("fetch", M.Remote)));
            context.Run(Repo.NetworkArgv("remote", "set-head", M.Remote, "--auto"), check: false);
        }

        public override StepCheck Verify(StepContext context) =>
            M.Migrated && Repo.Refs($"refs/remotes/{M.Remote}/").Count > 0
                ? StepCheck.Satisfied($"{M.Remote} points to {M.Target.Display}; the old URL is kept as {RepositoryMigrator.PreviousRemote}")
                : StepCheck.Needed($"{M.Remote} does not point to {M.Target.Display}, or has no branches");

        public override IDictionary<string, string> Capture(StepContext context) => new Dictionary<string, string> { ["remote"] = M.Remote };

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            // The old URL is never copied into the journal: it is restored from the renamed remote itself.
            if (Repo.RemoteNames().Contains(RepositoryMigrator.PreviousRemote))
            {
                if (Repo.RemoteNames().Contains(M.Remote)) Repo.Change(context, "remote", "remove", M.Remote);
                Repo.Change(context, "remote", "rename", RepositoryMigrator.PreviousRemote, M.Remote);
            }
        }
    }

    /// <summary>4. The branch tracks the new remote: the same branch, or its renamed default (master → main), renaming the local branch to match.</summary>
    internal sealed class TrackingStep : MigrationStep
    {
        private readonly string? _branch;

        public TrackingStep(Migration m, string? branch) : base(m, "repo.tracking", "set-upstream", branch ?? "HEAD (detached)",
            branch == null ? "HEAD is detached: no branch tracking to update."
                : $"Make {branch} track its branch on the new {m.Remote}; when the new remote renamed its default branch (e.g. master → main), rename {branch} to match.")
        {
            _branch = branch;
        }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => _branch == null ? Array.Empty<IReadOnlyList<string>>() : new[]
        {
            Repo.Argv("branch", "-m", _branch, "<the new default branch, when the old default was renamed>"),
            Repo.Argv("branch", "--set-upstream-to=" + M.Remote + "/<branch>", _branch),
        };

        /// <summary>The branch checked out now, what it tracks, and the upstream it should track (null: leave it).</summary>
        private (string Branch, string? Remote, string? Merge, string? Desired) Plan()
        {
            var branch = Repo.Branch() ?? "";
            var remote = branch.Length == 0 ? null : Repo.GetLocal($"branch.{branch}.remote");
            var merge = branch.Length == 0 ? null : Repo.GetLocal($"branch.{branch}.merge");
            if (merge == null || (remote != M.Remote && remote != RepositoryMigrator.PreviousRemote)) return (branch, remote, merge, null);
            var name = RepositoryInspector.StripHeads(merge);
            if (Repo.RefExists($"refs/remotes/{M.Remote}/{name}")) return (branch, remote, merge, name);
            var newDefault = Repo.Output("symbolic-ref", "--quiet", "--short", $"refs/remotes/{M.Remote}/HEAD");
            var oldDefault = Repo.Output("symbolic-ref", "--quiet", "--short", $"refs/remotes/{RepositoryMigrator.PreviousRemote}/HEAD");
            if (newDefault == null) return (branch, remote, merge, null);
            newDefault = newDefault.Substring(M.Remote.Length + 1);
            bool wasDefault = oldDefault == null || oldDefault == RepositoryMigrator.PreviousRemote + "/" + name;
            return (branch, remote, merge, wasDefault ? newDefault : null);
        }

        public override StepCheck Test(StepContext context)
        {
            if (_branch == null) return StepCheck.Satisfied("HEAD is detached; no branch tracks a remote");
            if (!M.Migrated) return StepCheck.Needed($"after the switch, {_branch} tracks its branch on the new {M.Remote} (or the new default branch)");
            var (branch, remote, merge, desired) = Plan();
            if (merge == null || (remote != M.Remote && remote != RepositoryMigrator.PreviousRemote))
                return StepCheck.Satisfied($"{branch} does not track {M.Remote}; left as it is");
            if (desired == null)
                return StepCheck.Satisfied($"{M.Remote} has no branch {RepositoryInspector.StripHeads(merge)} and no default to follow; {branch} keeps tracking {remote}/{RepositoryInspector.StripHeads(merge)}");
            return remote == M.Remote && RepositoryInspector.StripHeads(merge) == desired
                ? StepCheck.Satisfied($"{branch} tracks {M.Remote}/{desired}")
                : StepCheck.Needed($"{branch} tracks {remote}/{RepositoryInspector.StripHeads(merge)}; it should track {M.Remote}/{desired}");
        }

        public override void Set(StepContext context)
        {
            var (branch, _, merge, desired) = Plan();
            if (desired == null || merge == null) return;
            var local = branch;
            if (branch == RepositoryInspector.StripHeads(merge) && desired != branch && !Repo.RefExists("refs/heads/" + desired))
            {
                Repo.Change(context, "branch", "-m", branch, desired);
                local = desired;
                context.Output.Warning(Messages.Format("Warning_DefaultBranchRenamed", desired, branch));
            }
            Repo.Change(context, "branch", "--set-upstream-to=" + M.Remote + "/" + desired, local);
        }

        public override IDictionary<string, string> Capture(StepContext context)
        {
            var (branch, remote, merge, desired) = Plan();
            var captured = new Dictionary<string, string> { ["branch"] = branch };
            if (remote != null) captured["remote"] = remote;
            if (merge != null) captured["merge"] = merge;
            if (desired != null) captured["desired"] = desired;
            return captured;
        }

        public override void RollBack(StepContext context, IReadOnlyDictionary<string, string> captured)
        {
            var branch = captured["branch"];
            if (branch.Length == 0) return;
            if (captured.TryGetValue("desired", out var desired) && desired != branch
                && Repo.RefExists("refs/heads/" + desired) && !Repo.RefExists("refs/heads/" + branch))
                Repo.Change(context, "branch", "-m", desired, branch);
            foreach (var key in new[] { "remote", "merge" })
            {
                if (captured.TryGetValue(key, out var value)) Repo.Change(context, "config", "--local", $"branch.{branch}.{key}", value);
                else Repo.Read("config", "--local", "--unset", $"branch.{branch}.{key}");
            }
        }
    }
}
