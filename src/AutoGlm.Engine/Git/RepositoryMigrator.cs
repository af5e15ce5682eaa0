using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Hosting;
using AutoGlm.Engine.Matrix;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Git
{
    public sealed class MigrationRequest
    {
        /// <summary>The checkout's directory (a host path; under --root when one is given).</summary>
        public string Path { get; set; } = "";
        /// <summary>The new URL; null: take it from the profile's repository (its url, when origin is one of its movedFrom).</summary>
        public string? To { get; set; }
        /// <summary>Commit, tag or branch of the new remote to check out; null: fast-forward the branch, or stay.</summary>
        public string? Ref { get; set; }
        /// <summary>The remote to migrate; null: the branch's remote, else origin.</summary>
        public string? Remote { get; set; }
        /// <summary>Accept file:// URLs and absolute paths (local mirrors, tests).</summary>
        public bool AllowLocal { get; set; }
        /// <summary>Switch even when the new history does not contain the current one (rewritten, or another fork).</summary>
        public bool AcceptRewrittenHistory { get; set; }
        /// <summary>The profile's repository entry (url, ref, movedFrom), for detecting a known move.</summary>
        public RepositorySpec? Profile { get; set; }
    }

    /// <summary>A migration: its plan, the state recorded before it, and what the move changed for others.</summary>
    public sealed class RepositoryMigration
    {
        internal RepositoryMigration(ChangePlan plan, RepositoryInspection before, string from, string to)
        {
            Plan = plan;
            Before = before;
            From = from;
            To = to;
        }

        public ChangePlan Plan { get; }
        public RepositoryInspection Before { get; }
        /// <summary>The old URL, credentials masked.</summary>
        public string From { get; }
        /// <summary>The new URL, credentials masked.</summary>
        public string To { get; }
        /// <summary>
        /// After an apply: whether requirement files (requirements*.txt, pyproject.toml, setup.py, setup.cfg)
        /// differ between the old and the new HEAD; null before. Re-syncing the venv and restarting the
        /// service are the install and service commands' business: this only exposes the fact.
        /// </summary>
        public bool? RequirementsChanged { get; internal set; }
        public List<string> ChangedRequirementFiles { get; } = new List<string>();
    }

    /// <summary>
    /// Plans the move of a checkout to a new remote URL: fetch into refs/autoglm/migrate/*, verify it is
    /// the same project, switch the remote (the old one kept as autoglm-previous), update tracking (a
    /// renamed default branch too), keep uncommitted work aside while HEAD moves, move to the pinned
    /// ref or fast-forward, carry submodule URLs that moved with it, clean up, report requirement
    /// changes. Every step tests the state first, so a second run converges, and captures what it
    /// replaces, so a failure restores remotes, branch, HEAD and work tree.
    /// </summary>
    public static class RepositoryMigrator
    {
        public const string PlanName = "repo-migrate";
        public const string PreviousRemote = "autoglm-previous";
        public const string TempRefs = "refs/autoglm/migrate/";
        public const string StashMessage = "autoglm-migrate: uncommitted work kept aside while HEAD moves";
        internal static readonly string[] RequirementPaths =
            { ":(glob)**/requirements*.txt", ":(glob)**/pyproject.toml", ":(glob)**/setup.py", ":(glob)**/setup.cfg" };

        public static RepositoryMigration Plan(ISystemHost system, MigrationRequest request, IEngineOutput output)
        {
            // The arguments first, before git is asked anything: a bad URL or ref is refused as it is.
            if (request.To != null) GitUrl.Parse(request.To, request.AllowLocal, "new URL (-To)");
            if (request.Ref != null && !IsSafeRef(request.Ref))
                throw new AutoGlmException("RepositoryRefInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("RepositoryRefInvalid", UntrustedInput.Escape(GitUrl.MaskText(request.Ref))), request.Ref);
            var (repo, before) = RepositoryInspector.Inspect(system, request.Path);
            if (before.Head.Length == 0)
                throw new AutoGlmException("RepositoryHasNoCommits", ErrorKind.InvalidOperation,
                    Messages.Format("RepositoryHasNoCommits", request.Path), request.Path);
            if (before.OperationInProgress != null)
                throw new AutoGlmException("RepositoryBusy", ErrorKind.InvalidOperation,
                    Messages.Format("RepositoryBusy", request.Path, before.OperationInProgress), request.Path);
            if (request.Ref != null && !IsSafeRef(request.Ref))
                throw new AutoGlmException("RepositoryRefInvalid", ErrorKind.InvalidArgument,
                    Messages.Format("RepositoryRefInvalid", UntrustedInput.Escape(GitUrl.MaskText(request.Ref))), request.Ref);

            var remote = request.Remote;
            if (remote == null)
            {
                var tracked = before.Branch == null ? null : repo.GetLocal($"branch.{before.Branch}.remote");
                remote = tracked != null && tracked != PreviousRemote && tracked != "." ? tracked : "origin";
            }
            if (!before.Remotes.Any(r => r.Name == remote))
                throw new AutoGlmException("RepositoryRemoteNotFound", ErrorKind.ObjectNotFound,
                    Messages.Format("RepositoryRemoteNotFound", UntrustedInput.Escape(request.Path), UntrustedInput.Escape(remote), string.Join(", ", before.Remotes.Select(r => r.Name).DefaultIfEmpty("none"))), remote);

            var currentRaw = repo.RemoteUrl(remote) ?? "";
            var current = Lenient(currentRaw);
            var notes = new List<string>();
            var target = Target(repo, request, remote, currentRaw, current, notes);
            if (target.Kind == GitUrlKind.Local) RequireLocalRepository(system, target);

            bool migrated = current != null && current.SameRepository(target);
            var previousRaw = repo.RemoteUrl(PreviousRemote);
            if (!migrated && previousRaw != null)
                throw new AutoGlmException("RepositoryPreviousRemoteExists", ErrorKind.ResourceUnavailable,
                    Messages.Format("RepositoryPreviousRemoteExists", request.Path, PreviousRemote, GitUrl.MaskText(previousRaw)), PreviousRemote);
            // What the repository moved from: the remote now, or what an earlier run kept.
            var old = migrated ? Lenient(previousRaw ?? "") : current;
            var oldShown = migrated ? GitUrl.MaskText(previousRaw ?? "") : GitUrl.MaskText(currentRaw);

            var m = new Migration(repo, remote, target, old, request.Ref, request.AcceptRewrittenHistory, before.Head);
            foreach (var secret in new[] { target.Secret, current?.Secret, old?.Secret }) if (secret != null) m.Secrets.Add(secret);
            if (currentRaw != GitUrl.MaskText(currentRaw) && current?.Secret == null)
                m.Secrets.Add(Regex.Match(currentRaw, "://([^/@]+)@").Groups[1].Value);

            if (migrated) notes.Add($"{remote} already points to {target.Display}; each step checks its part of the move.");
            else notes.Add($"{remote} moves from {oldShown} to {target.Display}; the old URL stays reachable as the remote '{PreviousRemote}'.");
            if (before.LocalCommits.Count > 0)
                notes.Add($"{before.LocalCommits.Count} local commit(s) not on {remote} stay on {(before.Branch ?? "HEAD")}; they are checked against the new history.");
            if (before.Dirty)
                notes.Add($"Uncommitted work ({before.Modified.Count} changed, {before.Untracked.Count} untracked) is kept aside with git stash only if HEAD has to move, and restored after.");
            if (target.HasCredentials)
                notes.Add("The new URL carries credentials: git stores it in .git/config as given, and AutoGlm shows it masked. A credential helper (git config credential.helper) keeps tokens out of the URL.");
            foreach (var setting in before.CredentialSettings.Where(s => old != null && s.ToLowerInvariant().Contains(old.Host) && old.Host.Length > 0))
                notes.Add($"The setting '{setting}' is keyed to the old URL and does not follow the move; set it again for {target.Display} if git needs it.");
            if (before.Lfs.Count > 0)
                notes.Add("LFS is in use: its endpoint follows the remote URL unless lfs.url or remote.<name>.lfsurl pins it; those keys are reported, not rewritten: " + string.Join("; ", before.Lfs) + ".");
            notes.Add("When requirement files change between the old and the new HEAD, the result says so (RequirementsChanged); re-syncing the venv and restarting the service are separate commands.");

            var steps = new List<PlanStep>
            {
                new FetchStep(m),
                new VerifyStep(m),
                new RemoteStep(m),
                new TrackingStep(m, before.Branch),
                new KeepWorkStep(m),
                new MoveStep(m),
                new RestoreWorkStep(m),
                new SubmodulesStep(m),
                new CleanupStep(m),
                new RequirementsStep(m),
            };
            var plan = new ChangePlan(PlanName, $"{request.Path}: {remote} → {target.Display}", steps, notes);
            var migration = new RepositoryMigration(plan, before, oldShown, target.Display);
            m.Result = migration;
            return migration;
        }

        private static GitUrl Target(GitRepository repo, MigrationRequest request, string remote, string currentRaw, GitUrl? current, List<string> notes)
        {
            if (request.To != null) return GitUrl.Parse(request.To, request.AllowLocal, "new URL (-To)");
            var profile = request.Profile;
            if (profile != null && profile.Url.Length > 0)
            {
                var url = GitUrl.Parse(profile.Url, request.AllowLocal, "profile repository URL");
                if (current != null && current.SameRepository(url)) return url;
                foreach (var from in profile.MovedFrom ?? new List<string>())
                {
                    var before = Lenient(from);
                    if (before != null && current != null && before.SameRepository(current))
                    {
                        notes.Add($"{GitUrl.MaskText(currentRaw)} is a former location of {url.Display} (the profile's repository.movedFrom).");
                        return url;
                    }
                }
                // Not a known former location: migrate only when the old remote no longer answers.
                var probe = repo.System.Run(repo.NetworkArgv("ls-remote", "--heads", remote), TimeSpan.FromSeconds(60));
                if (!probe.Succeeded)
                {
                    notes.Add($"{remote} ({GitUrl.MaskText(currentRaw)}) cannot be fetched ({GitUrl.MaskText(probe.Describe())}); moving to the profile's repository {url.Display}, verified to be the same project before anything changes.");
                    return url;
                }
                throw new AutoGlmException("RepositoryTargetUnknown", ErrorKind.InvalidArgument,
                    Messages.Format("RepositoryTargetUnknown_Answers", remote, request.Path, GitUrl.MaskText(currentRaw), url.Display), request.Path);
            }
            throw new AutoGlmException("RepositoryTargetUnknown", ErrorKind.InvalidArgument,
                Messages.Format("RepositoryTargetUnknown_NoUrl", request.Path, GitUrl.MaskText(currentRaw)), request.Path);
        }

        private static void RequireLocalRepository(ISystemHost system, GitUrl target)
        {
            var path = target.Path.StartsWith("/", StringComparison.Ordinal) || target.Path.Contains(":") ? target.Path : "/" + target.Path;
            var probe = system.Run(new[] { "git", "-C", path, "rev-parse", "--git-dir" }, TimeSpan.FromSeconds(30));
            if (!System.IO.Directory.Exists(path) || !probe.Succeeded)
                throw new AutoGlmException("RepositoryUrlNotARepository", ErrorKind.ObjectNotFound,
                    Messages.Format("RepositoryUrlNotARepository", target.Display, (System.IO.Directory.Exists(path) ? Messages.Format("RepositoryUrlNotARepository_NotRecognised") : Messages.Format("RepositoryUrlNotARepository_NoDirectory"))), target.Display);
        }

        internal static GitUrl? Lenient(string raw)
        {
            try { return GitUrl.Parse(raw, allowLocal: true); }
            catch (AutoGlmException) { return null; }
        }

        internal static bool IsSafeRef(string r) =>
            Regex.IsMatch(r, @"^[A-Za-z0-9_][A-Za-z0-9._/+-]*$") && !r.Contains("..") && !r.EndsWith(".lock", StringComparison.Ordinal) && r.Length <= 200;
    }

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
